"""Partner data sections of the reports: figures as published, intervals, trends and warnings.

:func:`show_partner_data` is the district report's section, :func:`show_partner_overview` the
area overview's. Both only format :mod:`sna.assessment.partners` figures: a hidden count is "[c]"
everywhere it would appear (its published percentage, share, rate and the numbers of its
warning, and of any warning whose numbers are worked out from it, such as an area total's sum of
the districts), and every data-quality warning is shown in the row of the figure it concerns.
"""

from __future__ import annotations

import pandas as pd

from sna.assessment.area import AreaAssessment
from sna.assessment.district import DistrictAssessment
from sna.assessment.partners import WITHHELD, PartnerHeatmap, RecordedCrime
from sna.data.manifest import format_months
from sna.report import charts, tables
from sna.report.display import show_figure, show_list, show_note, show_table, show_text

__all__ = [
    "RECORDED_CRIME_REASONS",
    "figure_table",
    "recorded_crime_table",
    "show_partner_data",
    "show_partner_overview",
    "trend_table",
    "warning_table",
]

RECORDED_CRIME_REASONS = (
    (
        "Counting rules: valid crimes are counted by the force under the Home Office Counting Rules "
        "on its own recording system; police.uk publishes a separate extract of street-level records."
    ),
    (
        "Location: police.uk places each crime at an anonymised point near where it happened, so "
        "a crime near a boundary can fall in the neighbouring district; crimes with no location "
        "cannot be placed in any district and are left out of the police.uk counts here."
    ),
    (
        "Timing: each police.uk month is an extract taken when it was published, while the "
        "force's yearly figure takes in later changes: crimes reclassified to another type, "
        "transferred to another force, or cancelled as no crime."
    ),
    (
        "Coverage: some offences are not on police.uk street files at all (for example fraud, "
        "recorded nationally by Action Fraud), and police.uk months missing from our files are "
        "estimated here by scaling up the months we have."
    ),
)
"""Why published valid crimes and police.uk street-level counts differ, in plain words."""

_WITHHELD = WITHHELD
"""Warnings of a hidden figure, without the numbers that would give its count away."""


def _sources(frame: pd.DataFrame) -> dict[str, int]:
    return {s: i for i, s in enumerate(dict.fromkeys(frame["source"]), start=1)}


def _source_note(sources: dict[str, int]) -> str:
    return "Sources: " + "; ".join(f"[{i}] {s}" for s, i in sources.items()) + "."


def _per(per: float) -> str:
    return "per head" if per == 1 else f"per {per:,g}"


def _estimate(row: pd.Series) -> str:
    if row["hidden"]:
        return tables.MARKER
    if pd.notna(row["share"]):
        share = f"{row['share']:.1f}% of {row['share_base']:,.0f}"
        return f"{share} ({tables.interval(row['share_lower95'], row['share_upper95'])})"
    if pd.notna(row["rate"]):
        rate = f"{row['rate']:,.1f} per 1,000 a year"
        return f"{rate} ({tables.interval(row['rate_lower95'], row['rate_upper95'])})"
    return ""


def _warnings(row: pd.Series, checks: pd.DataFrame) -> str:
    mine = checks[(checks["file"] == row["file"]) & (checks["row"] == row["row"])]
    if mine.empty:
        return ""
    secret = mine["hidden"].astype(bool) if "hidden" in mine else pd.Series(False, mine.index)
    secret = secret | bool(row["hidden"])
    return "; ".join(
        dict.fromkeys(
            _WITHHELD.get(k, "see the checks") if hide else message
            for k, message, hide in zip(mine["kind"], mine["message"], secret, strict=True)
        )
    )


def figure_table(figures: pd.DataFrame, checks: pd.DataFrame) -> pd.DataFrame:
    """Partner figures as published, with their intervals, sources and warnings, as text.

    Parameters
    ----------
    figures
        :attr:`DistrictPartners.figures <sna.assessment.partners.DistrictPartners.figures>`
        (estimates and ``hidden``).
    checks
        Their data-quality warnings.

    Returns
    -------
    pandas.DataFrame
        One row per figure: indicator (with category), area, period, count, denominator,
        published percentage, share or rate with its 95% confidence interval, source number and
        warning; hidden figures shown as "[c]".
    """
    sources = _sources(figures)
    rows = []
    for _, row in figures.iterrows():
        hidden = bool(row["hidden"])
        name = row["indicator"] + (f": {row['category']}" if row["category"] else "")
        published = row["published_percent"] or (
            f"{row['published_rate']} {_per(row['rate_per'])}" if row["published_rate"] else ""
        )
        rows.append(
            {
                "Indicator": name,
                "Area": row["area_name"],
                "Period": row["period"],
                "Count": "" if pd.isna(row["count"]) else tables.format_count(row["count"], hidden),
                "Denominator": ""
                if pd.isna(row["denominator"])
                else tables.format_count(row["denominator"]),
                "Published": tables.MARKER if hidden and published else published,
                "Share or rate (95% confidence interval)": _estimate(row),
                "Source": f"[{sources[row['source']]}]",
                "Note": row["note"],
                "Data-quality warning": _warnings(row, checks),
            }
        )
    return pd.DataFrame(rows)


