"""The sections of the area overview, one function each, shown from an :class:`AreaAssessment`."""

from __future__ import annotations

import datetime as dt

from sna.assessment.area import AreaAssessment
from sna.report import charts, provenance, tables, words
from sna.report.display import (
    show_figure,
    show_findings,
    show_heading,
    show_links,
    show_note,
    show_table,
    show_text,
)
from sna.report.partners import show_partner_overview
from sna.report.priorities import show_executive_summary
from sna.report.scope import show_scope

__all__ = [
    "show_district_links",
    "show_districts",
    "show_executive_summary",
    "show_funnel",
    "show_heatmaps",
    "show_partner_overview",
    "show_provenance",
    "show_scope",
    "show_title",
]


def show_title(o: AreaAssessment, report_date: dt.date | str | None = None) -> None:
    """The title, the line under it and the coverage note.

    Parameters
    ----------
    o
        The area's figures.
    report_date
        The date the report is produced (a date or ``"YYYY-MM-DD"``); default today.
    """
    config = o.data.config
    show_heading(f"{config.area_name}: crime and disorder by district, {o.year}")
    show_text(words.overview_subtitle(config, words.as_date(report_date)))
    show_note(words.coverage_note(o.coverage), kind="info" if o.coverage.complete else "warning")


def show_districts(o: AreaAssessment) -> None:
    """Key findings and the districts side by side against the benchmark."""
    coverage = words.coverage_note(o.coverage)  # shown once, under the title
    show_findings([s for s in words.overview_findings(o) if s != coverage])
    table = tables.overview_table(o.overview, hidden=o.overview_hidden, benchmark=o.benchmark)
    show_table(
        table,
        caption=f"Recorded crime by district, {words.period_label(o.coverage)}",
        notes=words.table_notes(o.data, o.coverage, table=table)
        + " "
        + words.benchmark_note(o.benchmark),
    )


def show_funnel(o: AreaAssessment) -> None:
    """Funnel plot of each district's rate against its population."""
    show_figure(
        charts.funnel_plot(
            o.overview.drop(index=o.benchmark),
            o.funnel,
            benchmark_rate=o.overview.loc[o.benchmark, "value"],
            title=f"Crime rate per 1,000 residents a year against population, {o.year}",
            hidden=o.overview_hidden,
            benchmark_hidden=bool(o.overview_hidden[o.benchmark]),
        ),
        alt=words.describe_funnel(o)
        if not o.overview_hidden[o.benchmark]
        else words.describe_rates(
            o.overview,
            benchmark=o.benchmark,
            period=words.period_label(o.coverage),
            hidden=o.overview_hidden,
        ),
    )
    if not o.overview_hidden.any():
        show_text(words.describe_variation(o))


def show_heatmaps(o: AreaAssessment) -> None:
    """One district x year heat-map per crime group, small counts hidden."""
    for h in o.heatmaps:
        labels = {y: f"{y}\n({months})" for y, months in h.months.items()}
        show_figure(
            charts.heatmap(
                h.average.rename(columns=labels),
                suppressed=h.hidden.rename(columns=labels),
                title=f"{h.group}: seasonally adjusted crimes per month, by district and year",
                cbar_label="Crimes per month (seasonally adjusted)",
            ),
            alt=words.describe_heatmap(h),
        )
    if o.heatmaps:
        show_text(f"Method: {o.heatmaps[0].method}; months with data under each year.")
        years = list(o.heatmaps[0].months)
        warning = provenance.location_share_warning(o.data.manifest, years[-1], years[0])
        if len(years) > 1 and warning:
            show_note(warning, kind="warning")


def show_district_links(o: AreaAssessment) -> None:
    """Links to the district reports of the same year."""
    show_links(words.district_links(o.data.config))


def show_provenance(o: AreaAssessment) -> None:
    """Data quality, input files, the report's parameters and software versions."""
    provenance.show_data_quality(
        o.data, o.year, rows_caption=f"Rows of the {o.year} police.uk files"
    )
    provenance.show_sources(o.data, year=o.year)
