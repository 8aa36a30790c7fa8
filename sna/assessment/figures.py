"""The figures of an assessment, district by district: pure functions on :class:`Processed`.

Each function answers one question a Strategic Needs Assessment asks ("how much crime, at what
rate, compared with the benchmark, changed how much on last year like for like?") by composing
the statistics layer, and returns a tidy frame that a report shows and a test can check.
Districts are chosen by ONS code. Crime totals exclude anti-social behaviour, which is reported
on its own. Rates follow :mod:`sna.stats.schema`: ``count``, ``denominator`` (residents),
``value`` (per 1,000 residents) and ``lower95``/``upper95`` (and 99.8% where compared).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sna.data.config import Config
from sna.data.policeuk import ASB, CRIME_TYPES
from sna.data.processed import Processed
from sna.stats.benchmark import compare_with_benchmark, funnel_limits
from sna.stats.change import LikeForLike, like_for_like, period_change
from sna.stats.deprivation import deprived_hotspots
from sna.stats.rates import rate_ci

__all__ = [
    "ALL_CRIME",
    "CRIME_ONLY",
    "change_on_previous_year",
    "crime_group_table",
    "crime_type_table",
    "deprivation_frame",
    "deprived_hotspot_table",
    "district_overview",
    "funnel_grid",
    "group_by_year",
    "group_members",
    "lsoa_by_year",
    "lsoa_counts",
    "monthly_counts",
    "population",
    "rate_by_decile_counts",
]

ALL_CRIME = "All crime (excluding anti-social behaviour)"
_RATE_RATIO = {
    "value": "rate_ratio",
    "lower95": "rate_ratio_lower95",
    "upper95": "rate_ratio_upper95",
}
CRIME_ONLY = tuple(t for t in CRIME_TYPES if t != ASB)


def population(data: Processed, year: int) -> pd.Series:
    """Population of each district and the benchmark for ``year``, indexed by area name.

    Examples
    --------
    >>> population(data, 2025)["Oxford"]  # doctest: +SKIP
    162030
    """
    pops = data.populations[data.populations["year"] == year]
    return pops.set_index("area_name")["population"]


def _types(crime_types: Sequence[str] | None) -> Sequence[str]:
    return CRIME_ONLY if crime_types is None else crime_types


def _in_district(data: Processed, code: str | None) -> pd.DataFrame:
    counts = data.counts
    return counts if code is None else counts[counts["district_code"] == code]


def _year_counts(data: Processed, year: int, crime_types: Sequence[str] | None) -> pd.Series:
    counts = data.counts[data.counts["crime_type"].isin(_types(crime_types))]
    counts = counts[counts["month"].dt.year == year]
    by_code = counts.groupby("district_code")["count"].sum()
    districts = data.config.districts
    out = by_code.reindex([d.code for d in districts], fill_value=0).astype("int64")
    out.index = pd.Index([d.name for d in districts])
    return out


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
        Indexed by district name, then the benchmark as the last row, in the schema of
        :func:`sna.stats.benchmark.compare_with_benchmark`: ``count``, ``denominator``
        (residents), ``value`` (per 1,000), ``lower95``, ``upper95``, ``lower998``, ``upper998``,
        ``method``, ``benchmark_value``, ``compare95`` and ``compare998`` ("higher", "similar",
        "lower"; blank for the benchmark), then ``population_source``.

    Examples
    --------
    >>> district_overview(data, 2025).loc["Oxford", "compare998"]  # doctest: +SKIP
    'higher'
    """
    counts = _year_counts(data, year, crime_types)
    pops = population(data, year)
    bench_name = data.config.benchmark.name
    bench_count = _benchmark_count(data, year, crime_types)
    bench_pop = pops.get(bench_name, np.nan)
    table = compare_with_benchmark(counts, pops.reindex(counts.index), bench_count, bench_pop)
    bench = rate_ci(
        pd.Series([bench_count], index=[bench_name]),
        pd.Series([bench_pop], index=[bench_name]),
        conf=(0.95, 0.998),
    )
    bench_row = bench.assign(benchmark_value=bench["value"], compare95="", compare998="")
    out = pd.concat([table, bench_row[table.columns]])
    sources = data.populations[data.populations["year"] == year].set_index("area_name")["source"]
    out["population_source"] = sources.reindex(out.index).fillna("")
    return out


