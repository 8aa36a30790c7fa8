"""The sections of a district report, one function each, shown from a :class:`DistrictAssessment`.

A district notebook reads like its table of contents: each code cell calls one of these with the
assessment computed once by :func:`sna.assessment.district.assess_district`. Every table, chart,
caption and sentence of a section is made here from that one set of figures and masks.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from sna.assessment.district import DistrictAssessment
from sna.report import charts, maps, narrative, provenance, tables, words
from sna.report.display import (
    show_figure,
    show_findings,
    show_heading,
    show_list,
    show_note,
    show_table,
    show_text,
)
from sna.report.outcomes import show_outcomes
from sna.report.partners import show_partner_data
from sna.report.peers import show_peers
from sna.report.priorities import show_priorities
from sna.report.scope import show_scope

__all__ = [
    "show_all_crime",
    "show_change",
    "show_crime_groups",
    "show_crime_types",
    "show_data_quality",
    "show_deprivation",
    "show_deprived_hotspots",
    "show_hotspots",
    "show_key_findings",
    "show_map",
    "show_monthly_trend",
    "show_outcomes",
    "show_partner_data",
    "show_peers",
    "show_persistent_hotspots",
    "show_priorities",
    "show_provenance",
    "show_scope",
    "show_title",
    "show_trend",
]


def _and_change(a: DistrictAssessment) -> str:
    """The end of a change table's caption, e.g. " and change on 2024".

    "on 2024" only for whole years; nothing when the two years share no month (the table then
    has no change columns).
    """
    if not a.compared.months_compared:
        return ""
    return f" and change {words.comparison_phrase(a.compared)}"


def _notes(a: DistrictAssessment, table: pd.DataFrame, *more: str) -> str:
    """A count table's footnote: only the symbols it shows, the population and months covered."""
    return " ".join([words.table_notes(a.data, a.coverage, table=table), *filter(None, more)])


def _period(a: DistrictAssessment) -> str:
    return words.period_label(a.coverage)


def _change_table(
    a: DistrictAssessment, frame: pd.DataFrame, hidden: pd.DataFrame, label: str = "Crime type"
) -> pd.DataFrame:
    return tables.change_table(
        frame,
        hidden=hidden,
        year=a.year,
        previous_year=a.year - 1,
        months=words.months_label(a.compared),
        label=label,
    )


def show_title(a: DistrictAssessment, report_date: dt.date | str | None = None) -> None:
    """The title, the line under it and the coverage note.

    Parameters
    ----------
    a
        The district's figures.
    report_date
        The date the report is produced (a date or ``"YYYY-MM-DD"``); default today.
    """
    show_heading(f"{a.district.name}: crime and disorder in {a.year}")
    show_text(words.report_subtitle(a, words.as_date(report_date)))
    show_note(words.coverage_note(a.coverage), kind="info" if a.coverage.complete else "warning")


def show_key_findings(a: DistrictAssessment) -> None:
    """The key findings, as a list of sentences."""
    coverage = words.coverage_note(a.coverage)  # shown once, under the title
    show_findings([s for s in words.key_findings(a) if s != coverage])


def show_all_crime(a: DistrictAssessment) -> None:
    """All crime: every district against the benchmark, as a table and a chart of rates."""
    period = _period(a)
    table = tables.overview_table(a.overview, hidden=a.overview_hidden, benchmark=a.benchmark)
    show_table(
        table,
        caption=(
            f"Recorded crime by district, {period}: count, rate per 1,000 residents a year and "
            f"comparison with {a.benchmark}"
        ),
        notes=_notes(a, table, words.benchmark_note(a.benchmark)),
    )
    show_figure(
        charts.rate_bars(
            a.overview,
            benchmark=a.benchmark,
            title=f"Crime rate per 1,000 residents a year by district, {period}",
            hidden=a.overview_hidden,
        ),
        alt=words.describe_rates(
            a.overview, benchmark=a.benchmark, period=period, hidden=a.overview_hidden
        ),
    )


def show_change(a: DistrictAssessment) -> None:
    """What was compared with the previous year, and the crime-group table with the change."""
    show_note(
        words.comparison_note(a.compared), kind="info" if a.compared.like_for_like else "warning"
    )
    table = _change_table(a, a.groups, a.hidden.groups, label="Crime group")
    show_table(
        table,
        caption=f"{a.district.name}: crime groups in {_period(a)}{_and_change(a)}",
        notes=_notes(a, table, tables.change_note(a.groups)),
    )
    warning = provenance.location_share_warning(a.data.manifest, a.year, a.year - 1)
    if warning and a.compared.months_compared:
        show_note(warning, kind="warning")


def show_crime_types(a: DistrictAssessment) -> None:
    """All fourteen police.uk crime types with the change on the previous year."""
    table = _change_table(a, a.types, a.hidden.types)
    no_change = "" if a.compared.months_compared else words.comparison_note(a.compared)
    show_table(
        table,
        caption=f"{a.district.name}: crime types in {_period(a)}{_and_change(a)}",
        notes=_notes(a, table, tables.change_note(a.types), no_change),
    )


