"""Tests for sna.stats.suppression (primary and secondary suppression, formatting) and for the
linear-programming audit it shares with sna.stats.group_suppression (sna.stats.disclosure).

The property test checks disclosure independently of the library: for every suppressed cell it
asks a linear programme (scipy.optimize.linprog) for the smallest and largest value the cell
could take given the published cells, the row and column totals and non-negativity; a cell is
recoverable when the two coincide. It also asks an integer programme (scipy.optimize.milp)
whether each small count could be more than the threshold for a reader who knows that every
"[c]" is at least 1 (zeros are published): if not, the reader knows it is a small count.
"""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

import sna.stats.disclosure
import sna.stats.suppression
from sna.report.tables import format_count, suppression_note
from sna.stats.disclosure import bounds, pinned
from sna.stats.suppression import SuppressedTable, suppress_counts

VALUES = st.sampled_from([0, 0, 1, 2, 3, 4, 5, 7, 12, 30])


@pytest.mark.parametrize("module", [sna.stats.suppression, sna.stats.disclosure])
def test_docstring_examples(module) -> None:
    assert doctest.testmod(module, raise_on_error=False).failed == 0


def _published(result: SuppressedTable, column: object) -> list[str]:
    """A column as published: the values with the suppression and missing markers."""
    return [
        format_count(v, bool(m))
        for v, m in zip(result.values[column], result.mask[column], strict=True)
    ]


def _feasible_range(
    full: np.ndarray, hidden: np.ndarray, equations: list[list[tuple[tuple[int, int], float]]]
) -> dict[tuple[int, int], tuple[float, float]]:
    """Min and max of each hidden cell given the other cells, equations (= 0) and x >= 0."""
    cells = [tuple(c) for c in np.argwhere(np.ones_like(full, dtype=bool))]
    index = {cell: k for k, cell in enumerate(cells)}
    a_eq = np.zeros((len(equations), len(cells)))
    for e, eq in enumerate(equations):
        for cell, coef in eq:
            a_eq[e, index[cell]] = coef
    bounds = [(0, None) if hidden[cell] else (full[cell], full[cell]) for cell in cells]
    ranges = {}
    for cell in cells:
        if not hidden[cell]:
            continue
        cost = np.zeros(len(cells))
        cost[index[cell]] = 1
        low = linprog(cost, A_eq=a_eq, b_eq=np.zeros(len(equations)), bounds=bounds, method="highs")
        high = linprog(
            -cost, A_eq=a_eq, b_eq=np.zeros(len(equations)), bounds=bounds, method="highs"
        )
        assert low.status == 0, low.message
        ranges[cell] = (low.fun, np.inf if high.status == 3 else -high.fun)  # 3: unbounded
    return ranges


def _with_totals(table: np.ndarray) -> tuple[np.ndarray, list]:
    """The table with a total column and row appended, and its additivity equations."""
    r, c = table.shape
    full = np.zeros((r + 1, c + 1))
    full[:r, :c] = table
    full[:r, c] = table.sum(axis=1)
    full[r, :c] = table.sum(axis=0)
    full[r, c] = table.sum()
    equations = []
    if c >= 2:
        equations += [[((i, j), 1.0) for j in range(c)] + [((i, c), -1.0)] for i in range(r)]
    if r >= 2:
        equations += [[((i, j), 1.0) for i in range(r)] + [((r, j), -1.0)] for j in range(c)]
    return full, equations


def _can_exceed(full: np.ndarray, hidden: np.ndarray, equations: list, cell, level: float) -> bool:
    """Whether a whole-number table with the published cells, every hidden cell >= 1 and the
    totals' equations gives ``cell`` a value of at least ``level`` (independent MILP)."""
    cells = [tuple(c) for c in np.argwhere(np.ones_like(full, dtype=bool))]
    index = {c: k for k, c in enumerate(cells)}
    a_eq = np.zeros((max(len(equations), 1), len(cells)))
    for e, eq in enumerate(equations):
        for c, coef in eq:
            a_eq[e, index[c]] = coef
    low = np.array([1.0 if hidden[c] else full[c] for c in cells])
    high = np.array([np.inf if hidden[c] else full[c] for c in cells])
    low[index[cell]] = max(low[index[cell]], level)
    result = milp(
        np.zeros(len(cells)),
        constraints=LinearConstraint(a_eq, 0, 0),
        integrality=np.ones(len(cells)),
        bounds=Bounds(low, high),
    )
    return result.status == 0


