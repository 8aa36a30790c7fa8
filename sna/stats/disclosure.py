"""Disclosure audit by linear programming: whether a hidden cell can take only one value.

Both suppression routines (:func:`sna.stats.suppression.suppress_counts` for a table with row and
column totals, :func:`sna.stats.group_suppression.suppress_grouped` for overlapping groups of
categories) describe what is published as linear equations ``A x = b`` in the hidden cells ``x``,
which are counts and so ``>= 0``. A hidden cell is disclosed when its smallest and largest values
under those constraints are (nearly) equal. Each caller chooses how near counts as equal.

References
----------
.. [1] Hundepool A et al. Statistical Disclosure Control. Wiley, 2012, ch. 4 (auditing a cell
   suppression pattern with linear programming).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
from scipy import optimize as _opt

__all__ = ["bounds", "pinned"]


def bounds(a_eq: np.ndarray, b_eq: np.ndarray, k: int) -> tuple[float, float] | None:
    """The smallest and largest value hidden cell ``k`` can take, or None if either is unknown.

    Parameters
    ----------
    a_eq : numpy.ndarray
        Equations over the hidden cells, one row per equation, one column per cell.
    b_eq : numpy.ndarray
        Their right-hand sides (what the published cells and totals leave for the hidden ones).
    k : int
        Column of the cell in ``a_eq``.

    Returns
    -------
    (float, float) or None
        Minimum and maximum of ``x[k]`` subject to ``a_eq @ x == b_eq`` and ``x >= 0`` (HiGHS
        linear programming); None when either programme fails (infeasible or unbounded).

    Examples
    --------
    Two hidden cells that sum to 5:

    >>> bounds(np.array([[1.0, 1.0]]), np.array([5.0]), 0)
    (0.0, 5.0)
    >>> print(bounds(np.array([[1.0, -1.0]]), np.array([0.0]), 0))  # x0 = x1: no upper bound
    None
    """
    cost = np.zeros(a_eq.shape[1])
    cost[k] = 1.0
    low = _opt.linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    high = _opt.linprog(-cost, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if low.status != 0 or high.status != 0:
        return None
    return float(low.fun), float(-high.fun)


def pinned(
    a_eq: np.ndarray, b_eq: np.ndarray, candidates: Iterable[int], *, tolerance: float
) -> Iterator[int]:
    """The candidate cells, in the order given, whose range is narrower than ``tolerance``.

    Parameters
    ----------
    a_eq, b_eq : numpy.ndarray
        The published equations over the hidden cells (see :func:`bounds`).
    candidates : iterable of int
        Columns of ``a_eq`` to audit, in order.
    tolerance : float, keyword-only
        A cell is pinned when its largest value minus its smallest is below this (e.g. 0.5, or
        ``1 - 1e-9`` for "no second whole number").

    Yields
    ------
    int
        Each pinned candidate, lazily: stop iterating to stop solving.

    Examples
    --------
    Cells 0 and 1 sum to 5; cell 2 alone equals 3:

    >>> a = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    >>> list(pinned(a, np.array([5.0, 3.0]), range(3), tolerance=0.5))
    [2]
    """
    for k in candidates:
        found = bounds(a_eq, b_eq, k)
        if found is not None and found[1] - found[0] < tolerance:
            yield k
