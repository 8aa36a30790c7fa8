"""The ``[peers]`` table of ``sna.toml``: how many similar districts, which features, which files.

Read by :func:`peer_settings`; every key has a default, so a config without the table works.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sna.data.config import Config
from sna.errors import ConfigError

__all__ = ["DEFAULT_FEATURES", "FEATURES", "PeerSettings", "peer_settings"]

FEATURES = {
    "deprivation": "IoD2025 average score (higher is more deprived)",
    "rural": "share of residents in rural LSOAs (Census 2021, RUC 2021)",
    "density": "residents per sq km, mid-2022 (log10 scale in the distance)",
    "young": "share of residents aged 15 to 24, mid-2022",
    "older": "share of residents aged 65 and over, mid-2022",
}
"""Features a config may list in ``[peers] features``, and what each is."""
DEFAULT_FEATURES = tuple(FEATURES)
_DEFAULT_FILES = {
    "iod_summaries": "peers/imd2025_lad24_summaries.csv",
    "rural_urban": "peers/ruc21_lsoa21.csv.gz",
    "force_lookup": "lookups/lad24_csp24_pfa24.csv",
    "population": "population/mye22final.xlsx",
}


@dataclass(frozen=True)
class PeerSettings:
    """The ``[peers]`` table of the config: how many peers, which features, which files.

    Attributes
    ----------
    k
        Number of most similar districts (default 10).
    features
        Names from :data:`FEATURES` (default all).
    iod_summaries, rural_urban, force_lookup, population
        The IoD2025 local authority summaries, the LSOA 2021 rural-urban classification, the ONS
        LAD (2024) to police force area lookup and the ONS mid-2022 estimates workbook
        (absolute paths). The ONS LSOA (2021) to ward to LAD (2024) lookup is the config's
        ``[sources] wards``.
    """

    k: int
    features: tuple[str, ...]
    iod_summaries: Path
    rural_urban: Path
    force_lookup: Path
    population: Path


def peer_settings(config: Config) -> PeerSettings:
    """Read ``[peers]`` from the config's TOML file; every key has a default.

    Files are relative to ``paths.raw``. Example::

        [peers]
        k = 10
        features = ["deprivation", "rural", "density", "young", "older"]

    Raises
    ------
    ConfigError
        If ``k`` is not a whole number from 1 to 50, or a feature is unknown.

    Examples
    --------
    >>> peer_settings(load_config("sna.toml")).k  # doctest: +SKIP
    10
    """
    data = tomllib.loads(config.path.read_text(encoding="utf-8"))
    table = data.get("peers", {})
    if not isinstance(table, Mapping):
        raise ConfigError(config.path, "peers", "must be a table ([peers])")
    k = table.get("k", 10)
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= 50:
        raise ConfigError(config.path, "peers.k", f"must be a whole number from 1 to 50; got {k!r}")
    features = table.get("features", list(DEFAULT_FEATURES))
    if not isinstance(features, list) or not features:
        raise ConfigError(config.path, "peers.features", "must be a non-empty list of features")
    for name in features:
        if name not in FEATURES:
            raise ConfigError(
                config.path,
                "peers.features",
                f"unknown feature {name!r}; known: {', '.join(FEATURES)}",
            )
    files = {}
    for key, default in _DEFAULT_FILES.items():
        value = table.get(key, default)
        if not isinstance(value, str):
            raise ConfigError(config.path, f"peers.{key}", f"must be a file path; got {value!r}")
        files[key] = (config.raw_dir / value).resolve()
    return PeerSettings(k=k, features=tuple(dict.fromkeys(features)), **files)
