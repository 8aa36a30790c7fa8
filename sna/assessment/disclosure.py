"""Which published cells are hidden: every suppression decision of a report, made once.

Reports publish counts and figures derived from them (rates, intervals, changes, chart bars,
heat-map cells, alt text). Each function here decides, for one set of published figures, which
are hidden; the report layer only formats what it is given. Tables that show the same counts, or
totals of overlapping groups of them, share one decision (:func:`linked_masks`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sna.stats.group_suppression import suppress_grouped, suppress_linked
from sna.stats.suppression import suppress_counts

__all__ = [
    "COUNT_COLUMNS",
    "AreaMasks",
    "LinkedMasks",
    "area_masks",
    "count_mask",
    "hide_monthly",
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


@dataclass(frozen=True)
class AreaMasks:
    """One suppression decision for the table of districts and every district's linked tables.

    Attributes
    ----------
    overview
        Indexed like the table of districts (districts and the benchmark); True where hidden.
    linked
        Each district's :class:`LinkedMasks`, by district name.
    note
        "" when every small count is protected, else what could not be.
    """

    overview: pd.Series
    linked: Mapping[str, LinkedMasks]
    note: str = ""


def area_masks(
    overview: pd.DataFrame,
    types: Mapping[str, pd.DataFrame],
    members: Mapping[str, Sequence[str]],
    *,
    benchmark: str,
    all_crime: str,
    threshold: int,
) -> AreaMasks:
    """Hidden cells of the table of districts and of every district's crime-type and group tables.

    Every report shows the table of districts, whose total is the benchmark, and a district's
    count there is the all-crime total of its crime-group table; its crime-type counts for the
    months compared with the previous year are at most those for the year. So the counts of the
    year and of this year's months compared, of every district, with the table of districts, are
    decided together by :func:`sna.stats.group_suppression.suppress_linked` (the counts of the
    previous year's months, in no other table of the year, by :func:`linked_masks`), and every
    report shows the same table of districts with the same cells hidden.

    Parameters
    ----------
    overview
        From :func:`sna.assessment.figures.district_overview` (districts, then the benchmark).
    types
        Each district's :func:`sna.assessment.figures.crime_type_table`, by district name.
    members
        Crime group name to its crime types (:func:`sna.assessment.figures.group_members`).
    benchmark
        Name of the benchmark row; it is the table's total when it equals the sum of the
        districts.
    all_crime
        The group in ``members`` whose total is a district's count in ``overview``.
    threshold
        Counts from 1 to this are suppressed.

    Raises
    ------
    ValueError
        If a district's all-crime total is not its count in ``overview``.
    """
    districts = [d for d in overview.index if d != benchmark]

    def _all(d: str) -> tuple[str, str, str, str]:  # a district's count: its all-crime total
        return ("count", d, "group", all_crime)

    cells: dict[object, float] = {}
    sums: dict[object, list[object]] = {}
    unpublished: list[object] = []
    after_same = {}
    for column in ("count", "after"):
        for d in districts:
            frame = types[d]
            if column == "after":
                after, count = frame["after"].to_numpy(float), frame["count"].to_numpy(float)
                after_same[d] = bool(np.isnan(after).all() or np.array_equal(after, count))
                if after_same[d]:
                    continue
            for t, value in frame[column].items():
                cells[(column, d, "type", t)] = float(value)
    for column in ("count", "after"):
        for d in districts:
            if column == "after" and after_same[d]:
                continue
            frame = types[d]
            for g, crime_types in members.items():
                total = frame.loc[list(crime_types), column].sum()
                cells[(column, d, "group", g)] = float(total)
                sums[(column, d, "group", g)] = [(column, d, "type", t) for t in crime_types]
            if column == "count" and cells[_all(d)] != overview.loc[d, "count"]:
                raise ValueError(f"{d}'s {all_crime} total is not its count in the overview")
            if column == "after":  # a month compared is a month of the year: after <= count
                for t in frame.index:
                    rest = ("rest", d, t)
                    cells[rest] = float(frame.loc[t, "count"] - frame.loc[t, "after"])
                    sums[("count", d, "type", t)] = [("after", d, "type", t), rest]
                    unpublished.append(rest)
    bench = float(overview.loc[benchmark, "count"])
    cells[("overview", benchmark)] = bench
    if bench == sum(cells[_all(d)] for d in districts):
        sums[("overview", benchmark)] = [_all(d) for d in districts]
    decided = suppress_linked(
        pd.Series(list(cells.values()), index=pd.Index(list(cells), tupleize_cols=False)),
        sums,
        threshold=threshold,
        unpublished=unpublished,
    )
    hidden = decided.hidden
    overview_hidden = pd.Series(
        [bool(hidden[_all(d)]) for d in districts] + [bool(hidden[("overview", benchmark)])],
        index=overview.index,
    )
    linked = {}
    for d in districts:
        frame = types[d]
        masks = {
            column: [bool(hidden[(column, d, "type", t)]) for t in frame.index]
            for column in ("count", "after")
            if column == "count" or not after_same[d]
        }
        group_masks = {
            column: [bool(hidden[(column, d, "group", g)]) for g in members]
            for column in ("count", "after")
            if column == "count" or not after_same[d]
        }
        if after_same[d]:
            same = frame["after"].isna().all()
            masks["after"] = [False] * len(frame) if same else masks["count"]
            group_masks["after"] = [False] * len(members) if same else group_masks["count"]
        before = linked_masks(frame[["before"]].assign(count=np.nan, after=np.nan), members,
                              threshold=threshold)  # fmt: skip
        masks["before"] = before.types["before"].tolist()
        group_masks["before"] = before.groups["before"].tolist()
        linked[d] = LinkedMasks(
            types=pd.DataFrame(masks, index=frame.index)[list(COUNT_COLUMNS)],
            groups=pd.DataFrame(group_masks, index=pd.Index(list(members)))[list(COUNT_COLUMNS)],
        )
    return AreaMasks(overview=overview_hidden, linked=linked, note=decided.note)


def hide_monthly(monthly: pd.Series, *, threshold: int, year_hidden: bool = False) -> bool:
    """Whether to leave out the chart of counts per month (and its alt text).

    The months add up to the years' counts published elsewhere, so hiding only the small months
    would let a reader work them out; the chart is left out whole when any month has a count
    from 1 to ``threshold``, or when a year's count it adds up to is hidden (``year_hidden``).

    Examples
    --------
    >>> hide_monthly(pd.Series([40, 3, 0]), threshold=4), hide_monthly(pd.Series([40, 0]), threshold=4)
    (True, False)
    """
    small = bool(((monthly >= 1) & (monthly <= threshold)).any())
    return small or year_hidden
