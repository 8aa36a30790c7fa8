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

from sna.data.areas import domain_column
from sna.data.config import Config
from sna.data.policeuk import ASB, CRIME_TYPES
from sna.data.processed import Processed
from sna.stats.benchmark import (
    compare_with_benchmark,
    funnel_limits,
    overdispersion,
    rank_areas,
)
from sna.stats.change import LikeForLike, like_for_like, overdispersed_change
from sna.stats.deprivation import deprived_hotspots
from sna.stats.multiple import benjamini_hochberg
from sna.stats.rates import monthly_dispersion, rate_ci
from sna.stats.schema import annotate
from sna.stats.trends import seasonal_trend

__all__ = [
    "ALL_CRIME",
    "ANNUAL_RATE",
    "CRIME_ONLY",
    "annual_per",
    "between_districts",
    "change_on_previous_year",
    "control_false_discoveries",
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
    "lsoas_by_decile",
    "monthly_counts",
    "outside_funnel",
    "population",
    "population_by_year",
    "rank_districts",
    "rate_by_decile_counts",
    "seasonal_by_year",
]

ALL_CRIME = "All crime (excluding anti-social behaviour)"
ANNUAL_RATE = "rate per 1,000 residents a year (annualised from the months with data)"
"""What the ``value`` of a year's rate is: every rate of a reporting year is annualised."""
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


def annual_per(data: Processed, year: int) -> float:
    """The multiplier that makes a year's count a rate per 1,000 residents a year.

    A year with all 12 months is 1,000; a year with ``m`` months of data is ``1,000 * 12 / m``,
    so that a count over 11 months or 4 months is put on the same yearly footing (annualised).

    Examples
    --------
    >>> annual_per(data, 2024)  # 4 months of data  # doctest: +SKIP
    3000.0
    """
    months = len(data.manifest.months_in(year))
    return 1000.0 * 12 / months if months else np.nan


