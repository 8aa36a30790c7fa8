"""The outcomes section of a district report: what happened to the year's crimes, with its caveat.

Everything is read from :class:`sna.assessment.outcomes.Outcomes` (``a.outcomes``): the table of
outcome groups by crime type, the share charged or summonsed against the benchmark, a chart of
that share, and the caveat that police.uk outcomes are updated after publication.
"""

from __future__ import annotations

import pandas as pd

from sna.assessment.district import DistrictAssessment
from sna.assessment.figures import ALL_CRIME
from sna.assessment.outcomes import RECENT_MONTHS, Outcomes
from sna.data.manifest import format_months
from sna.report import charts, words
from sna.report.display import show_figure, show_note, show_table, show_text
from sna.report.tables import MARKER, MISSING, suppression_note
from sna.stats.outcomes import CHARGED, OUTCOME_GROUPS, UNDER_INVESTIGATION

__all__ = [
    "charged_table",
    "describe_charged",
    "grouping_note",
    "outcome_caveat",
    "outcomes_table",
    "show_outcomes",
]

_COMPARE = {"higher": "Higher", "similar": "Similar", "lower": "Lower", "not compared": MISSING}


def _percent(value: float, *, decimals: int = 1) -> str:
    """A fraction as a percentage: ``0.047 -> "4.7%"``; "[x]" when missing."""
    if pd.isna(value):
        return MISSING
    return f"{100 * value:.{decimals}f}%"


def outcome_caveat(o: Outcomes, *, area: str, threshold: int) -> str:
    """The caveat every outcomes table needs: outcomes change after publication.

    Says how many months of the reporting year are recent (within :data:`RECENT_MONTHS` of the
    latest month of police.uk data) and, from the data, how the share still under
    investigation differs between the year's first and last months.

    Examples
    --------
    >>> import pandas as pd
    >>> ms = tuple(pd.Period(f"2024-0{m}", "M") for m in (1, 2))
    >>> ui = pd.DataFrame({"count": [20, 60], "denominator": [100, 100], "value": [0.2, 0.6]},
    ...                   index=pd.PeriodIndex(ms))
    >>> o = Outcomes(counts=None, hidden=None, totals_hidden=None, shares=None, benchmark="B",
    ...              months=ms, latest=pd.Period("2024-02", "M"), recent=ms,
    ...              under_investigation=ui, unlisted=())
    >>> print(outcome_caveat(o, area="Oxford", threshold=4))  # doctest: +ELLIPSIS
    Outcomes change after publication. ... Both months of 2024 with data (January to February) are within 6 months of the latest month in these files (February 2024). In Oxford, 20.0% of the crimes recorded in January 2024 were still under investigation, against 60.0% of those recorded in February 2024. ...
    """
    text = (
        "Outcomes change after publication. police.uk gives each crime's latest outcome at the "
        "time its month was published, and many investigations take months: crimes recorded "
        "recently are more often shown as under investigation, and fewer have yet reached a "
        "charge. These shares will change as outcomes are updated. Each month's file shows "
        "outcomes as they stood when it was downloaded."
    )
    if o.months:
        year = o.months[0].year
        n, m = len(o.recent), len(o.months)
        latest = o.latest.strftime("%B %Y") if o.latest is not None else "not known"
        if n == 0:
            how_many = f"None of the {m} months of {year} with data is"
        elif n == m:
            how_many = "Both months" if m == 2 else f"All {m} months"
            how_many += f" of {year} with data ({format_months(o.recent, 'span')}) are"
        else:
            verb = "is" if n == 1 else "are"
            how_many = (
                f"{n} of the {m} months of {year} with data "
                f"({format_months(o.recent, 'span')}) {verb}"
            )
        text += (
            f" {how_many} within {RECENT_MONTHS} months of the latest month in these files "
            f"({latest})."
        )
        text += _under_investigation(o, area=area, threshold=threshold)
    return text + " Compare months and years with care."


