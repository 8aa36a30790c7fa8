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

from dataclasses import dataclass
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
    "LsoaCounts",
    "lad22_to_lad24",
    "lad_count_table",
    "lad_lookup",
    "lad_populations",
    "lad_tables",
    "lsoa_count_table",
    "lsoa_id_count_table",
    "lsoa_lad_lookup",
    "merge_lad_counts",
    "sum_counts",
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


@dataclass(frozen=True)
class LsoaCounts:
    """Usable rows of one street file by LSOA code, vintage and crime type, as arrays.

    Row ``i`` counts ``count[i]`` rows of LSOA ``codes[code[i]]`` (vintage ``vintage[i]``) and
    crime type ``types[crime_type[i]]``; rows are sorted by code, vintage and crime type, the
    order of :func:`lsoa_count_table`. A few bytes a row where a frame of text takes about 60:
    a national year's files send and cache two million of them.
    """

    codes: np.ndarray
    """Distinct LSOA codes of the rows, sorted (numpy text)."""
    types: np.ndarray
    """Crime type names (numpy text)."""
    code: np.ndarray
    vintage: np.ndarray
    crime_type: np.ndarray
    count: np.ndarray

    FIELDS = ("codes", "types", "code", "vintage", "crime_type", "count")

    def __len__(self) -> int:
        """Rows (LSOA, vintage and crime type) counted."""
        return len(self.count)

    def frame(self) -> pd.DataFrame:
        """The counts as :func:`lsoa_count_table` gives them."""
        return pd.DataFrame(
            {
                "lsoa_code": pd.Series(self.codes.astype(object)[self.code], dtype=str),
                "lsoa_vintage": self.vintage.astype("int64"),
                "crime_type": pd.Series(self.types.astype(object)[self.crime_type], dtype=str),
                "count": self.count.astype("int64"),
            }
        )

    def arrays(self) -> dict[str, np.ndarray]:
        """The fields by name (for a cache entry; no Python object inside)."""
        return {name: getattr(self, name) for name in self.FIELDS}