def show_crime_groups(a: DistrictAssessment) -> None:
    """Each configured crime group, with its crime types."""
    for group, crime_types in a.data.config.crime_groups.items():
        show_heading(group, level=3)
        table = _change_table(a, a.types.loc[list(crime_types)], a.hidden.types)
        show_table(
            table,
            caption=f"{a.district.name}: {group.lower()} by crime type, {_period(a)}",
            notes=tables.symbol_note(table, a.threshold),
        )


def show_monthly_trend(a: DistrictAssessment) -> None:
    """Recorded crime per month with its forecast, the forecast in words and its method.

    Left out, with a note, when a month has a small count or a year's total is suppressed.
    """
    name = a.district.name
    if a.monthly_hidden:
        show_note(words.monthly_hidden_note(a.threshold), kind="info")
        return
    show_figure(
        charts.monthly_trend(
            a.monthly, forecast=a.forecast, title=f"{name}: recorded crime per month, with forecast"
        ),
        alt=words.describe_monthly(a.monthly, a.forecast, area=name),
    )
    show_text(narrative.describe_forecast(name, "Recorded crime", a.forecast))
    show_text(f"Forecast method: {a.forecast['method'].iloc[0]}")


def show_trend(a: DistrictAssessment) -> None:
    """The trend over the years with data, allowing for season, and the seasonal profile."""
    name = a.district.name
    if a.monthly_hidden:
        show_note(words.monthly_hidden_note(a.threshold), kind="info")
        return
    show_text(narrative.describe_seasonal_trend(name, "Recorded crime", a.trend.trend))
    caveat = words.trend_caveat(a)
    if caveat:
        show_note(caveat, kind="warning")
    if not a.trend.season.empty:
        show_figure(
            charts.seasonal_profile(
                a.trend.season, title=f"{name}: recorded crime by calendar month"
            ),
            alt=words.describe_season(a.trend.season, area=name),
        )
        show_text(f"Method: {a.trend.trend['method']}.")


def show_deprivation(a: DistrictAssessment) -> None:
    """Deprivation and crime: correlation and rate ratio in words, and rates by decile."""
    show_list(words.describe_deprivation(a.correlation, a.ratio, a.by_decile))
    show_figure(
        charts.deprivation_bars(
            a.by_decile,
            domain=a.domain,
            title=f"{a.district.name}: crime rate by {a.domain} deprivation decile, {a.year}",
        ),
        alt=words.describe_deciles(a.by_decile, domain=a.domain),
    )


_EMPTY_DEPRIVED_HOTSPOTS = "No neighbourhood is both: the table is empty."


def show_deprived_hotspots(a: DistrictAssessment) -> None:
    """Neighbourhoods that are both high-crime and highly deprived."""
    table = tables.top_areas_table(a.deprived_hotspots, hidden=a.deprived_hidden)
    show_table(
        table,
        caption=(
            f"{a.district.name}: neighbourhoods in the top 10% by crime rate that are also among "
            f"the 20% most deprived in England ({a.domain} domain, "
            f"{a.by_decile.attrs.get('deprivation_index', 'Indices of Deprivation')})"
        ),
        notes=_EMPTY_DEPRIVED_HOTSPOTS if table.empty else tables.symbol_note(table, a.threshold),
    )


def show_hotspots(a: DistrictAssessment) -> None:
    """How concentrated crime is, and the ten neighbourhoods with most crime."""
    show_text(narrative.describe_concentration(a.district.name, a.concentration))
    table = tables.top_areas_table(a.top, hidden=a.top_hidden)
    show_table(
        table,
        caption=(
            f"{a.district.name}: the 10 neighbourhoods with most recorded crime, {_period(a)}"
        ),
        notes=tables.symbol_note(table, a.threshold),
    )


def show_map(a: DistrictAssessment) -> None:
    """A map of the district's neighbourhoods shaded by crime rate, small counts hatched grey."""
    period = _period(a)
    show_figure(
        maps.choropleth(
            a.map_rates,
            a.map_shapes,
            hidden=a.map_hidden,
            title=f"{a.district.name}: crime rate by neighbourhood (LSOA), {period}",
        ),
        alt=maps.describe_map(
            a.map_rates, hidden=a.map_hidden, area=a.district.name, period=period
        ),
    )
    show_text(maps.map_note(a.map_rates, a.map_shapes, hidden=a.map_hidden, threshold=a.threshold))


def show_persistent_hotspots(a: DistrictAssessment) -> None:
    """Neighbourhoods in the top 10% in every year with data."""
    show_table(
        tables.persistent_table(a.persistent),
        caption=(
            f"{a.district.name}: persistent hotspots (in the top 10% of neighbourhoods by crime "
            "in every year with data)"
        ),
        index=True,
    )


def show_provenance(a: DistrictAssessment) -> None:
    """Input files, the report's parameters and software versions."""
    provenance.show_sources(a.data, district=a.district.name, year=a.year)


def show_data_quality(a: DistrictAssessment) -> None:
    """Months present in each year and the row accounting of the reporting year's files."""
    provenance.show_data_quality(a.data, a.year)
