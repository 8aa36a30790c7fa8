"""The assessment config (``sna.toml``): what is assessed, where the data are, how it is reported.

One TOML file describes an assessment, so that any Community Safety Partnership in England and
Wales can run its own by writing its own config. Paths in the file are relative to the file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sna.data.areas import DEPRIVATION_DOMAINS as _DOMAINS
from sna.data.policeuk import CRIME_TYPES
from sna.errors import ConfigError

__all__ = [
    "Benchmark",
    "Config",
    "District",
    "PopulationSource",
    "load_config",
]

POPULATION_FORMATS = ("ons-mye-workbook", "ons-mye-csv", "census2021-lsoa")
DEPRIVATION_DOMAINS = tuple(_DOMAINS)
"""Names a config's ``deprivation_domain`` may take (from :data:`sna.data.areas.DEPRIVATION_DOMAINS`)."""
DEFAULT_SOURCES = {
    "lsoa_lookup_2011_2021": (
        "lookups/LSOA_(2011)_to_LSOA_(2021)_to_Local_Authority_District_(2022)_Lookup_for_"
        "England_and_Wales.csv.gz"
    ),
    "iod2025": "imd2025/imd2025_lsoa21_ranks_deciles_scores.csv.gz",
    "wards": "lookups/lsoa21_ward24_lad24.csv.gz",
    "boundaries": "geography/lsoa21_boundaries_thames_valley.geojson.gz",
}
"""Files of ``[sources]`` a config may leave out, relative to ``paths.raw``: the demo's."""
PRIORITY_CRITERIA = ("volume", "benchmark", "peers", "trend", "harm", "concentration")
"""Keys of ``[priorities.weights]`` (the criteria of :mod:`sna.stats.priorities`)."""
DEFAULT_HARM_FILE = "harm/harm_bands.csv"
"""The demo's harm file, relative to ``paths.raw``, used when ``[priorities]`` names none."""
_GSS_CODE = re.compile(r"^[EWSNK]\d{8}$")


@dataclass(frozen=True)
class District:
    """A district (local authority) in the assessment, by ONS code and name."""

    code: str
    name: str

    @property
    def slug(self) -> str:
        """The district's report file name: ``"Vale of White Horse"`` -> ``"vale-of-white-horse"``.

        Letters and digits are kept (including non-ASCII ones); everything else separates words.

        Examples
        --------
        >>> District("E07000180", "Vale of White Horse").slug
        'vale-of-white-horse'
        """
        slug = "".join(c if c.isalnum() else "-" for c in self.name.casefold())
        return "-".join(part for part in slug.split("-") if part)


@dataclass(frozen=True)
class Benchmark:
    """The area each district is compared with, made of whole districts."""

    name: str
    district_codes: tuple[str, ...]


@dataclass(frozen=True)
class PopulationSource:
    """A population file, the year it estimates and its format."""

    key: str
    label: str
    year: int
    file: Path
    format: str


@dataclass(frozen=True)
class Sources:
    """Area data files (absolute paths)."""

    police_uk: Path
    lsoa11_lookup: Path
    lsoa21_names: Path
    lsoa11_population: Path
    imd: Path
    iod_domains: Path
    lsoa_lookup_2011_2021: Path
    iod2025: Path
    wards: Path
    """ONS LSOA (2021) to ward lookup, naming places ("Carfax & Jericho (Oxford 008A)")."""
    boundaries: Path
    """LSOA (2021) boundaries as GeoJSON (WGS84), drawn as the reports' maps."""
    # Optional sources (with defaults) after this line.
    partners: Path | None = None
    """Folder of partner indicator files (``[sources] partners``); None when not configured."""


