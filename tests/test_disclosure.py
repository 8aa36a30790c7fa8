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
their count is at most the year's, or equal to it when every month was compared). The previous
year's reports, published by the same build, are read too: the reader's unknowns include the
months not compared, D = count - after of each year and E = (previous year's count) - before,
each at least 0. No hidden small count (1 to the threshold), and no D or E from 1 to the
threshold, may be narrowed to within 1 to the threshold: each must be able to exceed it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import optimize

from sna.assessment.disclosure import PreviousYear, area_masks

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


REST = st.lists(st.sampled_from([0, 0, 1, 2, 5]), min_size=8, max_size=8)


@st.composite
def years(draw: st.DrawFn) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Two years' crime-type tables per district: (previous year, this year)."""
    n = draw(st.integers(2, 3))
    complete = draw(st.booleans())  # every month of this year compared: after == count
    prev_complete = draw(st.booleans())  # the previous year's own comparison
    prev_known = draw(st.booleans())  # the previous year's comparison: with a year before it
    previous, types = {}, {}
    for d in range(n):
        prev = np.array(draw(st.lists(COUNT, min_size=8, max_size=8)))
        before = np.maximum(prev - np.array(draw(REST)), 0)  # its months compared
        prev_after = prev if prev_complete else np.maximum(prev - np.array(draw(REST)), 0)
        previous[f"D{d}"] = pd.DataFrame(
            {"count": prev, "before": np.nan,
             "after": prev_after if prev_known else np.nan}, index=TYPES,
        )  # fmt: skip
        count = np.array(draw(st.lists(COUNT, min_size=8, max_size=8)))
        after = count if complete else np.maximum(count - np.array(draw(REST)), 0)
        types[f"D{d}"] = pd.DataFrame(
            {"count": count, "before": before, "after": after}, index=TYPES
        )
    return previous, types


class Reader:
    """The published figures as an integer programme over every cell of every table."""

    def __init__(self) -> None:
        self.value: list[float] = []
        self.hidden: list[bool] = []
        self.derived: list[bool] = []  # never published, at least 0
        self.eq: list[dict[int, float]] = []
        self.le: list[dict[int, float]] = []  # sum <= 0

    def cell(self, value: float, hidden: bool, derived: bool = False) -> int:
        self.value.append(float(value))
        self.hidden.append(bool(hidden or derived))
        self.derived.append(derived)
        return len(self.value) - 1

    def can_exceed(self, k: int, level: float) -> bool:
        n = len(self.value)
        v = np.array(self.value)
        hidden = np.array(self.hidden)
        low = np.where(hidden, np.where(self.derived, 0.0, 1.0), v)
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


def table(reader, frame, masks, columns):
    """One district's crime-type and group tables of a year: their cells, with the group sums."""
    cells = {}
    for column in columns:
        hidden_t = masks.types[column]
        hidden_g = masks.groups[column]
        for t in TYPES:
            cells[column, "type", t] = reader.cell(frame.loc[t, column], hidden_t[t])
        for g, members in GROUPS.items():
            total = frame.loc[members, column].sum()
            cells[column, "group", g] = reader.cell(total, hidden_g[g])
            row = {cells[column, "group", g]: -1.0}
            for t in members:
                row[cells[column, "type", t]] = 1.0
            reader.eq.append(row)
    return cells


def difference(reader, frame, cells, total, part, name):
    """total = part + a derived unknown (the months not compared) for each crime type."""
    derived = {}
    for t in TYPES:
        value = frame[0].loc[t, total] - frame[1].loc[t, part]
        k = reader.cell(value, False, derived=True)
        reader.eq.append({cells[0][total, "type", t]: -1.0, cells[1][part, "type", t]: 1.0, k: 1.0})
        derived[f"{name} {t}"] = k
    return derived


def districts(reader, tables, masks, overview):
    small: list[tuple[str, int]] = []
    district_cell = {}
    for d, (cells, _) in tables.items():
        district_cell[d] = reader.cell(overview.loc[d, "count"], masks.overview[d])
        reader.eq.append({district_cell[d]: 1.0, cells["count", "group", ALL]: -1.0})
        small += [(f"{d} {key}", k) for key, k in cells.items()]
    bench = reader.cell(overview.loc[BENCHMARK, "count"], masks.overview[BENCHMARK])
    reader.eq.append({bench: -1.0, **dict.fromkeys(district_cell.values(), 1.0)})
    return [*small, *list(district_cell.items()), (BENCHMARK, bench)]


def build(previous, types, prev_masks, masks, prev_overview, overview):
    reader = Reader()
    years = {}
    for tag, frames, decided, view in (
        ("prev", previous, prev_masks, prev_overview),
        ("now", types, masks, overview),
    ):
        tables = {}
        for d, frame in frames.items():
            columns = [c for c in ("count", "after", "before") if not frame[c].isna().all()]
            tables[d] = (table(reader, frame, decided.linked[d], columns), frame)
        small = districts(reader, tables, decided, view)
        years[tag] = (tables, small)
    small = years["prev"][1] + years["now"][1]
    for tag in ("prev", "now"):
        for d, (cells, frame) in years[tag][0].items():
            if "after" in frame and not frame["after"].isna().all():
                small += difference(reader, (frame, frame), (cells, cells), "count", "after",
                                    f"{tag} {d} D").items()  # fmt: skip
    for d, (cells, frame) in years["now"][0].items():
        prev_cells, prev_frame = years["prev"][0][d]
        small += difference(reader, (prev_frame, frame), (prev_cells, cells), "count", "before",
                            f"{d} E").items()  # fmt: skip
    return reader, small


def overview_of(types):
    counts = {d: int(frame.loc[GROUPS[ALL], "count"].sum()) for d, frame in types.items()}
    return pd.DataFrame(
        {"count": [*counts.values(), sum(counts.values())]}, index=[*counts, BENCHMARK]
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(years(), st.integers(1, 4))
def test_no_hidden_small_count_can_be_narrowed_by_a_reader(inputs, threshold) -> None:
    previous, types = inputs
    prev_overview, overview = overview_of(previous), overview_of(types)
    prev_masks = area_masks(
        prev_overview, previous, GROUPS, benchmark=BENCHMARK, all_crime=ALL, threshold=threshold
    )
    masks = area_masks(
        overview, types, GROUPS, benchmark=BENCHMARK, all_crime=ALL, threshold=threshold,
        previous=PreviousYear(overview=prev_overview, types=previous, masks=prev_masks),
    )  # fmt: skip
    reader, cells = build(previous, types, prev_masks, masks, prev_overview, overview)
    value, hidden = np.array(reader.value), np.array(reader.hidden)
    published = ~np.array(reader.derived)
    small = (value >= 1) & (value <= threshold)
    assert hidden[small & published].all(), "every small count is hidden"
    assert not hidden[(value == 0) & published].any(), "zeros are published"
    for d in types:  # a district's count is hidden in one table only if in all
        assert masks.overview[d] == masks.linked[d].groups.loc[ALL, "count"]
    disclosed = [
        name
        for name, k in cells
        if hidden[k] and 1 <= value[k] <= threshold and not reader.can_exceed(k, threshold + 1)
    ]
    if masks.note or prev_masks.note:  # nothing could protect them: all but zeros hidden
        assert disclosed
    else:
        assert not disclosed, f"narrowed to 1-{threshold}: {disclosed}"


# Regression: the months not compared with the previous year, read by subtraction.
def _prepared(tmp_path, months):
    import shutil

    from sna.data.config import load_config
    from sna.data.prepare import prepare
    from sna.data.processed import load_processed
    from tests.conftest import RAW, link_area_data, write_config

    raw = tmp_path / "raw"
    police = raw / "police_uk" / "thames-valley"
    police.mkdir(parents=True)
    for month in months:
        name = f"{month}-thames-valley-street.csv.gz"
        shutil.copy(RAW / "police_uk" / "thames-valley" / name, police / name)
    link_area_data(raw)
    path = write_config(tmp_path, raw=raw)
    prepare(load_config(path))
    return load_processed(path)


def _differences(first, first_column, second, second_column):
    """Both tables' crime-type and group rows: first - second where both are shown."""
    out = {}
    for kind in ("types", "groups"):
        a, b = getattr(first, kind), getattr(second, kind)
        ha, hb = getattr(first.hidden, kind), getattr(second.hidden, kind)
        for row in a.index:
            if not (ha.loc[row, first_column] or hb.loc[row, second_column]):
                out[row] = a.loc[row, first_column] - b.loc[row, second_column]
    return out


def test_months_not_compared_within_a_report_are_protected(tmp_path) -> None:
    from sna.assessment.district import assess_district

    months = ["2024-01", "2024-02", "2024-03", "2025-01", "2025-02", "2025-03", "2025-04"]
    data = _prepared(tmp_path, months)
    threshold = data.config.suppression_threshold
    for district in data.config.districts:
        a = assess_district(data, district.code, 2025)
        rest = _differences(a, "count", a, "after")
        small = {k: v for k, v in rest.items() if 1 <= v <= threshold}
        assert not small, f"{district.name}: April 2025 counts shown by subtraction: {small}"
    west = assess_district(data, data.config.district("West Oxfordshire").code, 2025)
    for t in ("Bicycle theft", "Possession of weapons", "Robbery"):  # the tester's cells
        assert west.hidden.types.loc[t, ["count", "after"]].any()


def test_months_not_compared_across_reports_are_protected(tmp_path) -> None:
    from sna.assessment.district import assess_district

    months = ["2024-01", "2024-02", "2024-03", "2024-04", "2025-01", "2025-02", "2025-03"]
    data = _prepared(tmp_path, months)
    threshold = data.config.suppression_threshold
    for district in data.config.districts:
        last = assess_district(data, district.code, 2024)
        this = assess_district(data, district.code, 2025)
        rest = _differences(last, "count", this, "before")
        small = {k: v for k, v in rest.items() if 1 <= v <= threshold}
        assert not small, f"{district.name}: April 2024 counts shown by subtraction: {small}"
