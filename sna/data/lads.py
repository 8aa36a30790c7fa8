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

from sna.data.areas import _read_csv, _to_int, populations_by_year

if TYPE_CHECKING:
    from sna.data.config import Config, PopulationSource

__all__ = [
    "LAD_COUNT_COLUMNS",
    "lad22_to_lad24",
    "lad_count_table",
    "lad_populations",
    "lad_tables",
    "lsoa_count_table",
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
    exact = _read_csv(
        lsoa_2011_2021,
        required=("LSOA21CD", "LAD22CD"),
        what="ONS LSOA (2011) to LSOA (2021) lookup",
    ).drop_duplicates("LSOA21CD")
    wards = _read_csv(
        lsoa21_lad24,
        required=("lsoa21_code", "ltla24_code", "ltla24_name"),
        what="ONS LSOA (2021) to ward to LAD (2024) lookup",
    ).drop_duplicates("lsoa21_code")
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
    """
    exact = _read_csv(
        lsoa_2011_2021,
        required=("LSOA11CD", "LSOA21CD", "LAD22CD"),
        what="ONS LSOA (2011) to LSOA (2021) lookup",
    )
    to24 = lad22_to_lad24(lsoa_2011_2021, lsoa21_lad24).set_index("lad22_code")
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
    frame = pd.DataFrame(
        {
            "lsoa_code": lsoa_code.astype(str).str.strip().to_numpy(),
            "lsoa_vintage": np.asarray(lsoa_vintage, dtype="int64"),
            "crime_type": crime_type.astype(str).to_numpy(),
        }
    )
    keys = ["lsoa_code", "lsoa_vintage", "crime_type"]
    return frame.groupby(keys, sort=True).size().rename("count").astype("int64").reset_index()


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
    frames = [c.assign(month=m, force=f) for m, f, c in parts if len(c)]
    if not frames:
        return pd.DataFrame(
            {
                "month": pd.Series(dtype="datetime64[ns]"),
                **{k: pd.Series(dtype=object) for k in LAD_COUNT_COLUMNS[1:5]},
                "count": pd.Series(dtype="int64"),
            }
        )
    rows = pd.concat(frames, ignore_index=True).merge(
        lookup, on=["lsoa_code", "lsoa_vintage"], how="left"
    )
    rows = rows.fillna({"lad_code": "", "lad_name": ""})
    rows["month"] = pd.to_datetime(rows["month"], format="%Y-%m")
    out = rows.groupby(LAD_COUNT_COLUMNS[:5], sort=True)["count"].sum().astype("int64")
    return out.reset_index()


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
        table = _read_csv(
            source.file, required=("lsoa21_code", "usual_residents"), what="Census 2021 LSOA file"
        )
        residents = _to_int(table["usual_residents"], source.file, "usual_residents")
        by_lsoa = pd.Series(residents.to_numpy(), index=table["lsoa21_code"])
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
    ward_lookup = config.sources.wards
    if not ward_lookup.is_file():
        lookup = pd.DataFrame(columns=["lsoa_code", "lsoa_vintage", "lad_code", "lad_name"])
    else:
        lookup = lsoa_lad_lookup(config.sources.lsoa_lookup_2011_2021, ward_lookup)
    counts = lad_count_table(parts if len(lookup) else [], lookup)
    names = counts.loc[counts["lad_code"] != "", ["lad_code", "lad_name"]].drop_duplicates()
    pops = lad_populations(config, years, lookup, names["lad_code"].tolist())
    pops = pops.merge(names, on="lad_code", how="left")
    return {
        "lad_counts.parquet": counts,
        "lad_populations.parquet": pops[["year", "lad_code", "lad_name", "population", "source"]],
    }