def trend_table(trends: pd.DataFrame) -> pd.DataFrame:
    """Trends of partner indicators as text: years, counts and average change a year."""
    rows = []
    for _, t in trends.iterrows():
        if pd.isna(t["value"]):
            verdict = "No trend estimated"
        elif t["significant"]:
            verdict = "Rising (significant)" if t["value"] > 0 else "Falling (significant)"
        else:
            verdict = "No significant trend"
        rows.append(
            {
                "Indicator": t["indicator"],
                "Area": t["area_name"],
                "Years": f"{t['first_year']} to {t['last_year']} ({t['n_years']} years)",
                "First and last count": f"{t['first_count']:,} to {t['last_count']:,}",
                "Average change a year (95% CI)": (
                    f"{t['value']:+.1f}% ({tables.interval(t['lower95'], t['upper95'])}%)"
                    if pd.notna(t["value"])
                    else tables.MISSING
                ),
                "p-value": f"{t['p_value']:.3f}" if pd.notna(t["p_value"]) else tables.MISSING,
                "Trend": verdict,
            }
        )
    return pd.DataFrame(rows)


def warning_table(checks: pd.DataFrame) -> pd.DataFrame:
    """Every data-quality warning: file, row, figure and what does not add up.

    A warning of a hidden figure (``hidden``) is worded without its numbers.
    """
    hidden = checks["hidden"] if "hidden" in checks else pd.Series(False, index=checks.index)
    return pd.DataFrame(
        {
            "File": checks["file"],
            "Row": checks["row"].astype(str),
            "Figure": [
                ", ".join(
                    p for p in (r["indicator"], r["category"], r["area_name"], r["period"]) if p
                )
                for _, r in checks.iterrows()
            ],
            "Warning": [
                _WITHHELD.get(kind, "see the checks") if secret else message
                for kind, message, secret in zip(
                    checks["kind"], checks["message"], hidden, strict=True
                )
            ],
        }
    )


def _show_heatmap(h: PartnerHeatmap) -> None:
    years = list(h.counts.columns)
    shown = [
        f"{area}: {tables.format_count(h.counts.loc[area, years[-1]], bool(h.hidden.loc[area, years[-1]]))}"
        for area in h.counts.index
    ]
    show_figure(
        charts.heatmap(
            h.counts,
            suppressed=h.hidden,
            title=f"{h.indicator} by district and year, as published",
            cbar_label=h.indicator,
        ),
        alt=(
            f"Heat-map of {h.indicator.lower()} by district and year, {years[0]} to {years[-1]}, "
            f"as published. In {years[-1]}: " + "; ".join(shown) + "."
        ),
    )
    show_text(f"Source: {h.source}.")


def _show_trends(trends: pd.DataFrame) -> None:
    if trends.empty:
        return
    show_table(
        trend_table(trends),
        caption="Partner indicators over the years: average change a year",
        index=False,
        notes=(
            "Average % change a year in the published counts, from a quasi-Poisson model of the "
            "yearly counts (no population offset); 95% confidence interval. Significant: p < 0.05."
        ),
    )