def change_on_previous_year(
    monthly: pd.DataFrame,
    data: Processed,
    year: int,
    *,
    by: str,
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

    Returns
    -------
    (pandas.DataFrame, LikeForLike)
        :func:`sna.stats.change.period_change` per group, and what was compared. When the two
        years share no month, the same columns with no figures.
    """
    available = [str(m) for m in data.manifest.months]
    months = {y: {f"{m.month:02d}" for m in data.manifest.months_in(y)} for y in (year, year - 1)}
    if not months[year] & months[year - 1]:
        return _no_comparison(monthly[by].unique(), year, months)
    lfl = like_for_like(
        monthly, year=year, previous_year=year - 1, by=by, months_available=available
    )
    return period_change(lfl.before, lfl.after), lfl


def _no_comparison(
    groups: object, year: int, months: dict[int, set[str]]
) -> tuple[pd.DataFrame, LikeForLike]:
    """The change table and what was compared when the previous year shares no month."""
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
    data: Processed, code: str | None, key: str, mapping: Mapping[str, Sequence[str]]
) -> pd.DataFrame:
    counts = _in_district(data, code)
    parts = []
    for label, types in mapping.items():
        sub = counts[counts["crime_type"].isin(types)]
        part = sub.groupby("month")["count"].sum().reset_index()
        parts.append(part.assign(**{key: label}))
    return pd.concat(parts, ignore_index=True)


def crime_type_table(data: Processed, code: str, year: int) -> tuple[pd.DataFrame, LikeForLike]:
    """Each police.uk crime type in a district: count, rate per 1,000, change like for like.

    Parameters
    ----------
    data
        Prepared data.
    code
        The district's ONS code.
    year
        Reporting year.

    Returns
    -------
    (pandas.DataFrame, LikeForLike)
        Indexed by crime type (all 14, anti-social behaviour last): ``count``, ``denominator``,
        ``value`` (rate per 1,000), ``lower95``, ``upper95``, then the change over the months
        both years have: ``before``, ``after``, ``change``, ``pct_change``, ``rate_ratio``,
        ``rate_ratio_lower95``, ``rate_ratio_upper95``, ``p_value``, ``significant``.

    Examples
    --------
    >>> types, compared = crime_type_table(data, "E07000181", 2025)  # doctest: +SKIP
    >>> compared.months_compared  # doctest: +SKIP
    ['January', 'February', 'March', 'April']
    """
    mapping = {t: [t] for t in (*CRIME_ONLY, ASB)}
    return _summary_table(data, code, year, mapping, key="crime_type")


def crime_group_table(data: Processed, code: str, year: int) -> tuple[pd.DataFrame, LikeForLike]:
    """All crime and each configured crime group in a district, like :func:`crime_type_table`."""
    return _summary_table(data, code, year, group_members(data.config), key="crime_group")


def group_members(config: Config) -> dict[str, Sequence[str]]:
    """Every crime group a report publishes a total of, with its crime types: all crime first."""
    return {ALL_CRIME: CRIME_ONLY, **config.crime_groups}


def _summary_table(
    data: Processed, code: str, year: int, mapping: Mapping[str, Sequence[str]], *, key: str
) -> tuple[pd.DataFrame, LikeForLike]:
    monthly = _monthly(data, code, key, mapping)
    in_year = monthly[monthly["month"].dt.year == year]
    counts = (
        in_year.groupby(key)["count"].sum().reindex(list(mapping), fill_value=0).astype("int64")
    )
    pop = population(data, year).get(data.config.district(code).name, np.nan)
    rates = rate_ci(counts, pd.Series(pop, index=counts.index))
    change, lfl = change_on_previous_year(monthly, data, year, by=key)
    change = change.drop(columns=["method", "note"], errors="ignore").rename(columns=_RATE_RATIO)
    table = rates.drop(columns="method").assign(count=counts).join(change)
    table.index.name = key
    return table, lfl


def monthly_counts(
    data: Processed,
    code: str | None = None,
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

    Examples
    --------
    >>> monthly_counts(data, "E07000178", through=2024).index.max()  # doctest: +SKIP
    Timestamp('2024-04-01 00:00:00')
    """
    counts = _in_district(data, code)
    counts = counts[counts["crime_type"].isin(_types(crime_types))]
    months = pd.PeriodIndex(data.manifest.months_in(through=through), freq="M").to_timestamp()
    series = counts.groupby("month")["count"].sum().reindex(months, fill_value=0).astype("int64")
    series.index.name = "month"
    return series.rename("count")


def lsoa_counts(
    data: Processed, code: str, year: int, *, crime_types: Sequence[str] | None = None
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
        (data.counts["district_code"] == code) & (data.counts["month"].dt.year == year)
    ]
    counts = counts[counts["crime_type"].isin(_types(crime_types))]
    vintages = counts["lsoa_vintage"].unique().tolist() or [2021]
    areas = data.lsoas[
        (data.lsoas["district_code"] == code) & data.lsoas["lsoa_vintage"].isin(vintages)
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
        counts.groupby(["district_code", counts["month"].dt.year])["count"]
        .sum()
        .unstack(fill_value=0)
    )
    years = _years_with_data(data, through)
    districts = data.config.districts
    table = table.reindex(index=[d.code for d in districts], columns=years, fill_value=0)
    table.index = pd.Index([d.name for d in districts], name="district_name")
    if per_month:
        n = pd.Series({y: len(data.manifest.months_in(y)) for y in years})
        table = table / n
    table.columns.name = "year"
    return table


def deprivation_frame(
    data: Processed, code: str | None, year: int, *, crime_types: Sequence[str] | None = None
) -> pd.DataFrame:
    """LSOA counts with the config's deprivation domain decile as ``decile``.

    Parameters
    ----------
    code
        A district's ONS code, or None for every assessed district together.

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
    codes = [d.code for d in data.config.districts] if code is None else [code]
    frames = [lsoa_counts(data, c, year, crime_types=crime_types) for c in codes]
    frame = pd.concat(frames, ignore_index=True)
    return frame[["lsoa_code", "lsoa_name", "count", "population", "population_source"]].assign(
        decile=frame[column].astype("Float64")
    )


def rate_by_decile_counts(lsoas: pd.DataFrame) -> pd.DataFrame:
    """Crimes and residents by deprivation decile (1-10; deciles with no LSOA have 0 and 0).

    Parameters
    ----------
    lsoas
        From :func:`deprivation_frame`; LSOAs with no decile are left out.

    Returns
    -------
    pandas.DataFrame
        Indexed by decile 1-10: the rate schema of :func:`sna.stats.rates.rate_ci`.
    """
    matched = lsoas.dropna(subset=["decile"])
    sums = matched.groupby(matched["decile"].astype(int))[["count", "population"]].sum()
    sums = sums.reindex(range(1, 11), fill_value=0)
    return rate_ci(sums["count"], sums["population"].replace(0, np.nan))


def deprived_hotspot_table(lsoas: pd.DataFrame, *, domain: str) -> pd.DataFrame:
    """High-rate, highly deprived LSOAs, indexed by LSOA name, with their rates and decile."""
    hot = deprived_hotspots(lsoas, domain=domain)
    columns = ["count", "population", "population_source", "value", "lower95", "upper95", "decile"]
    return hot.set_index("lsoa_name")[columns]


def lsoa_by_year(
    data: Processed,
    code: str,
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
        (data.counts["district_code"] == code) & data.counts["crime_type"].isin(_types(crime_types))
    ]
    years = _years_with_data(data, through)
    table = counts.groupby(["lsoa_code", counts["month"].dt.year])["count"].sum().unstack()
    table = table.reindex(columns=[y for y in years if y in table.columns])
    areas = data.lsoas[data.lsoas["district_code"] == code]
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


def funnel_grid(overview: pd.DataFrame, *, benchmark: str) -> pd.DataFrame:
    """Funnel-plot control limits over a smooth grid of populations around the districts'.

    Parameters
    ----------
    overview
        From :func:`district_overview`.
    benchmark
        Name of the benchmark row.
    """
    pops = overview.drop(index=benchmark)["denominator"]
    grid = np.geomspace(pops.min() * 0.5, pops.max() * 1.5, 120)
    return funnel_limits(overview.loc[benchmark, "value"], grid)


def _years_with_data(data: Processed, through: int | None) -> list[int]:
    return [y for y in data.manifest.years if through is None or y <= through]
