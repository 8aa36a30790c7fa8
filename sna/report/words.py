"""The words around the figures: titles, key findings, captions, notes and alt text.

Functions here turn an assessment (:mod:`sna.assessment`) into plain English. They compute no
figure and decide no suppression: a count or rate hidden in a table is hidden here too, because
both read the assessment's masks. Sentences about a single statistic come from
:mod:`sna.report.narrative`.
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pandas as pd

from sna.assessment.area import AreaAssessment, Heatmap
from sna.assessment.district import DistrictAssessment
from sna.assessment.figures import ALL_CRIME
from sna.data.config import Config
from sna.data.manifest import Coverage, format_months, no_location_by_year
from sna.data.processed import Processed
from sna.report import narrative
from sna.report.tables import suppression_note, symbol_note
from sna.stats.change import LikeForLike

__all__ = [
    "as_date",
    "benchmark_note",
    "comparison_note",
    "comparison_phrase",
    "coverage_note",
    "describe_deciles",
    "describe_deprivation",
    "describe_funnel",
    "describe_heatmap",
    "describe_monthly",
    "describe_rates",
    "describe_season",
    "describe_variation",
    "district_links",
    "key_findings",
    "monthly_hidden_note",
    "months_label",
    "overview_findings",
    "overview_subtitle",
    "period_label",
    "report_subtitle",
    "table_notes",
    "trend_caveat",
]


def report_subtitle(a: DistrictAssessment, date: dt.date) -> str:
    """The line under a district report's title."""
    config, area = a.data.config, a.district
    return (
        f"{config.name}. Police recorded crime and anti-social behaviour in {area.name} "
        f"({area.code}) in {a.year}, compared with {config.benchmark.name}. "
        f"Report produced {date:%d %B %Y}."
    )


def overview_subtitle(config: Config, date: dt.date) -> str:
    """The line under the area overview's title."""
    names = ", ".join(d.name for d in config.districts)
    return (
        f"{config.name}. Districts: {names}. Benchmark: {config.benchmark.name}. "
        f"Report produced {date:%d %B %Y}."
    )


def coverage_note(cover: Coverage) -> str:
    """A sentence for the top of a report: which months of the year are missing, in plain words.

    Examples
    --------
    >>> import pandas as pd
    >>> cover = Coverage(2025, tuple(pd.Period(f"2025-{m:02d}", "M") for m in range(1, 13) if m != 7))
    >>> coverage_note(cover)[:60]
    '11 of 12 months of 2025 have police.uk data: July 2025 is mi'
    """
    year = cover.year
    if cover.complete:
        return f"All 12 months of {year} are present in the police.uk data."
    n = len(cover.present)
    has = "has" if n == 1 else "have"
    missing = format_months(cover.missing, "span")
    verb = "is" if len(cover.missing) == 1 else "are"
    return (
        f"{n} of 12 months of {year} {has} police.uk data: {missing} {year} {verb} missing, so "
        f"totals for {year} are not full-year figures: rates are annualised from the months with "
        "data, and comparisons with other years use the same months or allow for the season."
    )


def table_notes(data: Processed, cover: Coverage, *, table: pd.DataFrame | None = None) -> str:
    """Footnote for count tables: suppression, population source and months covered.

    Given the published ``table``, the note explains only the symbols ("[c]", "[x]") it shows.
    """
    year = cover.year
    pops = data.populations[data.populations["year"] == year]
    source = pops["source"].iloc[0] if len(pops) else "not available"
    months = (
        "all 12 months"
        if cover.complete
        else f"{len(cover.present)} of 12 months (missing: {format_months(cover.missing, 'iso')})"
    )
    threshold = data.config.suppression_threshold
    symbols = suppression_note(threshold) if table is None else symbol_note(table, threshold)
    return (
        f"{symbols} Population: {source}. ".lstrip()
        + f"Source: police.uk street-level crime, {months} of {year}."
    )


