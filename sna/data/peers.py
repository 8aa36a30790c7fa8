"""Features of every district in England for the most-similar-districts group.

Read from published files, as they are, by :func:`district_features`:

- ``deprivation``: the IoD2025 average score of the district's LSOAs (MHCLG, File 10 local
  authority summaries);
- ``rural``: the share of residents (Census 2021 usual residents) living in LSOAs the 2021
  Rural-Urban Classification calls rural;
- ``density``: residents per square kilometre, mid-2022 (ONS mid-year estimates, table MYE5's
  area and MYE2's population), on a log10 scale, since densities run from about 25 to 16,000;
- ``young`` and ``older``: the shares of residents aged 15 to 24 and 65 or over, mid-2022 (MYE2).

Districts are those of 2024 (the IoD2025 summaries' list, the 296 districts of England). The
2021 LSOAs of the rural-urban classification are placed in them by :mod:`sna.data.lads`.
Settings come from the ``[peers]`` table of ``sna.toml``
(:func:`sna.data.peer_config.peer_settings`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from python_calamine import CalamineError, PasswordError, XmlError, ZipError

from sna.data.areas import _int_table, _read_csv, cached_area_tables
from sna.data.config import Config
from sna.data.lads import lsoa_lad_lookup
from sna.data.peer_config import DEFAULT_FEATURES, FEATURES, PeerSettings, peer_settings
from sna.errors import InputError

PEER_FEATURES = "peer_features.parquet"
"""The output of ``sna prepare`` holding :func:`district_features` (``lad_code`` a column)."""

__all__ = [
    "DEFAULT_FEATURES",
    "FEATURES",
    "PEER_FEATURES",
    "PeerSettings",
    "district_features",
    "peer_inputs",
    "peer_outputs",
    "peer_settings",
    "read_age_density",
    "read_iod_summaries",
    "rural_share",
]


def read_iod_summaries(path: Path) -> pd.DataFrame:
    """District code, name and IoD2025 average score from the local authority summaries.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``lad_code``: ``lad_name``, ``deprivation`` (``imd_average_score``).
    """
    table = _read_csv(
        path,
        required=("ltla24_code", "ltla24_name", "imd_average_score"),
        what="IoD2025 local authority summaries",
    )
    score = pd.to_numeric(table["imd_average_score"], errors="coerce")
    if score.isna().any():
        line = int(np.flatnonzero(score.isna().to_numpy())[0]) + 2
        raise InputError(path, "column 'imd_average_score' is not a number", line=line)
    return pd.DataFrame(
        {"lad_name": table["ltla24_name"].to_numpy(), "deprivation": score.to_numpy()},
        index=pd.Index(table["ltla24_code"], name="lad_code"),
    )


def rural_share(
    rural_urban: Path, census: Path, lsoa_2011_2021: Path, lsoa21_lad24: Path
) -> pd.Series:
    """Share of each district's residents living in rural 2021 LSOAs (0 to 1).

    Residents are Census 2021 usual residents by LSOA (summed over age groups); an LSOA is rural
    when its 2021 Rural-Urban Classification (``ruc`` column) is "Rural".
    """
    ruc = _read_csv(rural_urban, required=("lsoa21_code", "ruc"), what="RUC 2021 LSOA file")
    census_rows = _int_table(
        census, key="lsoa21_code", columns=["usual_residents"], what="Census 2021 LSOA file"
    )
    residents = pd.Series(
        census_rows["usual_residents"].to_numpy(), index=census_rows["lsoa21_code"]
    )
    residents = residents.groupby(level=0).sum()
    lookup = lsoa_lad_lookup(lsoa_2011_2021, lsoa21_lad24)
    lad = lookup[lookup["lsoa_vintage"] == 2021].set_index("lsoa_code")["lad_code"]
    frame = pd.DataFrame(
        {
            "lad_code": ruc["lsoa21_code"].map(lad),
            "rural": ruc["ruc"].str.strip().str.casefold().eq("rural"),
            "residents": ruc["lsoa21_code"].map(residents),
        }
    ).dropna()
    totals = frame.groupby("lad_code")["residents"].sum()
    rural = frame[frame["rural"]].groupby("lad_code")["residents"].sum()
    return (rural.reindex(totals.index, fill_value=0) / totals).rename("rural")


def _sheet(path: Path, sheet: str) -> pd.DataFrame:
    """A table of an ONS workbook sheet, below its header row starting with ``Code``."""
    try:
        raw = pd.read_excel(path, sheet_name=sheet, header=None, dtype=object, engine="calamine")
    except (ValueError, OSError, KeyError, CalamineError, PasswordError, XmlError, ZipError) as exc:
        raise InputError(
            path,
            f"cannot read sheet {sheet!r} of the ONS mid-year estimates workbook: {exc}",
            hint="is it the ONS mid-2022 workbook (mye22final.xlsx), saved as .xlsx?",
        ) from None
    header = np.flatnonzero(raw.iloc[:, 0].astype(str).str.strip().eq("Code").to_numpy())
    if not len(header):
        raise InputError(path, f"sheet {sheet!r} has no header row starting with 'Code'")
    start = int(header[0])
    names = [str(c).strip() for c in raw.iloc[start]]
    table = raw.iloc[start + 1 :].set_axis(names, axis=1).dropna(subset=["Code"])
    return table.set_index("Code")


def read_age_density(path: Path) -> pd.DataFrame:
    """Density and age shares of every area of an ONS mid-2022 estimates workbook.

    Reads sheet MYE2 - Persons (single years of age 0 to 89 and 90+) and MYE5
    (area in square kilometres).

    Returns
    -------
    pandas.DataFrame
        Indexed by area code: ``population`` (all ages), ``area_km2``, ``density`` (residents
        per sq km), ``young`` (share aged 15 to 24) and ``older`` (share aged 65 and over).
    """
    ages = _sheet(path, "MYE2 - Persons")
    area = _sheet(path, "MYE5")
    if "Area (sq km)" not in area.columns or "All ages" not in ages.columns:
        raise InputError(path, "sheets MYE2 - Persons and MYE5 lack 'All ages' or 'Area (sq km)'")
    single = [*(str(a) for a in range(90)), "90+"]
    missing = [a for a in single if a not in ages.columns]
    if missing:
        raise InputError(path, f"sheet 'MYE2 - Persons' has no column for age {missing[0]}")
    counts = ages[single].apply(pd.to_numeric, errors="coerce")
    total = pd.to_numeric(ages["All ages"], errors="coerce")
    km2 = pd.to_numeric(area["Area (sq km)"], errors="coerce").reindex(total.index)
    return pd.DataFrame(
        {
            "population": total,
            "area_km2": km2,
            "density": total / km2,
            "young": counts[[str(a) for a in range(15, 25)]].sum(axis=1) / total,
            "older": counts[single[65:]].sum(axis=1) / total,
        }
    )


def district_features(config: Config, settings: PeerSettings) -> pd.DataFrame:
    """Every district of England (2024) with its features, as published.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``lad_code``: ``lad_name``, ``deprivation``, ``rural``, ``density``
        (residents per sq km, not logged), ``young``, ``older``, ``population`` (mid-2022),
        and ``pfa_code``, ``pfa_name`` (police force area). ``attrs["missing"]`` maps each
        district lacking a feature to the features it lacks (none in the shipped files); those
        districts stay in the frame with missing values, never silently dropped.

    Examples
    --------
    >>> f = district_features(cfg, peer_settings(cfg))  # doctest: +SKIP
    >>> len(f)  # doctest: +SKIP
    296
    """
    features = read_iod_summaries(settings.iod_summaries)
    rural = rural_share(
        settings.rural_urban,
        config.sources.lsoa21_names,
        config.sources.lsoa_lookup_2011_2021,
        config.sources.wards,
    )
    mye = read_age_density(settings.population)
    forces = _read_csv(
        settings.force_lookup,
        required=("ltla24_code", "pfa24_code", "pfa24_name"),
        what="ONS LAD (2024) to police force area lookup",
    ).drop_duplicates("ltla24_code")
    forces = forces.set_index("ltla24_code")
    out = features.assign(
        rural=rural.reindex(features.index),
        density=mye["density"].reindex(features.index),
        young=mye["young"].reindex(features.index),
        older=mye["older"].reindex(features.index),
        population=mye["population"].reindex(features.index),
        pfa_code=forces["pfa24_code"].reindex(features.index),
        pfa_name=forces["pfa24_name"].reindex(features.index),
    )
    checked = ["deprivation", "rural", "density", "young", "older"]
    lacking = out[checked].isna()
    out.attrs["missing"] = {
        code: [c for c in checked if row[c]]
        for code, row in lacking[lacking.any(axis=1)].iterrows()
    }
    return out


def _peer_files(config: Config) -> dict[str, Path]:
    settings = peer_settings(config)
    return {
        "peers:iod_summaries": settings.iod_summaries,
        "peers:rural_urban": settings.rural_urban,
        "peers:force_lookup": settings.force_lookup,
        "peers:population": settings.population,
    }


def peer_inputs(config: Config) -> dict[str, Path]:
    """The peer feature files of a config that exist, by their role in the manifest (``peers:<key>``).

    ``sna prepare`` hashes them with the other input files, so a changed (or newly added) file
    makes the prepared data, and the reports built from them, out of date.
    """
    return {role: path for role, path in _peer_files(config).items() if path.is_file()}


def peer_outputs(config: Config) -> dict[str, pd.DataFrame]:
    """``peer_features.parquet``: :func:`district_features` of every district of England.

    Built once by ``sna prepare`` (reading the mid-2022 workbook takes seconds), so that each
    report reads the features instead of the published files. ``lad_code`` is a column. Empty
    (no rows, the same columns) when a peer file is absent: the reports then say the
    comparison with similar districts cannot be made.

    Raises
    ------
    sna.errors.ConfigError
        If the ``[peers]`` table of the config is invalid.
    sna.errors.InputError
        If a peer file is present but cannot be read.
    """
    files = _peer_files(config)
    if not all(path.is_file() for path in files.values()):
        columns = ["lad_code", "lad_name", *FEATURES, "population", "pfa_code", "pfa_name"]
        return {PEER_FEATURES: pd.DataFrame({c: pd.Series(dtype=object) for c in columns})}
    settings = peer_settings(config)
    inputs = [
        *files.values(),
        config.sources.lsoa21_names,
        config.sources.lsoa_lookup_2011_2021,
        config.sources.wards,
    ]
    params = {"k": settings.k, "features": list(settings.features)}
    return cached_area_tables(
        config, "peer_features", inputs, params, lambda: _peer_features(config, settings)
    )


def _peer_features(config: Config, settings: PeerSettings) -> dict[str, pd.DataFrame]:
    """:func:`peer_outputs` for a config whose peer files are all there, read from the files."""
    features = district_features(config, settings)
    features.attrs = {}
    return {PEER_FEATURES: features.reset_index()}
