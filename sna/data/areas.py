"""Area data: LSOA to district lookups (2011 and 2021 LSOAs), populations and deprivation.

police.uk files carry 2011 LSOA codes up to about 2022 and 2021 codes after; the English Indices
of Deprivation 2019 are on 2011 LSOAs and those of 2025 on 2021 LSOAs; Census 2021 populations
are on 2021 LSOAs. This module reads the publishers' files as they are and puts them in tidy
frames keyed by LSOA code and vintage, so that both vintages resolve to the right district, each
LSOA gets the deprivation index of its own vintage, and the ONS LSOA (2011) to LSOA (2021) lookup
groups the LSOAs of both vintages into units that are the same area in every year.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections import Counter
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from python_calamine import CalamineError, PasswordError, XmlError, ZipError

from sna import __version__
from sna.data.cache import FileCache
from sna.data.files import DATA_LOCK, sha256_file
from sna.errors import ConfigError, InputError

if TYPE_CHECKING:  # sna.data.config imports DEPRIVATION_DOMAINS from here
    from collections.abc import Callable, Iterable, Iterator

    from sna.data.config import Config, PopulationSource

__all__ = [
    "AREA_CACHE_DIR",
    "DEPRIVATION_DOMAINS",
    "IOD2019",
    "IOD2025",
    "DeprivationDomain",
    "Placement",
    "assign_districts",
    "cached_area_tables",
    "check_districts",
    "district_name_from_lsoa_name",
    "district_populations",
    "domain_column",
    "lsoa_areas",
    "lsoa_lookup",
    "lsoa_units",
    "place_lsoas",
    "read_deprivation",
    "read_deprivation_2025",
    "read_lsoa_changes",
    "read_wards",
    "ward_names",
]

LSOA_LOOKUP_COLUMNS = ("lsoa_code", "lsoa_name", "lsoa_vintage", "district_code", "district_name")
IOD2019 = "IoD2019"
"""English Indices of Deprivation 2019 (MHCLG), on 2011 LSOAs."""
IOD2025 = "IoD2025"
"""English Indices of Deprivation 2025 (MHCLG, published 30 October 2025), on 2021 LSOAs."""
LSOA_POPULATION_SOURCES = {
    2011: "IoD2019 mid-2015 population denominators, 2011 LSOAs",
    2021: "Census 2021 usual residents, 2021 LSOAs",
}
"""The population of an LSOA, by vintage: the best published for LSOAs of that vintage."""


@dataclass(frozen=True)
class DeprivationDomain:
    """A domain of the English Indices of Deprivation and where each release publishes it.

    Attributes
    ----------
    name
        The name in the config's ``deprivation_domain`` (MHCLG's name, or "IMD").
    key
        Prefix of its columns in ``lsoas.parquet``: ``<key>_rank``, ``<key>_decile``.
    iod2019
        Start of its column names in IoD2019 Files 1 and 2 ("Income Rank (where ...").
    iod2025
        Start of its column names in the IoD2025 LSOA file (``Income_rank``).
    """

    name: str
    key: str
    iod2019: str
    iod2025: str


DEPRIVATION_DOMAINS: dict[str, DeprivationDomain] = {
    d.name: d
    for d in (
        DeprivationDomain("Income", "income", "Income", "Income"),
        DeprivationDomain("Employment", "employment", "Employment", "Employment"),
        DeprivationDomain(
            "Education, Skills and Training",
            "education",
            "Education, Skills and Training",
            "Education",
        ),
        DeprivationDomain(
            "Health Deprivation and Disability",
            "health",
            "Health Deprivation and Disability",
            "Health",
        ),
        DeprivationDomain(
            "Barriers to Housing and Services",
            "barriers",
            "Barriers to Housing and Services",
            "Housing_and_Services",
        ),
        DeprivationDomain("Living Environment", "living", "Living Environment", "Environment"),
        DeprivationDomain("Crime", "crime", "Crime", "Crime"),
        DeprivationDomain("IMD", "imd", "Index of Multiple Deprivation (IMD)", "IMD"),
    )
}
"""Every domain a config may name, the one mapping from domain names to columns."""


def domain_column(domain: str, kind: Literal["decile", "rank"] = "decile") -> str:
    """The ``lsoas.parquet`` column of a deprivation domain's decile (or rank).

    Parameters
    ----------
    domain
        A name of :data:`DEPRIVATION_DOMAINS`, as the config's ``deprivation_domain``.
    kind
        ``"decile"`` (1 = most deprived 10% of LSOAs in England) or ``"rank"``.

    Raises
    ------
    ValueError
        For a domain or kind that does not exist.

    Examples
    --------
    >>> domain_column("Barriers to Housing and Services")
    'barriers_decile'
    >>> domain_column("IMD", "rank")
    'imd_rank'
    """
    if domain not in DEPRIVATION_DOMAINS:
        raise ValueError(
            f"unknown deprivation domain {domain!r}; known: {', '.join(DEPRIVATION_DOMAINS)}"
        )
    if kind not in ("decile", "rank"):
        raise ValueError(f"kind must be 'decile' or 'rank'; got {kind!r}")
    return f"{DEPRIVATION_DOMAINS[domain].key}_{kind}"


def _read_csv(
    path: Path, *, required: tuple[str, ...], what: str, **kwargs: object
) -> pd.DataFrame:
    """Read a publisher's CSV, check its columns and say which file is wrong if it is."""
    try:
        frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False, **kwargs)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, EOFError) as exc:
        raise InputError(path, f"cannot be read as the {what} CSV: {exc}") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(
            path,
            f"column {missing[0]!r} is missing; this does not look like the {what}",
            line=1,
            hint=f"expected columns including {', '.join(required)}",
        )
    return frame


def _to_int(values: pd.Series, path: Path, column: str, *, first_line: int = 2) -> pd.Series:
    """Whole numbers from text that may carry thousands separators ("29,199").

    An empty cell or other text is an error naming the line (``first_line`` is the line of the
    first value: 2 in a CSV with a header).
    """
    cleaned = values.str.replace(",", "", regex=False).str.strip()
    numbers = pd.to_numeric(cleaned, errors="coerce")
    bad = numbers.isna() | (numbers % 1 != 0)
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        value = values.iloc[first]
        shown = "an empty cell" if pd.isna(value) or not str(value).strip() else repr(value)
        raise InputError(
            path, f"column {column!r} has {shown}, not a whole number", line=first + first_line
        )
    return numbers.astype("int64")


def _int_table(path: Path, *, key: str, columns: list[str], what: str) -> pd.DataFrame:
    """A text ``key`` column and whole-number ``columns`` of a publisher's CSV.

    pandas' parser reads a clean file (thousands separators allowed) in one fast pass; a file
    with a missing column, an empty cell or text where a whole number should be is read again as
    text by :func:`_read_csv` and :func:`_to_int`, whose errors name the column and line.
    """
    try:
        frame = pd.read_csv(
            path,
            encoding="utf-8-sig",
            usecols=[key, *columns],
            dtype={key: str},
            keep_default_na=False,
            thousands=",",
        )
        if all(pd.api.types.is_integer_dtype(frame[c]) for c in columns):
            return frame.astype(dict.fromkeys(columns, "int64"))
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError, EOFError):
        pass
    text = _read_csv(path, required=(key, *columns), what=what)
    out = pd.DataFrame({key: text[key]})
    for column in columns:
        out[column] = _to_int(text[column], path, column)
    return out


