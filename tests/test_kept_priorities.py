"""Each district's priority scoring kept beside the prepared data (priorities.kept_priorities).

Made once per build, by the district's report or the area overview, whichever comes first, and
read by the other; a stale or damaged entry is never used, so a report is the same with or
without it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from sna.assessment import district as district_module
from sna.assessment import priorities
from sna.assessment.area import area_decision
from sna.assessment.kept import DECISIONS_DIR, canonical
from sna.assessment.priorities import (
    Priorities,
    kept_priorities,
    priorities_from_json,
    priorities_to_json,
    same_priorities,
)
from sna.data.files import sha256_bytes
from sna.data.processed import Processed, load_processed
from tests.conftest import damaged_entries, in_folder

YEAR = 2025
OXFORD = "E07000178"


@pytest.fixture(scope="module")
def data(prepared) -> Processed:
    config, _ = prepared
    return load_processed(config)


@pytest.fixture(scope="module")
def fresh(data) -> Priorities:
    """Oxford's scoring made as the area overview makes it (nothing kept)."""
    district = data.config.district(OXFORD)
    return priorities._scoring(data, district, YEAR, area_decision(data, YEAR).linked["Oxford"])()


def kept(folder: Path) -> list[Path]:
    return sorted((folder / DECISIONS_DIR).glob(f"priorities-{YEAR}-{OXFORD}-*.json"))


@pytest.fixture
def made(monkeypatch) -> list[str]:
    """The districts whose scoring was computed (not read back)."""
    calls: list[str] = []
    real = priorities.district_priorities

    def counted(data: Processed, district, year: int, **kw) -> Priorities:
        calls.append(district.code)
        return real(data, district, year, **kw)

    monkeypatch.setattr(priorities, "district_priorities", counted)
    monkeypatch.setattr(district_module, "district_priorities", counted)  # imported by name
    return calls


def scoring(data: Processed) -> Priorities:
    district = data.config.district(OXFORD)
    linked = area_decision(data, YEAR).linked["Oxford"]
    return kept_priorities(data, district, YEAR, priorities._scoring(data, district, YEAR, linked))


def assert_same(a: Priorities, b: Priorities) -> None:
    assert same_priorities(a, b)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.recommended() == b.recommended()


def test_the_scoring_survives_json_exactly(data, fresh):
    text = json.dumps(priorities_to_json(fresh))
    back = priorities_from_json(json.loads(text), fresh.district)
    assert_same(back, fresh)
    assert back.table.attrs == fresh.table.attrs
    assert list(back.table.dtypes) == list(fresh.table.dtypes)


def test_a_changed_value_or_type_is_not_the_same(fresh):
    table = fresh.table.copy()
    table.iloc[0, table.columns.get_loc("total")] += 1e-12
    assert not same_priorities(replace(fresh, table=table), fresh)
    typed = fresh.table.astype({"count": "float64"})
    assert not same_priorities(replace(fresh, table=typed), fresh)


def test_the_scoring_is_made_once_and_read_back_the_same(data, fresh, tmp_path, made):
    mine = in_folder(data, tmp_path)
    assert_same(scoring(mine), fresh)
    assert made == [OXFORD] and len(kept(tmp_path)) == 1
    for _ in range(3):  # every later report of the year reads it
        assert_same(scoring(mine), fresh)
    assert made == [OXFORD]


def test_changed_data_are_scored_again(data, fresh, tmp_path, made):
    mine = in_folder(data, tmp_path)
    scoring(mine)
    counts = mine.counts.copy()
    robbery = (counts["district_name"] == "Oxford") & (counts["crime_type"] == "Robbery")
    row = counts.index[robbery & (counts["month"].dt.year == YEAR)]
    counts.loc[row[0], "count"] += 2  # as if sna prepare had read a corrected file
    changed = replace(mine, counts=counts)
    again = scoring(changed)
    assert made == [OXFORD, OXFORD]
    assert int(again.table.loc["Robbery", "count"]) == int(fresh.table.loc["Robbery", "count"]) + 2
    assert len(kept(tmp_path)) == 1  # the stale entry is replaced
    assert_same(scoring(mine), fresh)  # and the first data scored again
    assert made == [OXFORD, OXFORD, OXFORD]


@pytest.mark.parametrize("damage", damaged_entries(("true", "false")))
def test_a_damaged_entry_is_ignored_and_replaced(data, fresh, tmp_path, made, damage):
    mine = in_folder(data, tmp_path)
    scoring(mine)
    [path] = kept(tmp_path)
    path.write_text(damage(path.read_text()))
    assert_same(scoring(mine), fresh)
    assert made == [OXFORD, OXFORD]
    assert_same(scoring(mine), fresh)  # a good entry was written again
    assert made == [OXFORD, OXFORD]


def test_an_entry_that_does_not_decode_is_made_again(data, fresh, tmp_path, made):
    mine = in_folder(data, tmp_path)
    scoring(mine)
    [path] = kept(tmp_path)
    entry = json.loads(path.read_text())
    entry["decision"]["table"]["columns"] = entry["decision"]["table"]["columns"][:-1]
    entry["sha256"] = sha256_bytes(canonical(entry["decision"]))  # consistent, but short
    path.write_text(json.dumps(entry))
    assert_same(scoring(mine), fresh)
    assert made == [OXFORD, OXFORD]


def test_district_report_and_overview_share_the_kept_scoring(data, tmp_path, made):
    from sna.assessment.district import assess_district
    from sna.assessment.priorities import area_priorities

    mine = in_folder(data, tmp_path)
    oxford = assess_district(mine, "Oxford", YEAR)
    assert made == [OXFORD]
    area = area_priorities(mine, YEAR, area_decision(mine, YEAR))
    assert sorted(made) == sorted(d.code for d in data.config.districts)  # Oxford's was read
    assert_same(area.districts["Oxford"], oxford.priorities)
    made.clear()
    area_priorities(mine, YEAR, area_decision(mine, YEAR))
    assert made == []