def period_label(cover: Coverage) -> str:
    """The reporting period as readers should read it.

    "2025", or with its months when some are missing, e.g.
    "2025 (11 months with data: Jan-Jun, Aug-Dec)".
    """
    if cover.complete:
        return str(cover.year)
    months = format_months(cover.present, "ranges")
    return f"{cover.year} ({len(cover.present)} months with data: {months})"


FEW_AREAS = 10
"""Below this many districts, the between-district variation of a funnel plot is not estimable."""

UNIT = "residents a year"
"""What every published rate is per, after "per 1,000": rates are annualised."""


def _annualised(cover: Coverage) -> str:
    n = len(cover.present)
    return "" if cover.complete else f", annualised from {n} month{'s' if n != 1 else ''}"


def _compared_months(compared: LikeForLike) -> list[int]:
    """The calendar months compared (1-12), from the month names LikeForLike holds."""
    return [list(calendar.month_name).index(m) for m in compared.months_compared]


def comparison_phrase(compared: LikeForLike) -> str:
    """How a change sentence names what it compares: "on 2024" only for whole years.

    Examples
    --------
    >>> import pandas as pd
    >>> empty = pd.Series(dtype=float)
    >>> comparison_phrase(LikeForLike(empty, empty, ["January", "February"], {}, year=2025,
    ...                               previous_year=2024))
    'in January to February 2025 against January to February 2024'
    """
    if compared.complete_years:
        return f"on {compared.previous_year}"
    numbers = _compared_months(compared)
    span = format_months(numbers, "span")
    return f"in {span} {compared.year} against {span} {compared.previous_year}"


def comparison_note(compared: LikeForLike) -> str:
    """One plain-English sentence saying which months of the two years were compared.

    Examples
    --------
    >>> import pandas as pd
    >>> empty = pd.Series(dtype=float)
    >>> compared = LikeForLike(empty, empty, ["January", "February"], {},
    ...     months_missing={2024: ["2024-03"], 2025: []}, year=2025, previous_year=2024)
    >>> comparison_note(compared)
    '2025 is compared with 2024 for January to February only, the months with data in both years (2024 has no data for March).'
    """
    year, previous = compared.year, compared.previous_year
    if not compared.months_compared:
        return (
            f"{previous} has no police.uk data for any month that {year} has, "
            f"so no change on {previous} is given."
        )
    if compared.complete_years:
        return f"Full calendar years {previous} and {year} are compared."
    numbers = _compared_months(compared)
    because = "; ".join(
        f"{y} has no data for {format_months([pd.Period(m, 'M') for m in missing], 'span')}"
        for y, missing in sorted(compared.months_missing.items())
        if missing
    )
    return (
        f"{year} is compared with {previous} for {format_months(numbers, 'span')} only, "
        f"the months with data in both years ({because})."
    )


def months_label(compared: LikeForLike) -> str:
    """Short label of the months compared, e.g. "Jan-Apr" or "Jan-Jun, Aug-Dec"."""
    if not compared.months_compared:
        return "no common months"
    numbers = _compared_months(compared)
    return format_months(numbers, "ranges")