AREA_CACHE_DIR = ".sna-area-cache"
"""Folder of the area-table cache in the processed folder (hidden: not an output, not foreign)."""
_CACHE_FORMAT = 1
_CODE = (
    "areas.py",
    "lads.py",
    "peers.py",
    "peer_config.py",
    "partners.py",
    "partner_checks.py",
    "config.py",
    "cache.py",
)
"""Modules whose code the cached area tables depend on (their SHA-256 is in the key)."""
_LIBRARIES = ("pandas", "numpy", "pyarrow", "python-calamine")


def cached_area_tables(
    config: Config,
    table: str,
    inputs: Iterable[Path],
    params: object,
    build: Callable[[], dict[str, pd.DataFrame]],
) -> dict[str, pd.DataFrame]:
    """Tables made from area files only, from a cache when the files, config and code are unchanged.

    ``sna prepare`` reads the same lookups, deprivation, population and peer files every run,
    whichever street files changed. Their tables are kept in ``<processed>/.sna-area-cache/
    <table>/`` (one :class:`~sna.data.cache.FileCache` entry per table), under a key naming all
    they depend on: the SHA-256 of each input file, the config's fingerprint, ``params``, the
    SHA-256 of the data layer's code and the versions of pandas, NumPy, pyarrow and calamine.
    The cache is used only while this process holds the processed folder's lock (within ``sna
    prepare``), so a function called on its own never writes there. A table is cached only if
    it comes back from the cache as built (values, dtypes, index): otherwise, and for an entry
    that is damaged or missing, it is built. Errors are never cached: a bad file fails every run.

    Parameters
    ----------
    config
        The assessment config (its processed folder and fingerprint).
    table
        The cache's name for the tables (a folder name).
    inputs
        Every file the tables are read from (a missing one is part of the key as missing).
    params
        Anything else they depend on, as JSON (lists, strings, numbers).
    build
        Makes the tables, by output name.

    Returns
    -------
    dict
        The tables, by name, as ``build`` returns them.

    Examples
    --------
    >>> tables = cached_area_tables(cfg, "lookup", [cfg.sources.lsoa11_lookup], None,
    ...                             lambda: {"lookup": pd.DataFrame({"x": [1]})})  # doctest: +SKIP
    """
    folder = config.processed_dir
    if not _holds_lock(folder):
        return build()
    key = _cache_key(config, table, inputs, params)
    cache = FileCache(folder / AREA_CACHE_DIR / table)
    cached = _load_tables(cache, key)
    if cached is not None:
        return cached
    tables = build()
    with contextlib.suppress(Exception):  # a table that cannot be cached (a full disk) is built
        _save_tables(cache, key, tables)
        cache.prune({key})  # the entry for earlier files, config or code
    return tables


def _holds_lock(folder: Path) -> bool:
    """Whether this process holds the folder's data lock (``sna prepare`` writes its pid there)."""
    try:
        return (folder / DATA_LOCK).read_text(encoding="ascii").strip() == str(os.getpid())
    except (OSError, UnicodeDecodeError):
        return False


