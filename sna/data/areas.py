"""Area data: LSOA to district lookups (2011 and 2021 LSOAs), populations and deprivation.

police.uk files carry 2011 LSOA codes up to about 2022 and 2021 codes after; the English Indices
of Deprivation 2019 are on 2011 LSOAs; Census 2021 populations are on 2021 LSOAs. This module
reads the publishers' files as they are and puts them in tidy frames keyed by LSOA code and
vintage, so that both vintages resolve to the right district.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from python_calamine import CalamineError, PasswordError, XmlError, ZipError

from sna.data.config import Config, PopulationSource
from sna.errors import ConfigError, InputError

__all__ = [
    "assign_districts",
    "check_districts",
    "district_name_from_lsoa_name",
    "district_populations",
    "lsoa_areas",
    "lsoa_lookup",
    "read_deprivation",
]

LSOA_LOOKUP_COLUMNS = ("lsoa_code", "lsoa_name", "lsoa_vintage", "district_code", "district_name")
_DOMAIN_COLUMNS = {
    "IMD": "Index of Multiple Deprivation (IMD)",
    "Income": "Income",
    "Employment": "Employment",
    "Education, Skills and Training": "Education, Skills and Training",
    "Health Deprivation and Disability": "Health Deprivation and Disability",
    "Crime": "Crime",
    "Barriers to Housing and Services": "Barriers to Housing and Services",
    "Living Environment": "Living Environment",
}


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
    imd_col = _DOMAIN_COLUMNS["IMD"]
    f1 = _read_csv(
        config.sources.imd,
        required=("LSOA code (2011)", f"{imd_col} Rank", f"{imd_col} Decile"),
        what="IoD2019 File 1 (IMD)",
    )
    out = pd.DataFrame({"lsoa_code": f1["LSOA code (2011)"]})
    out["imd_rank"] = _to_int(f1[f"{imd_col} Rank"], config.sources.imd, f"{imd_col} Rank")
    out["imd_decile"] = _to_int(f1[f"{imd_col} Decile"], config.sources.imd, f"{imd_col} Decile")
    f2 = _read_csv(
        config.sources.iod_domains, required=("LSOA code (2011)",), what="IoD2019 File 2 (domains)"
    )
    domains = pd.DataFrame({"lsoa_code": f2["LSOA code (2011)"]})
    for domain, prefix in _DOMAIN_COLUMNS.items():
        if domain == "IMD":
            continue
        key = _snake(domain)
        for kind in ("Rank", "Decile"):
            matches = [c for c in f2.columns if c.startswith(f"{prefix} {kind}")]
            if not matches:
                raise InputError(
                    config.sources.iod_domains,
                    f"no column for the {domain} domain {kind.lower()}; this does not look like IoD2019 File 2",
                    line=1,
                )
            domains[f"{key}_{kind.lower()}"] = _to_int(
                f2[matches[0]], config.sources.iod_domains, matches[0]
            )
    bad = out["imd_decile"].lt(1) | out["imd_decile"].gt(10)
    if bad.any():
        line = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise InputError(config.sources.imd, "IMD decile outside 1-10", line=line)
    return out.merge(domains, on="lsoa_code", how="outer")


def _snake(domain: str) -> str:
    return domain.split(",")[0].split(" ")[0].lower() if domain != "IMD" else "imd"


def lsoa_areas(
    config: Config, lookup: pd.DataFrame, district_codes: tuple[str, ...]
) -> pd.DataFrame:
    """LSOAs of the given districts with population and deprivation.

    Population: Census 2021 usual residents for 2021 LSOAs; IoD2019 mid-2015 denominators for
    2011 LSOAs. Deprivation (IoD2019, 2011 LSOAs) joins on the code, which matches for 2021 LSOAs
    whose boundaries did not change; the rest have ``deprivation_matched`` False.

    Returns
    -------
    pandas.DataFrame
        One row per LSOA code and vintage: lookup columns, ``population``,
        ``population_source``, ``imd_*`` and domain ranks/deciles, ``deprivation_matched``.
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
        is2021, "Census 2021 usual residents", "IoD2019 mid-2015 denominators"
    )
    deprivation = read_deprivation(config)
    areas = areas.merge(deprivation, on="lsoa_code", how="left")
    areas["deprivation_matched"] = areas["imd_decile"].notna()
    for column in deprivation.columns.drop("lsoa_code"):
        areas[column] = areas[column].astype("Int64")
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
    cache: dict[str, pd.Series] = {}
    rows = []
    for year in sorted(set(years)):
        source = config.population_source_for(year)
        if source.key not in cache:
            if source.format == "ons-mye-workbook":
                cache[source.key] = _mye_workbook(source)
            elif source.format == "ons-mye-csv":
                cache[source.key] = _mye_csv(source)
            else:
                cache[source.key] = _census_lsoa(source, names)
        pops = cache[source.key]
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
