"""The figures of an assessment, district by district: pure functions on :class:`Processed`.

Each function answers one question a Strategic Needs Assessment asks ("how much crime, at what
rate, compared with the benchmark, changed how much on last year like for like?") by composing
the statistics modules, and returns a tidy frame that a notebook shows and a test can check.
Crime totals exclude anti-social behaviour, which is reported on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sna.data.config import Config
from sna.data.policeuk import ASB, CRIME_TYPES
from sna.data.processed import Processed, months_present
from sna.stats.benchmark import compare_with_benchmark
from sna.stats.change import LikeForLike, like_for_like, period_change
from sna.stats.rates import rate_ci

__all__ = [
    "ALL_CRIME",
    "CRIME_ONLY",
    "Coverage",
    "change_on_previous_year",
    "coverage",
    "crime_group_table",
    "crime_type_table",
    "district_overview",
    "group_by_year",
    "group_members",
    "lsoa_counts",
    "monthly_counts",
    "population",
]

ALL_CRIME = "All crime (excluding anti-social behaviour)"
CRIME_ONLY = tuple(t for t in CRIME_TYPES if t != ASB)


@dataclass(frozen=True)
class Coverage:
    """Which months of a reporting year have police.uk data."""

    year: int
    present: list[str]
    missing: list[str]

    @property
    def complete(self) -> bool:
        """True when all 12 months are present."""
        return not self.missing

    @property
    def note(self) -> str:
        """A sentence for the report: which months are missing, in plain words."""
        if self.complete:
            return f"All 12 months of {self.year} are present in the police.uk data."
        names = ", ".join(pd.Timestamp(m + "-01").strftime("%B") for m in self.missing)
        verb = "is" if len(self.missing) == 1 else "are"
        return (
            f"{len(self.present)} of 12 months of {self.year} have police.uk data: {names} {self.year} "
            f"{verb} missing, so totals for {self.year} are not full-year figures and comparisons "
            "with other years use the same months in both."
        )


def coverage(data: Processed, year: int) -> Coverage:
    """Months of ``year`` present and missing in the prepared data (from the manifest)."""
    present = months_present(data.manifest, year)
    every = [f"{year}-{m:02d}" for m in range(1, 13)]
    return Coverage(year=year, present=present, missing=[m for m in every if m not in present])


def population(data: Processed, year: int) -> pd.Series:
    """Population of each district (by name) and the benchmark (by its name) for ``year``."""
    pops = data.populations[data.populations["year"] == year]
    return pops.set_index("area_name")["population"]


def _types(crime_types: Sequence[str] | None) -> Sequence[str]:
    return CRIME_ONLY if crime_types is None else crime_types


def _year_counts(data: Processed, year: int, crime_types: Sequence[str] | None) -> pd.Series:
    counts = data.counts[data.counts["crime_type"].isin(_types(crime_types))]
    counts = counts[counts["month"].dt.year == year]
    names = [d.name for d in data.config.districts]
    by_district = counts.groupby("district_name")["count"].sum()
    return by_district.reindex(names, fill_value=0).astype("int64")


def _benchmark_count(data: Processed, year: int, crime_types: Sequence[str] | None) -> int:
    counts = data.counts[data.counts["crime_type"].isin(_types(crime_types))]
    counts = counts[
        (counts["month"].dt.year == year)
        & counts["district_code"].isin(data.config.benchmark.district_codes)
    ]
    return int(counts["count"].sum())


def district_overview(
    data: Processed, year: int, *, crime_types: Sequence[str] | None = None
) -> pd.DataFrame:
    """Every district's count, rate per 1,000 with intervals, and comparison with the benchmark.

    Parameters
    ----------
    data
        Prepared data.
    year
        Reporting year.
    crime_types
        police.uk crime types to count; default every crime type except anti-social behaviour.

    Returns
    -------
    pandas.DataFrame
        Indexed by district name, then the benchmark as the last row: ``count``, ``population``,
        ``rate``, ``lower95``, ``upper95``, ``lower998``, ``upper998`` (per 1,000 residents, PHE
        method), ``compare_95`` and ``compare_998`` ("higher", "similar", "lower"; blank for the
        benchmark), and ``population_source``.
    """
    counts = _year_counts(data, year, crime_types)
    pops = population(data, year)
    bench_name = data.config.benchmark.name
    bench_count = _benchmark_count(data, year, crime_types)
    table = compare_with_benchmark(
        counts, pops.reindex(counts.index), bench_count, pops.get(bench_name, np.nan)
    )
    bench = rate_ci(
        pd.Series([bench_count], index=[bench_name]),
        pd.Series([pops.get(bench_name, np.nan)], index=[bench_name]),
    )
    bench99 = rate_ci(
        pd.Series([bench_count], index=[bench_name]),
        pd.Series([pops.get(bench_name, np.nan)], index=[bench_name]),
        conf=0.998,
    )
    bench_row = pd.DataFrame(
        {
            "count": [bench_count],
            "population": [pops.get(bench_name, np.nan)],
            "rate": bench["value"].to_numpy(),
            "lower95": bench["lower"].to_numpy(),
            "upper95": bench["upper"].to_numpy(),
            "lower998": bench99["lower"].to_numpy(),
            "upper998": bench99["upper"].to_numpy(),
            "compare_95": [""],
            "compare_998": [""],
            "benchmark_rate": bench["value"].to_numpy(),
        },
        index=[bench_name],
    )
    columns = list(bench_row.columns)
    out = pd.concat([table[columns], bench_row])
    sources = data.populations[data.populations["year"] == year].set_index("area_name")["source"]
    out["population_source"] = sources.reindex(out.index).fillna("")
    return out


def change_on_previous_year(
    monthly: pd.DataFrame,
    data: Processed,
    year: int,
    *,
    by: str,
    populations: tuple[pd.Series, pd.Series] | None = None,
) -> tuple[pd.DataFrame, LikeForLike]:
    """Change on the previous year over the months both years have, with its exact test.

    Parameters
    ----------
    monthly
        ``month``, ``count`` and the ``by`` column.
    data
        Prepared data (for the months present).
    year
        Reporting year; compared with ``year - 1``.
    by
        Group column (e.g. ``"crime_type"``).
    populations
        Optional (before, after) populations indexed like the groups, to compare rates.

    Returns
    -------
    (pandas.DataFrame, LikeForLike)
        :func:`sna.stats.change.period_change` per group, and what was compared.
    """
    available = months_present(data.manifest)
    months = {y: {m[5:] for m in available if m.startswith(f"{y}-")} for y in (year, year - 1)}
    if not months[year] & months[year - 1]:
        return _no_comparison(monthly[by].unique(), year, months)
    lfl = like_for_like(
        monthly, year=year, previous_year=year - 1, by=by, months_available=available
    )
    if populations is None:
        change = period_change(lfl.before, lfl.after)
    else:
        before, after = populations
        change = period_change(
            lfl.before,
            lfl.after,
            population_before=before.reindex(lfl.before.index),
            population_after=after.reindex(lfl.after.index),
        )
    return change, lfl


def _no_comparison(
    groups: object, year: int, months: dict[int, set[str]]
) -> tuple[pd.DataFrame, LikeForLike]:
    """The change table and note when the previous year shares no month with ``year``."""
    index = pd.Index(groups)
    columns = period_change(0, 0).columns.drop(["significant", "note"])  # same schema, no figures
    change = pd.DataFrame(np.nan, index=index, columns=columns).assign(significant=False, note="")
    missing = {
        y: [f"{y}-{m:02d}" for m in range(1, 13) if f"{m:02d}" not in months[y]] for y in months
    }
    empty = pd.Series(np.nan, index=index)
    compared = LikeForLike(
        before=empty, after=empty, months_compared=[], months_dropped={}, months_missing=missing,
        like_for_like=False, year=year, previous_year=year - 1,
    )  # fmt: skip
    return change, compared


def _monthly(
    data: Processed, district: str | None, key: str, mapping: Mapping[str, Sequence[str]]
) -> pd.DataFrame:
    counts = (
        data.counts if district is None else data.counts[data.counts["district_name"] == district]
    )
    parts = []
    for label, types in mapping.items():
        sub = counts[counts["crime_type"].isin(types)]
        part = sub.groupby("month")["count"].sum().reset_index()
        parts.append(part.assign(**{key: label}))
    return pd.concat(parts, ignore_index=True)


def crime_type_table(data: Processed, district: str, year: int) -> tuple[pd.DataFrame, LikeForLike]:
    """Each police.uk crime type in a district: count, rate per 1,000, change like for like.

    Returns
    -------
    (pandas.DataFrame, LikeForLike)
        Indexed by crime type (all 14, anti-social behaviour last): ``count``, ``rate``,
        ``lower``, ``upper`` (per 1,000), then :func:`sna.stats.change.period_change` columns over the
        months both years have (``before``, ``after``, ``change``, ``pct_change``,
        ``p_value``, ``significant``, ...).
    """
    mapping = {t: [t] for t in (*CRIME_ONLY, ASB)}
    return _summary_table(data, district, year, mapping, key="crime_type")


def crime_group_table(
    data: Processed, district: str, year: int
) -> tuple[pd.DataFrame, LikeForLike]:
    """All crime and each configured crime group in a district, like :func:`crime_type_table`."""
    return _summary_table(data, district, year, group_members(data.config), key="crime_group")


def group_members(config: Config) -> dict[str, Sequence[str]]:
    """Every crime group a report publishes a total of, with its crime types: all crime first."""
    return {ALL_CRIME: CRIME_ONLY, **config.crime_groups}


def _summary_table(
    data: Processed, district: str, year: int, mapping: Mapping[str, Sequence[str]], *, key: str
) -> tuple[pd.DataFrame, LikeForLike]:
    monthly = _monthly(data, district, key, mapping)
    in_year = monthly[monthly["month"].dt.year == year]
    counts = (
        in_year.groupby(key)["count"].sum().reindex(list(mapping), fill_value=0).astype("int64")
    )
    pop = population(data, year).get(district, np.nan)
    rates = rate_ci(counts, pd.Series(pop, index=counts.index))
    change, lfl = change_on_previous_year(monthly, data, year, by=key)
    table = pd.concat(
        [
            counts.rename("count"),
            rates[["value", "lower", "upper"]].rename(columns={"value": "rate"}),
        ],
        axis=1,
    )
    table = table.join(change.drop(columns=["note"], errors="ignore"))
    table.index.name = key
    return table, lfl


def monthly_counts(
    data: Processed,
    district: str | None = None,
    *,
    crime_types: Sequence[str] | None = None,
    through: int | None = None,
) -> pd.Series:
    """Monthly counts for a district (or all kept districts), only for months with data.

    Months absent from police.uk are absent from the series (never zero-filled); a month that is
    present with no crimes of these types is 0. ``through`` (a year) leaves out later months, so
    a report for a past year does not use data from after it.

    Returns
    -------
    pandas.Series
        Indexed by month start (``DatetimeIndex``), named ``count``.
    """
    counts = (
        data.counts if district is None else data.counts[data.counts["district_name"] == district]
    )
    counts = counts[counts["crime_type"].isin(_types(crime_types))]
    present = [m for m in months_present(data.manifest) if through is None or int(m[:4]) <= through]
    months = pd.DatetimeIndex(pd.to_datetime([m + "-01" for m in present]))
    series = counts.groupby("month")["count"].sum().reindex(months, fill_value=0).astype("int64")
    series.index.name = "month"
    return series.rename("count")


def lsoa_counts(
    data: Processed, district: str, year: int, *, crime_types: Sequence[str] | None = None
) -> pd.DataFrame:
    """Counts by LSOA in a district and year, with population and deprivation.

    Every LSOA of the district in the vintage(s) the year's records use is listed once (0 where
    no crime), so that concentration measures see the places with none. In a year whose files mix
    2011 and 2021 codes, a code in both vintages is one LSOA with its 2021 population.

    Returns
    -------
    pandas.DataFrame
        ``lsoa_code``, ``lsoa_name``, ``count``, ``population``, ``population_source``, the
        IoD2019 ranks and deciles, ``deprivation_matched``.
    """
    counts = data.counts[
        (data.counts["district_name"] == district) & (data.counts["month"].dt.year == year)
    ]
    counts = counts[counts["crime_type"].isin(_types(crime_types))]
    vintages = counts["lsoa_vintage"].unique().tolist() or [2021]
    areas = data.lsoas[
        (data.lsoas["district_name"] == district) & data.lsoas["lsoa_vintage"].isin(vintages)
    ]
    areas = areas.sort_values("lsoa_vintage", ascending=False).drop_duplicates("lsoa_code")
    by_lsoa = counts.groupby("lsoa_code")["count"].sum()
    out = areas.drop(columns=["district_code", "district_name"]).sort_values("lsoa_code").copy()
    out.insert(2, "count", out["lsoa_code"].map(by_lsoa).fillna(0).astype("int64"))
    return out.reset_index(drop=True)


def group_by_year(
    data: Processed,
    *,
    crime_types: Sequence[str],
    per_month: bool = True,
    through: int | None = None,
) -> pd.DataFrame:
    """District x year counts of some crime types, as a monthly average when years differ in months.

    Parameters
    ----------
    crime_types
        police.uk crime types to count.
    per_month
        Divide each year's count by its months with data, so years with missing months compare.
    through
        Last year to show (a report for a past year shows no later data).

    Returns
    -------
    pandas.DataFrame
        Index district names, columns years with any data (up to ``through``).
    """
    counts = data.counts[data.counts["crime_type"].isin(crime_types)]
    table = (
        counts.groupby(["district_name", counts["month"].dt.year])["count"]
        .sum()
        .unstack(fill_value=0)
    )
    years = _years_with_data(data, through)
    table = table.reindex(
        index=[d.name for d in data.config.districts], columns=years, fill_value=0
    )
    if per_month:
        n = pd.Series({y: len(months_present(data.manifest, y)) for y in years})
        table = table / n
    table.columns.name = "year"
    return table


def deprivation_frame(
    data: Processed, district: str | None, year: int, *, crime_types: Sequence[str] | None = None
) -> pd.DataFrame:
    """LSOA counts with the config's deprivation domain decile as ``decile``.

    Parameters
    ----------
    district
        A district name, or None for every assessed district together.

    Returns
    -------
    pandas.DataFrame
        ``lsoa_code``, ``lsoa_name``, ``count``, ``population``, ``population_source``,
        ``decile`` (1 = most deprived 10% in England; missing for 2021 LSOAs that IoD2019 cannot
        be matched to).
    """
    domain = data.config.deprivation_domain
    column = (
        "imd_decile" if domain == "IMD" else f"{domain.split(',')[0].split(' ')[0].lower()}_decile"
    )
    names = [d.name for d in data.config.districts] if district is None else [district]
    frames = [lsoa_counts(data, name, year, crime_types=crime_types) for name in names]
    frame = pd.concat(frames, ignore_index=True)
    return frame[["lsoa_code", "lsoa_name", "count", "population", "population_source"]].assign(
        decile=frame[column].astype("Float64")
    )


def lsoa_by_year(
    data: Processed,
    district: str,
    *,
    crime_types: Sequence[str] | None = None,
    through: int | None = None,
) -> pd.DataFrame:
    """Counts per LSOA (rows, by LSOA name) and year with data (columns), for persistent hotspots.

    Rows are LSOA codes named by the lookup (the 2021 name where a code has both). An LSOA
    absent from a year's vintage (e.g. a 2021 code before the codes changed) is missing, not 0.
    ``through`` leaves out later years.
    """
    counts = data.counts[
        (data.counts["district_name"] == district)
        & data.counts["crime_type"].isin(_types(crime_types))
    ]
    years = _years_with_data(data, through)
    table = counts.groupby(["lsoa_code", counts["month"].dt.year])["count"].sum().unstack()
    table = table.reindex(columns=[y for y in years if y in table.columns])
    areas = data.lsoas[data.lsoas["district_name"] == district]
    for year in table.columns:
        vintage = counts.loc[counts["month"].dt.year == year, "lsoa_vintage"].unique().tolist()
        known = table.index.isin(areas.loc[areas["lsoa_vintage"].isin(vintage), "lsoa_code"])
        table.loc[known, year] = table.loc[known, year].fillna(0)
    names = areas.sort_values("lsoa_vintage").drop_duplicates("lsoa_code", keep="last")
    named = table.index.map(names.set_index("lsoa_code")["lsoa_name"])
    table.index = pd.Index(np.where(pd.isna(named), table.index, named))
    table.index.name = "lsoa_name"
    table.columns.name = "year"
    return table


def _years_with_data(data: Processed, through: int | None) -> list[int]:
    years = sorted(int(y) for y in data.manifest["months"])
    return [y for y in years if through is None or y <= through]