def _cache_key(config: Config, table: str, inputs: Iterable[Path], params: object) -> str:
    """SHA-256 of everything a cached table depends on."""
    package = Path(__file__).parent
    libraries: dict[str, str | None] = {}
    for name in _LIBRARIES:
        try:
            libraries[name] = version(name)
        except PackageNotFoundError:
            libraries[name] = None
    payload = {
        "format": _CACHE_FORMAT,
        "table": table,
        "sna": __version__,
        "code": {m: sha256_file(package / m) for m in _CODE},
        "libraries": libraries,
        "config": config.fingerprint(),
        "inputs": [[str(p), sha256_file(p) if Path(p).is_file() else None] for p in inputs],
        "params": params,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _signature(frame: pd.DataFrame) -> list[list[str | None]]:
    """Each column's name and dtype (with the storage of a string dtype)."""
    return [
        [str(name), repr(dtype), getattr(dtype, "storage", None)]
        for name, dtype in frame.dtypes.items()
    ]


def _save_tables(cache: FileCache, key: str, tables: dict[str, pd.DataFrame]) -> None:
    """Cache the tables if they come back as they are; remove the table's other entries."""
    for frame in tables.values():
        index = frame.index
        plain = isinstance(index, pd.RangeIndex) and index.equals(pd.RangeIndex(len(frame)))
        columns = frame.columns.is_unique and all(isinstance(c, str) for c in frame.columns)
        if not plain or not columns or frame.attrs:
            return
    cache.save(key, tables, {}, {name: _signature(f) for name, f in tables.items()})
    back = _load_tables(cache, key)
    same = back is not None and all(back[n].equals(f) for n, f in tables.items())
    cache.prune({key} if same else set())


def _load_tables(cache: FileCache, key: str) -> dict[str, pd.DataFrame] | None:
    """The cached tables with their dtypes as built, or None (no entry, damaged, other dtypes)."""
    entry = cache.load(key)
    if entry is None:
        return None
    tables = {}
    for name, signature in entry["meta"].items():
        frame = entry["frames"].get(name)
        if frame is None:
            return None
        objects = [c for c, d, _ in signature if d == "dtype('O')"]
        frame = frame.astype(dict.fromkeys(objects, object)) if objects else frame
        if _signature(frame) != signature:
            return None
        tables[name] = frame
    return tables


def district_name_from_lsoa_name(names: pd.Series) -> pd.Series:
    """The district part of an LSOA name: ``"Oxford 008A"`` gives ``"Oxford"``.

    LSOA names (both vintages) are the district name, a space, and a three-digit number with a
    letter; this holds for every LSOA in England and Wales.
    """
    return names.str.replace(r"\s+\d{3}[A-Z]$", "", regex=True)


def lsoa_lookup(config: Config) -> pd.DataFrame:
    """Every LSOA code of both vintages with its district.

    2011 LSOAs come from the ONS LSOA (2011) to ward to LAD (2019) lookup. 2021 LSOAs come from
    the Census 2021 LSOA file; their district is the LSOA name's prefix, coded through the LAD
    names of the 2011 lookup and the config's districts (so new unitary authorities resolve when
    the config names them).

    Returns
    -------
    pandas.DataFrame
        Columns ``lsoa_code, lsoa_name, lsoa_vintage (2011 or 2021), district_code,
        district_name``; one row per code and vintage.
    """
    src = config.sources
    tables = cached_area_tables(
        config,
        "lsoa_lookup",
        [src.lsoa11_lookup, src.lsoa21_names],
        None,
        lambda: {"lookup": _lsoa_lookup(config)},
    )
    return tables["lookup"]


def _lsoa_lookup(config: Config) -> pd.DataFrame:
    """:func:`lsoa_lookup`, read from the files."""
    src = config.sources
    columns = ("LSOA11CD", "LSOA11NM", "LAD19CD", "LAD19NM")
    l11 = _read_csv(
        src.lsoa11_lookup,
        required=columns,
        what="ONS LSOA (2011) to LAD lookup",
        usecols=lambda c: c in columns,
    ).drop_duplicates("LSOA11CD")
    v2011 = pd.DataFrame(
        {
            "lsoa_code": l11["LSOA11CD"],
            "lsoa_name": l11["LSOA11NM"],
            "lsoa_vintage": 2011,
            "district_code": l11["LAD19CD"],
            "district_name": l11["LAD19NM"],
        }
    )
    l21 = _read_csv(
        src.lsoa21_names,
        required=("lsoa21_code", "lsoa21_name"),
        what="Census 2021 LSOA file",
        usecols=["lsoa21_code", "lsoa21_name"],
    ).drop_duplicates("lsoa21_code")
    names = district_name_from_lsoa_name(l21["lsoa21_name"])
    # Each LAD name (in order of first appearance) with the code of its last row.
    lads = v2011.loc[~v2011["district_name"].duplicated(keep="last")]
    code_of = dict.fromkeys(v2011["district_name"].drop_duplicates())
    code_of.update(zip(lads["district_name"], lads["district_code"], strict=True))
    # ONS names such as "Bristol, City of" appear in LSOA names as "Bristol".
    code_of.update({k.split(",")[0]: v for k, v in code_of.items() if "," in k})
    code_of = {k.casefold(): v for k, v in code_of.items()}
    for district in config.districts:  # districts newer than the 2019 lookup, e.g. Buckinghamshire
        code_of.setdefault(district.name.casefold(), district.code)
    v2021 = pd.DataFrame(
        {
            "lsoa_code": l21["lsoa21_code"],
            "lsoa_name": l21["lsoa21_name"],
            "lsoa_vintage": 2021,
            "district_code": names.str.casefold().map(code_of).fillna(""),
            "district_name": names,
        }
    )
    return pd.concat([v2011, v2021], ignore_index=True)


def assign_districts(codes: pd.Series, names: pd.Series, lookup: pd.DataFrame) -> pd.DataFrame:
    """District and LSOA vintage for each record of one file, from its LSOA code and name.

    Most LSOA codes exist in both vintages. A file's vintage is the one most of its codes point
    to: codes that exist only in 2011 or only in 2021 decide it, a tie going to 2021 (2018-2022
    police.uk files carry 2011 codes, later ones 2021 codes). Each record then takes the vintage
    whose LSOA name matches its own, else the file's vintage, else whichever has the code. Codes
    in neither vintage get vintage 0 and an empty district. A code that exists only in the other
    vintage (a 2011 LSOA retired in 2021, in a file of 2021 codes) is flagged ``other_vintage``:
    counting it would count its area twice, once under its old code and once under its new ones.

    Parameters
    ----------
    codes, names
        The records' ``LSOA code`` and ``LSOA name`` (one file's worth).
    lookup
        From :func:`lsoa_lookup`.

    Returns
    -------
    pandas.DataFrame
        Same index as ``codes``; columns ``lsoa_vintage`` (0 when unknown), ``lsoa_name`` (the
        lookup's name for the code, which the record's may not match), ``district_code``,
        ``district_name``, ``other_vintage`` (bool), and ``attrs["file_vintage"]`` (2011, 2021, or
        0 when no code belongs to one vintage only).
    """
    placement = place_lsoas(codes, names, lookup)
    out = placement.frame(placement.pair_ids)
    out.index = codes.index
    out.attrs["file_vintage"] = placement.file_vintage
    return out


@dataclass(frozen=True)
class Placement:
    """:func:`assign_districts`' result kept per distinct (LSOA code, name) pair.

    A file of a million rows holds a few thousand pairs: checks and counts on the pairs' arrays
    taken by ``pair_ids`` cost an integer per row, not a string.
    """

    pair_ids: np.ndarray
    """Each row's pair (a position in the arrays below)."""
    lsoa_vintage: np.ndarray
    """Each pair's LSOA vintage (``int64``; 0 for an unknown code)."""
    lsoa_name: np.ndarray
    """Each pair's LSOA name in the lookup (object array of str; empty if unknown)."""
    district_code: np.ndarray
    district_name: np.ndarray
    other_vintage: np.ndarray
    """Each pair's code exists only in the vintage the file does not use (bool)."""
    pair_code: np.ndarray
    """Each pair's stripped LSOA code, as a position in ``codes``."""
    codes: np.ndarray
    """The distinct stripped LSOA codes (object array of str)."""
    file_vintage: int
    """2011, 2021, or 0 (see :func:`assign_districts`)."""

    def frame(self, pairs: np.ndarray) -> pd.DataFrame:
        """:func:`assign_districts`' columns for these pairs (positions), one row each."""
        return pd.DataFrame(
            {
                "lsoa_vintage": self.lsoa_vintage[pairs],
                "lsoa_name": pd.Series(self.lsoa_name[pairs], dtype="str"),
                "district_code": pd.Series(self.district_code[pairs], dtype="str"),
                "district_name": pd.Series(self.district_name[pairs], dtype="str"),
                "other_vintage": self.other_vintage[pairs],
            }
        )


def place_lsoas(codes: pd.Series, names: pd.Series, lookup: pd.DataFrame) -> Placement:
    """:func:`assign_districts` per distinct (code, name) pair, with each row's pair.

    Examples
    --------
    >>> lookup = pd.DataFrame({"lsoa_code": ["E01"], "lsoa_vintage": [2021],
    ...     "lsoa_name": ["Oxford 001A"], "district_code": ["E07000178"],
    ...     "district_name": ["Oxford"]})
    >>> p = place_lsoas(pd.Series(["E01", "E01 ", "X"]), pd.Series(["a", "a", "b"]), lookup)
    >>> p.pair_ids.tolist(), p.district_code.tolist(), p.codes[p.pair_code].tolist()
    ([0, 0, 1], ['E07000178', ''], ['E01', 'X'])
    """
    # Each distinct (code, name) pair is placed once; rows take their pair's result by position.
    code_ids, code_values = _stripped_factors(codes)
    name_ids, name_values = _stripped_factors(names)
    width = max(len(name_values), 1)
    pair_ids, pair_values = pd.factorize(code_ids.astype(np.int64) * width + name_ids)
    index = _lookup_index(lookup)
    # Each distinct code: its first entry in the lookup, and whether its entries are of one
    # vintage only (then that vintage votes for the file's).
    at = index.codes.get_indexer(pd.Index(code_values, dtype=object))
    known = at >= 0
    low, high = index.low[at[known]], index.high[at[known]]
    single = np.zeros(len(at), dtype=bool)
    single[known] = low == high
    only = Counter(low[low == high].tolist())
    preferred = max(only, key=lambda v: (only[v], v)) if only else 2021
    foreign = single.copy()
    foreign[known] &= low != preferred
    # Each pair takes the best of its code's entries: the name matching (10) and the file's
    # vintage (1); the lookup's order decides equal scores (the first wins).
    pair_code = np.asarray(pair_values, dtype=np.int64) // width
    pair_name = name_values[np.asarray(pair_values, dtype=np.int64) % width]
    code_at = at[pair_code]
    count = np.zeros(len(code_at), dtype=np.int64)
    first = np.zeros(len(code_at), dtype=np.int64)
    count[code_at >= 0] = index.count[code_at[code_at >= 0]]
    first[code_at >= 0] = index.start[code_at[code_at >= 0]]
    best = np.full(len(pair_code), -1, dtype=np.int64)
    top = np.full(len(pair_code), -1, dtype=np.int64)
    for j in range(int(count.max()) if len(count) else 0):
        rows = np.flatnonzero(count > j)
        e = first[rows] + j
        score = (index.name[e] == pair_name[rows]).astype(np.int64) * 10 + (
            index.vintage[e] == preferred
        )
        better = score > top[rows]
        best[rows[better]] = e[better]
        top[rows[better]] = score[better]
    found = best >= 0
    pick = np.maximum(best, 0)

    def chosen(values: np.ndarray, unknown: Any) -> np.ndarray:
        """Each pair's entry's value, ``unknown`` for a pair with no entry."""
        out = np.full(len(best), unknown, dtype=values.dtype)
        out[found] = values[pick[found]]
        return out

    return Placement(
        pair_ids=np.asarray(pair_ids, dtype=np.intp),
        lsoa_vintage=chosen(index.vintage, 0).astype("int64"),
        lsoa_name=chosen(index.name, ""),
        district_code=chosen(index.district_code, ""),
        district_name=chosen(index.district_name, ""),
        other_vintage=foreign[pair_code].astype(bool),
        pair_code=pair_code,
        codes=code_values,
        file_vintage=preferred if only else 0,
    )


def _stripped_factors(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values.str.strip())`` (missing as a value), stripping distinct values only.

    Examples
    --------
    >>> ids, uniques = _stripped_factors(pd.Series(["a", " b", "a ", "b"]))
    >>> ids.tolist(), uniques.tolist()
    ([0, 1, 0, 1], ['a', 'b'])
    """
    raw_ids, raw_values = pd.factorize(values, use_na_sentinel=False)
    stripped = pd.Series(raw_values, dtype=values.dtype).str.strip()
    to_ids, uniques = pd.factorize(stripped, use_na_sentinel=False)
    return to_ids[raw_ids], np.asarray(uniques, dtype=object)


@dataclass(frozen=True)
class _LookupIndex:
    """An LSOA lookup's rows grouped by code (in the lookup's order within a code), as arrays."""

    codes: pd.Index
    """Distinct LSOA codes."""
    start: np.ndarray
    """Each code's first entry."""
    count: np.ndarray
    """Each code's number of entries."""
    low: np.ndarray
    """Each code's lowest vintage."""
    high: np.ndarray
    """Each code's highest vintage."""
    vintage: np.ndarray
    name: np.ndarray
    district_code: np.ndarray
    district_name: np.ndarray