@dataclass(frozen=True)
class Config:
    """A validated assessment config. Build it with :func:`load_config`."""

    path: Path
    name: str
    area_name: str
    districts: tuple[District, ...]
    benchmark: Benchmark
    reporting_years: tuple[int, ...]
    crime_groups: Mapping[str, tuple[str, ...]]
    population_sources: Mapping[str, PopulationSource]
    population_by_year: Mapping[int, str]
    suppression_threshold: int
    deprivation_domain: str
    raw_dir: Path
    processed_dir: Path
    reports_dir: Path
    sources: Sources
    notebook_timeout: int = 600
    priority_weights: Mapping[str, float] = field(
        default_factory=lambda: dict.fromkeys(PRIORITY_CRITERIA, 1.0)
    )
    """Weight of each priority criterion (``[priorities.weights]``; default 1 each)."""
    harm_weights: Path | None = None
    """Harm points of the crime types (``[priorities] harm_weights``); None when absent."""
    scheduler: str | None = None
    """Dask scheduler the build runs on (``[build] scheduler``, ``tcp://HOST:PORT``); None
    runs the notebooks on this machine."""

    @property
    def district_codes(self) -> tuple[str, ...]:
        """Codes of the assessed districts, in config order."""
        return tuple(d.code for d in self.districts)

    @property
    def kept_district_codes(self) -> tuple[str, ...]:
        """Districts whose records are kept: the assessed ones and the benchmark's."""
        codes = list(self.district_codes)
        codes += [c for c in self.benchmark.district_codes if c not in codes]
        return tuple(codes)

    def district(self, key: str) -> District:
        """The district with this ONS code or name (case-insensitive)."""
        for d in self.districts:
            if key in (d.code, d.name) or key.casefold() == d.name.casefold():
                return d
        known = ", ".join(f"{d.name} ({d.code})" for d in self.districts)
        raise ConfigError(self.path, "districts", f"no district {key!r}; known: {known}")

    def population_source_for(self, year: int) -> PopulationSource:
        """The population source for a reporting year: the configured one, else the nearest.

        Ties go to the later source (a newer estimate for the same distance in time).
        """
        if year in self.population_by_year:
            return self.population_sources[self.population_by_year[year]]
        return min(self.population_sources.values(), key=lambda s: (abs(s.year - year), -s.year))

    def fingerprint(self) -> str:
        """SHA-256 of the config's content, for provenance and incremental builds."""
        payload = json.dumps(_jsonable(asdict(self)), sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    return obj


class _Reader:
    """Pulls typed values out of the parsed TOML, raising ConfigError that names the key."""

    def __init__(self, path: Path, data: Mapping[str, Any]) -> None:
        self.path = path
        self.data = data

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.path, key, problem)

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                if default is ...:
                    raise self.fail(key, "missing (required)")
                return default
            node = node[part]
        if (isinstance(node, bool) and kind is int) or not isinstance(node, kind):
            names = (
                kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            )
            raise self.fail(key, f"must be {_article(names)}; got {node!r}")
        return node

    def file(
        self, key: str, base: Path, default: str | None = None, *, folder: bool = False
    ) -> Path:
        value = self.get(key, str) if default is None else self.get(key, str, default)
        # Absolute, without resolving symbolic links: a police.uk folder that is a link to a
        # shared drive stays inside the raw folder, and file paths are recorded relative to it.
        path = Path(os.path.normpath((base / value).absolute()))
        exists = path.is_dir() if folder else path.is_file()
        if not exists:
            what = "folder" if folder else "file"
            raise self.fail(key, f"{what} {value!r} not found (looked for {path})")
        return path


def _article(names: str) -> str:
    return ("an " if names[0] in "aeiou" else "a ") + names


