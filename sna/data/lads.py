"""Local authority districts of 2024 for every LSOA, and crime and population by district.

``sna prepare`` keeps the rows of the assessed districts, but the police.uk files hold a whole
force. For comparisons with the rest of the force area and with similar districts elsewhere it
also writes every usable row counted by district of 2024 (``lad_counts.parquet``) and those
districts' populations (``lad_populations.parquet``).

An LSOA's district comes from ONS lookups, not from its name: a 2021 LSOA takes its district of
2022 from the ONS exact-fit LSOA (2011) to LSOA (2021) to LAD (2022) lookup, and a 2011 LSOA the
district of the 2021 LSOAs it became. Districts of 2022 are then carried to those of 2024 by the
ONS LSOA (2021) to ward to LAD (2024) lookup: each 2022 district takes the 2024 district that
most of its 2021 LSOAs are in. That follows the April 2023 reorganisations (Cumbria's six
districts into Cumberland and Westmorland and Furness; North Yorkshire's seven and Somerset's
four districts into one unitary authority each) without trusting the ward lookup's best fit for
single LSOAs (it puts one West Northamptonshire LSOA in a Cherwell ward).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sna.data.areas import _int_table, _read_csv, cached_area_tables, populations_by_year
from sna.data.files import sha256_file

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sna.data.config import Config, PopulationSource

__all__ = [
    "LAD_COUNT_COLUMNS",
    "lad22_to_lad24",
    "lad_count_table",
    "lad_populations",
    "lad_tables",
    "lsoa_count_table",
    "lsoa_id_count_table",
    "lsoa_lad_lookup",
]

LAD_COUNT_COLUMNS = ["month", "lad_code", "lad_name", "force", "crime_type", "count"]
"""Columns of ``lad_counts.parquet``; ``lad_code`` is ``""`` for LSOAs no lookup places."""


def lad22_to_lad24(lsoa_2011_2021: Path, lsoa21_lad24: Path) -> pd.DataFrame:
    """Each district of 2022 with the district of 2024 most of its 2021 LSOAs are in.

    Parameters
    ----------
    lsoa_2011_2021
        ONS LSOA (2011) to LSOA (2021) to LAD (2022) lookup (columns ``LSOA21CD``, ``LAD22CD``).
    lsoa21_lad24
        ONS LSOA (2021) to ward (2024) to LAD (2024) lookup (``lsoa21_code``, ``ltla24_code``,
        ``ltla24_name``).

    Returns
    -------
    pandas.DataFrame
        ``lad22_code, lad_code, lad_name`` (2024 code and name), one row per 2022 district.

    Examples
    --------
    >>> m = lad22_to_lad24(LSOA_2011_2021, LSOA21_LAD24)  # doctest: +SKIP
    >>> m.set_index("lad22_code").loc["E07000026", "lad_name"]  # Allerdale  # doctest: +SKIP
    'Cumberland'
    """
    exact = _read_lookup(lsoa_2011_2021, ("LSOA21CD", "LAD22CD"))
    return _lad22_to_lad24(exact, _read_wards_lad24(lsoa21_lad24))


def _read_lookup(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """``columns`` of the ONS LSOA (2011) to LSOA (2021) to LAD (2022) lookup, as text."""
    return _read_csv(
        path,
        required=columns,
        what="ONS LSOA (2011) to LSOA (2021) lookup",
        usecols=lambda c: c in columns,
    )


def _read_wards_lad24(path: Path) -> pd.DataFrame:
    """The 2024 district of each 2021 LSOA in the ONS LSOA (2021) to ward to LAD (2024) lookup."""
    columns = ("lsoa21_code", "ltla24_code", "ltla24_name")
    return _read_csv(
        path,
        required=columns,
        what="ONS LSOA (2021) to ward to LAD (2024) lookup",
        usecols=lambda c: c in columns,
    ).drop_duplicates("lsoa21_code")


def _lad22_to_lad24(exact: pd.DataFrame, wards: pd.DataFrame) -> pd.DataFrame:
    """:func:`lad22_to_lad24` from the lookups read (``LSOA21CD``, ``LAD22CD``; the wards')."""
    exact = exact.drop_duplicates("LSOA21CD")
    both = exact.merge(wards, left_on="LSOA21CD", right_on="lsoa21_code", how="inner")
    votes = both.groupby(["LAD22CD", "ltla24_code", "ltla24_name"]).size().rename("n").reset_index()
    best = votes.sort_values(["LAD22CD", "n"], ascending=[True, False], kind="stable")
    best = best.drop_duplicates("LAD22CD")
    return pd.DataFrame(
        {
            "lad22_code": best["LAD22CD"].to_numpy(),
            "lad_code": best["ltla24_code"].to_numpy(),
            "lad_name": best["ltla24_name"].to_numpy(),
        }
    )


def lsoa_lad_lookup(lsoa_2011_2021: Path, lsoa21_lad24: Path) -> pd.DataFrame:
    """Every LSOA code of both vintages (England and Wales) with its district of 2024.

    Returns
    -------
    pandas.DataFrame
        ``lsoa_code, lsoa_vintage (2011 or 2021), lad_code, lad_name``. A 2011 LSOA whose 2021
        parts lie in different districts (an irregular change) takes the district of most of
        them.

    Made once per process for the same two files (by their SHA-256): ``lad_counts.parquet`` and
    the peer features both need it.
    """
    try:
        key = (sha256_file(lsoa_2011_2021), sha256_file(lsoa21_lad24))
    except OSError:
        return _lsoa_lad_lookup(lsoa_2011_2021, lsoa21_lad24)  # its readers name the file
    if key not in _LAD_LOOKUP:
        made = _lsoa_lad_lookup(lsoa_2011_2021, lsoa21_lad24)
        _LAD_LOOKUP.clear()
        _LAD_LOOKUP[key] = made
    return _LAD_LOOKUP[key].copy()


_LAD_LOOKUP: dict[tuple[str, str], pd.DataFrame] = {}
"""The last lookup :func:`lsoa_lad_lookup` made, by the SHA-256 of its two files."""


def _lsoa_lad_lookup(lsoa_2011_2021: Path, lsoa21_lad24: Path) -> pd.DataFrame:
    """:func:`lsoa_lad_lookup`, read from the files."""
    exact = _read_lookup(lsoa_2011_2021, ("LSOA11CD", "LSOA21CD", "LAD22CD"))
    to24 = _lad22_to_lad24(exact, _read_wards_lad24(lsoa21_lad24)).set_index("lad22_code")
    exact = exact.assign(
        lad_code=exact["LAD22CD"].map(to24["lad_code"]),
        lad_name=exact["LAD22CD"].map(to24["lad_name"]),
    ).dropna(subset=["lad_code"])
    parts = []
    for column, vintage in (("LSOA21CD", 2021), ("LSOA11CD", 2011)):
        votes = exact.groupby([column, "lad_code", "lad_name"]).size().rename("n").reset_index()
        votes = votes.sort_values([column, "n"], ascending=[True, False], kind="stable")
        one = votes.drop_duplicates(column)
        parts.append(
            pd.DataFrame(
                {
                    "lsoa_code": one[column].to_numpy(),
                    "lsoa_vintage": vintage,
                    "lad_code": one["lad_code"].to_numpy(),
                    "lad_name": one["lad_name"].to_numpy(),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def lsoa_count_table(
    lsoa_code: pd.Series, lsoa_vintage: pd.Series, crime_type: pd.Series
) -> pd.DataFrame:
    """Rows of one street file counted by LSOA code, vintage and crime type.

    Parameters
    ----------
    lsoa_code, lsoa_vintage, crime_type
        One value per usable row (aligned).

    Returns
    -------
    pandas.DataFrame
        ``lsoa_code, lsoa_vintage, crime_type, count``.

    Examples
    --------
    >>> lsoa_count_table(pd.Series(["E01", "E01 ", "E02"]), pd.Series([2021, 2021, 2021]),
    ...                  pd.Series(["Drugs", "Drugs", "Robbery"]))
      lsoa_code  lsoa_vintage crime_type  count
    0       E01          2021      Drugs      2
    1       E02          2021    Robbery      1
    """
    # Sorted codes for each key, one integer per row for the three, counted with numpy: the
    # groupby of three columns (two of text) cost more than reading the file.
    code_ids, codes = pd.factorize(pd.Series(lsoa_code).astype(str).str.strip(), sort=True)
    vintage_ids, vintages = pd.factorize(np.asarray(lsoa_vintage, dtype="int64"), sort=True)
    type_ids, types = pd.factorize(pd.Series(crime_type).astype(str), sort=True)
    key = (code_ids.astype(np.int64) * len(vintages) + vintage_ids) * len(types) + type_ids
    unique, counts = np.unique(key, return_counts=True)
    rest, type_at = np.divmod(unique, max(len(types), 1))
    code_at, vintage_at = np.divmod(rest, max(len(vintages), 1))
    return pd.DataFrame(
        {
            "lsoa_code": pd.Series(codes.take(code_at), dtype=str),
            "lsoa_vintage": vintages.take(vintage_at).astype("int64"),
            "crime_type": pd.Series(types.take(type_at), dtype=str),
            "count": counts.astype("int64"),
        }
    )


def lsoa_id_count_table(
    codes: np.ndarray,
    code_ids: np.ndarray,
    vintages: np.ndarray,
    type_ids: np.ndarray,
    types: Sequence[str],
) -> pd.DataFrame:
    """:func:`lsoa_count_table` of rows given as positions in their distinct values.

    Parameters
    ----------
    codes
        Distinct LSOA codes (stripped); ``code_ids`` gives each row's.
    vintages
        Each row's LSOA vintage.
    types
        Crime type names; ``type_ids`` gives each row's (none missing).

    Examples
    --------
    >>> lsoa_id_count_table(np.array(["E02", "E01"], dtype=object), np.array([1, 1, 0]),
    ...     np.array([2021, 2021, 2021]), np.array([0, 0, 1]), ["Drugs", "Robbery"])
      lsoa_code  lsoa_vintage crime_type  count
    0       E01          2021      Drugs      2
    1       E02          2021    Robbery      1
    """
    # Sorted by Arrow (UTF-8 bytes sort as the text's code points do: Python's order).
    code_order = pc.sort_indices(pa.array(codes, type=pa.large_string())).to_numpy()
    code_rank = np.empty(len(codes), dtype=np.int64)
    code_rank[code_order] = np.arange(len(codes))
    type_names = np.asarray(types, dtype=object)
    type_order = np.argsort(type_names, kind="stable")
    type_rank = np.empty(len(type_names), dtype=np.int64)
    type_rank[type_order] = np.arange(len(type_names))
    vintage_values, vintage_ids = np.unique(
        np.asarray(vintages, dtype=np.int64), return_inverse=True
    )
    n_vintages, n_types = max(len(vintage_values), 1), max(len(type_names), 1)
    key = (code_rank[code_ids] * n_vintages + vintage_ids) * n_types + type_rank[type_ids]
    unique, counts = np.unique(key, return_counts=True)
    rest, type_at = np.divmod(unique, n_types)
    code_at, vintage_at = np.divmod(rest, n_vintages)
    return pd.DataFrame(
        {
            "lsoa_code": pd.Series(np.asarray(codes, dtype=object)[code_order][code_at], dtype=str),
            "lsoa_vintage": vintage_values[vintage_at].astype("int64"),
            "crime_type": pd.Series(type_names[type_order][type_at], dtype=str),
            "count": counts.astype("int64"),
        }
    )


def lad_count_table(
    parts: list[tuple[str, str, pd.DataFrame]], lookup: pd.DataFrame
) -> pd.DataFrame:
    """Usable rows of every street file by month, district of 2024, force and crime type.

    Parameters
    ----------
    parts
        ``(month "YYYY-MM", force, lsoa counts)`` per file, the counts from
        :func:`lsoa_count_table`.
    lookup
        From :func:`lsoa_lad_lookup`.

    Returns
    -------
    pandas.DataFrame
        :data:`LAD_COUNT_COLUMNS`, ``month`` a Timestamp (first of the month).

    Examples
    --------
    >>> lk = pd.DataFrame({"lsoa_code": ["E01"], "lsoa_vintage": [2021], "lad_code": ["E07"],
    ...                    "lad_name": ["Oxford"]})
    >>> c = lsoa_count_table(pd.Series(["E01", "E09"]), pd.Series([2021, 2021]),
    ...                      pd.Series(["Drugs", "Drugs"]))
    >>> lad_count_table([("2025-01", "thames-valley", c)], lk)[["lad_code", "count"]]
      lad_code  count
    0               1
    1      E07      1
    """
    files = [(m, f, c) for m, f, c in parts if len(c)]
    if not files:
        return pd.DataFrame(
            {
                "month": pd.Series(dtype="datetime64[ns]"),
                **{k: pd.Series(dtype=object) for k in LAD_COUNT_COLUMNS[1:5]},
                "count": pd.Series(dtype="int64"),
            }
        )
    counts = pd.concat([c for _, _, c in files], ignore_index=True)
    file = np.repeat(np.arange(len(files)), [len(c) for _, _, c in files])
    lad, lads = _lad_of(counts["lsoa_code"], counts["lsoa_vintage"], lookup)
    crime, crimes = pd.factorize(counts["crime_type"], use_na_sentinel=False)
    # Summed by file, district and crime type on integer keys; the sums then take their names
    # and are summed again by name, sorted, as every row would have been.
    key = (file * len(lads) + lad) * len(crimes) + crime
    sums = counts["count"].groupby(key).sum()
    file, rest = np.divmod(sums.index.to_numpy(), len(lads) * len(crimes))
    lad, crime = np.divmod(rest, len(crimes))
    rows = pd.DataFrame(
        {
            "month": np.array([m for m, _, _ in files], dtype=object)[file],
            "force": np.array([f for _, f, _ in files], dtype=object)[file],
            "crime_type": crimes.take(crime),
            "count": sums.to_numpy(),
        }
    ).join(lads.take(lad).reset_index(drop=True))
    rows["month"] = pd.to_datetime(rows["month"], format="%Y-%m")
    out = rows.groupby(LAD_COUNT_COLUMNS[:5], sort=True)["count"].sum().astype("int64")
    return out.reset_index()


def _lad_of(
    lsoa_code: pd.Series, lsoa_vintage: pd.Series, lookup: pd.DataFrame
) -> tuple[np.ndarray, pd.DataFrame]:
    """Each row's district in ``lookup``, as a row of the districts (``lad_code, lad_name``).

    The distinct LSOA codes and vintages are looked up once, not each row; a code the lookup
    does not place has the district whose code and name are ``""``.

    Examples
    --------
    >>> lk = pd.DataFrame({"lsoa_code": ["E01", "E02"], "lsoa_vintage": [2021, 2021],
    ...                    "lad_code": ["E07", "E07"], "lad_name": ["Oxford", "Oxford"]})
    >>> lad, lads = _lad_of(pd.Series(["E02", "E09", "E01"]), pd.Series([2021, 2021, 2021]), lk)
    >>> lad.tolist(), lads["lad_name"].tolist()
    ([0, 1, 0], ['Oxford', ''])
    """
    code, codes = pd.factorize(lsoa_code, use_na_sentinel=False)
    vintage, vintages = pd.factorize(lsoa_vintage, use_na_sentinel=False)
    place, places = pd.factorize(code * len(vintages) + vintage)
    distinct = pd.DataFrame(
        {
            "lsoa_code": codes.take(places // len(vintages)),
            "lsoa_vintage": vintages.take(places % len(vintages)),
        }
    )
    placed = distinct.merge(
        lookup.drop_duplicates(["lsoa_code", "lsoa_vintage"]),
        on=["lsoa_code", "lsoa_vintage"],
        how="left",
    ).fillna({"lad_code": "", "lad_name": ""})
    lad_code, lad_codes = pd.factorize(placed["lad_code"], use_na_sentinel=False)
    lad_name, lad_names = pd.factorize(placed["lad_name"], use_na_sentinel=False)
    lad, pairs = pd.factorize(lad_code * len(lad_names) + lad_name)
    lads = pd.DataFrame(
        {
            "lad_code": lad_codes.take(pairs // len(lad_names)),
            "lad_name": lad_names.take(pairs % len(lad_names)),
        }
    )
    return lad[place], lads


def lad_populations(
    config: Config, years: list[int], lookup: pd.DataFrame, codes: list[str]
) -> pd.DataFrame:
    """Population of each district of 2024 in ``codes`` for each year, from the config's sources.

    Each year takes the population source the config gives it (as the assessed districts do):
    an ONS mid-year estimates workbook or CSV by district code, or Census 2021 LSOA residents
    summed by district of 2024. A district the source does not list is left out (for example a
    2023 unitary authority in a mid-2020 estimate); the assessment says so.

    Returns
    -------
    pandas.DataFrame
        ``year, lad_code, population, source``.
    """

    def census(source: PopulationSource) -> pd.Series:
        """Census 2021 LSOA residents summed by district of 2024 (through ``lookup``)."""
        table = _int_table(
            source.file,
            key="lsoa21_code",
            columns=["usual_residents"],
            what="Census 2021 LSOA file",
        )
        by_lsoa = pd.Series(table["usual_residents"].to_numpy(), index=table["lsoa21_code"])
        lad = lookup[lookup["lsoa_vintage"] == 2021].set_index("lsoa_code")["lad_code"]
        return by_lsoa.groupby(by_lsoa.index.map(lad)).sum()

    rows = []
    for year, source, all_pops in populations_by_year(config, years, census=census):
        pops = all_pops[~all_pops.index.duplicated()]
        for code in codes:
            value = float(pops.get(code, np.nan))
            if value > 0:
                rows.append((year, code, value, source.label))
    return pd.DataFrame(rows, columns=["year", "lad_code", "population", "source"])


def lad_tables(
    config: Config, parts: list[tuple[str, str, pd.DataFrame]], years: list[int]
) -> dict[str, pd.DataFrame]:
    """``lad_counts.parquet`` and ``lad_populations.parquet`` for ``sna prepare``.

    Parameters
    ----------
    config
        The assessment config (its LSOA lookup 2011-2021, population sources, and
        ``[sources] wards``, the ONS LSOA (2021) to ward to LAD (2024) lookup).
    parts
        ``(month, force, lsoa counts)`` of every street file (:func:`lsoa_count_table`).
    years
        Years to give populations for.

    Returns
    -------
    dict
        Output name to frame: the counts (:data:`LAD_COUNT_COLUMNS`) and the populations of
        every district they name (``year, lad_code, lad_name, population, source``). Both are
        empty when the ONS LSOA (2021) to LAD (2024) lookup is not there: the report then says
        that comparisons beyond the assessed districts are not available.
    """
    lookups = [config.sources.lsoa_lookup_2011_2021, config.sources.wards]
    if not config.sources.wards.is_file():
        lookup = pd.DataFrame(columns=["lsoa_code", "lsoa_vintage", "lad_code", "lad_name"])
    else:
        lookup = cached_area_tables(
            config, "lad_lookup", lookups, None, lambda: {"lookup": lsoa_lad_lookup(*lookups)}
        )["lookup"]
    counts = lad_count_table(parts if len(lookup) else [], lookup)
    names = counts.loc[counts["lad_code"] != "", ["lad_code", "lad_name"]].drop_duplicates()
    codes = names["lad_code"].tolist()
    pops = cached_area_tables(
        config,
        "lad_populations",
        [*lookups, *sorted({config.population_source_for(y).file for y in years})],
        {"years": sorted(set(years)), "codes": codes},
        lambda: {"populations": lad_populations(config, years, lookup, codes)},
    )["populations"]
    pops = pops.merge(names, on="lad_code", how="left")
    return {
        "lad_counts.parquet": counts,
        "lad_populations.parquet": pops[["year", "lad_code", "lad_name", "population", "source"]],
    }
