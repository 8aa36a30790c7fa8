"""Which published cells are hidden: every suppression decision of a report, made once.

Reports publish counts and figures derived from them (rates, intervals, changes, chart bars,
heat-map cells, alt text). Each function here decides, for one set of published figures, which
are hidden; the report layer only formats what it is given. Tables that show the same counts, or
totals of overlapping groups of them, share one decision (:func:`linked_masks`).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sna.stats.group_suppression import suppress_grouped, suppress_linked
from sna.stats.suppression import suppress_counts

__all__ = [
    "COUNT_COLUMNS",
    "AreaMasks",
    "LinkedMasks",
    "PreviousYear",
    "area_masks",
    "count_mask",
    "hide_monthly",
    "hide_rates",
    "linked_masks",
    "outcome_mask",
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


@dataclass(frozen=True)
class PreviousYear:
    """The previous year's published counts, from its own reports of the same build.

    Attributes
    ----------
    overview
        Its table of districts (:func:`sna.assessment.figures.district_overview`).
    types
        Each district's crime-type table of that year, by district name.
    masks
        That year's decision (:func:`area_masks`), kept as it is.
    """

    overview: pd.DataFrame
    types: Mapping[str, pd.DataFrame]
    masks: AreaMasks


def area_masks(
    overview: pd.DataFrame,
    types: Mapping[str, pd.DataFrame],
    members: Mapping[str, Sequence[str]],
    *,
    benchmark: str,
    all_crime: str,
    threshold: int,
    previous: PreviousYear | None = None,
) -> AreaMasks:
    """Hidden cells of the table of districts and of every district's crime-type and group tables.

    Every report shows the table of districts, whose total is the benchmark, and a district's
    count there is the all-crime total of its crime-group table. All the count columns of every
    district (the year's ``count``, and ``before`` and ``after`` over the months compared), their
    group totals and the table of districts are decided together by
    :func:`sna.stats.group_suppression.suppress_linked`, and every report shows the same table
    of districts with the same cells hidden.

    A reader subtracts: ``count - after`` is the count of this year's months not compared, and
    the previous year's ``count`` (in its own report, when ``previous`` is given) minus
    ``before`` that of its months not compared. Both are derived cells, protected like hidden
    small counts: one from 1 to ``threshold`` must not be narrowed to within 1 to ``threshold``
    (usually by hiding the ``after`` or ``before`` cell, and more if its group totals would give
    it away). The previous year's cells (its counts, comparison and table of districts) keep
    that year's decision and are audited with this year's; when every month is compared
    (``after == count``) nothing more is hidden.

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
    previous
        The previous year's published counts and decision, when its reports are published by
        the same build (a reporting year); None when the reader has no previous year's report.

    Raises
    ------
    ValueError
        If a district's all-crime total is not its count in ``overview``.
    """
    districts = [d for d in overview.index if d != benchmark]
    cells: dict[tuple, float] = {}
    sums: list[tuple[Hashable, Sequence[Hashable]]] = []
    derived: list[tuple] = []
    fixed: dict[Hashable, bool] = {}

    def add(tag: str, frame: pd.DataFrame, d: str, column: str) -> None:
        for t, value in frame[column].items():
            cells[(tag, column, d, "type", t)] = float(value)
        for g, crime_types in members.items():
            label = (tag, column, d, "group", g)
            cells[label] = float(frame.loc[list(crime_types), column].sum())
            sums.append((label, [(tag, column, d, "type", t) for t in crime_types]))

    def add_year(tag: str, year_overview: pd.DataFrame, frames: Mapping[str, pd.DataFrame]) -> set:
        columns = {}
        for d in districts:
            frame = frames[d]
            after, count = frame["after"].to_numpy(float), frame["count"].to_numpy(float)
            same = bool(np.isnan(after).all() or np.array_equal(after, count))
            columns[d] = ["count"] if same else ["count", "after"]
            if tag == "now" and not frame["before"].isna().all():
                columns[d].append("before")
            for column in columns[d]:
                add(tag, frame, d, column)
            if cells[(tag, "count", d, "group", all_crime)] != year_overview.loc[d, "count"]:
                raise ValueError(f"{d}'s {all_crime} total is not its count in the overview")
            if not same:  # the year's months not compared: count - after
                for t in frame.index:
                    rest = (tag, "rest", d, t)
                    cells[rest] = float(frame.loc[t, "count"] - frame.loc[t, "after"])
                    sums.append(
                        ((tag, "count", d, "type", t), [(tag, "after", d, "type", t), rest])
                    )
                    derived.append(rest)
        bench = float(year_overview.loc[benchmark, "count"])
        cells[(tag, "overview", benchmark)] = bench
        alls = [(tag, "count", d, "group", all_crime) for d in districts]
        if bench == sum(cells[a] for a in alls):
            sums.append(((tag, "overview", benchmark), alls))
        return {(d, c) for d in districts for c in columns[d]}

    shown = add_year("now", overview, types)
    if previous is not None:
        add_year("prev", previous.overview, previous.types)
        for label in cells:
            if label[0] == "prev" and label not in derived:
                fixed[label] = _previous_hidden(previous.masks, label)
        for d in districts:
            frame, before = previous.types[d], types[d]["before"]
            if (d, "before") not in shown:
                continue
            for t in frame.index:  # the previous year's months not compared: count - before
                rest = ("now", "rest_before", d, t)
                cells[rest] = float(frame.loc[t, "count"] - before[t])
                sums.append(
                    (("prev", "count", d, "type", t), [("now", "before", d, "type", t), rest])
                )
                derived.append(rest)
    decided = suppress_linked(
        pd.Series(list(cells.values()), index=pd.Index(list(cells), tupleize_cols=False)),
        sums,
        threshold=threshold,
        derived=derived,
        fixed=fixed,
    )
    hidden = decided.hidden
    overview_hidden = pd.Series(
        [bool(hidden[("now", "count", d, "group", all_crime)]) for d in districts]
        + [bool(hidden[("now", "overview", benchmark)])],
        index=overview.index,
    )
    linked = {}
    for d in districts:
        frame = types[d]
        masks, group_masks = {}, {}
        for column in COUNT_COLUMNS:
            source = column
            if (d, column) not in shown:
                if column == "after" and not frame["after"].isna().all():
                    source = "count"  # every month compared: the year's count
                else:
                    masks[column] = [False] * len(frame)
                    group_masks[column] = [False] * len(members)
                    continue
            masks[column] = [bool(hidden[("now", source, d, "type", t)]) for t in frame.index]
            group_masks[column] = [bool(hidden[("now", source, d, "group", g)]) for g in members]
        linked[d] = LinkedMasks(
            types=pd.DataFrame(masks, index=frame.index)[list(COUNT_COLUMNS)],
            groups=pd.DataFrame(group_masks, index=pd.Index(list(members)))[list(COUNT_COLUMNS)],
        )
    return AreaMasks(overview=overview_hidden, linked=linked, note=decided.note)


def _previous_hidden(masks: AreaMasks, label: tuple) -> bool:
    """Whether a cell of the previous year's reports, labelled as in :func:`area_masks`, is hidden."""
    if label[1] == "overview":
        return bool(masks.overview[label[2]])
    _, column, d, kind, name = label
    table = masks.linked[d].types if kind == "type" else masks.linked[d].groups
    return bool(table.loc[name, column])


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


def outcome_mask(
    table: pd.DataFrame,
    *,
    threshold: int,
    total: Hashable,
    hidden_rows: pd.Series | None = None,
) -> pd.DataFrame:
    """Hidden cells of an outcomes table (crime types by outcome group, with a total row).

    Each crime type's count (the row total) is published in the crime-type table, and the total
    row's cells are published here, so both are protected against
    (:func:`sna.stats.suppression.suppress_counts` with external row totals). A row whose count
    is hidden in the crime-type table (``hidden_rows``) has every non-zero cell hidden.

    Parameters
    ----------
    table
        Counts, crime types by outcome group, with the total row ``total``.
    threshold
        Counts from 1 to this are suppressed.
    total
        Label of the total row (e.g. "All crimes").
    hidden_rows
        True for each row whose total is hidden elsewhere.

    Examples
    --------
    >>> t = pd.DataFrame({"Charged": [3, 50, 53], "Other": [40, 60, 100]},
    ...                  index=["Robbery", "Drugs", "All crimes"])
    >>> outcome_mask(t, threshold=4, total="All crimes")["Charged"].tolist()
    [True, True, False]
    """
    mask = suppress_counts(
        table.astype(float), threshold=threshold, total_row=total, external_totals=True
    ).mask
    if hidden_rows is not None:
        rows = hidden_rows.reindex(table.index).fillna(False).astype(bool)
        mask = mask | (table.gt(0) & np.broadcast_to(rows.to_numpy()[:, None], table.shape))
    return mask