def load_config(path: str | Path) -> Config:
    """Read and validate an assessment config.

    Parameters
    ----------
    path
        The TOML file, e.g. ``sna.toml``. Relative paths inside it are resolved against its folder.

    Returns
    -------
    Config

    Raises
    ------
    ConfigError
        If the file is missing, is not valid TOML, or a key is missing or invalid; the message
        names the key.

    Examples
    --------
    >>> cfg = load_config("sna.toml")  # doctest: +SKIP
    >>> [d.name for d in cfg.districts][:2]  # doctest: +SKIP
    ['Cherwell', 'Oxford']
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            path, "(file)", "config file not found; pass --config or run from the project folder"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "(file)", f"not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(path, "(file)", "not UTF-8 text") from None
    r = _Reader(path, data)
    base = path.resolve().parent

    districts = _districts(r)
    codes = [d.code for d in districts]
    bench_codes = tuple(r.get("benchmark.districts", list, codes))
    for code in bench_codes:
        if not isinstance(code, str) or not _GSS_CODE.match(code):
            raise r.fail(
                "benchmark.districts", f"{code!r} is not an ONS district code like 'E07000178'"
            )
    benchmark = Benchmark(name=r.get("benchmark.name", str).strip(), district_codes=bench_codes)
    clash = [d for d in districts if d.name.casefold() == benchmark.name.casefold()]
    if not benchmark.name or clash:
        raise r.fail(
            "benchmark.name",
            f"{benchmark.name!r} is also the name of district {clash[0].code}; the benchmark is "
            "the area the districts are compared with: give it its own name, e.g. the county's"
            if clash
            else "must name the area the districts are compared with, e.g. the county",
        )

    years = r.get("reporting_years", list)
    if not years or not all(isinstance(y, int) and 2010 <= y <= 2100 for y in years):
        raise r.fail(
            "reporting_years", f"must be a non-empty list of years like [2024, 2025]; got {years!r}"
        )

    raw_dir = r.file("paths.raw", base, "data/raw", folder=True)
    sources = _sources(r, raw_dir)
    pop_sources = _population_sources(r, raw_dir)
    by_year = {}
    for key, value in r.get("population.by_year", Mapping, {}).items():
        if not key.isdigit():
            raise r.fail(
                f"population.by_year.{key}", 'keys must be years, e.g. 2024 = "census2021"'
            )
        if value not in pop_sources:
            raise r.fail(
                f"population.by_year.{key}",
                f"unknown source {value!r}; known: {sorted(pop_sources)}",
            )
        by_year[int(key)] = value

    threshold = r.get("suppression_threshold", int, 4)
    if threshold < 1:
        raise r.fail(
            "suppression_threshold",
            f"must be 1 or more (counts 1 to it are hidden); got {threshold}",
        )
    domain = r.get("deprivation_domain", str, "Income")
    if domain not in DEPRIVATION_DOMAINS:
        raise r.fail(
            "deprivation_domain", f"must be one of {', '.join(DEPRIVATION_DOMAINS)}; got {domain!r}"
        )
    timeout = r.get("build.notebook_timeout", int, 600)
    if timeout <= 0:
        raise r.fail(
            "build.notebook_timeout", f"must be a positive number of seconds; got {timeout}"
        )
    scheduler = r.get("build.scheduler", str, None)
    if scheduler is not None and "://" not in scheduler:
        raise r.fail(
            "build.scheduler",
            f"must be a Dask scheduler address like tcp://HOST:8786; got {scheduler!r}",
        )

    return Config(
        path=path.resolve(),
        name=r.get("name", str),
        area_name=r.get("area_name", str),
        districts=districts,
        benchmark=benchmark,
        reporting_years=tuple(sorted(years)),
        crime_groups=_crime_groups(r),
        population_sources=pop_sources,
        population_by_year=by_year,
        suppression_threshold=threshold,
        deprivation_domain=domain,
        raw_dir=raw_dir,
        processed_dir=(base / r.get("paths.processed", str, "data/processed")).resolve(),
        reports_dir=(base / r.get("paths.reports", str, "reports")).resolve(),
        sources=sources,
        notebook_timeout=timeout,
        scheduler=scheduler,
        priority_weights=_priority_weights(r),
        harm_weights=_harm_weights(r, raw_dir),
    )


def _districts(r: _Reader) -> tuple[District, ...]:
    items = r.get("districts", list)
    if not items:
        raise r.fail("districts", "must list at least one district")
    out: list[District] = []
    for i, item in enumerate(items):
        key = f"districts[{i}]"
        if not isinstance(item, Mapping):
            raise r.fail(key, "each district is a table with code and name ([[districts]])")
        code, name = item.get("code"), item.get("name")
        if not isinstance(code, str) or not _GSS_CODE.match(code):
            raise r.fail(
                f"{key}.code", f"must be an ONS district code like 'E07000178'; got {code!r}"
            )
        if not isinstance(name, str) or not name.strip():
            raise r.fail(f"{key}.name", f"must be the district's name; got {name!r}")
        if any(d.code == code for d in out):
            raise r.fail(f"{key}.code", f"{code} is listed twice")
        out.append(District(code=code, name=name.strip()))
    return tuple(out)


def _priority_weights(r: _Reader) -> dict[str, float]:
    table = r.get("priorities", Mapping, {})
    for key in table:
        if key not in ("weights", "harm_weights"):
            raise r.fail(f"priorities.{key}", "unknown key; known: weights, harm_weights")
    out = dict.fromkeys(PRIORITY_CRITERIA, 1.0)
    for key, value in r.get("priorities.weights", Mapping, {}).items():
        name = f"priorities.weights.{key}"
        if key not in PRIORITY_CRITERIA:
            raise r.fail(name, f"unknown criterion; known: {', '.join(PRIORITY_CRITERIA)}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
            raise r.fail(name, f"must be a number of 0 or more; got {value!r}")
        out[key] = float(value)
    if not any(out.values()):
        raise r.fail("priorities.weights", "at least one criterion must have a weight above 0")
    return out


def _harm_weights(r: _Reader, raw: Path) -> Path | None:
    """The harm file: as configured (it must exist), else the demo's if present, else None."""
    if r.get("priorities.harm_weights", str, None) is not None:
        return r.file("priorities.harm_weights", raw)
    default = raw / DEFAULT_HARM_FILE
    return Path(os.path.normpath(default.absolute())) if default.is_file() else None


