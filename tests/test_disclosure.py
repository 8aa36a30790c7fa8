"""Property test of a year's published counts against a reader with an independent solver.

Random small inputs stand for the figures every report of a year publishes: for each district,
its crime-type table and crime-group tables (the year's counts, and the counts of the months
compared with the previous year, in both years), with groups that overlap like the demo
config's, and the table of districts whose total is the benchmark, a district's count there
being its all-crime total. :func:`sna.assessment.disclosure.area_masks` decides what to hide.
Then an integer programme (``scipy.optimize.milp``) built here, from the published tables alone,
plays the reader: every hidden cell is a whole number of at least 1 (zeros are published),
every shown cell is fixed, every group total, district count and the benchmark adds up, a
district's count is its all-crime total, and the months compared are months of the year (so
their count is at most the year's, or equal to it when every month was compared). No hidden
small count (1 to the threshold) may be narrowed to within 1 to the threshold: each must be
able to exceed it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import optimize

from sna.assessment.disclosure import area_masks

TYPES = ["Violence", "Robbery", "Weapons", "Burglary", "Theft", "Shoplifting", "Drugs", "ASB"]
ALL = "All crime"
GROUPS = {
    ALL: TYPES[:-1],
    "Violence": ["Violence", "Robbery", "Weapons"],
    "Neighbourhood": ["Burglary", "Robbery", "Theft"],
    "Acquisitive": ["Burglary", "Robbery", "Theft", "Shoplifting"],
    "Drugs and weapons": ["Drugs", "Weapons"],
    "ASB": ["ASB"],
}
BENCHMARK = "Area"
COUNT = st.sampled_from([0, 0, 1, 1, 2, 3, 4, 5, 6, 9, 15, 40])


@st.composite
def years(draw: st.DrawFn) -> tuple[dict[str, pd.DataFrame], bool]:
    n = draw(st.integers(2, 3))
    complete = draw(st.booleans())  # every month of the year compared: after == count
    types = {}
    for d in range(n):
        count = np.array(draw(st.lists(COUNT, min_size=8, max_size=8)))
        rest = np.array(draw(st.lists(st.sampled_from([0, 0, 1, 2, 5]), min_size=8, max_size=8)))
        after = count if complete else np.maximum(count - rest, 0)
        before = np.array(draw(st.lists(COUNT, min_size=8, max_size=8)))
        types[f"D{d}"] = pd.DataFrame(
            {"count": count, "before": before, "after": after}, index=TYPES
        )
    return types, complete


class Reader:
    """The published figures as an integer programme over every cell of every table."""

    def __init__(self) -> None:
        self.value: list[float] = []
        self.hidden: list[bool] = []
        self.eq: list[dict[int, float]] = []
        self.le: list[dict[int, float]] = []  # sum <= 0

    def cell(self, value: float, hidden: bool) -> int:
        self.value.append(float(value))
        self.hidden.append(bool(hidden))
        return len(self.value) - 1

    def can_exceed(self, k: int, level: float) -> bool:
        n = len(self.value)
        v = np.array(self.value)
        hidden = np.array(self.hidden)
        low = np.where(hidden, 1.0, v)
        high = np.where(hidden, np.inf, v)
        low[k] = level
        constraints = []
        for rows, lo in ((self.eq, 0.0), (self.le, -np.inf)):
            if rows:
                a = np.zeros((len(rows), n))
                for r, row in enumerate(rows):
                    for j, coef in row.items():
                        a[r, j] += coef
                constraints.append(optimize.LinearConstraint(a, lo, 0.0))
        result = optimize.milp(
            np.zeros(n), constraints=constraints, integrality=np.ones(n),
            bounds=optimize.Bounds(low, high),
        )  # fmt: skip
        return result.status == 0


def build(types, complete, masks, overview):
    reader = Reader()
    small: list[tuple[str, int]] = []
    district_cell = {}
    for d, frame in types.items():
        cells = {}
        for column in ("count", "after", "before"):
            hidden_t = masks.linked[d].types[column]
            hidden_g = masks.linked[d].groups[column]
            for t in TYPES:
                cells[column, "type", t] = reader.cell(frame.loc[t, column], hidden_t[t])
            for g, members in GROUPS.items():
                total = frame.loc[members, column].sum()
                cells[column, "group", g] = reader.cell(total, hidden_g[g])
                row = {cells[column, "group", g]: -1.0}
                for t in members:
                    row[cells[column, "type", t]] = 1.0
                reader.eq.append(row)
        for t in TYPES:
            relation = reader.eq if complete else reader.le
            relation.append({cells["after", "type", t]: 1.0, cells["count", "type", t]: -1.0})
        district_cell[d] = reader.cell(overview.loc[d, "count"], masks.overview[d])
        reader.eq.append({district_cell[d]: 1.0, cells["count", "group", ALL]: -1.0})
        small += [(f"{d} {key}", k) for key, k in cells.items()]
    bench = reader.cell(overview.loc[BENCHMARK, "count"], masks.overview[BENCHMARK])
    reader.eq.append({bench: -1.0, **dict.fromkeys(district_cell.values(), 1.0)})
    small += [*list(district_cell.items()), (BENCHMARK, bench)]
    return reader, small


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(years(), st.integers(1, 4))
def test_no_hidden_small_count_can_be_narrowed_by_a_reader(inputs, threshold) -> None:
    types, complete = inputs
    counts = {d: int(frame.loc[GROUPS[ALL], "count"].sum()) for d, frame in types.items()}
    overview = pd.DataFrame(
        {"count": [*counts.values(), sum(counts.values())]}, index=[*counts, BENCHMARK]
    )
    masks = area_masks(
        overview, types, GROUPS, benchmark=BENCHMARK, all_crime=ALL, threshold=threshold
    )
    reader, cells = build(types, complete, masks, overview)
    value, hidden = np.array(reader.value), np.array(reader.hidden)
    assert hidden[(value >= 1) & (value <= threshold)].all(), "every small count is hidden"
    assert not hidden[value == 0].any(), "zeros are published"
    for d in types:  # a district's count is hidden in one table only if in all
        assert masks.overview[d] == masks.linked[d].groups.loc[ALL, "count"]
    disclosed = [
        name
        for name, k in cells
        if hidden[k] and value[k] <= threshold and not reader.can_exceed(k, threshold + 1)
    ]
    if masks.note:  # nothing could protect them: everything but the zeros is hidden
        assert disclosed and hidden[value > 0].all()
    else:
        assert not disclosed, f"narrowed to 1-{threshold}: {disclosed}"