def key_findings(a: DistrictAssessment) -> list[str]:
    """The key findings of a district report, as plain sentences.

    Covers: coverage caveat, the district's crime count and rate against the benchmark, its rank
    among the districts where the intervals support one, the change in all crime and in each
    crime group on the previous year (like for like), and anti-social behaviour. A figure hidden
    in the report's tables is not stated here.
    """
    name, year = a.district.name, a.year
    out: list[str] = []
    if not a.coverage.complete:
        out.append(coverage_note(a.coverage))
    row = a.overview.loc[name]
    if not a.overview_hidden[name] and not np.isnan(row["value"]):
        out.append(
            f"{name} had {int(row['count']):,} recorded crimes (excluding anti-social "
            f"behaviour) in {period_label(a.coverage)}: {row['value']:.1f} per 1,000 residents "
            f"a year{_annualised(a.coverage)} (95% confidence interval {row['lower95']:.1f} to "
            f"{row['upper95']:.1f}, allowing for month-to-month variation)."
        )
        if not a.overview_hidden[a.benchmark]:
            out.append(
                narrative.describe_benchmark(name, row, benchmark_name=a.benchmark, unit=UNIT)
            )
        districts = a.overview.drop(index=a.benchmark)
        if not a.overview_hidden[districts.index].any():  # a rank names its neighbours' rates
            out.append(narrative.describe_rank(name, a.ranked, unit=UNIT))
    if a.compared.months_compared:
        out.append(comparison_note(a.compared))
        tests = int(pd.concat([a.groups, a.types])[["before", "after"]].drop_duplicates().shape[0])
        out.append(
            "Each change is tested allowing for crime varying from month to month more than "
            f"chance alone would, and is called significant only if it remains so across the "
            f"{tests} comparisons this report makes (false discovery rate 5%)."
        )
        hidden = a.hidden.groups
        for group, change in a.groups.iterrows():
            shown = not (hidden.loc[group, "before"] or hidden.loc[group, "after"])
            if shown and change["before"] > a.threshold and change["after"] > a.threshold:
                subject = "Recorded crime" if group == ALL_CRIME else str(group)
                out.append(
                    narrative.describe_change(
                        name, subject, change, previous_label=str(year - 1),
                        comparison=comparison_phrase(a.compared),
                    )
                )  # fmt: skip
    else:
        out.append(f"There are no police.uk data for {year - 1} to compare {year} with.")
    return out


def overview_findings(o: AreaAssessment) -> list[str]:
    """Key findings of the area overview: each district against the benchmark, and ranks.

    A district whose count the table hides is not compared; with the benchmark hidden, none is;
    the ranking is given only when no district is hidden (it names its neighbours' rates).
    """
    out = [] if o.coverage.complete else [coverage_note(o.coverage)]
    districts = o.overview.drop(index=o.benchmark)
    hidden = o.overview_hidden
    for name, row in districts.iterrows():
        if not hidden[name] and not hidden[o.benchmark]:
            out.append(
                narrative.describe_benchmark(str(name), row, benchmark_name=o.benchmark, unit=UNIT)
            )
    if not hidden[districts.index].any():
        out.append(narrative.describe_rank(str(o.ranked.index[0]), o.ranked, unit=UNIT))
    return out


def benchmark_note(benchmark: str) -> str:
    """The footnote saying how districts are compared with the benchmark."""
    return (
        f"Compared with {benchmark}: higher or lower when {benchmark}'s rate lies outside the "
        "district's confidence interval, which allows for crime varying from month to month more "
        "than chance alone would (quasi-Poisson); otherwise similar."
    )


def describe_variation(o: AreaAssessment) -> str:
    """What the funnel plot shows: how much districts differ beyond chance, and who stands out.

    The limits are Spiegelhalter's overdispersion-adjusted ones when the districts vary more
    than chance would allow; the sentence says so and names any district outside them.
    """
    v = o.variation
    if not bool(v["overdispersed"]):
        return (
            "The districts' rates differ from each other by no more than chance would explain, "
            "so the funnel plot's limits are the exact Poisson ones."
        )
    outside = list(o.outside_limits)
    n = int(v["n_areas"])
    if n < FEW_AREAS:
        named = (
            f"with only {n} districts, the variation between districts is estimated from the "
            "districts themselves, so the limits are very wide and the plot cannot show whether "
            "any one district is unusual among districts"
        )
    elif outside:
        named = f"{', '.join(outside)} {'lies' if len(outside) == 1 else 'lie'} outside the 99.8% limits"
    else:
        named = "no district lies outside the 99.8% limits, so none is unusual for a district"
    return (
        "The districts differ from each other much more than chance alone would explain (about "
        f"{float(v['phi']) ** 0.5:,.0f} times as much, in standard deviations), as districts of "
        "different character do. The funnel plot's limits allow for that variation between "
        f"districts (Spiegelhalter's overdispersion adjustment): {named}. This is a different "
        "question from the comparison with the benchmark in the table, which asks whether a "
        "district's own rate differs from the benchmark's."
    )