def _narrowed_small_counts(full, hidden, equations, threshold: int = 4) -> list:
    small = [tuple(c) for c in np.argwhere(hidden & (full >= 1) & (full <= threshold))]
    return [c for c in small if not _can_exceed(full, hidden, equations, c, threshold + 1)]


def _assert_nothing_recoverable(table: np.ndarray, mask: np.ndarray, in_table_totals: bool) -> None:
    full, equations = _with_totals(table) if not in_table_totals else _totals_in_table(table)
    hidden = np.zeros(full.shape, dtype=bool)
    hidden[: mask.shape[0], : mask.shape[1]] = mask
    for cell, (low, high) in _feasible_range(full, hidden, equations).items():
        assert high - low > 0.5, f"cell {cell} (value {full[cell]}) is recoverable: {low}..{high}"
    narrowed = _narrowed_small_counts(full, hidden, equations)
    assert not narrowed, f"small counts {narrowed} are recoverable: a reader knows they are 1-4"


def _totals_in_table(table: np.ndarray) -> tuple[np.ndarray, list]:
    """The table already holds a total row and column (last ones): all cells may be hidden."""
    r, c = table.shape[0] - 1, table.shape[1] - 1
    equations = [[((i, j), 1.0) for j in range(c)] + [((i, c), -1.0)] for i in range(r + 1)]
    equations += [[((i, j), 1.0) for i in range(r)] + [((r, j), -1.0)] for j in range(c + 1)]
    return table.astype(float), equations


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(1, 5).flatmap(
        lambda r: st.integers(1, 5).flatmap(
            lambda c: st.lists(st.lists(VALUES, min_size=c, max_size=c), min_size=r, max_size=r)
        )
    )
)
def test_no_suppressed_cell_can_be_recovered_from_totals(rows) -> None:
    table = np.array(rows, dtype=float)
    result = suppress_counts(pd.DataFrame(table))
    mask = result.mask.to_numpy()
    primary = (table >= 1) & (table <= 4)
    assert (mask >= primary).all(), "every count of 1 to 4 is suppressed"
    assert not (result.primary.to_numpy() ^ primary).any()
    assert np.isnan(result.values.to_numpy()[mask]).all()
    np.testing.assert_array_equal(result.values.to_numpy()[~mask], table[~mask])
    assert not mask[table == 0].any(), "zeros are published, never hidden"
    if result.note:
        # The library says it cannot protect the table; then nothing can: every count but the
        # zeros is hidden and a small count is still worked out (e.g. zero or small totals).
        assert "could not be protected" in result.note
        assert (mask == (table > 0)).all()
        with pytest.raises(AssertionError, match="recoverable"):
            _assert_nothing_recoverable(table, mask, in_table_totals=False)
    else:
        _assert_nothing_recoverable(table, mask, in_table_totals=False)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(2, 4).flatmap(
        lambda r: st.integers(2, 4).flatmap(
            lambda c: st.lists(st.lists(VALUES, min_size=c, max_size=c), min_size=r, max_size=r)
        )
    )
)
def test_in_table_totals_are_protected_too(rows) -> None:
    inner = np.array(rows, dtype=float)
    frame = pd.DataFrame(inner, columns=[f"c{j}" for j in range(inner.shape[1])])
    frame["Total"] = frame.sum(axis=1)
    frame.loc["Total"] = frame.sum(axis=0)
    result = suppress_counts(frame, total_row="Total", total_col="Total")
    table = frame.to_numpy()
    assert (result.mask.to_numpy() >= ((table >= 1) & (table <= 4))).all()
    assert result.note == ""
    _assert_nothing_recoverable(table, result.mask.to_numpy(), in_table_totals=True)


