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
from sna.data.manifest import Coverage, format_months
from sna.data.processed import Processed
from sna.report import narrative
from sna.stats.benchmark import rank_areas
from sna.stats.change import LikeForLike
from sna.stats.suppression import suppression_note

__all__ = [
    "as_date",
    "comparison_note",
    "coverage_note",
    "describe_deciles",
    "describe_deprivation",
    "describe_heatmap",
    "describe_monthly",
    "describe_rates",
    "district_links",
    "key_findings",
    "monthly_hidden_note",
    "months_label",
    "overview_findings",
    "overview_subtitle",
    "period_label",
    "report_subtitle",
    "table_notes",
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
    verb = "is" if len(cover.missing) == 1 else "are"
    return (
        f"{len(cover.present)} of 12 months of {year} have police.uk data: "
        f"{format_months(cover.missing, 'names')} {year} {verb} missing, so totals for {year} are "
        "not full-year figures and comparisons with other years use the same months in both."
    )


def table_notes(data: Processed, cover: Coverage) -> str:
    """Footnote for count tables: suppression, population source and months covered."""
    year = cover.year
    pops = data.populations[data.populations["year"] == year]
    source = pops["source"].iloc[0] if len(pops) else "not available"
    months = (
        "all 12 months"
        if cover.complete
        else f"{len(cover.present)} of 12 months (missing: {format_months(cover.missing, 'iso')})"
    )
    return (
        f"{suppression_note(data.config.suppression_threshold)} Population: {source}. "
        f"Source: police.uk street-level crime, {months} of {year}."
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
    numbers = [list(calendar.month_name).index(m) for m in compared.months_compared]
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
    numbers = [list(calendar.month_name).index(m) for m in compared.months_compared]
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
            f"(95% confidence interval {row['lower95']:.1f} to {row['upper95']:.1f})."
        )
        if not a.overview_hidden[a.benchmark]:
            out.append(narrative.describe_benchmark(name, row, benchmark_name=a.benchmark))
        districts = a.overview.drop(index=a.benchmark)
        if not a.overview_hidden[districts.index].any():  # a rank names its neighbours' rates
            out.append(
                narrative.describe_rank(
                    name, rank_areas(districts["count"], districts["denominator"])
                )
            )
    if a.compared.months_compared:
        out.append(comparison_note(a.compared))
        hidden = a.hidden.groups
        for group, change in a.groups.iterrows():
            shown = not (hidden.loc[group, "before"] or hidden.loc[group, "after"])
            if shown and change["before"] > a.threshold and change["after"] > a.threshold:
                subject = "Recorded crime" if group == ALL_CRIME else str(group)
                out.append(
                    narrative.describe_change(name, subject, change, previous_label=str(year - 1))
                )
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
            out.append(narrative.describe_benchmark(str(name), row, benchmark_name=o.benchmark))
    if not hidden[districts.index].any():
        ranked = rank_areas(districts["count"], districts["denominator"])
        out.append(narrative.describe_rank(str(ranked.index[0]), ranked))
    return out


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
        f"Crime rate per 1,000 residents in {period} by district: {'; '.join(parts)}. "
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
    if len(forecast):
        text += (
            f" The forecast for the next {len(forecast)} months is around "
            f"{forecast['forecast'].mean():,.0f} a month (95% prediction interval "
            f"{forecast['lower95'].min():,.0f} to {forecast['upper95'].max():,.0f})."
        )
    return text


def describe_deprivation(correlation: pd.Series, ratio: pd.Series) -> list[str]:
    """Sentences on deprivation and crime (domain named; significance only where tested)."""
    out = [narrative.describe_correlation(correlation), narrative.describe_deprivation_ratio(ratio)]
    if correlation["n_excluded"]:
        out.append(
            f"{int(correlation['n_excluded'])} neighbourhoods are left out: their 2021 LSOA codes "
            "have no IoD2019 deprivation (published for 2011 LSOAs)."
        )
    return out


def describe_deciles(by_decile: pd.DataFrame, *, domain: str) -> str:
    """Alt text for the rate-by-decile chart (from :func:`sna.assessment.disclosure.hide_rates`)."""
    parts = [
        f"decile {d}: {'suppressed' if row['suppressed'] else format(row['value'], '.1f')}"
        for d, row in by_decile.iterrows()
        if row["suppressed"] or not pd.isna(row["value"])
    ]
    return (
        f"Bar chart of crime rate per 1,000 residents by {domain} deprivation decile: "
        f"{'; '.join(parts)}."
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
    return (
        f"Heat-map of {h.group.lower()}, average per month by district and year: "
        + "; ".join(parts)
        + "."
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