def _district_months(
    data: Processed,
    year: int,
    crime_types: Sequence[str] | None,
    *,
    codes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Counts by district (rows, names) and month of ``year`` with data (columns), 0-filled."""
    wanted = [d for d in data.config.districts if codes is None or d.code in codes]
    counts = data.counts[data.counts["crime_type"].isin(_types(crime_types))]
    counts = counts[counts["month"].dt.year == year]
    table = counts.pivot_table(
        index="district_code", columns="month", values="count", aggfunc="sum", fill_value=0
    )
    months = pd.PeriodIndex(data.manifest.months_in(year), freq="M").to_timestamp()
    table = table.reindex(index=[d.code for d in wanted], columns=months, fill_value=0)
    table.index = pd.Index([d.name for d in wanted])
    if codes is not None:  # benchmark districts that are not assessed districts
        extra = [c for c in codes if c not in {d.code for d in wanted}]
        more = counts[counts["district_code"].isin(extra)].groupby("month")["count"].sum()
        if len(more):
            table.loc["_other"] = more.reindex(months, fill_value=0).to_numpy()
    return table


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
    per = annual_per(data, year)
    spread = monthly_dispersion(_district_months(data, year, crime_types))
    table = compare_with_benchmark(
        counts, pops.reindex(counts.index), bench_count, bench_pop, per=per,
        dispersion=spread["dispersion"].reindex(counts.index, fill_value=1.0),
        df=spread["df"].reindex(counts.index, fill_value=0),
    )  # fmt: skip
    bench_spread = monthly_dispersion(
        _district_months(data, year, crime_types, codes=data.config.benchmark.district_codes)
        .sum()
        .to_frame(bench_name)
        .T
    )
    bench = rate_ci(
        pd.Series([bench_count], index=[bench_name]),
        pd.Series([bench_pop], index=[bench_name]),
        per=per,
        conf=(0.95, 0.998),
        dispersion=bench_spread["dispersion"],
        df=bench_spread["df"],
    )
    bench_row = bench.assign(benchmark_value=bench["value"], compare95="", compare998="")
    out = pd.concat([table, bench_row[table.columns]])
    sources = data.populations[data.populations["year"] == year].set_index("area_name")["source"]
    out["population_source"] = sources.reindex(out.index).fillna("")
    both = pd.concat([spread, bench_spread])
    out[["dispersion", "df"]] = both.reindex(out.index).fillna({"dispersion": 1.0, "df": 0})
    return annotate(out, (0.95, 0.998), ANNUAL_RATE)


def rank_districts(overview: pd.DataFrame, *, benchmark: str, per: float) -> pd.DataFrame:
    """The districts ranked by rate, each tested against the next (allowing for its variation).

    Parameters
    ----------
    overview
        From :func:`district_overview`.
    benchmark
        Name of the benchmark row (left out).
    per
        The rates' multiplier (:func:`annual_per`).

    Returns
    -------
    pandas.DataFrame
        :func:`sna.stats.benchmark.rank_areas` of the districts.
    """
    districts = overview.drop(index=benchmark)
    return rank_areas(
        districts["count"], districts["denominator"], per=per,
        dispersion=districts["dispersion"], df=districts["df"],
    )  # fmt: skip


def change_on_previous_year(
    monthly: pd.DataFrame,
    data: Processed,
    year: int,
    *,
    by: str,
) -> tuple[pd.DataFrame, LikeForLike]:
    """Change on the previous year over the months both years have, allowing for month-to-month variation.

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
        :func:`sna.stats.change.overdispersed_change` per group (a quasi-Poisson test of the
        months compared), and what was compared. When the two years share no month, the same
        columns with no figures.
    """
    available = [str(m) for m in data.manifest.months]
    months = {y: {f"{m.month:02d}" for m in data.manifest.months_in(y)} for y in (year, year - 1)}
    if not months[year] & months[year - 1]:
        return _no_comparison(monthly[by].unique(), year, months)
    lfl = like_for_like(
        monthly, year=year, previous_year=year - 1, by=by, months_available=available
    )
    common = sorted(int(m) for m in months[year] & months[year - 1])
    by_month = monthly.assign(_year=monthly["month"].dt.year, _month=monthly["month"].dt.month)
    grid = {
        y: by_month[by_month["_year"] == y]
        .pivot_table(index=by, columns="_month", values="count", aggfunc="sum", fill_value=0)
        .reindex(index=lfl.before.index, columns=common, fill_value=0)
        for y in (year - 1, year)
    }
    return overdispersed_change(grid[year - 1], grid[year]), lfl


def _no_comparison(
    groups: object, year: int, months: dict[int, set[str]]
) -> tuple[pd.DataFrame, LikeForLike]:
    """The change table and what was compared when the previous year shares no month."""
    index = pd.Index(groups)
    schema = overdispersed_change(pd.DataFrame([[0]]), pd.DataFrame([[0]])).columns
    columns = schema.drop(["significant", "note"])  # the same columns, with no figures
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
    months = pd.PeriodIndex(data.manifest.months_in(year), freq="M").to_timestamp()
    by_month = in_year.pivot_table(
        index=key, columns="month", values="count", aggfunc="sum", fill_value=0
    ).reindex(index=list(mapping), columns=months, fill_value=0)
    spread = monthly_dispersion(by_month)
    rates = rate_ci(
        counts, pd.Series(pop, index=counts.index), per=annual_per(data, year),
        dispersion=spread["dispersion"], df=spread["df"],
    )  # fmt: skip
    change, lfl = change_on_previous_year(monthly, data, year, by=key)
    change = change.rename(columns={"method": "change_method", **_RATE_RATIO})
    table = rates.assign(count=counts).join(change.drop(columns=["note"], errors="ignore"))
    table.index.name = key
    return annotate(table, [0.95], ANNUAL_RATE), lfl


def control_false_discoveries(
    *tables: pd.DataFrame, rate: float = 0.05
) -> tuple[pd.DataFrame, ...]:
    """The change tests of a report as one family: Benjamini-Hochberg adjusted p-values.

    Parameters
    ----------
    *tables
        Tables with ``before``, ``after`` and ``p_value`` columns (e.g. the crime-group and
        crime-type tables of one district report); together they are the family of tests the
        report makes. A comparison in two tables (the same counts) is one test.
    rate
        The false discovery rate controlled. Default 0.05.

    Returns
    -------
    tuple of pandas.DataFrame
        The tables with ``q_value`` (the adjusted p-value) and ``significant`` (``q_value <
        rate``) replacing the per-test flag; tests not made (no data) stay not significant.

    Examples
    --------
    >>> a = pd.DataFrame({"before": [10, 20], "after": [30, 30], "p_value": [0.01, 0.04]})
    >>> b = pd.DataFrame({"before": [5, 8], "after": [15, 9], "p_value": [0.03, 0.5]})
    >>> [t["significant"].tolist() for t in control_false_discoveries(a, b)]
    [[True, False], [False, False]]
    """
    family = pd.concat([t[["before", "after", "p_value"]] for t in tables], ignore_index=True)
    # A comparison shown twice (a crime group of one crime type) is one test, counted once.
    first = family.drop_duplicates()
    adjusted = benjamini_hochberg(first["p_value"])
    key = pd.MultiIndex.from_frame(first.astype(float))
    q = (
        pd.Series(adjusted.to_numpy(), index=key)
        .reindex(pd.MultiIndex.from_frame(family.astype(float)))
        .to_numpy()
    )
    out, start = [], 0
    for table in tables:
        part = q[start : start + len(table)]
        start += len(table)
        out.append(table.assign(q_value=part, significant=np.nan_to_num(part, nan=1.0) < rate))
    return tuple(out)


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
        ``lsoa_code``, ``lsoa_name``, ``count``, then the LSOA's columns of ``lsoas.parquet``:
        ``population``, ``population_source``, the ranks and deciles of the deprivation index of
        its vintage (``deprivation_index``: IoD2025 for 2021 LSOAs, IoD2019 for 2011 LSOAs),
        ``deprivation_matched``, and its unit across vintages (``unit_code``, ``unit_name``,
        ``unit_change``; see :func:`lsoa_by_year`).
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
        ``deprivation_index`` (the index the decile is from: "IoD2025" for 2021 LSOAs, "IoD2019"
        for 2011 LSOAs), ``decile`` (1 = most deprived 10% in England; missing for an LSOA its
        index does not list: then it is left out of deprivation figures, see
        :func:`rate_by_decile_counts`).
    """
    column = domain_column(data.config.deprivation_domain)
    codes = [d.code for d in data.config.districts] if code is None else [code]
    frames = [lsoa_counts(data, c, year, crime_types=crime_types) for c in codes]
    frame = pd.concat(frames, ignore_index=True)
    keep = ["lsoa_code", "lsoa_name", "count", "population", "population_source"]
    return frame[keep].assign(
        deprivation_index=frame["deprivation_index"], decile=frame[column].astype("Float64")
    )


def lsoas_by_decile(lsoas: pd.DataFrame) -> pd.Series:
    """How many LSOAs are in each deprivation decile (1-10) of a district.

    Examples
    --------
    >>> lsoas_by_decile(pd.DataFrame({"decile": [1, 1, 3, None]})).tolist()
    [2, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    """
    known = lsoas["decile"].dropna().astype(int)
    return known.value_counts().reindex(range(1, 11), fill_value=0).rename("n_lsoas")


def rate_by_decile_counts(lsoas: pd.DataFrame, *, per: float = 1000) -> pd.DataFrame:
    """Crimes and residents by deprivation decile (1-10; deciles with no LSOA have 0 and 0).

    Parameters
    ----------
    lsoas
        From :func:`deprivation_frame`; LSOAs with no decile are left out.

    Returns
    -------
    pandas.DataFrame
        Indexed by decile 1-10: the rate schema of :func:`sna.stats.rates.rate_ci`, with
        ``attrs["deprivation_index"]`` (the index the deciles are from, e.g. "IoD2025"; "IoD2019
        and IoD2025" in a year that mixes LSOA vintages), and what is left out:
        ``attrs["lsoas_without_decile"]`` (LSOAs with no decile) and
        ``attrs["count_without_decile"]`` (their crimes).
    """
    missing = lsoas["decile"].isna()
    matched = lsoas[~missing]
    sums = matched.groupby(matched["decile"].astype(int))[["count", "population"]].sum()
    sums = sums.reindex(range(1, 11), fill_value=0)
    out = rate_ci(sums["count"], sums["population"].replace(0, np.nan), per=per)
    if "deprivation_index" in lsoas:
        named = matched if len(matched) else lsoas
        out.attrs["deprivation_index"] = " and ".join(sorted(set(named["deprivation_index"])))
    out.attrs["lsoas_without_decile"] = int(missing.sum())
    out.attrs["count_without_decile"] = int(lsoas.loc[missing, "count"].sum())
    return out


def deprived_hotspot_table(lsoas: pd.DataFrame, *, domain: str, per: float = 1000) -> pd.DataFrame:
    """High-rate, highly deprived LSOAs, indexed by LSOA name, with their rates and decile.

    ``attrs["deprivation_index"]`` names the index the deciles are from (e.g. "IoD2025").
    """
    hot = deprived_hotspots(lsoas, domain=domain, per=per)
    columns = ["count", "population", "population_source", "value", "lower95", "upper95", "decile"]
    out = hot.set_index("lsoa_name")[columns]
    if "deprivation_index" in lsoas:
        out.attrs["deprivation_index"] = " and ".join(sorted(set(lsoas["deprivation_index"])))
    return out


def lsoa_by_year(
    data: Processed,
    code: str,
    *,
    crime_types: Sequence[str] | None = None,
    through: int | None = None,
) -> pd.DataFrame:
    """Counts per area (rows) and year with data (columns), in areas that are the same every year.

    LSOA codes changed in 2021, so a year of 2011 codes and a year of 2021 codes are counted in
    units of the ONS LSOA (2011) to LSOA (2021) lookup (``unit_code``/``unit_name`` of
    ``lsoas.parquet``, :func:`sna.data.areas.lsoa_units`): an unchanged LSOA is itself; LSOAs
    merged in 2021 are the 2021 LSOA (their 2011 counts summed); an LSOA split in 2021 is the
    2011 LSOA (its 2021 parts' counts summed), named by its parts, ``"Cherwell 015E + 015F"``.
    So an LSOA whose code changed can be a persistent hotspot. Every unit of the district is a
    row (0 in a year with no crime); a unit none of whose LSOAs is of a year's vintage is missing
    that year, not 0. ``through`` leaves out later years.

    Returns
    -------
    pandas.DataFrame
        Indexed by unit name (index named ``lsoa_name``), one column per year (``year``).
    """
    counts = data.counts[
        (data.counts["district_code"] == code) & data.counts["crime_type"].isin(_types(crime_types))
    ]
    years = _years_with_data(data, through)
    areas = data.lsoas[data.lsoas["district_code"] == code]
    if "unit_code" not in areas:  # data prepared before units: each LSOA code is its own unit
        areas = areas.assign(unit_code=areas["lsoa_code"], unit_name=areas["lsoa_name"])
    placed = counts.merge(
        areas[["lsoa_code", "lsoa_vintage", "unit_code"]],
        on=["lsoa_code", "lsoa_vintage"],
        how="left",
    )
    placed["unit_code"] = placed["unit_code"].fillna(placed["lsoa_code"])
    table = placed.groupby(["unit_code", placed["month"].dt.year])["count"].sum().unstack()
    units = list(dict.fromkeys([*areas["unit_code"], *table.index]))
    table = table.reindex(index=units, columns=[y for y in years if y in table.columns])
    vintages = areas.groupby("unit_code")["lsoa_vintage"].agg(set)
    for year in table.columns:
        used = set(placed.loc[placed["month"].dt.year == year, "lsoa_vintage"])
        known = [bool(vintages.get(u, set()) & used) for u in table.index]
        table.loc[known, year] = table.loc[known, year].fillna(0)
    names = areas.drop_duplicates("unit_code").set_index("unit_code")["unit_name"]
    named = table.index.map(names)
    table.index = pd.Index(np.where(pd.isna(named), table.index, named))
    table.index.name = "lsoa_name"
    table.columns.name = "year"
    return table


def between_districts(overview: pd.DataFrame, *, benchmark: str, per: float) -> pd.Series:
    """How much the districts' rates vary around the benchmark beyond Poisson chance.

    Parameters
    ----------
    overview
        From :func:`district_overview`.
    benchmark
        Name of the benchmark row.
    per
        The rates' multiplier (:func:`annual_per`).

    Returns
    -------
    pandas.Series
        :func:`sna.stats.benchmark.overdispersion` of the districts (``phi``, ``tau2``, ...).
    """
    districts = overview.drop(index=benchmark)
    return overdispersion(
        districts["count"], districts["denominator"], overview.loc[benchmark, "value"], per=per
    )


def funnel_grid(
    overview: pd.DataFrame, *, benchmark: str, per: float, tau2: float = 0.0
) -> pd.DataFrame:
    """Funnel-plot control limits over a smooth grid of populations around the districts'.

    Parameters
    ----------
    overview
        From :func:`district_overview`.
    benchmark
        Name of the benchmark row.
    per
        The rates' multiplier (:func:`annual_per`).
    tau2
        Between-district variance beyond chance (:func:`between_districts`): the limits are
        overdispersion-adjusted when it is above 0.
    """
    pops = overview.drop(index=benchmark)["denominator"]
    grid = np.geomspace(pops.min() * 0.5, pops.max() * 1.5, 120)
    return funnel_limits(overview.loc[benchmark, "value"], grid, per=per, tau2=tau2)


def outside_funnel(
    overview: pd.DataFrame, *, benchmark: str, per: float, tau2: float = 0.0
) -> tuple[str, ...]:
    """Districts whose rate lies outside the funnel plot's 99.8% limits at their population."""
    districts = overview.drop(index=benchmark)
    limits = funnel_limits(
        overview.loc[benchmark, "value"], districts["denominator"], per=per, tau2=tau2
    )
    rate = districts["value"].to_numpy()
    out = (rate < limits["lower998"].to_numpy()) | (rate > limits["upper998"].to_numpy())
    return tuple(str(name) for name, o in zip(districts.index, out, strict=True) if o)


def seasonal_by_year(
    data: Processed, *, crime_types: Sequence[str], through: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """District x year counts, and seasonally adjusted averages per month, for comparing years.

    Years with police.uk data rarely have the same months (2018: June and October-December;
    2024: January-April). Each year's count is divided by the sum of the seasonal factors of its
    months (from :func:`sna.stats.trends.seasonal_trend` of the assessed districts' total), so a
    year of winter months is not compared with a year of summer months as if alike.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame, str)
        Counts and adjusted averages per month (index district names, columns years), and the
        method in words (a plain average per month when no seasonal pattern can be estimated).
    """
    counts = group_by_year(data, crime_types=crime_types, per_month=False, through=through)
    months = {y: data.manifest.months_in(y) for y in counts.columns}
    monthly = monthly_counts(data, None, crime_types=crime_types, through=through)
    pops = population_by_year(data, data.config.benchmark.name)
    season = seasonal_trend(monthly, pops).season
    if season.empty:
        factor = {y: float(len(m)) for y, m in months.items()}
        method = "average per month (too few months to estimate the seasonal pattern)"
    else:
        factor = {
            y: float(sum(season["value"].get(p.month, 1.0) for p in m)) for y, m in months.items()
        }
        method = (
            "seasonally adjusted average per month: each year's count divided by the seasonal "
            f"factors of its months, from a model of the {len(monthly)} months of the area's "
            "total with a term for each calendar month and a trend"
        )
    average = counts / pd.Series(factor)
    average.columns.name = "year"
    return counts, average, method


def population_by_year(data: Processed, area: str) -> pd.Series:
    """Population of an area (a district or the benchmark, by name) for each year with data."""
    pops = data.populations[data.populations["area_name"] == area]
    return pops.set_index("year")["population"].astype(float)


def _years_with_data(data: Processed, through: int | None) -> list[int]:
    return [y for y in data.manifest.years if through is None or y <= through]
