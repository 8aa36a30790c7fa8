"""Area data: LSOA to district lookups (2011 and 2021 LSOAs), populations and deprivation.

police.uk files carry 2011 LSOA codes up to about 2022 and 2021 codes after; the English Indices
of Deprivation 2019 are on 2011 LSOAs and those of 2025 on 2021 LSOAs; Census 2021 populations
are on 2021 LSOAs. This module reads the publishers' files as they are and puts them in tidy
frames keyed by LSOA code and vintage, so that both vintages resolve to the right district, each
LSOA gets the deprivation index of its own vintage, and the ONS LSOA (2011) to LSOA (2021) lookup
groups the LSOAs of both vintages into units that are the same area in every year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from python_calamine import CalamineError, PasswordError, XmlError, ZipError

from sna.errors import ConfigError, InputError

if TYPE_CHECKING:  # sna.data.config imports DEPRIVATION_DOMAINS from here
    from collections.abc import Callable, Iterable, Iterator

    from sna.data.config import Config, PopulationSource

__all__ = [
    "DEPRIVATION_DOMAINS",
    "IOD2019",
    "IOD2025",
    "DeprivationDomain",
    "assign_districts",
    "check_districts",
    "district_name_from_lsoa_name",
    "district_populations",
    "domain_column",
    "lsoa_areas",
    "lsoa_lookup",
    "lsoa_units",
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
    l11 = _read_csv(
        src.lsoa11_lookup,
        required=("LSOA11CD", "LSOA11NM", "LAD19CD", "LAD19NM"),
        what="ONS LSOA (2011) to LAD lookup",
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
    code_of = dict(zip(v2011["district_name"], v2011["district_code"], strict=False))
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
    pairs = pd.DataFrame({"lsoa_code": codes.str.strip(), "record_name": names.str.strip()})
    unique = pairs.drop_duplicates()
    candidates = unique.merge(lookup, on="lsoa_code", how="left")
    vintages = candidates.groupby("lsoa_code")["lsoa_vintage"].agg(["min", "max"])
    single = vintages.loc[vintages["min"] == vintages["max"], "min"]
    only = single.value_counts()
    preferred = int(max(only.index, key=lambda v: (only[v], v))) if len(only) else 2021
    foreign = set(single.index[single != preferred]) if len(only) else set()
    candidates["score"] = (candidates["lsoa_name"] == candidates["record_name"]) * 10 + (
        candidates["lsoa_vintage"] == preferred
    )
    best = candidates.sort_values("score", ascending=False, kind="stable")
    best = best.drop_duplicates(["lsoa_code", "record_name"])
    best = best.assign(lsoa_vintage=best["lsoa_vintage"].fillna(0).astype("int64"))
    best = best.fillna({"district_code": "", "district_name": "", "lsoa_name": ""})
    out = pairs.merge(
        best[
            [
                "lsoa_code",
                "record_name",
                "lsoa_vintage",
                "lsoa_name",
                "district_code",
                "district_name",
            ]
        ],
        on=["lsoa_code", "record_name"],
        how="left",
    )
    out.index = codes.index
    out["other_vintage"] = pairs["lsoa_code"].isin(foreign).to_numpy()
    out = out[["lsoa_vintage", "lsoa_name", "district_code", "district_name", "other_vintage"]]
    out.attrs["file_vintage"] = preferred if len(only) else 0
    return out


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
    names_of = lookup.groupby("district_code")["district_name"].agg(set)
    for i, district in enumerate(config.districts):
        if district.code not in names_of.index:
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
        if code not in names_of.index:
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
    ward_of = dict(zip(wards["lsoa21_code"], wards["ward_name"], strict=True))
    parts = changes.groupby("lsoa11_code")["lsoa21_code"].agg(list).to_dict()
    out = []
    for code, vintage in zip(areas["lsoa_code"], areas["lsoa_vintage"], strict=True):
        codes = [code] if int(vintage) == 2021 else parts.get(code, [])
        names = sorted({ward_of[c] for c in codes if c in ward_of})
        out.append(" / ".join(names))
    return pd.Series(out, index=areas.index, name="ward_name", dtype=object)


def _join_names(names: list[str], *, most: int = 4) -> str:
    """LSOA names joined for a unit: ``"Cherwell 015E + 015F"`` (the district said once).

    More than ``most`` names are cut short: ``"Oxford 001A + 001B + 001C + 2 more"``.
    """
    names = sorted(names)
    if len(names) == 1:
        return names[0]
    districts = set(district_name_from_lsoa_name(pd.Series(names)))
    shown = names[: most - 1] if len(names) > most else names
    if len(districts) == 1:
        district = districts.pop()
        parts = [shown[0], *(n[len(district) :].strip() for n in shown[1:])]
    else:
        parts = list(shown)
    more = [f"{len(names) - len(shown)} more"] if len(shown) < len(names) else []
    return " + ".join([*parts, *more])


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
    old = set(areas.loc[areas["lsoa_vintage"] == 2011, "lsoa_code"])
    new = set(areas.loc[areas["lsoa_vintage"] == 2021, "lsoa_code"])
    pairs = changes[changes["lsoa11_code"].isin(old) | changes["lsoa21_code"].isin(new)]
    parent: dict[tuple[int, str], tuple[int, str]] = {}

    def find(node: tuple[int, str]) -> tuple[int, str]:
        root = node
        while parent.get(root, root) != root:
            root = parent[root]
        while node != root:
            parent[node], node = root, parent[node]
        return root

    edges = list(zip(pairs["lsoa11_code"], pairs["lsoa21_code"], pairs["change"], strict=True))
    for code11, code21, _ in edges:
        a, b = find((2011, code11)), find((2021, code21))
        if a != b:
            parent[a] = b
    names21 = dict(zip(pairs["lsoa21_code"], pairs["lsoa21_name"], strict=True))
    recent = areas[areas["lsoa_vintage"] == 2021]
    names21.update(zip(recent["lsoa_code"], recent["lsoa_name"], strict=True))
    members: dict[tuple[int, str], dict[str, set[str]]] = {}
    for code11, code21, change in edges:
        m = members.setdefault(find((2011, code11)), {"old": set(), "new": set(), "change": set()})
        m["old"].add(code11)
        m["new"].add(code21)
        m["change"].add(change)
    units: dict[tuple[int, str], tuple[str, str, str]] = {}
    for root, m in members.items():
        if len(m["new"]) == 1:
            code = next(iter(m["new"]))
        elif len(m["old"]) == 1:
            code = next(iter(m["old"]))
        else:
            code = "+".join(sorted(m["new"]))
        kinds = m["change"]
        change = _CHANGES[kinds.pop()] if len(kinds) == 1 else _CHANGES["X"]
        units[root] = (code, _join_names([names21[c] for c in m["new"]]), change)
    out = []
    for code, name, vintage in zip(
        areas["lsoa_code"], areas["lsoa_name"], areas["lsoa_vintage"], strict=True
    ):
        out.append(units.get(find((int(vintage), code)), (code, name, "not in lookup")))
    return pd.DataFrame(out, columns=["unit_code", "unit_name", "unit_change"], index=areas.index)


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
    areas = lookup[lookup["district_code"].isin(district_codes)].copy()
    census = _read_csv(
        config.sources.lsoa21_names,
        required=("lsoa21_code", "usual_residents"),
        what="Census 2021 LSOA file",
        usecols=["lsoa21_code", "usual_residents"],
    )
    census_pop = (
        census.assign(
            usual_residents=_to_int(
                census["usual_residents"], config.sources.lsoa21_names, "usual_residents"
            )
        )
        .groupby("lsoa21_code")["usual_residents"]
        .sum()
    )
    pop_col = "Total population: mid 2015 (excluding prisoners)"
    denominators = _read_csv(
        config.sources.lsoa11_population,
        required=("LSOA code (2011)", pop_col),
        what="IoD2019 File 6 (population denominators)",
    )
    mid2015 = pd.Series(
        _to_int(denominators[pop_col], config.sources.lsoa11_population, pop_col).to_numpy(),
        index=denominators["LSOA code (2011)"],
    )
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
    table = _read_csv(
        source.file, required=("lsoa21_name", "usual_residents"), what="Census 2021 LSOA file"
    )
    residents = _to_int(table["usual_residents"], source.file, "usual_residents")
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