_LOOKUP_INDEX: list[Any] = []
"""The last lookup given to :func:`_lookup_index` and its index (built once per lookup)."""


def _lookup_index(lookup: pd.DataFrame) -> _LookupIndex:
    """``lookup`` as a :class:`_LookupIndex`.

    Built once for a lookup object and kept (a national year places hundreds of files against
    the same lookup); a lookup must not be changed after use.
    """
    if not _LOOKUP_INDEX or _LOOKUP_INDEX[0] is not lookup:
        ids, codes = pd.factorize(lookup["lsoa_code"].to_numpy(dtype=object), use_na_sentinel=False)
        order = np.argsort(ids, kind="stable")
        count = np.bincount(ids, minlength=len(codes)).astype(np.int64)
        start = np.zeros(len(codes), dtype=np.int64)
        start[1:] = np.cumsum(count)[:-1]
        vintage = lookup["lsoa_vintage"].to_numpy(dtype=np.int64)[order]
        nonempty = start[count > 0]
        index = _LookupIndex(
            codes=pd.Index(codes, dtype=object),
            start=start,
            count=count,
            low=np.minimum.reduceat(vintage, nonempty) if len(vintage) else vintage,
            high=np.maximum.reduceat(vintage, nonempty) if len(vintage) else vintage,
            vintage=vintage,
            name=lookup["lsoa_name"].to_numpy(dtype=object)[order],
            district_code=lookup["district_code"].to_numpy(dtype=object)[order],
            district_name=lookup["district_name"].to_numpy(dtype=object)[order],
        )
        _LOOKUP_INDEX[:] = [lookup, index]
    return _LOOKUP_INDEX[1]


def check_districts(config: Config, lookup: pd.DataFrame) -> None:
    """Every district of the config (and of its benchmark) must exist in the LSOA lookups.

    A district's name must be the ONS name of its code, spelt as the ONS spells it (or the part
    before a comma: "Bristol" for "Bristol, City of"); a name that differs only in case is
    refused with the ONS spelling, since reports match names exactly. The benchmark's name must
    not be the name of a district it is compared with.

    Raises
    ------
    ConfigError
        Naming the key, if a district code has no LSOA in either vintage, its name is not the
        ONS name for that code (a typo would otherwise silently count every record out of area),
        or the benchmark is named like a district.
    """
    names_of: dict[str, set[str]] = {}
    pairs = lookup[["district_code", "district_name"]].drop_duplicates()
    for code, name in zip(pairs["district_code"], pairs["district_name"], strict=True):
        names_of.setdefault(code, set()).add(name)
    for i, district in enumerate(config.districts):
        if district.code not in names_of:
            raise ConfigError(
                config.path,
                f"districts[{i}].code",
                f"{district.code} ({district.name}) has no LSOA in the ONS lookups; check the code",
            )
        ons = sorted(names_of[district.code])
        known = set(ons) | {n.split(",")[0] for n in ons}
        if district.name in known:
            continue
        same = sorted(n for n in known if n.casefold() == district.name.casefold())
        if same:
            problem = (
                f"{district.name!r} is not spelt as the ONS spells the name of {district.code}: "
                f'write name = "{same[0]}"'
            )
        else:
            problem = (
                f"{district.name!r} is not the ONS name of {district.code} ({' or '.join(ons)})"
            )
        raise ConfigError(config.path, f"districts[{i}].name", problem)
    for code in config.benchmark.district_codes:
        if code not in names_of:
            raise ConfigError(
                config.path,
                "benchmark.districts",
                f"{code} has no LSOA in the ONS lookups; check the code",
            )
    bench = config.benchmark.name.casefold()
    for code in config.kept_district_codes:
        names = {d.name for d in config.districts if d.code == code} or names_of[code]
        if any(bench in (n.casefold(), n.split(",")[0].casefold()) for n in names):
            raise ConfigError(
                config.path,
                "benchmark.name",
                f"{config.benchmark.name!r} is also the name of district {code}; the benchmark "
                "is the area the districts are compared with: give it its own name, e.g. the "
                "county's",
            )


def read_deprivation(config: Config) -> pd.DataFrame:
    """IoD2019 ranks and deciles by 2011 LSOA: the IMD (File 1) and the seven domains (File 2).

    File 1's ranks are quoted with thousands separators (``"29,199"``); both files start with a
    byte-order mark. Decile 1 is the most deprived 10% of LSOAs in England.

    Returns
    -------
    pandas.DataFrame
        ``lsoa_code``, ``imd_rank``, ``imd_decile`` and ``<domain>_rank``/``<domain>_decile`` for
        each domain (snake_case names, e.g. ``income_decile``).
    """
    imd_col = DEPRIVATION_DOMAINS["IMD"].iod2019
    key = "LSOA code (2011)"
    f1 = _int_table(
        config.sources.imd,
        key=key,
        columns=[f"{imd_col} Rank", f"{imd_col} Decile"],
        what="IoD2019 File 1 (IMD)",
    )
    out = pd.DataFrame(
        {
            "lsoa_code": f1[key],
            "imd_rank": f1[f"{imd_col} Rank"],
            "imd_decile": f1[f"{imd_col} Decile"],
        }
    )
    header = _read_csv(
        config.sources.iod_domains, required=(key,), what="IoD2019 File 2 (domains)", nrows=0
    )
    wanted: dict[str, str] = {}
    for domain, spec in DEPRIVATION_DOMAINS.items():
        if domain == "IMD":
            continue
        for kind in ("Rank", "Decile"):
            matches = [c for c in header.columns if c.startswith(f"{spec.iod2019} {kind}")]
            if not matches:
                raise InputError(
                    config.sources.iod_domains,
                    f"no column for the {domain} domain {kind.lower()}; this does not look like IoD2019 File 2",
                    line=1,
                )
            wanted[f"{spec.key}_{kind.lower()}"] = matches[0]
    f2 = _int_table(
        config.sources.iod_domains,
        key=key,
        columns=list(wanted.values()),
        what="IoD2019 File 2 (domains)",
    )
    domains = pd.DataFrame({"lsoa_code": f2[key], **{k: f2[c] for k, c in wanted.items()}})
    bad = out["imd_decile"].lt(1) | out["imd_decile"].gt(10)
    if bad.any():
        line = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise InputError(config.sources.imd, "IMD decile outside 1-10", line=line)
    return out.merge(domains, on="lsoa_code", how="outer")


