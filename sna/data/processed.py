"""Reading the prepared data back: what notebooks start from.

``sna prepare`` writes ``counts.parquet``, ``populations.parquet``, ``lsoas.parquet`` and
``manifest.json``; :func:`load_processed` reads them into one frozen :class:`Processed` value.
Everything after that is pure functions on its frames.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sna.data.config import Config, load_config
from sna.data.files import sha256_bytes, sha256_file
from sna.data.manifest import Manifest
from sna.data.partner_checks import empty_checks
from sna.data.partners import empty_figures
from sna.data.policeuk import ASB
from sna.errors import SnaError

__all__ = ["Processed", "check_prepared_with", "damaged_outputs", "load_processed"]


@dataclass(frozen=True)
class Processed:
    """The prepared data of one assessment.

    Attributes
    ----------
    config
        The assessment config.
    counts
        Records by ``month`` (Timestamp, first of month), ``district_code``, ``district_name``,
        ``lsoa_code``, ``lsoa_name``, ``lsoa_vintage``, ``crime_type``: ``count``.
    populations
        ``year, area_code, area_name, population, source, source_year``; the benchmark has
        ``area_code == "benchmark"``.
    lsoas
        LSOAs of the kept districts, one row per code and vintage (2011, 2021), with population
        (``population_source``), the deprivation ranks and deciles of the index of the LSOA's
        vintage (``deprivation_index``: IoD2025 for 2021 LSOAs, IoD2019 for 2011 LSOAs), and
        its unit across vintages (``unit_code``, ``unit_name``, ``unit_change``), from the ONS
        LSOA (2011) to LSOA (2021) lookup.
    manifest
        ``manifest.json``, typed: input files, hashes, row accounting, months with data.
    outcomes
        Crimes (not anti-social behaviour) by ``month``, ``district_code``, ``district_name``,
        ``crime_type`` and police.uk ``last_outcome_category`` (blank kept as ``""``): ``count``;
        None when the data were prepared by a version of ``sna`` that did not write
        ``outcomes.parquet``.
    lad_counts, lad_populations
        Every usable row of the street files (kept or out of area) by ``month``, district of 2024
        (``lad_code``, ``lad_name``; ``""`` where no lookup places the LSOA), ``force`` and
        ``crime_type``: ``count``; and ``year, lad_code, lad_name, population, source`` for
        those districts (:mod:`sna.data.lads`). None when prepared without them.
    partners, partner_checks
        Partner indicators, one row per published figure
        (:data:`sna.data.partners.FIGURE_COLUMNS`), and their data-quality warnings
        (:data:`sna.data.partner_checks.CHECK_COLUMNS`); empty when there are none.
    peer_features
        Every district of England (2024) with the features the most-similar-districts group is
        made from, indexed by ``lad_code`` (:func:`sna.data.peers.district_features`, built by
        ``sna prepare``); empty when the peer files are absent, None when prepared without it.
    """

    config: Config
    counts: pd.DataFrame
    populations: pd.DataFrame
    lsoas: pd.DataFrame
    manifest: Manifest
    outcomes: pd.DataFrame | None = None
    lad_counts: pd.DataFrame | None = None
    lad_populations: pd.DataFrame | None = None
    partners: pd.DataFrame = field(default_factory=empty_figures)
    partner_checks: pd.DataFrame = field(default_factory=empty_checks)
    peer_features: pd.DataFrame | None = None

    @property
    def crimes(self) -> pd.DataFrame:
        """Counts of crimes: every crime type except anti-social behaviour (not a crime)."""
        return self.counts[self.counts["crime_type"] != ASB]

    @property
    def asb(self) -> pd.DataFrame:
        """Counts of anti-social behaviour incidents."""
        return self.counts[self.counts["crime_type"] == ASB]


def load_processed(config: Config | str | Path) -> Processed:
    """Load the prepared data of an assessment.

    Each file is checked against the size and SHA-256 that ``sna prepare`` recorded in the
    manifest (read once: the bytes hashed are the bytes parsed), so a truncated or edited file
    is an error naming it rather than a figure computed from it.

    Parameters
    ----------
    config
        A :class:`~sna.data.config.Config` or the path of its TOML file.

    Raises
    ------
    SnaError
        If ``sna prepare`` has not been run (a file is missing), or a file was changed or
        damaged after it.

    Examples
    --------
    >>> data = load_processed("../sna.toml")  # doctest: +SKIP
    >>> data.crimes.groupby("district_name")["count"].sum()  # doctest: +SKIP
    """
    if not isinstance(config, Config):
        config = load_config(config)
    folder = config.processed_dir
    needed = ["counts.parquet", "populations.parquet", "lsoas.parquet", "manifest.json"]
    missing = [name for name in needed if not (folder / name).is_file()]
    if missing:
        raise SnaError(
            f"{folder}: {', '.join(missing)} not found; run `sna prepare --config {config.path}` first"
        )
    try:
        manifest = Manifest.read(folder / "manifest.json")
    except (ValueError, KeyError, TypeError):
        raise _damaged(folder / "manifest.json", config) from None
    check_prepared_with(config, manifest)
    outputs = manifest.raw.get("outputs") or {}
    frames = {}
    optional = [
        name
        for name in (
            "outcomes.parquet",
            "lad_counts.parquet",
            "lad_populations.parquet",
            "partners.parquet",
            "partner_checks.parquet",
            "peer_features.parquet",
        )
        if name in outputs
    ]
    for name in [*needed[:3], *optional]:
        try:
            data = (folder / name).read_bytes()
        except OSError:
            raise _damaged(folder / name, config) from None
        expected = outputs.get(name)
        if expected is not None and (
            len(data) != expected.get("size") or sha256_bytes(data) != expected.get("sha256")
        ):
            raise _damaged(folder / name, config)
        try:
            frames[name] = pd.read_parquet(io.BytesIO(data))
        except (OSError, ValueError):
            raise _damaged(folder / name, config) from None
    return Processed(
        config=config,
        counts=frames["counts.parquet"],
        populations=frames["populations.parquet"],
        lsoas=frames["lsoas.parquet"],
        manifest=manifest,
        outcomes=frames.get("outcomes.parquet"),
        lad_counts=frames.get("lad_counts.parquet"),
        lad_populations=frames.get("lad_populations.parquet"),
        partners=frames.get("partners.parquet", empty_figures()),
        partner_checks=frames.get("partner_checks.parquet", empty_checks()),
        peer_features=_indexed(frames.get("peer_features.parquet"), "lad_code"),
    )


def _indexed(frame: pd.DataFrame | None, column: str) -> pd.DataFrame | None:
    return None if frame is None else frame.set_index(column)


def damaged_outputs(folder: Path, outputs: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Outputs of ``sna prepare`` that are missing or differ from the manifest's record.

    The size is compared first, so a truncated file costs no hashing.

    Parameters
    ----------
    folder
        The processed folder.
    outputs
        ``manifest.json``'s ``outputs``: file name to ``{"sha256": ..., "size": ...}``.
    """
    damaged = []
    for name, expected in outputs.items():
        path = folder / name
        try:
            same = path.stat().st_size == expected.get("size") and (
                sha256_file(path) == expected.get("sha256")
            )
        except OSError:
            same = False
        if not same:
            damaged.append(name)
    return damaged


def _damaged(path: Path, config: Config) -> SnaError:
    return SnaError(
        f"{path} is damaged or was changed after `sna prepare`; "
        f"run `sna prepare --force --config {config.path}`"
    )


def check_prepared_with(config: Config, manifest: Manifest) -> None:
    """Refuse processed data prepared with another version of the config.

    Populations, kept districts and the benchmark are fixed by ``sna prepare``; a config edited
    since would give figures that mix the two.

    Raises
    ------
    SnaError
        If the manifest records a different config fingerprint.
    """
    prepared = manifest.config_fingerprint
    if prepared is not None and prepared != config.fingerprint():
        raise SnaError(
            f"{config.path} has changed since the data in {config.processed_dir} were prepared; "
            f"run `sna prepare --config {config.path}` again"
        )