def describe_funnel(o: AreaAssessment) -> str:
    """Alt text for the funnel plot: each district's rate, and what the limits are."""
    limits = o.funnel
    adjusted = bool(limits.attrs.get("overdispersion_adjusted", False))
    shown = [
        f"{name} {'suppressed' if o.overview_hidden[name] else format(row['value'], '.1f')}"
        for name, row in o.overview.drop(index=o.benchmark).iterrows()
    ]
    kind = (
        "adjusted for the variation between districts beyond chance"
        if adjusted
        else "exact Poisson limits"
    )
    return (
        "Funnel plot of crime rate per 1,000 residents a year against population: "
        f"{'; '.join(shown)}. Benchmark {o.benchmark} "
        f"{o.overview.loc[o.benchmark, 'value']:.1f}, with 95% and 99.8% control limits ({kind})."
    )


def describe_rates(
    overview: pd.DataFrame, *, benchmark: str, period: str, hidden: pd.Series | None = None
) -> str:
    """Alt text for a chart of district rates; ``period`` from :func:`period_label`.

    ``hidden`` is the table's mask (``overview_hidden``): a hidden rate is "suppressed".
    """
    hide = pd.Series(False, index=overview.index) if hidden is None else hidden

    def rate(name: object) -> str:
        return "suppressed" if hide[name] else f"{overview.loc[name, 'value']:.1f}"

    parts = [f"{name} {rate(name)}" for name in overview.index if name != benchmark]
    return (
        f"Crime rate per 1,000 residents a year in {period} by district: {'; '.join(parts)}. "
        f"{benchmark} overall: {rate(benchmark)}."
    )


def describe_monthly(monthly: pd.Series, forecast: pd.DataFrame, *, area: str) -> str:
    """Alt text for the monthly trend chart (not shown when ``monthly_hidden``)."""
    first, last = monthly.index.min(), monthly.index.max()
    text = (
        f"Line chart of recorded crime per month in {area} from {first:%B %Y} to {last:%B %Y}, "
        f"{len(monthly)} months with data, between {monthly.min():,} and {monthly.max():,} "
        "crimes a month."
    )
    if len(forecast) and forecast["forecast"].notna().any():
        text += (
            f" The forecast for the next {len(forecast)} months is around "
            f"{forecast['forecast'].mean():,.0f} a month (95% prediction interval "
            f"{forecast['lower95'].min():,.0f} to {forecast['upper95'].max():,.0f})."
        )
    return text


def describe_deprivation(
    correlation: pd.Series, ratio: pd.Series, by_decile: pd.DataFrame | None = None
) -> list[str]:
    """Sentences on deprivation and crime (index and domain named; significance only where tested).

    ``by_decile`` (the assessment's rates by decile) says which index the deciles come from and
    how many LSOAs, with how much crime, have no decile; every LSOA with crime is in the analysis
    or the sentence says what is left out.
    """
    out = [narrative.describe_correlation(correlation), narrative.describe_deprivation_ratio(ratio)]
    attrs = by_decile.attrs if by_decile is not None else {}
    index = attrs.get("deprivation_index", "the Indices of Deprivation")
    left_out = int(attrs.get("lsoas_without_decile", correlation["n_excluded"]))
    if left_out:
        crimes = attrs.get("count_without_decile")
        amount = f", with {int(crimes):,} crimes," if crimes is not None else ""
        out.append(f"{left_out} neighbourhoods{amount} are left out: {index} gives them no decile.")
    else:
        out.append(f"Every neighbourhood of the district is in this analysis ({index}).")
    return out