def read_deprivation_2025(config: Config) -> pd.DataFrame:
    """IoD2025 ranks and deciles by 2021 LSOA: the IMD and the seven domains.

    Reads the IoD2025 LSOA file (``lsoa21_code`` and ``<Domain>_rank``/``<Domain>_decile`` per
    domain, e.g. ``Housing_and_Services_decile``; MHCLG File 7's values).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`read_deprivation` (``lsoa_code``, ``imd_rank``, ``imd_decile``,
        ``income_rank``, ...), for 2021 LSOAs.

    Raises
    ------
    InputError
        If a column is missing, a value is not a whole number, or a decile is outside 1-10.
    """
    path = config.sources.iod2025
    specs = DEPRIVATION_DOMAINS.values()
    table = _int_table(
        path,
        key="lsoa21_code",
        columns=[f"{d.iod2025}_{kind}" for d in specs for kind in ("rank", "decile")],
        what="IoD2025 LSOA (2021) ranks and deciles file",
    )
    out = pd.DataFrame({"lsoa_code": table["lsoa21_code"]})
    for domain in specs:
        for kind in ("rank", "decile"):
            out[f"{domain.key}_{kind}"] = table[f"{domain.iod2025}_{kind}"]
        deciles = out[f"{domain.key}_decile"]
        bad = deciles.lt(1) | deciles.gt(10)
        if bad.any():
            line = int(np.flatnonzero(bad.to_numpy())[0]) + 2
            raise InputError(path, f"{domain.iod2025}_decile outside 1-10", line=line)
    return out


_CHANGES = {"U": "unchanged", "S": "split", "M": "merged", "X": "irregular"}


def read_lsoa_changes(config: Config) -> pd.DataFrame:
    """The ONS exact-fit LSOA (2011) to LSOA (2021) lookup: one row per pair of LSOAs.

    Returns
    -------
    pandas.DataFrame
        ``lsoa11_code``, ``lsoa11_name``, ``lsoa21_code``, ``lsoa21_name``, ``change`` (the
        ONS change indicator CHGIND: U unchanged, S split, M merged, X irregular).

    Raises
    ------
    InputError
        If a column is missing or a change indicator is not one of U, S, M, X.
    """
    path = config.sources.lsoa_lookup_2011_2021
    columns = ("LSOA11CD", "LSOA11NM", "LSOA21CD", "LSOA21NM", "CHGIND")
    table = _read_csv(
        path,
        required=columns,
        what="ONS LSOA (2011) to LSOA (2021) lookup",
        usecols=lambda c: c in columns,
    )
    out = pd.DataFrame(
        {
            "lsoa11_code": table["LSOA11CD"].str.strip(),
            "lsoa11_name": table["LSOA11NM"].str.strip(),
            "lsoa21_code": table["LSOA21CD"].str.strip(),
            "lsoa21_name": table["LSOA21NM"].str.strip(),
            "change": table["CHGIND"].str.strip(),
        }
    )
    bad = ~out["change"].isin(list(_CHANGES))
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            path,
            f"CHGIND is {out['change'].iloc[first]!r}, not U, S, M or X",
            line=first + 2,
        )
    return out


_WARD_LSOA = re.compile(r"^(lsoa21_code|LSOA21CD)$")
_WARD_NAME = re.compile(r"^(ward\d{2}_name|WD\d{2}NM)$")


def read_wards(config: Config) -> pd.DataFrame:
    """The ONS LSOA (2021) to ward lookup: the electoral ward of each 2021 LSOA, by name.

    Reads the best-fit lookup of ``[sources] wards``, with its columns named as ONS names them
    (``LSOA21CD``, ``WD24NM``) or as in the demo's converted copy (``lsoa21_code``,
    ``ward24_name``); any ward year is accepted (``WD23NM``, ``ward24_name``).

    Returns
    -------
    pandas.DataFrame
        ``lsoa21_code``, ``ward_name``; one row per 2021 LSOA.

    Raises
    ------
    InputError
        If the file has no 2021 LSOA code or no ward name column, or a ward name is empty.
    """
    path = config.sources.wards
    what = "ONS LSOA (2021) to ward lookup"
    header = _read_csv(path, required=(), what=what, nrows=0)
    code = next((c for c in header.columns if _WARD_LSOA.match(c)), None)
    name = next((c for c in header.columns if _WARD_NAME.match(c)), None)
    if code is None or name is None:
        missing = "LSOA21CD (or lsoa21_code)" if code is None else "WD24NM (or ward24_name)"
        raise InputError(
            path,
            f"column {missing} is missing; this does not look like the {what}",
            line=1,
            hint="expected the ONS best-fit LSOA (2021) to ward lookup, e.g. LSOA21CD, WD24NM",
        )
    table = _read_csv(path, required=(code, name), what=what, usecols=[code, name])
    out = pd.DataFrame(
        {"lsoa21_code": table[code].str.strip(), "ward_name": table[name].str.strip()}
    )
    empty = out["ward_name"].eq("")
    if empty.any():
        line = int(np.flatnonzero(empty.to_numpy())[0]) + 2
        raise InputError(path, f"column {name!r} has an empty cell, not a ward name", line=line)
    return out.drop_duplicates("lsoa21_code")