def _under_investigation(o: Outcomes, *, area: str, threshold: int) -> str:
    ui = o.under_investigation
    if ui.empty or ui["denominator"].sum() == 0:
        return ""
    if (ui["count"] == 0).all():
        return (
            f" None of {area}'s crimes of this year is shown as {UNDER_INVESTIGATION.lower()} "
            "in these files; crimes whose status was not updated are counted as "
            f"'{list(OUTCOME_GROUPS)[-1]}'."
        )
    small = ((ui["count"] >= 1) & (ui["count"] <= threshold)).any()
    if small or len(ui) < 2:
        return ""
    first, last = ui.index[0], ui.index[-1]
    return (
        f" In {area}, {_percent(ui.loc[first, 'value'])} of the crimes recorded in "
        f"{first.strftime('%B %Y')} were still under investigation, against "
        f"{_percent(ui.loc[last, 'value'])} of those recorded in {last.strftime('%B %Y')}."
    )


def grouping_note() -> str:
    """What each outcome group holds, in police.uk's own words, for a table's footnote.

    Examples
    --------
    >>> grouping_note().split(". ")[0]  # doctest: +ELLIPSIS
    'Outcome groups (police.uk "Last outcome category"): Charged or summonsed = Awaiting court outcome, ...'
    """
    parts = []
    for group, members in OUTCOME_GROUPS.items():
        named = [m for m in members if m] + (["no outcome given"] if "" in members else [])
        if group == CHARGED:  # the court results are many: name the common ones
            named = [*named[:3], "a court result (sentence, fine, discharge, not guilty, ...)"]
        parts.append(f"{group} = {', '.join(named)}")
    return (
        'Outcome groups (police.uk "Last outcome category"): '
        + "; ".join(parts)
        + ". An outcome category not listed is counted as other. Anti-social behaviour has no "
        "outcomes and is not included."
    )


def outcomes_table(o: Outcomes) -> pd.DataFrame:
    """Crime types by outcome group as published: "count (share%)", "[c]" where hidden.

    A group with no crimes of the year (in the all-crime row) is left out; zeros reveal nothing.

    Parameters
    ----------
    o
        The district's outcomes (``a.outcomes``).
    """
    out = pd.DataFrame(index=o.counts.index)
    totals = o.counts.sum(axis=1)
    out["Crimes"] = [
        MARKER if h else f"{int(t):,}" for t, h in zip(totals, o.totals_hidden, strict=True)
    ]
    for group in o.counts.columns:
        shares = o.shares.xs(group, level="outcome_group")
        cells = []
        for row in o.counts.index:
            count, share = o.counts.loc[row, group], shares.loc[row]
            if share["hidden"]:
                cells.append(MARKER)
            elif pd.isna(share["value"]):
                cells.append(f"{int(count):,}")
            else:
                cells.append(f"{int(count):,} ({_percent(share['value'])})")
        out[group] = cells
    empty = [g for g in o.counts.columns if o.counts.loc[ALL_CRIME, g] == 0]
    out = out.drop(columns=empty)  # a group no crime of the year is in carries nothing
    out.index.name = "Crime type"
    return out


def charged_table(o: Outcomes) -> pd.DataFrame:
    """The share charged or summonsed by crime type, with its 95% CI, against the benchmark.

    Parameters
    ----------
    o
        The district's outcomes (``a.outcomes``).
    """
    s = o.shares.xs(CHARGED, level="outcome_group")
    out = pd.DataFrame(index=s.index)
    out["Crimes"] = [
        MARKER if h else f"{int(t):,}"
        for t, h in zip(s["denominator"], o.totals_hidden, strict=True)
    ]
    out[CHARGED] = [
        MARKER if h else f"{int(c):,}" for c, h in zip(s["count"], s["hidden"], strict=True)
    ]
    out["Share"] = [
        MARKER if h else _percent(v) for v, h in zip(s["value"], s["hidden"], strict=True)
    ]
    out["95% confidence interval"] = [
        MARKER if h else _interval(lo, up)
        for lo, up, h in zip(s["lower95"], s["upper95"], s["hidden"], strict=True)
    ]
    out[f"{o.benchmark} share"] = [
        MARKER if h else _percent(v)
        for v, h in zip(s["benchmark_value"], s["benchmark_hidden"], strict=True)
    ]
    out[f"Compared with {o.benchmark}"] = [
        MARKER if h or hb else _COMPARE.get(c, c)
        for c, h, hb in zip(s["compare95"], s["hidden"], s["benchmark_hidden"], strict=True)
    ]
    out.index.name = "Crime type"
    return out