def describe_deciles(by_decile: pd.DataFrame, *, domain: str) -> str:
    """Alt text for the rate-by-decile chart (from :func:`sna.assessment.disclosure.hide_rates`)."""

    def lsoas(row: pd.Series) -> str:
        n = int(row["n_lsoas"]) if "n_lsoas" in row else None
        return "" if n is None else f" ({n} LSOA{'s' if n != 1 else ''})"

    parts = [
        f"decile {d}{lsoas(row)}: "
        f"{'suppressed' if row['suppressed'] else format(row['value'], '.1f')}"
        for d, row in by_decile.iterrows()
        if row["suppressed"] or not pd.isna(row["value"])
    ]
    return (
        f"Bar chart of crime rate per 1,000 residents a year by {domain} deprivation decile: "
        f"{'; '.join(parts)}. Deciles with few LSOAs have wide intervals."
    )


def trend_caveat(a: DistrictAssessment) -> str | None:
    """Why the years behind a trend are not fully comparable, when they are not.

    The share of police.uk rows with no location (not counted) and the population estimates
    used can both change between years; either moves a rate with no change in crime.
    """
    trend = a.trend.trend
    if pd.isna(trend["value"]):
        return None
    first, last = int(trend["first_year"]), int(trend["last_year"])
    parts = []
    shares = no_location_by_year(a.data.manifest)["share"]
    if first in shares.index and last in shares.index:
        before, after = float(shares[first]), float(shares[last])
        if abs(after - before) > 0.02:
            parts.append(
                f"the share of police.uk rows with no location, which cannot be counted, went "
                f"from {before:.1%} in {first} to {after:.1%} in {last}"
            )
    pops = a.data.populations
    sources = pops[(pops["area_name"] == a.district.name) & pops["year"].between(first, last)]
    if len(set(sources["source"])) > 1:
        parts.append(
            "the populations come from different estimates ("
            + "; ".join(sorted(sources["source"].unique()))
            + ")"
        )
    if not parts:
        return None
    return (
        f"Read this trend with care: {' and '.join(parts)}, which moves the rate with no change "
        "in crime."
    )


def describe_season(season: pd.DataFrame, *, area: str) -> str:
    """Alt text for the seasonal profile chart."""
    parts = [f"{calendar.month_abbr[int(m)]} {row['value']:.2f}" for m, row in season.iterrows()]
    return (
        f"Bar chart of recorded crime in {area} by calendar month, relative to an average month "
        f"(1 = average), allowing for the trend: {'; '.join(parts)}."
    )


def monthly_hidden_note(threshold: int) -> str:
    """Why the chart of crime per month and its forecast are left out."""
    return (
        f"The chart of recorded crime per month and its forecast are not shown: some month has "
        f"a count of 1 to {threshold}, or a year's total they add up to is suppressed."
    )


def describe_heatmap(h: Heatmap) -> str:
    """Alt text for a heat-map: each district's monthly averages by year."""
    parts = []
    for district, row in h.average.iterrows():
        cells = [
            f"{y}: {'suppressed' if h.hidden.loc[district, y] else format(v, ',.1f')}"
            for y, v in row.items()
        ]
        parts.append(f"{district} ({', '.join(cells)})")
    months = "; ".join(f"{y}: {m}" for y, m in h.months.items())
    return (
        f"Heat-map of {h.group.lower()}, seasonally adjusted crimes per month by district and "
        f"year (months with data: {months}): " + "; ".join(parts) + "."
    )


def district_links(config: Config) -> list[tuple[str, str]]:
    """Links from the overview to the district reports of the same year (relative URLs)."""
    return [(f"{d.name} ({d.code})", f"{d.slug}.html") for d in config.districts]


def as_date(value: dt.date | str | None) -> dt.date:
    """A report date from a notebook parameter: a date, ``"YYYY-MM-DD"`` or None (today, UTC).

    Examples
    --------
    >>> as_date("2026-01-01")
    datetime.date(2026, 1, 1)
    """
    if value is None:
        return dt.datetime.now(dt.UTC).date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)
