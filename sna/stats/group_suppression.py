"""Small-number suppression that holds across overlapping groups of categories.

A report publishes counts by crime type and, in other tables, totals of groups of crime types
(all crime, violence, acquisitive crime, ...) that overlap. Suppressing each table on its own is
not enough: a cell hidden in one table but shown in another, or a group total minus the visible
members, gives the hidden value away. :func:`suppress_grouped` decides one mask for the members
and the group totals together, and checks it by linear programming (the audit of
:mod:`sna.stats.disclosure`, shared with :func:`sna.stats.suppression.suppress_counts`): no hidden
small value is fixed by the published ones.

References
----------
.. [1] Hundepool A et al. Statistical Disclosure Control. Wiley, 2012, ch. 4 (cell suppression
   in linked tables; auditing suppression patterns with linear programming).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sna.stats.checks import check_threshold
from sna.stats.disclosure import pinned

__all__ = ["suppress_grouped"]

PINNED_WITHIN = 1 - 1e-9
"""A small count is disclosed when its feasible range leaves no second whole number."""


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
    Primary suppression hides members and group totals from 1 to ``threshold``. Then, while an
    audit finds a small count that the published ones fix to one whole number (its minimum and
    maximum subject to every published group total and non-negativity are less than 1 apart),
    another cell is hidden: a visible
    member of a group that pins it (preferring one that belongs to no other group, then one in
    the most of its groups, then the smallest positive), else that group's total. Cells hidden only to protect others may
    themselves be derivable; that reveals no small count.

    Examples
    --------
    >>> counts = pd.Series({"Robbery": 11, "Bicycle theft": 3, "Burglary": 76, "Drugs": 37})
    >>> members, totals = suppress_grouped(counts, {"All": list(counts.index), "Theft": ["Robbery", "Bicycle theft"]})
    >>> members[members].index.tolist(), totals[totals].index.tolist()
    (['Robbery', 'Bicycle theft'], [])
    """
    threshold = check_threshold(threshold)
    v = values.to_numpy(dtype=float, na_value=np.nan)
    if (v[~np.isnan(v)] < 0).any() or (v[~np.isnan(v)] % 1).any():
        raise ValueError("values must be whole numbers >= 0")
    labels = list(values.index)
    names = list(groups)
    member_sets = []
    for name in names:
        missing = [m for m in groups[name] if m not in values.index]
        if missing:
            raise ValueError(f"group {name!r} names {missing[0]!r}, which is not in values")
        member_sets.append([labels.index(m) for m in groups[name]])
    totals = np.array(
        [np.nansum(v[idx]) if not np.isnan(v[idx]).any() else np.nan for idx in member_sets]
    )
    hidden = np.isnan(v) | ((v >= 1) & (v <= threshold))
    hidden_total = np.isnan(totals) | ((totals >= 1) & (totals <= threshold))
    sensitive = {("member", int(i)) for i in np.flatnonzero((v >= 1) & (v <= threshold))}
    sensitive |= {("total", int(g)) for g in np.flatnonzero((totals >= 1) & (totals <= threshold))}
    while True:
        pinned = _pinned(v, totals, member_sets, hidden, hidden_total, sensitive)
        if pinned is None:
            break
        kind, i = pinned
        if not _hide_partner(kind, i, v, member_sets, hidden, hidden_total):
            hidden[:] = True  # nothing left to protect it with: hide everything
            hidden_total[:] = True
            break
    return pd.Series(hidden, index=values.index), pd.Series(hidden_total, index=pd.Index(names))


def _pinned(
    v: np.ndarray,
    totals: np.ndarray,
    member_sets: list[list[int]],
    hidden: np.ndarray,
    hidden_total: np.ndarray,
    sensitive: set[tuple[str, int]],
) -> tuple[str, int] | None:
    """The first small (sensitive) count whose value the published cells determine, if any.

    Cells hidden only to protect others may be worked out: that discloses no small count.
    """
    cells = [("member", int(i)) for i in np.flatnonzero(hidden)]
    cells += [("total", int(g)) for g in np.flatnonzero(hidden_total)]
    if not cells:
        return None
    column = {cell: k for k, cell in enumerate(cells)}
    rows, rhs = [], []
    for g, idx in enumerate(member_sets):
        row = np.zeros(len(cells))
        known = 0.0
        for i in idx:
            if hidden[i]:
                row[column[("member", i)]] += 1
            else:
                known += v[i]
        if hidden_total[g]:
            row[column[("total", g)]] -= 1
            target = -known
        else:
            target = totals[g] - known
        if row.any():
            rows.append(row)
            rhs.append(target)
    if not rows:
        return None
    a_eq, b_eq = np.array(rows), np.array(rhs)
    candidates = [k for k, cell in enumerate(cells) if cell in sensitive]
    first = next(pinned(a_eq, b_eq, candidates, tolerance=PINNED_WITHIN), None)
    return None if first is None else cells[first]


def _hide_partner(
    kind: str,
    i: int,
    v: np.ndarray,
    member_sets: list[list[int]],
    hidden: np.ndarray,
    hidden_total: np.ndarray,
) -> bool:
    """Hide one more cell to protect a pinned one; False if there is none left to hide."""
    if kind == "total":
        candidates = [m for m in member_sets[i] if not hidden[m]]
        if candidates:
            hidden[min(candidates, key=lambda m: (v[m] == 0, v[m]))] = True
            return True
        return False
    pinning = [g for g, idx in enumerate(member_sets) if i in idx and not hidden_total[g]]
    partners = {m for g in pinning for m in member_sets[g] if not hidden[m] and m != i}
    if partners:
        # Prefer a partner in no group without the pinned cell: it adds no new equation to solve.
        own = {g for g, idx in enumerate(member_sets) if i in idx}

        def cost(m: int) -> tuple[bool, int, bool, float]:
            elsewhere = any(m in idx and g not in own for g, idx in enumerate(member_sets))
            shared = sum(m in member_sets[g] for g in own)  # more shared groups: fewer pins left
            return (elsewhere, -shared, v[m] == 0, v[m])

        hidden[min(partners, key=cost)] = True
        return True
    if pinning:
        hidden_total[min(pinning, key=lambda g: len(member_sets[g]))] = True
        return True
    return False