def lsoa_id_counts(
    codes: np.ndarray,
    code_ids: np.ndarray,
    vintages: np.ndarray,
    type_ids: np.ndarray,
    types: Sequence[str],
) -> LsoaCounts:
    """Rows given as positions in their distinct values, counted (see :class:`LsoaCounts`).

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
    >>> c = lsoa_id_counts(np.array(["E02", "E01"], dtype=object), np.array([1, 1, 0]),
    ...     np.array([2021, 2021, 2021]), np.array([0, 0, 1]), ["Drugs", "Robbery"])
    >>> c.codes.tolist(), c.code.tolist(), c.crime_type.tolist(), c.count.tolist()
    (['E01', 'E02'], [0, 1], [0, 1], [2, 1])
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
    used, code_at = np.unique(code_at, return_inverse=True)  # only the codes counted
    return LsoaCounts(
        codes=np.asarray(np.asarray(codes, dtype=object)[code_order][used], dtype=str),
        types=np.asarray(type_names[type_order], dtype=str),
        code=code_at.astype(np.int32),
        vintage=vintage_values[vintage_at].astype(np.int16),
        crime_type=type_at.astype(np.int8),
        count=counts.astype(np.int64),
    )


def lsoa_id_count_table(
    codes: np.ndarray,
    code_ids: np.ndarray,
    vintages: np.ndarray,
    type_ids: np.ndarray,
    types: Sequence[str],
) -> pd.DataFrame:
    """:func:`lsoa_count_table` of rows given as positions in their distinct values.

    Examples
    --------
    >>> lsoa_id_count_table(np.array(["E02", "E01"], dtype=object), np.array([1, 1, 0]),
    ...     np.array([2021, 2021, 2021]), np.array([0, 0, 1]), ["Drugs", "Robbery"])
      lsoa_code  lsoa_vintage crime_type  count
    0       E01          2021      Drugs      2
    1       E02          2021    Robbery      1
    """
    return lsoa_id_counts(codes, code_ids, vintages, type_ids, types).frame()


def lad_count_table(parts: list[tuple[str, str, LsoaCounts]], lookup: pd.DataFrame) -> pd.DataFrame:
    """Usable rows of every street file by month, district of 2024, force and crime type.

    Parameters
    ----------
    parts
        ``(month "YYYY-MM", force, lsoa counts)`` per file, the counts from
        :func:`lsoa_id_counts`.
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
    >>> c = lsoa_id_counts(np.array(["E01", "E09"]), np.array([0, 1]), np.array([2021, 2021]),
    ...                    np.array([0, 0]), ["Drugs"])
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
    places = _LadIndex(lookup)
    # Each file's codes as positions in the distinct codes of every file: one Arrow dictionary
    # over the files' codes (a chunk each, so no file's text is copied into one array).
    chunks = pa.chunked_array([pa.array(c.codes, type=pa.large_string()) for _, _, c in files])
    encoded = pc.dictionary_encode(chunks)  # one hash table: every chunk has the last dictionary
    sizes = {len(chunk.dictionary) for chunk in encoded.chunks}
    if len(sizes) > 1:  # (a dictionary only grows: the same size is the same dictionary)
        encoded = encoded.unify_dictionaries()
    dictionary = encoded.chunk(0).dictionary
    code_of = [chunk.indices.to_numpy(zero_copy_only=False) for chunk in encoded.chunks]
    type_lists = [tuple(c.types.tolist()) for _, _, c in files]
    crime_names = sorted({t for types in set(type_lists) for t in types})
    type_of = {t: np.array([crime_names.index(x) for x in t], dtype=np.int64) for t in type_lists}
    lad = places.of(
        np.asarray(dictionary.to_numpy(zero_copy_only=False), dtype=object),
        np.concatenate([code_of[i][c.code] for i, (_, _, c) in enumerate(files)]),
        np.concatenate([c.vintage for _, _, c in files]),
    )
    crime = np.concatenate(
        [type_of[t][c.crime_type] for t, (_, _, c) in zip(type_lists, files, strict=True)]
    )
    file = np.repeat(np.arange(len(files)), [len(c) for _, _, c in files])
    count = np.concatenate([c.count for _, _, c in files]).astype(np.int64)
    # Summed by file, district and crime type on integer keys; the sums then take their names
    # and are summed again by name, sorted, as every row would have been.
    n_lads, n_crimes = len(places.lads), len(crime_names)
    key = (file * n_lads + lad) * n_crimes + crime
    order = np.argsort(key)  # sums do not depend on the order within a key
    key = key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    sums = np.add.reduceat(count[order], starts)
    file, rest = np.divmod(key[starts], n_lads * n_crimes)
    lad, crime = np.divmod(rest, n_crimes)
    rows = pd.DataFrame(
        {
            "month": np.array([m for m, _, _ in files], dtype=object)[file],
            "force": np.array([f for _, f, _ in files], dtype=object)[file],
            "crime_type": pd.Index(crime_names, dtype=str).take(crime),
            "count": sums,
        }
    ).join(places.lads.take(lad).reset_index(drop=True))
    rows["month"] = pd.to_datetime(rows["month"], format="%Y-%m")
    out = rows.groupby(LAD_COUNT_COLUMNS[:5], sort=True)["count"].sum().astype("int64")
    return out.reset_index()