def ward_names(areas: pd.DataFrame, changes: pd.DataFrame, wards: pd.DataFrame) -> pd.Series:
    """The electoral ward of each LSOA: its own for 2021 LSOAs, its 2021 parts' for 2011 LSOAs.

    A 2011 LSOA takes the wards of the 2021 LSOAs it became (ONS LSOA (2011) to LSOA (2021)
    lookup); when those lie in more than one ward, their names are joined with " / " in
    alphabetical order. An LSOA with no ward in the lookup has ``""``.

    Parameters
    ----------
    areas
        ``lsoa_code`` and ``lsoa_vintage`` (2011 or 2021) of the LSOAs to name.
    changes
        From :func:`read_lsoa_changes`.
    wards
        From :func:`read_wards`.

    Returns
    -------
    pandas.Series
        ``ward_name``, indexed like ``areas``.

    Examples
    --------
    >>> areas = pd.DataFrame({"lsoa_code": ["A", "B", "C"], "lsoa_vintage": [2021, 2011, 2021]})
    >>> changes = pd.DataFrame({"lsoa11_code": ["B", "B"], "lsoa21_code": ["C", "D"]})
    >>> wards = pd.DataFrame({"lsoa21_code": ["A", "C", "D"], "ward_name": ["Wood", "Marsh", "Abbey"]})
    >>> ward_names(areas, changes, wards).tolist()
    ['Wood', 'Abbey / Marsh', 'Marsh']
    """
    ward_of = wards.drop_duplicates("lsoa21_code", keep="last").set_index("lsoa21_code")
    codes = areas["lsoa_code"].to_numpy()
    rows = np.arange(len(areas))
    recent = areas["lsoa_vintage"].to_numpy() == 2021
    own = pd.DataFrame({"row": rows[recent], "lsoa21_code": codes[recent]})
    parts = pd.DataFrame({"row": rows[~recent], "lsoa11_code": codes[~recent]}).merge(
        changes[["lsoa11_code", "lsoa21_code"]], on="lsoa11_code"
    )
    links = pd.concat([own, parts[["row", "lsoa21_code"]]], ignore_index=True)
    links["ward"] = links["lsoa21_code"].map(ward_of["ward_name"])
    links = links.dropna(subset=["ward"]).drop_duplicates(["row", "ward"])
    links = links.sort_values(["row", "ward"], kind="stable")
    joined = _joined(links["row"].to_numpy(), links["ward"].to_numpy(), " / ")
    out = np.full(len(areas), "", dtype=object)
    out[joined.index.to_numpy()] = joined.to_numpy()
    return pd.Series(out, index=areas.index, name="ward_name", dtype=object)


def _joined(keys: np.ndarray, values: np.ndarray, sep: str) -> pd.Series:
    """The values of each key joined with ``sep``, in their order; rows of a key must be together.

    One pass per position in the longest group, not per key: a vectorised ``str.join`` by group.

    Examples
    --------
    >>> _joined(np.array([3, 3, 5]), np.array(["Abbey", "Marsh", "Wood"], dtype=object), " / ")
    3    Abbey / Marsh
    5             Wood
    dtype: object
    """
    if not len(keys):
        return pd.Series([], dtype=object)
    first = np.r_[True, keys[1:] != keys[:-1]]
    group = np.cumsum(first) - 1
    rank = np.arange(len(keys)) - np.flatnonzero(first)[group]
    out = np.asarray(values, dtype=object)[first].copy()
    for position in range(1, int(rank.max()) + 1):
        at = rank == position
        out[group[at]] = out[group[at]] + sep + np.asarray(values, dtype=object)[at]
    return pd.Series(out, index=keys[first], dtype=object)


def _isin(values: pd.Series, among: pd.Series) -> np.ndarray:
    """``values.isin(among)`` by one hash lookup (pandas' ``str`` dtype loops over ``among``).

    Examples
    --------
    >>> _isin(pd.Series(["A", "B", "C"]), pd.Series(["C", "A", "A"])).tolist()
    [True, False, True]
    """
    return pd.Index(pd.unique(among)).get_indexer(values) >= 0


def _components(a: np.ndarray, b: np.ndarray, nodes: int) -> np.ndarray:
    """Connected components of the graph of edges ``a[i] - b[i]`` on ``nodes`` nodes.

    Each node's label is the smallest node of its component: labels are lowered along every
    edge at once and then jump to their label's label, until nothing changes.

    Examples
    --------
    >>> _components(np.array([0, 2]), np.array([1, 3]), 5).tolist()
    [0, 0, 2, 2, 4]
    """
    labels = np.arange(nodes)
    while True:
        low = np.minimum(labels[a], labels[b])
        lowered = labels.copy()
        np.minimum.at(lowered, a, low)
        np.minimum.at(lowered, b, low)
        lowered = lowered[lowered]
        if np.array_equal(lowered, labels):
            return labels
        labels = lowered


def _unit_names(units: np.ndarray, names: pd.Series, *, most: int = 4) -> pd.Series:
    """LSOA names joined for each unit: ``"Cherwell 015E + 015F"`` (the district said once).

    Names are sorted; more than ``most`` are cut short: ``"Oxford 001A + 001B + 001C + 2 more"``.

    Examples
    --------
    >>> names = pd.Series(["Oxford 001B", "Oxford 001A", "Cherwell 015E", "Oxford 002A"])
    >>> _unit_names(np.array([1, 1, 2, 3]), names).tolist()
    ['Oxford 001A + 001B', 'Cherwell 015E', 'Oxford 002A']
    """
    if not len(units):
        return pd.Series([], dtype=object)
    frame = pd.DataFrame({"unit": units, "name": names.to_numpy()})
    frame = frame.sort_values(["unit", "name"], kind="stable", ignore_index=True)
    by_unit = frame.groupby("unit", sort=False)
    rank = by_unit.cumcount().to_numpy()
    size = by_unit["name"].transform("size").to_numpy()
    part = frame["name"].to_numpy().copy()
    # After the first name, a unit of one district gives the rest as "015F" (its number).
    several = frame[size > 1]
    district = district_name_from_lsoa_name(several["name"])
    one_district = district.groupby(several["unit"]).transform("nunique").to_numpy() == 1
    number = several["name"].str.extract(r"\s+(\d{3}[A-Z])$", expand=False).fillna("")
    later = (rank[size > 1] > 0) & one_district
    part[np.flatnonzero(size > 1)[later]] = number.to_numpy()[later]
    shown = rank < np.where(size > most, most - 1, size)
    joined = _joined(frame["unit"].to_numpy()[shown], part[shown], " + ")
    hidden = pd.Series(size - (most - 1), index=frame["unit"]).groupby(level=0).first()
    hidden = hidden[hidden > 1]
    joined[hidden.index] = joined[hidden.index] + " + " + hidden.astype(str) + " more"
    return joined