def _crime_groups(r: _Reader) -> dict[str, tuple[str, ...]]:
    groups = r.get("crime_groups", Mapping, {})
    out: dict[str, tuple[str, ...]] = {}
    for name, types in groups.items():
        if not isinstance(types, list) or not types:
            raise r.fail(
                f"crime_groups.{name}", "must be a non-empty list of police.uk crime types"
            )
        for t in types:
            if t not in CRIME_TYPES:
                raise r.fail(
                    f"crime_groups.{name}",
                    f"{t!r} is not a police.uk crime type; known: {', '.join(CRIME_TYPES)}",
                )
        out[name] = tuple(types)
    return out


def _sources(r: _Reader, raw: Path) -> Sources:
    return Sources(
        police_uk=r.file("sources.police_uk", raw, "police_uk", folder=True),
        lsoa11_lookup=r.file("sources.lsoa11_lookup", raw),
        lsoa21_names=r.file("sources.lsoa21_names", raw),
        lsoa11_population=r.file("sources.lsoa11_population", raw),
        imd=r.file("sources.imd", raw),
        iod_domains=r.file("sources.iod_domains", raw),
        **{key: r.file(f"sources.{key}", raw, default) for key, default in DEFAULT_SOURCES.items()},
        partners=(
            r.file("sources.partners", raw, folder=True)
            if r.get("sources.partners", str, None) is not None
            else None
        ),
    )


def _population_sources(r: _Reader, raw: Path) -> dict[str, PopulationSource]:
    table = r.get("population.sources", Mapping)
    if not table:
        raise r.fail("population.sources", "must name at least one population source")
    out = {}
    for key in table:
        prefix = f"population.sources.{key}"
        fmt = r.get(f"{prefix}.format", str)
        if fmt not in POPULATION_FORMATS:
            raise r.fail(
                f"{prefix}.format", f"must be one of {', '.join(POPULATION_FORMATS)}; got {fmt!r}"
            )
        label, year = r.get(f"{prefix}.label", str), r.get(f"{prefix}.year", int)
        if str(year) not in label:
            raise r.fail(
                f"{prefix}.label",
                f"must say which year's estimate it is (reports print it beside the figures), "
                f'e.g. "ONS mid-{year} population estimates"; got {label!r}',
            )
        out[key] = PopulationSource(
            key=key,
            label=label,
            year=year,
            file=r.file(f"{prefix}.file", raw),
            format=fmt,
        )
    return out