def show_partner_data(a: DistrictAssessment) -> None:
    """Partner figures for the district and the area, with intervals, trends and warnings."""
    p = a.partners
    config = a.data.config
    if p.year is None and not p.heatmaps and p.trends.empty:
        show_text(
            f"No partner figures were supplied for {a.district.name} or {config.area_name} "
            f"up to {a.year}."
        )
        return
    if p.year is not None:
        if p.year != a.year:
            show_note(
                f"No partner figures for {a.year} were supplied; the latest, for {p.year}, "
                "are shown.",
                kind="info",
            )
        if len(p.checks):
            show_note(
                f"{len(p.checks)} data-quality warning(s): some published figures below do not "
                "add up. They are shown exactly as published, with the warning beside each.",
                kind="warning",
            )
        table = figure_table(p.figures, p.checks)
        show_table(
            table,
            caption=f"Partner figures for {a.district.name} and {config.area_name}, {p.year}, "
            "as published",
            index=False,
            notes=" ".join(
                [
                    (
                        "Shares: Wilson 95% confidence interval; rates: per 1,000 residents a year, "
                        "PHE method. Figures are as published and have not been corrected."
                    ),
                    tables.suppression_note(a.threshold),
                    _source_note(_sources(p.figures)),
                ]
            ),
        )
    _show_trends(p.trends)
    for h in p.heatmaps:
        _show_heatmap(h)


def recorded_crime_table(rc: RecordedCrime) -> pd.DataFrame:
    """Published valid crimes against police.uk street-level crimes, as text."""
    months = format_months(rc.months, "ranges")
    rows = []
    for area, r in rc.table.iterrows():
        hidden = bool(r["hidden"])
        mine = rc.checks[rc.checks["area_name"] == area]
        secret = mine["hidden"] if "hidden" in mine else pd.Series(False, index=mine.index)
        warning = "; ".join(
            _WITHHELD.get(k, "see the checks") if hide or hidden else message
            for k, message, hide in zip(mine["kind"], mine["message"], secret, strict=True)
        )
        rows.append(
            {
                "Area": area,
                f"Valid crimes {rc.year} (published)": tables.format_count(
                    r["valid_crimes"], hidden
                ),
                f"police.uk crimes ({months})": tables.format_count(r["police_uk"], hidden),
                "police.uk, a year at that pace": tables.format_count(
                    r["police_uk_annual"], hidden
                ),
                "Difference": _signed(r["difference"], hidden),
                "Valid crimes per police.uk crime": tables.format_count(
                    r["ratio"], hidden, decimals=2
                ),
                "Data-quality warning": warning,
            }
        )
    return pd.DataFrame(rows)


def _signed(value: float, hidden: bool) -> str:
    if hidden:
        return tables.MARKER
    return tables.MISSING if pd.isna(value) else f"{value:+,.0f}"


def _show_recorded_crime(rc: RecordedCrime, area_name: str) -> None:
    n = len(rc.months)
    months = format_months(rc.months, "span")
    table = rc.table
    show_table(
        recorded_crime_table(rc),
        caption=f"Published valid crimes and police.uk street-level crimes by district, {rc.year}",
        index=False,
        notes=(
            f"police.uk: crimes (all types but anti-social behaviour) in the street files of "
            f"{months} {rc.year} ({n} of 12 months), and that count x 12 / {n}. "
            f"Published figures: {rc.source}."
        ),
    )
    total = table.loc[area_name] if area_name in table.index else None
    if total is not None and not total["hidden"] and pd.notna(total["ratio"]):
        show_text(
            f"Across {area_name}, the published valid crimes for {rc.year} are "
            f"{total['valid_crimes']:,.0f}; police.uk has {total['police_uk']:,.0f} crimes in "
            f"{n} months, about {total['police_uk_annual']:,.0f} over a year at the same pace. "
            "The two are counted differently, so they are not expected to agree:"
        )
    else:
        show_text("The two are counted differently, so they are not expected to agree:")
    show_list(RECORDED_CRIME_REASONS)
    if n < 12:
        show_note(
            f"police.uk has only {n} months of {rc.year} here; scaling them up to a year assumes "
            "the other months were like them (no allowance for the season).",
            kind="warning",
        )


def show_partner_overview(o: AreaAssessment) -> None:
    """Published valid crimes against police.uk, heat-maps, trends and every warning."""
    p = o.partners
    config = o.data.config
    if p.recorded_crime is None:
        show_text(
            f"No published valid crimes up to {o.year} with police.uk data for the same year "
            "were supplied, so the two cannot be compared."
        )
    else:
        _show_recorded_crime(p.recorded_crime, config.area_name)
    for h in p.heatmaps:
        _show_heatmap(h)
    _show_trends(p.trends)
    if len(p.checks):
        show_table(
            warning_table(p.checks),
            caption="Data-quality warnings of the partner data (all years)",
            index=False,
            notes=(
                "Where published figures do not add up. The figures are used as published; "
                "row numbers are as a spreadsheet shows them (the header is row 1)."
            ),
        )