def lsoa_units(changes: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Units that are the same area in both LSOA vintages, for counts compared across years.

    A unit is a connected component of the LSOA (2011) to LSOA (2021) lookup, restricted to the
    LSOAs of ``areas``: an unchanged LSOA is a unit of its own (one 2011 = one 2021 LSOA); LSOAs
    merged in 2021 form the one 2021 LSOA; an LSOA split in 2021 forms the 2011 LSOA, i.e. its
    2021 parts together; irregular changes (X) form whatever component they make.

    Parameters
    ----------
    changes
        From :func:`read_lsoa_changes`.
    areas
        ``lsoa_code``, ``lsoa_name`` and ``lsoa_vintage`` (2011 or 2021) of the LSOAs to place.

    Returns
    -------
    pandas.DataFrame
        Same index as ``areas``: ``unit_code`` (the 2021 code when the unit is one 2021 LSOA,
        else the 2011 code when it is one 2011 LSOA, else its 2021 codes joined by "+"),
        ``unit_name`` (the 2021 name, or the 2021 names joined, ``"Cherwell 015E + 015F"``) and
        ``unit_change`` ("unchanged", "split", "merged" or "irregular"; for an LSOA the lookup
        does not list, its own code and name and "not in lookup").

    Examples
    --------
    >>> changes = pd.DataFrame({"lsoa11_code": ["A", "B"], "lsoa11_name": ["X 001A", "X 001B"],
    ...     "lsoa21_code": ["A", "C"], "lsoa21_name": ["X 001A", "X 001C"], "change": ["U", "S"]})
    >>> areas = pd.DataFrame({"lsoa_code": ["A", "B", "A", "C"], "lsoa_vintage": [2011, 2011, 2021, 2021],
    ...     "lsoa_name": ["X 001A", "X 001B", "X 001A", "X 001C"]})
    >>> lsoa_units(changes, areas)["unit_code"].tolist()
    ['A', 'C', 'A', 'C']
    """
    vintage = areas["lsoa_vintage"].to_numpy()
    old = areas.loc[vintage == 2011, "lsoa_code"]
    new = areas.loc[vintage == 2021, "lsoa_code"]
    pairs = changes[_isin(changes["lsoa11_code"], old) | _isin(changes["lsoa21_code"], new)]
    # Nodes are the 2011 codes, then the 2021 codes; a unit is a connected component, known
    # by its smallest node.
    old_id, old_codes = pd.factorize(pairs["lsoa11_code"], use_na_sentinel=False)
    new_id, new_codes = pd.factorize(pairs["lsoa21_code"], use_na_sentinel=False)
    new_id = new_id + len(old_codes)
    nodes = len(old_codes) + len(new_codes)
    label = _components(old_id, new_id, nodes)
    edges = pd.DataFrame(
        {
            "unit": label[old_id],
            "old": old_id,
            "new": new_id,
            "new_code": pairs["lsoa21_code"].to_numpy(),
            "change": pairs["change"].to_numpy(),
        }
    )
    code, name, change = _unit_labels(edges, pairs, areas, old_codes.to_numpy(), nodes)
    # Each LSOA of areas as a node; one the lookup does not list is a unit of its own.
    codes = areas["lsoa_code"].to_numpy()
    node = np.full(len(areas), -1)
    node[vintage == 2011] = pd.Index(old_codes).get_indexer(codes[vintage == 2011])
    at = pd.Index(new_codes).get_indexer(codes[vintage == 2021])
    node[vintage == 2021] = np.where(at >= 0, at + len(old_codes), -1)
    placed = node >= 0
    root = np.where(placed, label[np.maximum(node, 0)] if nodes else 0, 0)
    return pd.DataFrame(
        {
            "unit_code": np.where(placed, code[root], codes),
            "unit_name": np.where(placed, name[root], areas["lsoa_name"].to_numpy()),
            "unit_change": np.where(placed, change[root], "not in lookup").astype(object),
        },
        index=areas.index,
    )


def _unit_labels(
    edges: pd.DataFrame,
    pairs: pd.DataFrame,
    areas: pd.DataFrame,
    old_codes: np.ndarray,
    nodes: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Code, name and change of each unit of :func:`lsoa_units`, indexed by its smallest node.

    ``edges`` holds per pair of the lookup its ``unit``, ``old`` and ``new`` nodes, the 2021
    code (``new_code``) and the change indicator.
    """
    size = max(nodes, 1)
    members = edges.drop_duplicates(["unit", "new"]).sort_values(
        ["unit", "new_code"], kind="stable"
    )
    olds = edges.drop_duplicates(["unit", "old"])
    n_new = np.bincount(members["unit"], minlength=size)
    n_old = np.bincount(olds["unit"], minlength=size)
    code = np.full(size, None, dtype=object)
    one_new = members[n_new[members["unit"].to_numpy()] == 1]
    code[one_new["unit"].to_numpy()] = one_new["new_code"].to_numpy()
    one_old = olds[(n_new[olds["unit"].to_numpy()] > 1) & (n_old[olds["unit"].to_numpy()] == 1)]
    code[one_old["unit"].to_numpy()] = old_codes[one_old["old"].to_numpy()]
    unit = members["unit"].to_numpy()
    several = members[(n_new[unit] > 1) & (n_old[unit] > 1)]
    joined = _joined(several["unit"].to_numpy(), several["new_code"].to_numpy(), "+")
    code[joined.index.to_numpy()] = joined.to_numpy()
    kinds = edges.drop_duplicates(["unit", "change"])
    n_kinds = np.bincount(kinds["unit"], minlength=size)
    change = np.full(size, _CHANGES["X"], dtype=object)
    single = kinds[n_kinds[kinds["unit"].to_numpy()] == 1]
    change[single["unit"].to_numpy()] = single["change"].map(_CHANGES).to_numpy()
    # The 2021 name of each code: the lookup's, or the one areas gives.
    recent = areas.loc[areas["lsoa_vintage"].to_numpy() == 2021, ["lsoa_code", "lsoa_name"]]
    names21 = pd.concat(
        [
            pairs[["lsoa21_code", "lsoa21_name"]].set_axis(["code", "name"], axis=1),
            recent.set_axis(["code", "name"], axis=1),
        ],
        ignore_index=True,
    ).drop_duplicates("code", keep="last")
    member_names = members["new_code"].map(names21.set_index("code")["name"])
    named = _unit_names(unit, member_names)
    name = np.full(size, None, dtype=object)
    name[named.index.to_numpy()] = named.to_numpy()
    return code, name, change


def lsoa_areas(
    config: Config, lookup: pd.DataFrame, district_codes: tuple[str, ...]
) -> pd.DataFrame:
    """LSOAs of the given districts with population, deprivation and their unit across vintages.

    Population: the best published for the LSOA's vintage (:data:`LSOA_POPULATION_SOURCES`):
    Census 2021 usual residents for 2021 LSOAs, IoD2019 mid-2015 denominators for 2011 LSOAs.
    Deprivation: the index of the LSOA's vintage, IoD2025 for 2021 LSOAs and IoD2019 for 2011
    LSOAs (ranks of the two are not comparable with each other; deciles within one are); an LSOA
    the index does not list has ``deprivation_matched`` False. The unit is the LSOA's place in
    :func:`lsoa_units`, the same area in both vintages. The ward is the LSOA's electoral ward
    (:func:`ward_names`; a 2011 LSOA takes its 2021 parts' wards).

    Returns
    -------
    pandas.DataFrame
        One row per LSOA code and vintage: lookup columns, ``population``,
        ``population_source``, ``imd_*`` and domain ranks/deciles, ``deprivation_index``
        ("IoD2025" or "IoD2019"), ``deprivation_matched``, ``unit_code``, ``unit_name``,
        ``unit_change``, ``ward_name``.
    """
    src = config.sources
    inputs = [
        src.lsoa21_names,
        src.lsoa11_population,
        src.imd,
        src.iod_domains,
        src.iod2025,
        src.lsoa_lookup_2011_2021,
        src.wards,
    ]
    params = {"lookup": _frame_digest(lookup), "districts": list(district_codes)}
    tables = cached_area_tables(
        config,
        "lsoa_areas",
        inputs,
        params,
        lambda: {"areas": _lsoa_areas(config, lookup, district_codes)},
    )
    return tables["areas"]


def _frame_digest(frame: pd.DataFrame) -> str:
    """SHA-256 of a frame's values, index, columns and dtypes.

    Examples
    --------
    >>> a = pd.DataFrame({"x": ["E01"]})
    >>> _frame_digest(a) == _frame_digest(a.copy()) != _frame_digest(a.astype(object))
    True
    """
    rows = pd.util.hash_pandas_object(frame, index=True).to_numpy()
    digest = hashlib.sha256(rows.tobytes())
    digest.update(json.dumps(_signature(frame)).encode())
    return digest.hexdigest()


def _lsoa_areas(
    config: Config, lookup: pd.DataFrame, district_codes: tuple[str, ...]
) -> pd.DataFrame:
    """:func:`lsoa_areas`, read from the files."""
    areas = lookup[lookup["district_code"].isin(district_codes)].copy()
    census = _int_table(
        config.sources.lsoa21_names,
        key="lsoa21_code",
        columns=["usual_residents"],
        what="Census 2021 LSOA file",
    )
    census_pop = census.groupby("lsoa21_code")["usual_residents"].sum()
    pop_col = "Total population: mid 2015 (excluding prisoners)"
    denominators = _int_table(
        config.sources.lsoa11_population,
        key="LSOA code (2011)",
        columns=[pop_col],
        what="IoD2019 File 6 (population denominators)",
    )
    mid2015 = pd.Series(denominators[pop_col].to_numpy(), index=denominators["LSOA code (2011)"])
    is2021 = areas["lsoa_vintage"] == 2021
    areas["population"] = np.where(
        is2021, areas["lsoa_code"].map(census_pop), areas["lsoa_code"].map(mid2015)
    )
    areas["population_source"] = np.where(
        is2021, LSOA_POPULATION_SOURCES[2021], LSOA_POPULATION_SOURCES[2011]
    )
    deprivation = pd.concat(
        [
            read_deprivation(config).assign(lsoa_vintage=2011),
            read_deprivation_2025(config).assign(lsoa_vintage=2021),
        ],
        ignore_index=True,
    )
    areas = areas.merge(deprivation, on=["lsoa_code", "lsoa_vintage"], how="left")
    areas["deprivation_index"] = np.where(areas["lsoa_vintage"] == 2021, IOD2025, IOD2019)
    areas["deprivation_matched"] = areas["imd_decile"].notna()
    for column in deprivation.columns.drop(["lsoa_code", "lsoa_vintage"]):
        areas[column] = areas[column].astype("Int64")
    changes = read_lsoa_changes(config)
    areas = areas.join(lsoa_units(changes, areas))
    areas["ward_name"] = ward_names(areas, changes, read_wards(config))
    return areas.sort_values(["district_code", "lsoa_vintage", "lsoa_code"], ignore_index=True)


def _mye_workbook(source: PopulationSource) -> pd.Series:
    """All-ages population by area code from an ONS mid-year estimates workbook (sheet MYE2 - Persons)."""
    try:
        sheet = pd.read_excel(
            source.file, sheet_name="MYE2 - Persons", header=None, dtype=str, engine="calamine"
        )
    except (ValueError, OSError, KeyError, CalamineError, PasswordError, XmlError, ZipError) as exc:
        raise InputError(
            source.file,
            f"cannot read sheet 'MYE2 - Persons' of the ONS mid-year estimates workbook: {exc}",
            hint="is it the ONS workbook, complete and saved as .xlsx?",
        ) from None
    header_rows = np.flatnonzero(sheet.iloc[:, 0].eq("Code").to_numpy())
    if not len(header_rows):
        raise InputError(
            source.file, "sheet 'MYE2 - Persons' has no header row starting with 'Code'"
        )
    start = int(header_rows[0])
    table = sheet.iloc[start + 1 :].set_axis(sheet.iloc[start].tolist(), axis=1)
    if "All ages" not in table.columns:
        raise InputError(
            source.file, "sheet 'MYE2 - Persons' has no 'All ages' column", line=start + 1
        )
    table = table.dropna(subset=["Code"])
    return pd.Series(
        _to_int(table["All ages"], source.file, "All ages", first_line=start + 2).to_numpy(),
        index=table["Code"],
    )


def _mye_csv(source: PopulationSource) -> pd.Series:
    table = _read_csv(
        source.file, required=("area_code", "all_ages"), what="mid-year estimates CSV"
    )
    return pd.Series(
        _to_int(table["all_ages"], source.file, "all_ages").to_numpy(), index=table["area_code"]
    )


def _census_lsoa(source: PopulationSource, names: dict[str, str]) -> pd.Series:
    table = _int_table(
        source.file, key="lsoa21_name", columns=["usual_residents"], what="Census 2021 LSOA file"
    )
    residents = table["usual_residents"]
    district = district_name_from_lsoa_name(table["lsoa21_name"])
    by_name = residents.groupby(district).sum()
    return pd.Series({code: by_name.get(name, np.nan) for code, name in names.items()})


def populations_by_year(
    config: Config,
    years: Iterable[int],
    *,
    census: Callable[[PopulationSource], pd.Series],
) -> Iterator[tuple[int, PopulationSource, pd.Series]]:
    """Each year's population source and its populations by district code, each file read once.

    Years come in ascending order and each source is read only when its first year is reached,
    so a caller that checks a year's figures stops at the first problem (the error names the
    year that needs the file).

    An ONS mid-year estimates workbook or CSV gives every district; a Census 2021 LSOA file is
    summed to districts by ``census`` (callers differ in how they name the districts).

    Parameters
    ----------
    config
        The assessment config: population sources and which to use per year.
    years
        The years wanted.
    census
        Populations by district code from a Census 2021 LSOA source.

    Yields
    ------
    tuple
        ``(year, source, populations)``: residents (float) by district code.
    """
    cache: dict[str, pd.Series] = {}
    for year in sorted(set(years)):
        source = config.population_source_for(year)
        if source.key not in cache:
            if source.format == "ons-mye-workbook":
                cache[source.key] = _mye_workbook(source)
            elif source.format == "ons-mye-csv":
                cache[source.key] = _mye_csv(source)
            else:
                cache[source.key] = census(source)
        yield year, source, cache[source.key]


def district_populations(config: Config, years: list[int], names: dict[str, str]) -> pd.DataFrame:
    """Population of each kept district (and the benchmark) for each year, with its source.

    Parameters
    ----------
    config
        The assessment config: population sources and which to use per year.
    years
        Years to give (reporting years and years with data).
    names
        District code to name, for the districts to give.

    Returns
    -------
    pandas.DataFrame
        ``year, area_code, area_name, population, source, source_year``; the benchmark appears as
        ``area_code == "benchmark"``.

    Raises
    ------
    InputError
        If a district has no population, or 0, in the source used for a year.
    """
    inputs = sorted({config.population_source_for(y).file for y in years})
    params = {"years": sorted(set(years)), "names": list(names.items())}
    tables = cached_area_tables(
        config,
        "populations",
        inputs,
        params,
        lambda: {"populations": _district_populations(config, years, names)},
    )
    return tables["populations"]


def _district_populations(config: Config, years: list[int], names: dict[str, str]) -> pd.DataFrame:
    """:func:`district_populations`, read from the files."""
    rows = []
    by_year = populations_by_year(config, years, census=lambda s: _census_lsoa(s, names))
    for year, source, pops in by_year:
        for code, name in names.items():
            value = float(pops.get(code, np.nan))
            if not value > 0:
                problem = "has no population" if np.isnan(value) else f"has population {value:,.0f}"
                raise InputError(
                    source.file,
                    f"{name} ({code}) {problem} in this {source.label} file, needed for {year}",
                    hint="fix the file, or choose another source for that year in [population.by_year] of the config",
                )
            rows.append((year, code, name, value, source.label, source.year))
        bench = [pops.get(c, np.nan) for c in config.benchmark.district_codes]
        rows.append(
            (
                year,
                "benchmark",
                config.benchmark.name,
                float(np.sum(bench)),
                source.label,
                source.year,
            )
        )
    return pd.DataFrame(
        rows, columns=["year", "area_code", "area_name", "population", "source", "source_year"]
    )
