"""Small-number suppression for published tables, with secondary suppression, and formatting.

Counts from 1 to a threshold (default 4) are suppressed (primary suppression; 0 is published,
and never hidden, so a reader knows every suppressed cell is at least 1). Further non-zero cells
are then suppressed (secondary suppression) until no suppressed cell can be worked out from the
row and column totals, and no small count can be narrowed to within 1 to the threshold from
them and those reader's bounds (the audit of :mod:`sna.stats.disclosure`, which
:mod:`sna.stats.group_suppression` shares). Published
tables show suppressed cells as "[c]" and unavailable ones as "[x]", the Government Statistical
Service symbols.

References
----------
.. [1] Government Statistical Service. Symbols in tables, definitions and help ("[c]
   confidential", "[x] not available"), Analysis Function guidance, 2021.
.. [2] Hundepool A et al. Statistical Disclosure Control. Wiley, 2012, ch. 4 (cell suppression:
   a suppressed cell is disclosed when the published totals determine it).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sna.stats.checks import check_counts, check_threshold
from sna.stats.disclosure import exceeding, solves

__all__ = [
    "SuppressedTable",
    "suppress_counts",
]


@dataclass(frozen=True)
class SuppressedTable:
    """A count table after suppression.

    Attributes
    ----------
    values : pandas.DataFrame
        The table (same shape, index and columns as the input) as floats, with suppressed cells
        set to NaN.
    mask : pandas.DataFrame
        True where a cell is suppressed (primary or secondary).
    primary : pandas.DataFrame
        True where a cell is suppressed because it is a small count (1 to ``threshold``).
    threshold : int
        The largest count suppressed.
    note : str
        Anything the reader of the table should know ("" when nothing).
    """

    values: pd.DataFrame
    mask: pd.DataFrame
    primary: pd.DataFrame
    threshold: int
    note: str = ""


def suppress_counts(
    table: pd.DataFrame,
    *,
    threshold: int = 4,
    total_row: Hashable | None = None,
    total_col: Hashable | None = None,
    external_totals: bool = True,
) -> SuppressedTable:
    """Suppress small counts in a table, and enough other cells to protect them.

    Parameters
    ----------
    table : pandas.DataFrame
        Counts (whole numbers >= 0; missing values allowed and shown as not available), e.g.
        crimes by district (rows) and crime type (columns), or a one-column table.
    threshold : int, keyword-only
        Counts from 1 to ``threshold`` are suppressed. Default 4.
    total_row, total_col : label, optional, keyword-only
        Labels of a total row / column that are part of ``table``. They are checked against the
        other cells and may themselves be suppressed.
    external_totals : bool, keyword-only
        If True (default, the safe assumption) the totals of rows and columns that have no total
        in ``table`` are taken to be published elsewhere (e.g. district totals in another table),
        so they are protected against too. Rows (columns) are only treated as having totals when
        the table has at least two columns (rows).

    Returns
    -------
    SuppressedTable
        Values with suppressed cells as NaN, the suppression mask and the primary mask.

    Raises
    ------
    ValueError
        If counts are negative or fractional, ``threshold`` is not a whole number >= 1, a total
        label is not in the table, or a total does not equal the sum of its cells.

    Notes
    -----
    Primary suppression hides counts 1 to ``threshold``. A zero is always published, and never
    hidden by secondary suppression either, so a reader knows that every suppressed cell is a
    whole number of at least 1 (a missing cell, shown as not available, is only known to be at
    least 0). The published information is then the unsuppressed cells and the totals, which are
    linear equations in the suppressed cells. A suppressed cell is disclosed when those equations
    determine it, for example when it is the only suppressed cell in its row, but also in
    subtler patterns [2]_; and a small count is disclosed when, with the reader's bounds, it
    cannot be more than ``threshold`` (:func:`sna.stats.disclosure.narrowed`, integer
    programming): the reader would know it is a small count. While a disclosed cell remains, the
    smallest positive unsuppressed cell in its row or column (an inner cell before a total) is
    also suppressed. When none is left, ``note`` says that the table could not be protected.

    Examples
    --------
    >>> t = pd.DataFrame({"Burglary": [3, 40, 55], "Robbery": [12, 9, 20]},
    ...                  index=["Cherwell", "Oxford", "West Oxfordshire"])
    >>> suppress_counts(t).mask
                      Burglary  Robbery
    Cherwell              True     True
    Oxford                True     True
    West Oxfordshire     False    False
    """
    threshold = check_threshold(threshold)
    for label, axis, name in (
        (total_row, table.index, "total_row"),
        (total_col, table.columns, "total_col"),
    ):
        if label is not None and label not in axis:
            raise ValueError(f"{name} {label!r} is not in the table")
    try:
        raw = table.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise ValueError("table must hold counts (numbers) only") from None
    check_counts(raw.ravel(), "table")
    grid = _Grid.build(table, raw, total_row, total_col, external_totals)
    suppressed = grid.suppressible & (grid.values >= 1) & (grid.values <= threshold)
    primary = suppressed.copy()
    note = ""
    while True:
        disclosed = grid.disclosed(suppressed, primary, threshold)
        if not disclosed:
            break
        extra = grid.partner(disclosed, suppressed)
        if extra is None:
            note = "some suppressed cells could not be protected by secondary suppression"
            break
        suppressed[extra] = True
    inner = grid.inner(suppressed)
    mask = pd.DataFrame(inner, index=table.index, columns=table.columns)
    return SuppressedTable(
        values=pd.DataFrame(np.where(inner, np.nan, raw), index=table.index, columns=table.columns),
        mask=mask,
        primary=pd.DataFrame(grid.inner(primary), index=table.index, columns=table.columns),
        threshold=int(threshold),
        note=note,
    )


@dataclass
class _Grid:
    """The table with a total row and column, known or suppressible, and its equations."""

    values: np.ndarray  # (R+1, C+1); NaN for unknown (missing) cells and absent totals
    suppressible: np.ndarray  # cells that may be suppressed (table cells)
    unknown: np.ndarray  # cells never published (missing values)
    equations: list[list[tuple[tuple[int, int], float]]]  # sum of coef * cell = 0
    rows: np.ndarray  # positions in the grid of the table's rows
    cols: np.ndarray
    witnesses: list[np.ndarray] = field(default_factory=list)
    """Whole grids (hidden cells set to a solution) that solved an earlier audit's equations."""

    @classmethod
    def build(
        cls,
        table: pd.DataFrame,
        raw: np.ndarray,
        total_row: Hashable | None,
        total_col: Hashable | None,
        external: bool,
    ) -> _Grid:
        n_r, n_c = raw.shape
        inner_r = [i for i, lab in enumerate(table.index) if total_row is None or lab != total_row]
        inner_c = [
            j for j, lab in enumerate(table.columns) if total_col is None or lab != total_col
        ]
        tr = None if total_row is None else table.index.get_loc(total_row)
        tc = None if total_col is None else table.columns.get_loc(total_col)
        r, c = len(inner_r), len(inner_c)
        values = np.full((r + 1, c + 1), np.nan)
        suppressible = np.zeros((r + 1, c + 1), dtype=bool)
        rows = np.empty(n_r, dtype=int)
        cols = np.empty(n_c, dtype=int)
        rows[inner_r], cols[inner_c] = np.arange(r), np.arange(c)
        if tr is not None:
            rows[tr] = r
        if tc is not None:
            cols[tc] = c
        values[np.ix_(rows, cols)] = raw
        suppressible[np.ix_(rows, cols)] = True
        unknown = suppressible & np.isnan(values)
        row_totals = tc is not None or (external and c >= 2)
        col_totals = tr is not None or (external and r >= 2)
        if tc is None and row_totals:
            values[:r, c] = values[:r, :c].sum(axis=1)  # published elsewhere; NaN if unknown
        if tr is None and col_totals:
            values[r, :c] = values[:r, :c].sum(axis=0)
        if row_totals and col_totals and not (tr is not None and tc is not None):
            values[r, c] = (
                np.nansum(values[:r, :c]) if not np.isnan(values[:r, :c]).any() else np.nan
            )
        _check_totals(values, r, c, row_totals=row_totals, col_totals=col_totals, table=table)
        equations = []
        if row_totals:
            for i in range(r + (1 if col_totals else 0)):
                if i == r or not np.isnan(values[i, c]) or tc is not None:
                    equations.append([((i, j), 1.0) for j in range(c)] + [((i, c), -1.0)])
        if col_totals:
            for j in range(c + (1 if row_totals else 0)):
                if j == c or not np.isnan(values[r, j]) or tr is not None:
                    equations.append([((i, j), 1.0) for i in range(r)] + [((r, j), -1.0)])
        # A fixed (external) total that is unknown removes its equation: nobody can use it.
        equations = [
            eq
            for eq in equations
            if not any(np.isnan(values[cell]) and not suppressible[cell] for cell, _ in eq)
        ]
        return cls(values, suppressible, unknown, equations, rows, cols)

    def inner(self, grid_mask: np.ndarray) -> np.ndarray:
        """A grid-shaped mask back in the table's shape and order."""
        return grid_mask[np.ix_(self.rows, self.cols)]

    def _matrix(self, hidden: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int]]]:
        cells = [(int(i), int(j)) for i, j in np.argwhere(hidden)]
        position = {cell: k for k, cell in enumerate(cells)}
        a = np.zeros((len(self.equations), len(cells)))
        for e, eq in enumerate(self.equations):
            for cell, coef in eq:
                if cell in position:
                    a[e, position[cell]] = coef
        return a, cells

    def disclosed(
        self, suppressed: np.ndarray, primary: np.ndarray, threshold: int
    ) -> list[tuple[int, int]]:
        """Suppressed cells that the totals determine, else a small count narrowed to 1-threshold.

        The second audit gives every suppressed cell the reader's lower bound of 1.
        """
        hidden = suppressed | self.unknown
        a, cells = self._matrix(hidden)
        if not cells:
            return []
        _, sing, vt = np.linalg.svd(a) if a.size else (None, np.array([]), np.eye(len(cells)))
        rank = int(np.sum(sing > 1e-9 * max(1.0, sing.max(initial=0.0))))
        null = vt[rank:].T  # columns span the null space
        free = np.linalg.norm(null, axis=1) > 1e-9 if null.size else np.zeros(len(cells), bool)
        found = [cell for cell, ok in zip(cells, free, strict=True) if not ok and suppressed[cell]]
        if found:
            return found
        return self._narrowed(primary, hidden, a, cells, threshold)

    def _narrowed(
        self,
        primary: np.ndarray,
        hidden: np.ndarray,
        a: np.ndarray,
        cells: list[tuple[int, int]],
        threshold: int,
    ) -> list[tuple[int, int]]:
        """The first small count that cannot exceed ``threshold`` given the reader's bounds (>= 1).

        Each candidate needs a whole-number solution that gives it more than ``threshold``
        (:func:`sna.stats.disclosure.exceeding`). A solution found for one candidate, checked
        exactly against the equations and bounds, is kept (:attr:`witnesses`, as a whole grid) and
        spares the programme for every later candidate it also gives more than ``threshold``, in
        this audit and the next ones of the same table (checked again against each: hiding more
        cells keeps a grid a solution). Which candidate is found is the same as solving for each.
        """
        known = np.where(hidden, 0.0, np.nan_to_num(self.values))
        b = np.array([-sum(coef * known[cell] for cell, coef in eq) for eq in self.equations])
        lower = np.array([0.0 if self.unknown[cell] else 1.0 for cell in cells])
        at = tuple(np.array(cells).T)
        proofs = [x for x in (grid[at] for grid in self.witnesses) if solves(a, b, x, lower=lower)]
        for k, cell in enumerate(cells):
            if not primary[cell] or any(x[k] > threshold for x in proofs):
                continue
            x = exceeding(a, b, k, threshold + 1, lower=lower)
            if x is None:
                return [cell]
            if solves(a, b, x, lower=lower):
                proofs.append(x)
                grid = np.nan_to_num(self.values)
                grid[at] = x
                self.witnesses.append(grid)
        return []

    def partner(
        self, disclosed: list[tuple[int, int]], suppressed: np.ndarray
    ) -> tuple[int, int] | None:
        """The next cell to suppress: the smallest positive one beside a disclosed cell.

        A line (row or column equation) with a single hidden cell is mended first, with another
        cell of that line; otherwise a cell in the row or column of the first disclosed cell.
        A zero is never chosen: a reader would take it for a count of at least 1.
        """
        hidden = suppressed | self.unknown
        lines = [[cell for cell, _ in eq] for eq in self.equations]
        lonely = [
            line
            for line in lines
            if sum(bool(hidden[cell]) for cell in line) == 1
            and any(suppressed[cell] for cell in line)
        ]
        if lonely:
            pools = [lonely[0]]
        else:
            i0, j0 = disclosed[0]
            n_rows, n_cols = self.values.shape
            pools = [[(i, j) for i, j in np.ndindex(n_rows, n_cols) if i == i0 or j == j0]]
        pools.append([(int(i), int(j)) for i, j in np.ndindex(*self.values.shape)])
        last_row, last_col = self.values.shape[0] - 1, self.values.shape[1] - 1
        for pool in pools:
            candidates = [
                ((cell[0] == last_row or cell[1] == last_col), self.values[cell], cell)
                for cell in pool
                if self.suppressible[cell] and not hidden[cell] and self.values[cell] > 0
            ]
            if candidates:
                return min(candidates)[2]
        return None


def _check_totals(
    values: np.ndarray, r: int, c: int, *, row_totals: bool, col_totals: bool, table: pd.DataFrame
) -> None:
    """Raise if an in-table total differs from the sum of its cells."""
    if row_totals:
        sums = values[: r + 1, :c].sum(axis=1)
        bad = np.flatnonzero(
            ~np.isnan(sums) & ~np.isnan(values[: r + 1, c]) & (sums != values[: r + 1, c])
        )
        if bad.size:
            raise ValueError(f"a row total does not equal the sum of its row (row {bad[0] + 1})")
    if col_totals:
        sums = values[:r, : c + 1].sum(axis=0)
        bad = np.flatnonzero(
            ~np.isnan(sums) & ~np.isnan(values[r, : c + 1]) & (sums != values[r, : c + 1])
        )
        if bad.size:
            raise ValueError(
                f"a column total does not equal the sum of its column (column {bad[0] + 1})"
            )