def _empty_note(o: Outcomes) -> str:
    """Names the groups left out of the table because no crime of the year is in them."""
    empty = [g for g in o.counts.columns if o.counts.loc[ALL_CRIME, g] == 0]
    if not empty:
        return ""
    return " No crime of the year is in " + " or ".join(f"'{g}'" for g in empty) + "."


def _interval(lower: float, upper: float) -> str:
    if pd.isna(lower) or pd.isna(upper):
        return MISSING
    return f"{_percent(lower)} to {_percent(upper)}"


def describe_charged(o: Outcomes, *, area: str, period: str) -> str:
    """One sentence: the share of all crime charged or summonsed, against the benchmark."""
    row = o.shares.loc[(ALL_CRIME, CHARGED)]
    if row["hidden"] or pd.isna(row["value"]):
        return f"The share of {area}'s crimes charged or summonsed cannot be shown for {period}."
    text = (
        f"Of the {int(row['denominator']):,} crimes recorded in {area} in {period}, "
        f"{int(row['count']):,} ({_percent(row['value'])}; 95% confidence interval "
        f"{_interval(row['lower95'], row['upper95'])}) had led to a charge or summons by the time "
        "the data were published"
    )
    if row["benchmark_hidden"] or pd.isna(row["benchmark_value"]):
        return text + "."
    bench = _percent(row["benchmark_value"])
    how = {
        "higher": f"higher than {o.benchmark}'s {bench}",
        "lower": f"lower than {o.benchmark}'s {bench}",
        "similar": f"similar to {o.benchmark}'s {bench}",
    }.get(row["compare95"])
    return text + (f", {how}." if how else ".")


def show_outcomes(a: DistrictAssessment) -> None:
    """What happened to the year's crimes: outcome groups by crime type, charges, and the caveat."""
    o = a.outcomes
    name = a.district.name
    if o is None:
        show_note(
            "Outcomes are not available: the prepared data have none. Run sna prepare again.",
            kind="info",
        )
        return
    period = words.period_label(a.coverage)
    show_note(outcome_caveat(o, area=name, threshold=a.threshold), kind="warning")
    show_text(describe_charged(o, area=name, period=period))
    show_table(
        outcomes_table(o),
        caption=(
            f"{name}: outcomes of crimes recorded in {period}, by crime type (number of crimes "
            "and share of the crime type's crimes)"
        ),
        notes=f"{grouping_note()}{_empty_note(o)} {suppression_note(a.threshold)}",
    )
    charged = o.shares.xs(CHARGED, level="outcome_group")
    show_table(
        charged_table(o),
        caption=(
            f"{name}: crimes charged or summonsed in {period}, by crime type, compared with "
            f"{o.benchmark}"
        ),
        notes=(
            "Share: crimes charged or summonsed as a percentage of the crime type's crimes; "
            "95% confidence interval by Wilson's method. Higher or lower: the benchmark share "
            "lies outside the district's interval. " + suppression_note(a.threshold)
        ),
    )
    types = charged.drop(index=ALL_CRIME)
    show_figure(
        charts.share_bars(
            types,
            title=f"{name}: share of crimes charged or summonsed by crime type, {a.year}",
            xlabel="Charged or summonsed, % of crimes (bars: 95% confidence interval)",
            benchmark=o.benchmark,
            hidden=types["hidden"],
            benchmark_hidden=types["benchmark_hidden"],
        ),
        alt=_describe_chart(types, area=name, benchmark=o.benchmark),
    )


def _describe_chart(types: pd.DataFrame, *, area: str, benchmark: str) -> str:
    """Alt text of the chart: the shares in words, hidden ones named as suppressed."""
    parts = []
    for crime_type, row in types.iterrows():
        if row["hidden"]:
            parts.append(f"{crime_type}: suppressed")
        elif pd.isna(row["value"]):
            parts.append(f"{crime_type}: no crimes")
        else:
            bench = (
                ""
                if row["benchmark_hidden"]
                else f" ({benchmark} {_percent(row['benchmark_value'])})"
            )
            parts.append(f"{crime_type}: {_percent(row['value'])}{bench}")
    return (
        f"Bar chart of the share of {area}'s crimes charged or summonsed, by crime type, with "
        f"95% confidence intervals and {benchmark}'s share marked. " + "; ".join(parts) + "."
    )