def test_primary_suppression_is_1_to_threshold_and_zero_is_published() -> None:
    table = pd.DataFrame({"a": [0, 1, 4, 5, 100], "b": [0, 6, 4, 10, 9]})
    result = suppress_counts(table, threshold=4, external_totals=False)
    assert result.primary["a"].tolist() == [False, True, True, False, False]
    assert result.mask.equals(result.primary)  # no totals published, nothing to protect
    assert isinstance(result, SuppressedTable) and result.threshold == 4
    assert suppress_counts(table, threshold=9, external_totals=False).primary["b"].tolist() == [
        False,
        True,
        True,
        False,
        True,
    ]


def test_one_column_table_needs_two_suppressed_cells() -> None:
    counts = pd.DataFrame({"count": [3, 50, 60, 0]}, index=["A", "B", "C", "D"])
    result = suppress_counts(counts)
    assert result.mask["count"].tolist() == [True, True, False, False]
    assert _published(result, "count") == ["[c]", "[c]", "60", "0"]


def test_unprotectable_table_is_flagged() -> None:
    # Row 0 and column 0 total 0, so the 1 equals the grand total whatever is hidden.
    result = suppress_counts(pd.DataFrame([[0, 0], [0, 1]]))
    assert "could not be protected" in result.note
    assert result.mask.to_numpy().tolist() == [[False, False], [False, True]]  # zeros published


def test_small_counts_cannot_be_narrowed_to_1_to_threshold() -> None:
    """Two hidden counts whose total is 5: a reader who knows each is at least 1 (zeros are
    published) knows each is 1 to 4. A third count is hidden with them."""
    counts = pd.DataFrame({"count": [3, 2, 60, 0]}, index=["A", "B", "C", "D"])
    result = suppress_counts(counts)
    assert result.mask["count"].tolist() == [True, True, True, False]
    full, equations = _with_totals(counts.to_numpy(dtype=float))
    hidden = np.zeros(full.shape, dtype=bool)
    hidden[:3, 0] = True
    assert _narrowed_small_counts(full, hidden, equations) == []
    hidden[2, 0] = False  # the mask of the old rule: 3 and 2 hidden, known to be 1-4
    assert _narrowed_small_counts(full, hidden, equations) == [(0, 0), (1, 0)]


def test_a_zero_is_never_hidden_to_protect_another_cell() -> None:
    # The 2's row has a 0 and a 5; the 5 is hidden with it (and a column partner), not the 0.
    result = suppress_counts(pd.DataFrame({"a": [2, 9], "b": [0, 30], "c": [5, 7]}))
    assert result.mask.to_numpy().tolist() == [[True, False, True], [True, False, True]]
    assert result.note == ""
    # With only the 0 beside it, the 2 equals its row total (2): nothing protects it.
    result = suppress_counts(pd.DataFrame({"a": [2, 9], "b": [0, 30]}))
    assert not result.mask.loc[0, "b"] and "could not be protected" in result.note


def test_all_suppressed_table() -> None:
    table = pd.DataFrame([[1, 2], [3, 4]], index=["x", "y"], columns=["p", "q"])
    result = suppress_counts(table)
    assert result.mask.all().all()
    assert result.values.isna().all().all()
    assert all(_published(result, col) == ["[c]", "[c]"] for col in table.columns)


def test_missing_cells_are_shown_as_not_available() -> None:
    table = pd.DataFrame({"a": [np.nan, 10, 20], "b": [2, 30, 40]})
    result = suppress_counts(table)
    assert not result.mask.loc[0, "a"]
    assert result.mask.loc[0, "b"]
    assert _published(result, "a")[0] == "[x]"


