"""Which published cells are hidden: every suppression decision of a report, made once.

Reports publish counts and figures derived from them (rates, intervals, changes, chart bars,
heat-map cells, alt text). Each function here decides, for one set of published figures, which
are hidden; the report layer only formats what it is given. Tables that show the same counts, or
totals of overlapping groups of them, share one decision (:func:`linked_masks`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from sna.stats.group_suppression import suppress_grouped
from sna.stats.suppression import suppress_counts

__all__ = [
    "COUNT_COLUMNS",
    "LinkedMasks",
    "count_mask",
    "hide_rates",
    "linked_masks",
    "overview_mask",
]

COUNT_COLUMNS = ("count", "before", "after")
"""The count columns of crime-type and crime-group tables (year total, and the two years compared)."""


def count_mask(
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

    Examples
    --------
    >>> count_mask(pd.Series({"A": 3, "B": 120, "C": 40}), threshold=4).tolist()
    [True, False, True]
    """
    frame = counts.astype(float).to_frame("count")
    result = suppress_counts(
        frame, threshold=threshold, total_row=total, external_totals=external_total
    )
    return result.mask["count"]


def overview_mask(overview: pd.DataFrame, *, benchmark: str, threshold: int) -> pd.Series:
    """Hidden counts of the districts-and-benchmark table (:func:`~sna.assessment.figures.district_overview`).

    The benchmark row is treated as the table's total when it is made of exactly these districts.
    """
    others = overview["count"].drop(index=benchmark)
    is_total = bool(overview.loc[benchmark, "count"] == others.sum())
    return count_mask(overview["count"], threshold=threshold, total=benchmark if is_total else None)


def hide_rates(rates: pd.DataFrame, *, threshold: int) -> pd.DataFrame:
    """A one-column family of rates (e.g. by deprivation decile) with small counts hidden.

    Parameters
    ----------
    rates
        In the rate schema (``count``, ``value``, ``lower95``, ``upper95``, ...).
    threshold
        Counts from 1 to this are suppressed, with secondary suppression.

    Returns
    -------
    pandas.DataFrame
        ``value``, ``lower95``, ``upper95`` and ``count``, missing where hidden, and
        ``suppressed`` (True where hidden), so that no chart bar reveals a small count through
        rate times population.
    """
    hidden = suppress_counts(rates[["count"]], threshold=threshold).mask["count"]
    out = rates[["value", "lower95", "upper95"]].mask(hidden)
    return out.assign(count=rates["count"].mask(hidden), suppressed=hidden)


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


def linked_masks(
    types: pd.DataFrame, members: Mapping[str, Sequence[str]], *, threshold: int
) -> LinkedMasks:
    """One suppression decision for the crime-type table and every crime-group table of a report.

    Tables that show the same counts, or totals of overlapping groups of them, must hide the same
    cells, or a count hidden in one is shown in another or follows from a group total. Each count
    column is decided by :func:`sna.stats.group_suppression.suppress_grouped` with every group
    total.

    Parameters
    ----------
    types
        From :func:`sna.assessment.figures.crime_type_table` (index: crime types).
    members
        Crime group name to its crime types, every group whose total is published
        (:func:`sna.assessment.figures.group_members`).
    threshold
        Counts from 1 to this are suppressed.

    Examples
    --------
    >>> types = pd.DataFrame({"count": [3, 50, 60], "before": [9, 40, 61], "after": [2, 45, 58]},
    ...                      index=["Robbery", "Burglary", "Drugs"])
    >>> masks = linked_masks(types, {"All": list(types.index)}, threshold=4)
    >>> masks.types["count"].tolist(), bool(masks.groups.loc["All", "count"])
    ([True, True, False], False)
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
