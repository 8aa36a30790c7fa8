"""Published tables: figures from :mod:`sna.assessment.figures` with suppression and readable formatting.

Each function takes a table of figures and returns strings ready to show: thousands separators,
units in the column names, intervals as "12.3 to 14.5", and small counts suppressed ("[c]") with
everything derived from them (rates, changes, significance). Only these go into reports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MARKER = "[c]"
"""Shown for a suppressed cell (GSS symbol "confidential")."""
MISSING = "[x]"
"""Shown for a cell that is not available (GSS symbol)."""


def suppression_note(threshold: int = 4, *, marker: str = MARKER) -> str:
    """The footnote explaining the suppression marker, for a published table.

    Examples
    --------
    >>> suppression_note()
    '[c] = suppressed: a count of 1 to 4, or a cell hidden so that such a count cannot be worked out from the totals. [x] = not available.'
    """
    return (
        f"{marker} = suppressed: a count of 1 to {threshold}, or a cell hidden so that such a "
        f"count cannot be worked out from the totals. {MISSING} = not available."
    )


def symbol_note(frame: pd.DataFrame, threshold: int = 4) -> str:
    """The footnote for the symbols a published table shows: "[c]" and "[x]" only if it has them.

    A table with no suppressed cell needs no suppression note, and one with every cell
    available needs no "[x]" note.

    Parameters
    ----------
    frame
        A published table (strings, e.g. from :func:`change_table`).
    threshold
        The largest suppressed count (the config's ``suppression_threshold``).

    Examples
    --------
    >>> symbol_note(pd.DataFrame({"Crimes": ["12", "[c]"]}))
    '[c] = suppressed: a count of 1 to 4, or a cell hidden so that such a count cannot be worked out from the totals.'
    >>> symbol_note(pd.DataFrame({"Crimes": ["12", "[x]"]}))
    '[x] = not available.'
    >>> symbol_note(pd.DataFrame({"Crimes": ["12", "30"]}))
    ''
    """
    cells = set(frame.astype(str).to_numpy().ravel().tolist())
    parts = []
    if MARKER in cells:
        parts.append(
            f"{MARKER} = suppressed: a count of 1 to {threshold}, or a cell hidden so that such "
            "a count cannot be worked out from the totals."
        )
    if MISSING in cells:
        parts.append(f"{MISSING} = not available.")
    return " ".join(parts)


def format_count(
    value: float, suppressed: bool = False, *, decimals: int = 0, marker: str = MARKER
) -> str:
    """A count (or rate) as published: thousands separators, "[c]" if suppressed, "[x]" if missing.

    Parameters
    ----------
    value : float
        The value; NaN or None is shown as "[x]" (not available).
    suppressed : bool
        True to show the suppression marker instead of the value.
    decimals : int, keyword-only
        Decimal places. Default 0.
    marker : str, keyword-only
        Suppression marker. Default "[c]" (a count of 1 to 4, or a cell hidden to protect one).

    Examples
    --------
    >>> format_count(12345), format_count(3, True), format_count(float("nan")), format_count(2.25, decimals=1)
    ('12,345', '[c]', '[x]', '2.2')
    """
    if suppressed:
        return marker
    if value is None or pd.isna(value):
        return MISSING
    return f"{float(value):,.{decimals}f}"


SIGNIFICANT = "Significant change (5% false discovery rate)"
"""Heading of the significance column of change tables (see :func:`change_note`)."""

__all__ = [
    "MARKER",
    "MISSING",
    "SIGNIFICANT",
    "change_note",
    "change_table",
    "format_count",
    "interval",
    "overview_table",
    "persistent_table",
    "suppression_note",
    "symbol_note",
    "thousands",
    "top_areas_table",
]

_COMPARE = {
    "higher": "Higher",
    "similar": "Similar",
    "lower": "Lower",
    "": "Benchmark",
    "not compared": MISSING,
}


def interval(lower: float, upper: float, *, decimals: int = 1) -> str:
    """A confidence interval as text: ``"12.3 to 14.5"``; "[x]" when not available."""
    if pd.isna(lower) or pd.isna(upper):
        return MISSING
    return f"{lower:,.{decimals}f} to {upper:,.{decimals}f}"


def overview_table(overview: pd.DataFrame, *, hidden: pd.Series, benchmark: str) -> pd.DataFrame:
    """Districts side by side: crimes, residents, rate per 1,000 with 95% CI, against the benchmark.

    Parameters
    ----------
    overview
        From :func:`sna.assessment.figures.district_overview`.
    hidden
        Which counts are hidden (:func:`sna.assessment.disclosure.overview_mask`).
    benchmark
        Name of the benchmark row.
    """
    out = _count_and_rate(
        overview, hidden, residents="Residents", rate="Rate per 1,000 residents a year"
    )
    for level, label in (("95", "95%"), ("998", "99.8%")):
        out[f"Compared with {benchmark} ({label})"] = [
            MARKER if h else _COMPARE.get(c, c)
            for c, h in zip(overview[f"compare{level}"], hidden, strict=True)
        ]
    out.index.name = "Area"
    return out


def change_table(
    table: pd.DataFrame,
    *,
    hidden: pd.DataFrame,
    year: int,
    previous_year: int,
    months: str,
    label: str = "Crime type",
) -> pd.DataFrame:
    """Counts, rates and change on the previous year (like for like) for published reports.

    Parameters
    ----------
    table
        From :func:`sna.assessment.figures.crime_type_table` or
        :func:`~sna.assessment.figures.crime_group_table` (or some of its rows).
    hidden
        Suppression mask of the count columns (``count``, ``before``, ``after``) for these rows,
        from :func:`sna.assessment.disclosure.linked_masks`; the rate, change, percentage and
        significance of a row with a hidden count are hidden too.
    year, previous_year
        The years compared.
    months
        Which months the change compares, e.g. "Jan-Apr", for the column names.
    label
        Name of the row labels (the index).

    Returns
    -------
    pandas.DataFrame
        The count and rate of ``year``; then, when any row has a count in either year compared,
        the counts of both years over the months compared, the change and its significance.
        When the two years have no month in common (every ``before`` and ``after`` missing),
        those columns would hold only "[x]" and are left out: say so in a sentence instead
        (:func:`sna.report.words.comparison_note`).
    """
    hidden = hidden.reindex(table.index)
    out = pd.DataFrame(index=table.index)
    out.index.name = label
    out[f"Crimes {year}"] = [
        format_count(v, h) for v, h in zip(table["count"], hidden["count"], strict=True)
    ]
    out["Rate per 1,000 a year"] = [
        format_count(v, h, decimals=2) for v, h in zip(table["value"], hidden["count"], strict=True)
    ]
    if table["before"].isna().all() and table["after"].isna().all():
        return out  # no month in common: change columns would carry nothing
    out[f"{previous_year} ({months})"] = [
        format_count(v, h) for v, h in zip(table["before"], hidden["before"], strict=True)
    ]
    out[f"{year} ({months})"] = [
        format_count(v, h) for v, h in zip(table["after"], hidden["after"], strict=True)
    ]
    either = hidden["before"] | hidden["after"]
    out["Change"] = [
        MARKER if h else _signed(v) for v, h in zip(table["change"], either, strict=True)
    ]
    out["Change %"] = [
        MARKER if h else _percent(v) for v, h in zip(table["pct_change"], either, strict=True)
    ]
    out[SIGNIFICANT] = [
        MARKER if h else _significance(s, b, a)
        for s, b, a, h in zip(
            table["significant"], table["before"], table["after"], either, strict=True
        )
    ]
    out.index.name = label
    return out


def change_note(table: pd.DataFrame) -> str:
    """The footnote of a change table: how significance was decided, in plain words.

    Parameters
    ----------
    table
        A crime-type or crime-group table with ``change_method`` and ``q_value``.
    """
    methods = set(table["change_method"].dropna()) if "change_method" in table else set()
    if not methods:
        return ""
    quasi = any(m.startswith("quasi-Poisson") for m in methods)
    how = (
        "a quasi-Poisson test of the monthly counts, which allows for crime varying more from "
        "month to month than chance alone would"
        if quasi
        else "an exact test of the two counts"
    )
    return (
        f"Change: {how}. A change is called significant only when it remains so with the false "
        "discovery rate across all the changes tested in this report held at 5% "
        "(Benjamini-Hochberg). Rates are per 1,000 residents a year, annualised from the months "
        "with data."
    )


def top_areas_table(top: pd.DataFrame, *, hidden: pd.Series) -> pd.DataFrame:
    """Top LSOAs as published: count, residents, rate per 1,000 with 95% CI, deprivation decile.

    Parameters
    ----------
    top
        Indexed by LSOA name with ``count``, ``population``, ``value``, ``lower95``, ``upper95``
        and optionally ``decile`` and ``population_source`` (named in the residents column).
    hidden
        Which counts are hidden (:func:`sna.assessment.disclosure.count_mask`).
    """
    sources = sorted(set(top["population_source"])) if "population_source" in top else []
    residents = f"Residents ({'; '.join(sources)})" if sources else "Residents"
    out = _count_and_rate(
        top.rename(columns={"population": "denominator"}), hidden, residents=residents,
        rate="Rate per 1,000 a year",
    )  # fmt: skip
    if "decile" in top:
        out["Deprivation decile"] = [MISSING if pd.isna(d) else str(int(d)) for d in top["decile"]]
    out.index.name = "LSOA"
    return out


def persistent_table(persistent: pd.DataFrame) -> pd.DataFrame:
    """Persistent hotspots as a published table: years in the top 10%, no counts.

    Parameters
    ----------
    persistent
        From :func:`sna.stats.concentration.persistent_hotspots` (one boolean column per year).
    """
    years = [c for c in persistent.columns if isinstance(c, int | np.integer)]
    rows = persistent[persistent["periods_in_top"] == persistent["n_periods"]]
    table = pd.DataFrame(
        {str(y): np.where(rows[y].fillna(False).astype(bool), "Top 10%", "") for y in years},
        index=rows.index,
    )
    table.index.name = "LSOA"
    return table


def thousands(frame: pd.DataFrame) -> pd.DataFrame:
    """Whole-number columns written with thousands separators (for data-quality tables).

    These tables count rows of input files, not crimes in an area, so they are not suppressed.
    """
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_integer_dtype(out[column]):
            out[column] = out[column].map(lambda v: f"{v:,}")
    return out


def _count_and_rate(
    table: pd.DataFrame, hide: pd.Series, *, residents: str, rate: str
) -> pd.DataFrame:
    """Crimes, residents, rate and its 95% CI as published; hidden rows show the marker."""
    out = pd.DataFrame(index=table.index)
    out["Crimes"] = [format_count(v, h) for v, h in zip(table["count"], hide, strict=True)]
    out[residents] = [format_count(v) for v in table["denominator"]]
    out[rate] = [format_count(v, h, decimals=1) for v, h in zip(table["value"], hide, strict=True)]
    out["95% confidence interval"] = [
        MARKER if h else interval(lo, up)
        for lo, up, h in zip(table["lower95"], table["upper95"], hide, strict=True)
    ]
    return out


def _signed(value: float) -> str:
    if pd.isna(value):
        return MISSING
    return f"{value:+,.0f}"


def _percent(value: float) -> str:
    if pd.isna(value) or np.isinf(value):
        return MISSING
    return f"{value:+.1f}%"


def _significance(significant: object, before: float, after: float) -> str:
    if pd.isna(before) or pd.isna(after) or (before == 0 and after == 0):
        return MISSING
    return "Yes" if bool(significant) else "No"