def test_input_is_not_mutated_and_labels_kept() -> None:
    table = pd.DataFrame({"Burglary": [3, 40], "Robbery": [12, 9]}, index=["Cherwell", "Oxford"])
    before = table.copy()
    result = suppress_counts(table)
    pd.testing.assert_frame_equal(table, before)
    assert result.values.index.equals(table.index) and result.mask.columns.equals(table.columns)


@pytest.mark.parametrize(
    ("table", "kwargs", "message"),
    [
        (pd.DataFrame({"a": [-1, 2]}), {}, "table must be >= 0"),
        (pd.DataFrame({"a": [1.5, 2]}), {}, "table must be whole numbers"),
        (pd.DataFrame({"a": [1, 2]}), {"threshold": 0}, "threshold must be a whole number >= 1"),
        (pd.DataFrame({"a": [1, 2]}), {"threshold": 4.0}, "threshold must be a whole number >= 1"),
        (
            pd.DataFrame({"a": [1, 2]}),
            {"total_row": "Total"},
            "total_row 'Total' is not in the table",
        ),
        (
            pd.DataFrame({"a": [1, 2], "Total": [1, 3]}),
            {"total_col": "Total"},
            "row total does not equal",
        ),
    ],
)
def test_suppress_counts_rejects_bad_input(table, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        suppress_counts(table, **kwargs)


def test_formatting_helpers() -> None:
    assert format_count(1234567) == "1,234,567"
    assert format_count(3, True) == "[c]"
    assert format_count(3, suppressed=True, marker="*") == "*"
    assert format_count(np.nan) == "[x]"
    assert format_count(None) == "[x]"
    assert format_count(12.345, decimals=1) == "12.3"
    assert format_count(1000.0, decimals=1) == "1,000.0"
    note = suppression_note(5)
    assert note.startswith("[c] = suppressed: a count of 1 to 5")


# --- the shared linear-programming audit ----------------------------------------------------------


def test_bounds_and_pinned_agree_with_the_independent_check() -> None:
    # Hidden cells x0..x3 of a 2 x 2 table whose row and column totals are published.
    a_eq = np.array([[1.0, 1, 0, 0], [0, 0, 1, 1], [1, 0, 1, 0], [0, 1, 0, 1]])
    b_eq = np.array([5.0, 9, 7, 7])
    assert [bounds(a_eq, b_eq, k) for k in range(4)] == [
        (0.0, 5.0),
        (0.0, 5.0),
        (2.0, 7.0),
        (2.0, 7.0),
    ]
    assert list(pinned(a_eq, b_eq, range(4), tolerance=0.5)) == []
    # A zero row total pins both of its cells, however wide the tolerance is set.
    zero = np.array([0.0, 14, 7, 7])
    assert list(pinned(a_eq, zero, range(4), tolerance=0.5)) == [0, 1, 2, 3]
    assert bounds(np.array([[1.0, -1.0]]), np.array([0.0]), 1) is None  # unbounded
    assert bounds(np.array([[1.0, 1.0]]), np.array([-1.0]), 0) is None  # infeasible


def test_pinned_is_lazy_and_keeps_the_order_given() -> None:
    a_eq = np.eye(3)
    found = pinned(a_eq, np.array([1.0, 2.0, 3.0]), [2, 0, 1], tolerance=1 - 1e-9)
    assert next(found) == 2
    assert list(found) == [0, 1]


def _audit_every_candidate(self, primary, hidden, a, cells, threshold):
    """The audit as it was before solutions were kept: one integer programme per candidate."""
    known = np.where(hidden, 0.0, np.nan_to_num(self.values))
    b = np.array([-sum(coef * known[cell] for cell, coef in eq) for eq in self.equations])
    lower = np.array([0.0 if self.unknown[cell] else 1.0 for cell in cells])
    candidates = [k for k, cell in enumerate(cells) if primary[cell]]
    first = next(
        sna.stats.disclosure.narrowed(a, b, candidates, threshold=threshold, lower=lower), None
    )
    return [] if first is None else [cells[first]]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(1, 6).flatmap(
        lambda r: st.integers(1, 6).flatmap(
            lambda c: st.lists(
                st.lists(st.one_of(VALUES, st.just(np.nan)), min_size=c, max_size=c),
                min_size=r,
                max_size=r,
            )
        )
    ),
    st.sampled_from(["plain", "external", "total_row"]),
)
def test_kept_solutions_suppress_exactly_what_one_programme_per_cell_does(rows, shape) -> None:
    frame = pd.DataFrame(np.array(rows, dtype=float))
    kwargs: dict = {}
    if shape == "external":
        kwargs["external_totals"] = True
    elif shape == "total_row":
        frame = frame.fillna(0)
        frame.loc["Total"] = frame.sum(axis=0)
        kwargs.update(total_row="Total", external_totals=True)
    solved = []
    real = sna.stats.disclosure.exceeding

    def counted(*args, **kw):
        solved.append(1)
        return real(*args, **kw)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sna.stats.suppression, "exceeding", counted)
        kept = suppress_counts(frame, **kwargs)
        patch.setattr(sna.stats.suppression._Grid, "_narrowed", _audit_every_candidate)
        plain = suppress_counts(frame, **kwargs)
    pd.testing.assert_frame_equal(kept.mask, plain.mask)
    pd.testing.assert_frame_equal(kept.primary, plain.primary)
    assert kept.note == plain.note


