"""Published tables: figures from :mod:`sna.assessment.figures` with suppression and readable formatting.

Each function takes a table of figures and returns strings ready to show: thousands separators,
units in the column names, intervals as "12.3 to 14.5", and small counts suppressed ("[c]") with
everything derived from them (rates, changes, significance). Only these go into reports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sna.stats.group_suppression import suppress_grouped
from sna.stats.suppression import MARKER, MISSING, format_count, suppress_counts

__all__ = [
    "LinkedMasks",
    "change_table",
    "interval",
    "linked_masks",
    "overview_table",
    "suppressed_mask",
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


def suppressed_mask(
    counts: pd.Series, *, threshold: int, total: object | None = None, external_total: bool = True
) -> pd.Series:
    """Which counts of a one-column table must be hidden (primary and secondary suppression).

    Parameters
    ----------
    counts
        Counts by row label.
    threshold
        Counts from 1 to this are suppressed.
    total
        Label of a total row in ``counts``, if any.
    external_total
        Whether the column total is published elsewhere (so it must be protected against).
    """
    frame = counts.astype(float).to_frame("count")
    result = suppress_counts(
        frame, threshold=threshold, total_row=total, external_totals=external_total
    )
    return result.mask["count"]


def interval(lower: float, upper: float, *, decimals: int = 1) -> str:
    """A confidence interval as text: ``"12.3 to 14.5"``; "[x]" when not available."""
    if pd.isna(lower) or pd.isna(upper):
        return MISSING
    return f"{lower:,.{decimals}f} to {upper:,.{decimals}f}"


def overview_table(overview: pd.DataFrame, *, benchmark: str, threshold: int) -> pd.DataFrame:
    """Districts side by side: crimes, residents, rate per 1,000 with 95% CI, against the benchmark.

    Parameters
    ----------
    overview
        From :func:`sna.assessment.figures.district_overview`.
    benchmark
        Name of the benchmark row (the total).
    threshold
        Suppression threshold.
    """
    others = overview["count"].drop(index=benchmark)
    # The benchmark row is the table's total when it is made of exactly these districts.
    is_total = bool(overview.loc[benchmark, "count"] == others.sum())
    hide = suppressed_mask(
        overview["count"], threshold=threshold, total=benchmark if is_total else None
    )
    out = _count_and_rate(
        overview.rename(columns={"lower95": "lower", "upper95": "upper"}),
        hide,
        residents="Residents",
        rate="Rate per 1,000 residents",
    )
    out[f"Compared with {benchmark} (95%)"] = [
        MARKER if h else _COMPARE.get(c, c)
        for c, h in zip(overview["compare_95"], hide, strict=True)
    ]
    out[f"Compared with {benchmark} (99.8%)"] = [
        MARKER if h else _COMPARE.get(c, c)
        for c, h in zip(overview["compare_998"], hide, strict=True)
    ]
    out.index.name = "Area"
    return out


@dataclass(frozen=True)
class LinkedMasks:
    """Suppression masks shared by a report's linked tables (crime types and crime groups).

    Attributes
    ----------
    types
        Indexed by crime type; columns ``count``, ``before``, ``after``; True where hidden.
    groups
        Indexed by crime group; same columns.
    """

    types: pd.DataFrame
    groups: pd.DataFrame


COUNT_COLUMNS = ("count", "before", "after")


def linked_masks(
    types: pd.DataFrame, members: Mapping[str, Sequence[str]], *, threshold: int
) -> LinkedMasks:
    """One suppression decision for the crime-type table and every crime-group table of a report.

    Tables that show the same counts, or totals of overlapping groups of them, must hide the same
    cells, or a count hidden in one is shown in another or follows from a group total. Each count
    column is decided by :func:`sna.stats.group_suppression.suppress_grouped` with every group total.

    Parameters
    ----------
    types
        From :func:`sna.assessment.figures.crime_type_table` (index: crime types).
    members
        Crime group name to its crime types, every group whose total is published
        (:func:`sna.assessment.figures.group_members`).
    threshold
        Counts from 1 to this are suppressed.
    """
    by_type, by_group = {}, {}
    for column in COUNT_COLUMNS:
        values = types[column]
        if values.isna().all():  # e.g. no previous year to compare with: shown as not available
            by_type[column] = pd.Series(False, index=types.index)
            by_group[column] = pd.Series(False, index=pd.Index(list(members)))
            continue
        by_type[column], by_group[column] = suppress_grouped(values, members, threshold=threshold)
    return LinkedMasks(types=pd.DataFrame(by_type), groups=pd.DataFrame(by_group))


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
        From :func:`sna.assessment.figures.crime_type_table` or :func:`~sna.assessment.figures.crime_group_table`
        (or some of its rows).
    hidden
        Suppression mask of the count columns (``count``, ``before``, ``after``) for these rows,
        from :func:`linked_masks`; the rate, change, percentage and significance of a row with a
        hidden count are hidden too.
    year, previous_year
        The years compared.
    months
        Which months the change compares, e.g. "Jan-Apr", for the column names.
    label
        Name of the row labels (the index).
    """
    hidden = hidden.reindex(table.index)
    out = pd.DataFrame(index=table.index)
    out[f"Crimes {year}"] = [
        format_count(v, h) for v, h in zip(table["count"], hidden["count"], strict=True)
    ]
    out["Rate per 1,000"] = [
        format_count(v, h, decimals=2) for v, h in zip(table["rate"], hidden["count"], strict=True)
    ]
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
    out["Statistically significant (95%)"] = [
        MARKER if h else _significance(s, b, a)
        for s, b, a, h in zip(
            table["significant"], table["before"], table["after"], either, strict=True
        )
    ]
    out.index.name = label
    return out


def top_areas_table(top: pd.DataFrame, *, threshold: int) -> pd.DataFrame:
    """Top LSOAs as published: count, residents, rate per 1,000 with 95% CI, deprivation decile.

    Parameters
    ----------
    top
        Indexed by LSOA name with ``count``, ``population``, ``rate``, ``lower``, ``upper`` and
        optionally ``decile`` and ``population_source`` (named in the residents column).
    """
    hide = suppressed_mask(top["count"], threshold=threshold, external_total=False)
    sources = sorted(set(top["population_source"])) if "population_source" in top else []
    residents = f"Residents ({'; '.join(sources)})" if sources else "Residents"
    out = _count_and_rate(top, hide, residents=residents, rate="Rate per 1,000")
    if "decile" in top:
        out["Deprivation decile"] = [MISSING if pd.isna(d) else str(int(d)) for d in top["decile"]]
    out.index.name = "LSOA"
    return out


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
    out[residents] = [format_count(v) for v in table["population"]]
    out[rate] = [format_count(v, h, decimals=1) for v, h in zip(table["rate"], hide, strict=True)]
    out["95% confidence interval"] = [
        MARKER if h else interval(lo, up)
        for lo, up, h in zip(table["lower"], table["upper"], hide, strict=True)
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
