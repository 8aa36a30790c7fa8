"""Small-number suppression that holds across overlapping groups of categories and linked tables.

A report publishes counts by crime type and, in other tables, totals of groups of crime types
(all crime, violence, acquisitive crime, ...) that overlap; a district's total is also a row of
the table of districts, whose total is the benchmark. Suppressing each table on its own is not
enough: a cell hidden in one table but shown in another, or a group total minus the visible
members, gives the hidden value away. :func:`suppress_linked` decides one mask for every cell of
such a system of sums, :func:`suppress_grouped` for members and the totals of their groups, and
both check it with the audit of :mod:`sna.stats.disclosure` (shared with
:func:`sna.stats.suppression.suppress_counts`): no hidden small count can be narrowed to within 1
to the threshold by the published figures.

References
----------
.. [1] Hundepool A et al. Statistical Disclosure Control. Wiley, 2012, ch. 4 (cell suppression
   in linked tables; auditing suppression patterns with linear programming).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sna.stats.checks import check_threshold
from sna.stats.disclosure import narrowed

__all__ = ["LinkedSuppression", "suppress_grouped", "suppress_linked"]


@dataclass(frozen=True)
class LinkedSuppression:
    """The result of :func:`suppress_linked`.

    Attributes
    ----------
    hidden : pandas.Series
        True for every cell to hide (unpublished cells are True too).
    note : str
        "" when every small count is protected, else what could not be.
    """

    hidden: pd.Series
    note: str = ""


def suppress_grouped(
    values: pd.Series, groups: Mapping[Any, Sequence[Any]], *, threshold: int = 4
) -> tuple[pd.Series, pd.Series]:
    """Which member counts and group totals to hide so that no small count can be worked out.

    Parameters
    ----------
    values : pandas.Series
        Counts (whole numbers >= 0; NaN for not available, treated as hidden) by member label,
        e.g. crimes by crime type.
    groups : mapping of label to sequence of member labels
        Each group whose total (the sum of its members) is published, e.g.
        ``{"Violence": ["Violence and sexual offences", "Robbery", "Possession of weapons"]}``.
        Groups may overlap.
    threshold : int, keyword-only
        Counts (and group totals) from 1 to ``threshold`` are suppressed. Default 4.

    Returns
    -------
    (pandas.Series, pandas.Series)
        Boolean masks: members (index of ``values``) and groups (keys of ``groups``), True where
        hidden.

    Raises
    ------
    ValueError
        If a count is negative or fractional, ``threshold`` is not a whole number >= 1, or a
        group names a member not in ``values``.

    Notes
    -----
    The members and group totals are the cells of :func:`suppress_linked`, each group a sum;
    see there for the rule.

    Examples
    --------
    >>> counts = pd.Series({"Robbery": 11, "Bicycle theft": 3, "Burglary": 76, "Drugs": 37})
    >>> members, totals = suppress_grouped(counts, {"All": list(counts.index), "Theft": ["Robbery", "Bicycle theft"]})
    >>> members[members].index.tolist(), totals[totals].index.tolist()
    (['Robbery', 'Bicycle theft'], [])
    """
    threshold = check_threshold(threshold)
    _check_values(values)
    names = list(groups)
    for name in names:
        missing = [m for m in groups[name] if m not in values.index]
        if missing:
            raise ValueError(f"group {name!r} names {missing[0]!r}, which is not in values")
    cells = {("member", m): v for m, v in values.items()}
    sums: dict[Hashable, list[Hashable]] = {}
    for name in names:
        members = values[list(groups[name])]
        cells[("total", name)] = np.nan if members.isna().any() else float(members.sum())
        sums[("total", name)] = [("member", m) for m in groups[name]]
    index = pd.Index(list(cells), tupleize_cols=False)
    result = suppress_linked(
        pd.Series(list(cells.values()), index=index), sums, threshold=threshold
    )
    hidden = result.hidden
    return (
        pd.Series([bool(hidden[("member", m)]) for m in values.index], index=values.index),
        pd.Series([bool(hidden[("total", g)]) for g in names], index=pd.Index(names)),
    )


def suppress_linked(
    values: pd.Series,
    sums: Mapping[Hashable, Sequence[Hashable]] | Sequence[tuple[Hashable, Sequence[Hashable]]],
    *,
    threshold: int = 4,
    unpublished: Collection[Hashable] = (),
    derived: Collection[Hashable] = (),
    fixed: Mapping[Hashable, bool] | None = None,
) -> LinkedSuppression:
    """One suppression decision for cells of several tables linked by published sums.

    Parameters
    ----------
    values : pandas.Series
        Every cell (whole numbers >= 0; NaN for not available, treated as hidden), by label; a
        cell may be shown in several tables.
    sums : mapping of label to sequence of labels
        Each cell that is the sum of others, with those others: a group's total and its
        members, a district's count and its crime types, the benchmark and its districts. A cell
        may be the sum of one set and a member of others; given as (total, members) pairs, a
        cell may be the total of several sets.
    threshold : int, keyword-only
        Cells from 1 to ``threshold`` are suppressed. Default 4.
    unpublished : collection of labels, keyword-only
        Cells that no table shows (never small counts to protect, never chosen to hide), e.g. the
        months of this year not in a like-for-like comparison, so that the reader only knows the
        comparison's count is at most the year's.
    derived : collection of labels, keyword-only
        Cells that no table shows but a reader can bound by subtraction (e.g. a year's count
        minus the count of its months compared with the previous year: the months not
        compared). Never chosen to hide, at least 0 to the reader, and protected like a hidden
        small count when from 1 to ``threshold``.
    fixed : mapping of label to bool, keyword-only
        Cells whose hiding was decided elsewhere (True where hidden), e.g. the previous year's
        report, published in the same build: never chosen to hide, and audited when hidden.

    Returns
    -------
    LinkedSuppression
        Which cells to hide, and a note if some small count could not be protected.

    Raises
    ------
    ValueError
        If a count is negative or fractional, ``threshold`` is not a whole number >= 1, a sum
        names a cell not in ``values``, or a sum does not add up.

    Notes
    -----
    Primary suppression hides cells from 1 to ``threshold``; zeros are published and never
    hidden, so a reader knows every hidden cell is at least 1 (an unpublished or not available
    one at least 0). While the audit (:func:`sna.stats.disclosure.narrowed`: whole numbers,
    every published cell and sum, the reader's bounds) finds a small count that cannot be more
    than ``threshold``, one more non-zero cell is hidden: a visible member of a sum it belongs to
    whose total is shown (preferring one in no other sum, then one sharing most of its sums,
    then the smallest), else the smallest visible member of its own sum, else the total of the
    smallest such sum. If none is left, every cell that is not zero is hidden and ``note`` says
    whether that was enough. Cells hidden only to protect others may themselves be derivable;
    that reveals no small count.

    Examples
    --------
    Three crime types and their total; the total is shown, so 3 and 2 need a third cell hidden
    with them, else a reader knows each is at most 4:

    >>> v = pd.Series({"a": 3, "b": 2, "c": 60, "all": 65})
    >>> suppress_linked(v, {"all": ["a", "b", "c"]}).hidden.tolist()
    [True, True, True, False]
    """
    threshold = check_threshold(threshold)
    _check_values(values)
    fixed = fixed or {}
    labels = list(values.index)
    position = {label: k for k, label in enumerate(labels)}
    v = values.to_numpy(dtype=float, na_value=np.nan)
    total_of, member_sets = [], []
    for total, members in sums.items() if isinstance(sums, Mapping) else sums:
        for label in (total, *members):
            if label not in position:
                raise ValueError(f"sum {total!r} names {label!r}, which is not in values")
        idx = [position[m] for m in members]
        if not np.isnan(v[[position[total], *idx]]).any() and v[idx].sum() != v[position[total]]:
            raise ValueError(f"sum {total!r} does not equal the sum of its members")
        total_of.append(position[total])
        member_sets.append(idx)
    system = _System(
        v=v,
        total_of=total_of,
        member_sets=member_sets,
        unpublished=np.array([label in unpublished for label in labels], dtype=bool),
        threshold=threshold,
        derived=np.array([label in derived for label in labels], dtype=bool),
        fixed=np.array([label in fixed for label in labels], dtype=bool),
    )
    hidden = system.unpublished | np.isnan(v) | ((v >= 1) & (v <= threshold))
    for position_, label in enumerate(labels):
        if label in fixed:
            hidden[position_] = bool(fixed[label])
    note = ""
    while True:
        k = system.disclosed(hidden)
        if k is None:
            break
        if not system.hide_partner(k, hidden):
            hidden |= (v > 0) & ~system.fixed  # nothing left: hide everything but zeros
            if system.disclosed(hidden) is not None:
                note = "some small counts could not be protected by secondary suppression"
            break
    return LinkedSuppression(pd.Series(hidden, index=values.index), note)


def _check_values(values: pd.Series) -> None:
    v = values.to_numpy(dtype=float, na_value=np.nan)
    if (v[~np.isnan(v)] < 0).any() or (v[~np.isnan(v)] % 1).any():
        raise ValueError("values must be whole numbers >= 0")


@dataclass
class _System:
    """Cells linked by sums: ``v[total_of[s]] == v[member_sets[s]].sum()`` for each sum ``s``."""

    v: np.ndarray
    total_of: list[int]
    member_sets: list[list[int]]
    unpublished: np.ndarray
    threshold: int
    derived: np.ndarray
    fixed: np.ndarray
    _memo: dict[tuple[tuple[int, ...], int], bool] = field(default_factory=dict)

    @property
    def sensitive(self) -> np.ndarray:
        published = ~self.unpublished & ~self.derived
        return (published | self.derived) & (self.v >= 1) & (self.v <= self.threshold)

    def disclosed(self, hidden: np.ndarray) -> int | None:
        """The first small count a reader can narrow to 1 to ``threshold``, if any.

        Each candidate is audited on the hidden cells linked to it by the sums (the rest cannot
        bound it), and the answer kept for as long as those cells stay as they are.
        """
        equations = []
        for total, idx in zip(self.total_of, self.member_sets, strict=True):
            terms = [(total, -1.0), *((m, 1.0) for m in idx)]
            if any(hidden[i] for i, _ in terms):
                equations.append(terms)
        linked = _components(np.flatnonzero(hidden), equations, hidden)
        known = ~(np.isnan(self.v) | self.unpublished | self.derived)
        for cell in np.flatnonzero(hidden & self.sensitive):
            component = linked[int(cell)]
            key = (component, int(cell))
            if key not in self._memo:
                self._memo[key] = self._narrowed(int(cell), component, equations, hidden, known)
            if self._memo[key]:
                return int(cell)
        return None

    def _narrowed(
        self,
        cell: int,
        component: tuple[int, ...],
        equations: list[list[tuple[int, float]]],
        hidden: np.ndarray,
        known: np.ndarray,
    ) -> bool:
        column = {c: k for k, c in enumerate(component)}
        rows, rhs = [], []
        for terms in equations:
            if not any(i in column for i, _ in terms):
                continue
            row = np.zeros(len(component))
            target = 0.0
            for i, coef in terms:
                if hidden[i]:
                    row[column[i]] += coef
                else:
                    target -= coef * self.v[i]
            rows.append(row)
            rhs.append(target)
        lower = np.array([1.0 if known[c] else 0.0 for c in component])
        a_eq = np.array(rows).reshape(len(rows), len(component))
        found = narrowed(a_eq, np.array(rhs), [column[cell]], threshold=self.threshold, lower=lower)
        return next(found, None) is not None

    def _can_hide(self, i: int, hidden: np.ndarray) -> bool:
        return bool(
            not hidden[i]
            and self.v[i] > 0
            and not self.fixed[i]
            and not self.unpublished[i]
            and not self.derived[i]
        )

    def _linking(self, s: int) -> bool:
        """A sum with an unpublished member gives only a bound, no equation to solve."""
        return bool(self.unpublished[self.member_sets[s]].any())

    def hide_partner(self, i: int, hidden: np.ndarray, seen: frozenset[int] = frozenset()) -> bool:
        """Hide one more cell to protect cell ``i``; False if there is none left to hide.

        A derived cell (no table shows it) with no visible partner is protected through the
        hidden cells of its sums (e.g. a comparison count hidden but recoverable from its group
        totals), before its sum's total is hidden.
        """
        sets = self.member_sets
        pinning = [s for s, idx in enumerate(sets) if i in idx and not hidden[self.total_of[s]]]
        partners = {m for s in pinning for m in sets[s] if m != i and self._can_hide(m, hidden)}
        if partners:
            # Prefer a partner in no sum without the cell: it adds no new equation to solve.
            own = {s for s, idx in enumerate(sets) if i in idx}

            def cost(m: int) -> tuple[bool, int, float, int]:
                elsewhere = any(
                    m in idx and s not in own and not self._linking(s) for s, idx in enumerate(sets)
                )
                shared = sum(m in sets[s] for s in own)  # more shared sums: fewer pins left
                return (elsewhere, -shared, float(self.v[m]), m)

            hidden[min(partners, key=cost)] = True
            return True
        members = [
            m
            for s, total in enumerate(self.total_of)
            if total == i
            for m in sets[s]
            if self._can_hide(m, hidden)
        ]
        if members:
            hidden[min(members, key=lambda m: self.v[m])] = True  # first listed of the smallest
            return True
        if self.derived[i]:
            linked = [
                (bool(self.fixed[c]), c == self.total_of[s], c)
                for s, idx in enumerate(sets)
                if i in idx or self.total_of[s] == i
                for c in (*idx, self.total_of[s])
                if c != i and hidden[c] and not self.derived[c] and not self.unpublished[c]
            ]
            for *_, c in sorted(set(linked)):  # the comparison cell before the year's count
                if c not in seen and self.hide_partner(c, hidden, seen | {i}):
                    return True
        totals = [self.total_of[s] for s in pinning if self._can_hide(self.total_of[s], hidden)]
        if totals:
            hidden[min(totals, key=lambda t: (len(sets[self.total_of.index(t)]), t))] = True
            return True
        return False


def _components(
    cells: np.ndarray, equations: list[list[tuple[int, float]]], hidden: np.ndarray
) -> dict[int, tuple[int, ...]]:
    """Each hidden cell's connected set of hidden cells (linked by sharing an equation)."""
    parent = {int(c): int(c) for c in cells}

    def root(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for terms in equations:
        inside = [i for i, _ in terms if hidden[i]]
        for i in inside[1:]:
            parent[root(i)] = root(inside[0])
    groups: dict[int, list[int]] = {}
    for c in parent:
        groups.setdefault(root(c), []).append(c)
    return {c: tuple(sorted(groups[root(c)])) for c in parent}