def test_kept_solutions_spare_most_programmes() -> None:
    """An 8 x 6 table with 22 small counts: the same mask from far fewer integer programmes."""
    table = pd.DataFrame(
        [
            [3, 5, 15, 40, 0, 1],
            [15, 40, 1, 2, 15, 3],
            [2, 15, 2, 3, 8, 5],
            [0, 0, 15, 15, 15, 5],
            [15, 2, 3, 15, 0, 2],
            [0, 3, 40, 1, 3, 3],
            [40, 1, 5, 2, 0, 15],
            [0, 2, 3, 3, 0, 40],
        ]
    )
    calls = {"kept": 0, "plain": 0}
    exceeding, can_exceed = sna.stats.disclosure.exceeding, sna.stats.disclosure.can_exceed

    def counted(key, real):
        def solve(*args, **kwargs):
            calls[key] += 1
            return real(*args, **kwargs)

        return solve

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sna.stats.suppression, "exceeding", counted("kept", exceeding))
        kept = suppress_counts(table, external_totals=True)
        patch.setattr(sna.stats.suppression._Grid, "_narrowed", _audit_every_candidate)
        patch.setattr(sna.stats.disclosure, "can_exceed", counted("plain", can_exceed))
        plain = suppress_counts(table, external_totals=True)
    pd.testing.assert_frame_equal(kept.mask, plain.mask)
    assert kept.mask.to_numpy().sum() == 25
    assert calls["plain"] >= 30
    assert calls["kept"] < calls["plain"] / 2, calls


def test_a_kept_solution_proves_only_counts_above_the_threshold() -> None:
    """Two hidden counts summing to 5: a kept solution with one at 4 (the threshold) proves
    nothing, so the cell is still found narrowed to 1-4."""
    table = pd.DataFrame({"Robbery": [3.0, 2.0]})
    grid = sna.stats.suppression._Grid.build(table, table.to_numpy(), None, None, True)
    hidden = grid.suppressible & (grid.values >= 1) & (grid.values <= 4)
    witness = np.nan_to_num(grid.values)
    witness[0, 0], witness[1, 0] = 4.0, 1.0  # solves x0 + x1 = 5 with both at least 1
    grid.witnesses.append(witness)
    assert grid.disclosed(hidden, hidden, 4) == [(0, 0)]
    witness[0, 0], witness[1, 0] = 5.0, 0.0  # not a solution for a reader's bounds: ignored
    assert grid.disclosed(hidden, hidden, 4) == [(0, 0)]
