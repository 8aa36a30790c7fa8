"""Disclosure audit: what a reader can work out about a hidden cell from the published figures.

Both suppression routines (:func:`sna.stats.suppression.suppress_counts` for a table with row and
column totals, :func:`sna.stats.group_suppression.suppress_grouped` and
:func:`~sna.stats.group_suppression.suppress_linked` for overlapping groups of categories and
tables that share cells) describe what is published as linear equations ``A x = b`` in the
hidden cells ``x``. The reader's bounds come with them: every hidden cell is a whole number, and
one that a reader knows is not zero (zeros are published as "0" and never hidden, so every
"[c]" is at least 1) has a lower bound of 1; a cell that is simply not available has 0. Nothing
bounds a hidden cell from above except the equations: a reader cannot tell a small count hidden
as such (1 to the threshold) from a larger one hidden to protect it.

A small count is disclosed when the reader can narrow it to within 1 to the threshold, that is
when no whole-number solution gives it more than the threshold (:func:`narrowed`); a count
pinned to one value is the extreme case.

References
----------
.. [1] Hundepool A et al. Statistical Disclosure Control. Wiley, 2012, ch. 4 (auditing a cell
   suppression pattern with linear programming; protection intervals).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
from scipy import optimize as _opt

__all__ = ["bounds", "can_exceed", "exceeding", "narrowed", "pinned", "solves"]


def _lower(lower: float | np.ndarray, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(lower, dtype=float), (n,)).copy()


def bounds(
    a_eq: np.ndarray, b_eq: np.ndarray, k: int, *, lower: float | np.ndarray = 0.0
) -> tuple[float, float] | None:
    """The smallest and largest value hidden cell ``k`` can take, or None if either is unknown.

    Parameters
    ----------
    a_eq : numpy.ndarray
        Equations over the hidden cells, one row per equation, one column per cell.
    b_eq : numpy.ndarray
        Their right-hand sides (what the published cells and totals leave for the hidden ones).
    k : int
        Column of the cell in ``a_eq``.
    lower : float or numpy.ndarray, keyword-only
        The reader's lower bound of every cell (or of each). Default 0.

    Returns
    -------
    (float, float) or None
        Minimum and maximum of ``x[k]`` subject to ``a_eq @ x == b_eq`` and ``x >= lower``
        (HiGHS linear programming); None when either programme fails (infeasible or unbounded).

    Examples
    --------
    Two hidden cells that sum to 5:

    >>> bounds(np.array([[1.0, 1.0]]), np.array([5.0]), 0)
    (0.0, 5.0)
    >>> bounds(np.array([[1.0, 1.0]]), np.array([5.0]), 0, lower=1)
    (1.0, 4.0)
    >>> print(bounds(np.array([[1.0, -1.0]]), np.array([0.0]), 0))  # x0 = x1: no upper bound
    None
    """
    cost = np.zeros(a_eq.shape[1])
    cost[k] = 1.0
    box = [(lo, None) for lo in _lower(lower, a_eq.shape[1])]
    low = _opt.linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=box, method="highs")
    high = _opt.linprog(-cost, A_eq=a_eq, b_eq=b_eq, bounds=box, method="highs")
    if low.status != 0 or high.status != 0:
        return None
    return float(low.fun), float(-high.fun)


def pinned(
    a_eq: np.ndarray,
    b_eq: np.ndarray,
    candidates: Iterable[int],
    *,
    tolerance: float,
    lower: float | np.ndarray = 0.0,
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
    lower : float or numpy.ndarray, keyword-only
        The reader's lower bounds (see :func:`bounds`). Default 0.

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
        found = bounds(a_eq, b_eq, k, lower=lower)
        if found is not None and found[1] - found[0] < tolerance:
            yield k


def can_exceed(
    a_eq: np.ndarray, b_eq: np.ndarray, k: int, level: float, *, lower: float | np.ndarray
) -> bool:
    """Whether some whole-number solution of the published equations gives cell ``k`` ``>= level``.

    Parameters
    ----------
    a_eq, b_eq : numpy.ndarray
        The published equations over the hidden cells (see :func:`bounds`).
    k : int
        Column of the cell in ``a_eq``.
    level : float
        The value to reach.
    lower : float or numpy.ndarray, keyword-only
        The reader's lower bound of every cell (or of each).

    Returns
    -------
    bool
        True when ``a_eq @ x == b_eq``, ``x >= lower``, ``x[k] >= level`` has a solution in whole
        numbers (HiGHS mixed-integer programming; :func:`exceeding` gives the solution).

    Examples
    --------
    Two hidden cells, each at least 1, that sum to 5: neither can be 5.

    >>> a, b = np.array([[1.0, 1.0]]), np.array([5.0])
    >>> can_exceed(a, b, 0, 4, lower=1), can_exceed(a, b, 0, 5, lower=1)
    (True, False)
    """
    return exceeding(a_eq, b_eq, k, level, lower=lower) is not None


def exceeding(
    a_eq: np.ndarray, b_eq: np.ndarray, k: int, level: float, *, lower: float | np.ndarray
) -> np.ndarray | None:
    """A whole-number solution of the published equations with cell ``k`` ``>= level``, or None.

    The same programme as :func:`can_exceed` (None exactly when it is False), giving the solution
    HiGHS found: a caller can keep it as a witness that other cells can exceed a level too.

    Parameters
    ----------
    a_eq, b_eq, k, level, lower
        As for :func:`can_exceed`.

    Returns
    -------
    numpy.ndarray or None
        None when no whole-number solution exists. Otherwise HiGHS's solution, one value per hidden
        cell, rounded to whole numbers when they satisfy ``a_eq @ x == b_eq`` and the bounds
        exactly, else as HiGHS gave it (its values then prove feasibility only within HiGHS's
        tolerances).

    Examples
    --------
    >>> x = exceeding(np.array([[1.0, 1.0]]), np.array([5.0]), 0, 4, lower=1)
    >>> x.tolist()
    [4.0, 1.0]
    >>> print(exceeding(np.array([[1.0, 1.0]]), np.array([5.0]), 0, 5, lower=1))
    None
    """
    n = a_eq.shape[1]
    low = _lower(lower, n)
    low[k] = max(low[k], level)
    constraints = [_opt.LinearConstraint(a_eq, b_eq, b_eq)] if a_eq.shape[0] else []
    result = _opt.milp(
        np.zeros(n),
        constraints=constraints,
        integrality=np.ones(n),
        bounds=_opt.Bounds(low, np.inf),
    )
    if result.status != 0:
        return None
    x = np.asarray(result.x, dtype=float)
    whole = np.round(x)
    return whole if solves(a_eq, b_eq, whole, lower=low) else x


def solves(a_eq: np.ndarray, b_eq: np.ndarray, x: np.ndarray, *, lower: np.ndarray) -> bool:
    """Whether ``x`` is a whole-number solution of ``a_eq @ x == b_eq`` with ``x >= lower``, exactly.

    Examples
    --------
    >>> a, b = np.array([[1.0, 1.0]]), np.array([5.0])
    >>> solves(a, b, np.array([4.0, 1.0]), lower=np.ones(2))
    True
    >>> solves(a, b, np.array([5.0, 0.0]), lower=np.ones(2))  # below a reader's bound
    False
    >>> solves(a, b, np.array([4.5, 0.5]), lower=np.zeros(2))  # not whole numbers
    False
    """
    return (
        bool(np.all(x >= lower))
        and bool(np.all(x == np.round(x)))
        and bool(np.array_equal(a_eq @ x, b_eq))
    )


def narrowed(
    a_eq: np.ndarray,
    b_eq: np.ndarray,
    candidates: Iterable[int],
    *,
    threshold: int,
    lower: float | np.ndarray,
) -> Iterator[int]:
    """The candidate cells, in the order given, that a reader can narrow to at most ``threshold``.

    A small count (1 to ``threshold``) is disclosed when no whole-number solution of the
    published equations, within the reader's bounds, gives it more than ``threshold``: the reader
    then knows it is a small count, or even its value.

    Parameters
    ----------
    a_eq, b_eq : numpy.ndarray
        The published equations over the hidden cells (see :func:`bounds`).
    candidates : iterable of int
        Columns of ``a_eq`` to audit, in order.
    threshold : int, keyword-only
        The largest small count.
    lower : float or numpy.ndarray, keyword-only
        The reader's lower bound of every cell (or of each): 1 for a hidden count, 0 for a cell
        that is not available.

    Yields
    ------
    int
        Each disclosed candidate, lazily: stop iterating to stop solving.

    Examples
    --------
    Two hidden counts of 3 and 2 in a column whose total 5 is published: each is known to be
    1 to 4. Hiding a third count of 60 (total 65) protects them.

    >>> list(narrowed(np.array([[1.0, 1.0]]), np.array([5.0]), [0, 1], threshold=4, lower=1))
    [0, 1]
    >>> list(narrowed(np.array([[1.0, 1, 1]]), np.array([65.0]), [0, 1], threshold=4, lower=1))
    []
    """
    lower_ = _lower(lower, a_eq.shape[1])
    for k in candidates:
        if not can_exceed(a_eq, b_eq, k, threshold + 1, lower=lower_):
            yield k