def merge_lad_counts(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """:func:`lad_count_table` of several sets of files, from each set's table.

    The counts of a district, force, month and crime type in several tables are added; the
    result is what one table of all the files would be, row for row.

    Examples
    --------
    >>> one = pd.DataFrame({"month": pd.to_datetime(["2025-01"]), "lad_code": ["E07"],
    ...     "lad_name": ["Oxford"], "force": ["tv"], "crime_type": ["Drugs"], "count": [2]})
    >>> merge_lad_counts([one, one.assign(crime_type="Arson"), one])[["crime_type", "count"]]
      crime_type  count
    0      Arson      2
    1      Drugs      4
    """
    if not any(len(t) for t in tables):
        return lad_count_table([], pd.DataFrame())
    return sum_counts(tables, LAD_COUNT_COLUMNS[:5])


def sum_counts(tables: list[pd.DataFrame], keys: list[str]) -> pd.DataFrame:
    """Count tables (``keys`` and ``count``, one row per key, sorted) added into one.

    What a group-by of every row the tables count would give: the counts of a key in several
    tables are added, and the rows sorted by the keys. A single table with rows is returned as
    it is; with none, the first table.

    Examples
    --------
    >>> a = pd.DataFrame({"k": ["x", "y"], "count": [2, 1]})
    >>> sum_counts([a, pd.DataFrame({"k": ["x", "w"], "count": [5, 1]})], ["k"])
       k  count
    0  w      1
    1  x      7
    2  y      1
    """
    filled = [t for t in tables if len(t)]
    if len(filled) <= 1:
        return filled[0] if filled else tables[0]
    rows = pd.concat(filled, ignore_index=True)
    out = rows.groupby(keys, observed=True, sort=True)["count"].sum().astype("int64")
    return out.reset_index()


class _LadIndex:
    """Districts of LSOA codes (code and vintage) in a lookup: ``lads`` and each code's row.

    The lookup's first row for a code and vintage places it; a code it does not place has the
    district whose code and name are ``""`` (the last row of ``lads``).

    Examples
    --------
    >>> lk = pd.DataFrame({"lsoa_code": ["E01", "E02"], "lsoa_vintage": [2021, 2021],
    ...                    "lad_code": ["E07", "E07"], "lad_name": ["Oxford", "Oxford"]})
    >>> places = _LadIndex(lk)
    >>> lad = places.of(np.array(["E01", "E02", "E09"]), np.array([1, 2, 0]), np.array([2021] * 3))
    >>> lad.tolist(), places.lads["lad_name"].tolist()
    ([0, 1, 0], ['Oxford', ''])
    """

    def __init__(self, lookup: pd.DataFrame) -> None:
        first = lookup.drop_duplicates(["lsoa_code", "lsoa_vintage"])
        code, codes = pd.factorize(first["lad_code"].to_numpy(dtype=object))
        name, names = pd.factorize(first["lad_name"].to_numpy(dtype=object))
        ids, pairs = pd.factorize(code.astype(np.int64) * max(len(names), 1) + name)
        self.lads = pd.DataFrame(
            {
                "lad_code": pd.Series([*codes.take(pairs // max(len(names), 1)), ""], dtype=str),
                "lad_name": pd.Series([*names.take(pairs % max(len(names), 1)), ""], dtype=str),
            }
        )
        vintages = first["lsoa_vintage"].to_numpy(dtype=np.int64)
        lsoas = first["lsoa_code"].to_numpy(dtype=object)
        self._by_vintage = {
            int(v): (pd.Index(lsoas[vintages == v]), ids[vintages == v])
            for v in np.unique(vintages)
        }

    def of(self, codes: np.ndarray, code: np.ndarray, vintage: np.ndarray) -> np.ndarray:
        """Each row's district (a row of ``lads``), for rows of ``codes[code]`` and ``vintage``."""
        lad = np.full(len(code), len(self.lads) - 1, dtype=np.int64)
        codes = np.asarray(codes, dtype=object)
        for v in np.unique(vintage):
            found = self._by_vintage.get(int(v))
            if found is None or not len(found[1]):
                continue
            index, ids = found
            at = index.get_indexer(codes)
            of_code = np.where(at >= 0, ids[at], len(self.lads) - 1)
            rows = vintage == v
            lad[rows] = of_code[code[rows]]
        return lad


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


def lad_lookup(config: Config) -> pd.DataFrame:
    """:func:`lsoa_lad_lookup` of the config's lookups (cached), empty without the ward lookup.

    ``sna prepare`` makes it while the street files are read, for :func:`lad_tables`.
    """
    lookups = [config.sources.lsoa_lookup_2011_2021, config.sources.wards]
    if not config.sources.wards.is_file():
        return pd.DataFrame(columns=["lsoa_code", "lsoa_vintage", "lad_code", "lad_name"])
    return cached_area_tables(
        config, "lad_lookup", lookups, None, lambda: {"lookup": lsoa_lad_lookup(*lookups)}
    )["lookup"]


def lad_tables(
    config: Config,
    parts: list[tuple[str, str, LsoaCounts]],
    years: list[int],
    lookup: pd.DataFrame | None = None,
    previous: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """``lad_counts.parquet`` and ``lad_populations.parquet`` for ``sna prepare``.

    Parameters
    ----------
    config
        The assessment config (its LSOA lookup 2011-2021, population sources, and
        ``[sources] wards``, the ONS LSOA (2021) to ward to LAD (2024) lookup).
    parts
        ``(month, force, lsoa counts)`` of every street file (:func:`lsoa_id_counts`).
    years
        Years to give populations for.
    lookup
        :func:`lad_lookup` of the config, if made already.
    previous
        ``lad_counts.parquet`` of other files, to add ``parts``' counts to (as
        :func:`merge_lad_counts`).

    Returns
    -------
    dict
        Output name to frame: the counts (:data:`LAD_COUNT_COLUMNS`) and the populations of
        every district they name (``year, lad_code, lad_name, population, source``). Both are
        empty when the ONS LSOA (2021) to LAD (2024) lookup is not there: the report then says
        that comparisons beyond the assessed districts are not available.
    """
    lookups = [config.sources.lsoa_lookup_2011_2021, config.sources.wards]
    if lookup is None:
        lookup = lad_lookup(config)
    counts = lad_count_table(parts if len(lookup) else [], lookup)
    if previous is not None:
        counts = merge_lad_counts([previous, counts])
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
