"""The area decision kept beside the prepared data (sna.assessment.area.area_decision).

Made once per build and read by every report of the year; a stale or damaged entry is never
used, so a report is the same with or without it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from sna.assessment import area
from sna.assessment.area import (
    DECISIONS_DIR,
    area_decision,
    decide_area,
    decision_key,
    masks_from_json,
    masks_to_json,
)
from sna.assessment.disclosure import AreaMasks
from sna.assessment.kept import canonical
from sna.data.files import sha256_bytes
from sna.data.processed import Processed, load_processed
from tests.conftest import damaged_entries, in_folder

YEAR = 2025


@pytest.fixture(scope="module")
def data(prepared) -> Processed:
    config, _ = prepared
    return load_processed(config)


@pytest.fixture(scope="module")
def fresh(data) -> AreaMasks:
    return decide_area(data, YEAR)


def kept(folder: Path) -> list[Path]:
    return sorted((folder / DECISIONS_DIR).glob(f"area-{YEAR}-*.json"))


@pytest.fixture
def decisions(monkeypatch) -> list[int]:
    """The years of the decisions computed (not read back), the previous year's inside them too."""
    calls: list[int] = []
    real = area.decide_area

    def counted(data: Processed, year: int, overview: pd.DataFrame | None = None) -> AreaMasks:
        calls.append(year)
        return real(data, year, overview)

    monkeypatch.setattr(area, "decide_area", counted)
    return calls


def assert_same(a: AreaMasks, b: AreaMasks) -> None:
    pd.testing.assert_series_equal(a.overview, b.overview)
    assert list(a.linked) == list(b.linked) and a.note == b.note
    for d in a.linked:
        pd.testing.assert_frame_equal(a.linked[d].types, b.linked[d].types)
        pd.testing.assert_frame_equal(a.linked[d].groups, b.linked[d].groups)


def test_the_decision_is_made_once_and_read_back_the_same(data, fresh, tmp_path, decisions):
    mine = in_folder(data, tmp_path)
    assert_same(area_decision(mine, YEAR), fresh)
    assert decisions.count(YEAR) == 1 and len(kept(tmp_path)) == 1
    for _ in range(3):  # every later report of the year reads it
        assert_same(area_decision(mine, YEAR), fresh)
    assert decisions.count(YEAR) == 1


def test_changed_data_are_decided_again(data, fresh, tmp_path, decisions):
    mine = in_folder(data, tmp_path)
    area_decision(mine, YEAR)
    counts = mine.counts.copy()
    row = counts.index[(counts["district_name"] == "Oxford") & (counts["crime_type"] == "Robbery")]
    counts.loc[row[0], "count"] += 2  # as if sna prepare had read a corrected file
    changed = replace(mine, counts=counts)
    assert decision_key(changed, YEAR) != decision_key(mine, YEAR)
    assert_same(area_decision(changed, YEAR), decide_area(changed, YEAR))
    assert decisions.count(YEAR) == 2
    assert len(kept(tmp_path)) == 1  # the stale entry of the year is replaced
    assert_same(area_decision(mine, YEAR), fresh)  # and the first data decided again
    assert decisions.count(YEAR) == 3


def test_the_key_covers_the_year_config_and_every_frame(data):
    key = decision_key(data, YEAR)
    assert key == decision_key(data, YEAR) != decision_key(data, YEAR - 1)
    config = replace(data.config, suppression_threshold=data.config.suppression_threshold + 1)
    assert decision_key(replace(data, config=config), YEAR) != key
    populations = data.populations.assign(population=data.populations["population"] + 1)
    assert decision_key(replace(data, populations=populations), YEAR) != key
    lsoas = data.lsoas.iloc[:-1]  # a frame the decision does not read today is keyed all the same
    assert decision_key(replace(data, lsoas=lsoas), YEAR) != key


@pytest.mark.parametrize("damage", damaged_entries(("false", "true")))
def test_a_damaged_entry_is_ignored_and_replaced(data, fresh, tmp_path, decisions, damage):
    mine = in_folder(data, tmp_path)
    area_decision(mine, YEAR)
    [path] = kept(tmp_path)
    path.write_text(damage(path.read_text()))
    assert_same(area_decision(mine, YEAR), fresh)
    assert decisions.count(YEAR) == 2
    assert_same(area_decision(mine, YEAR), fresh)  # a good entry was written again
    assert decisions.count(YEAR) == 2


def test_an_entry_for_other_districts_is_not_used(data, fresh, tmp_path, decisions):
    mine = in_folder(data, tmp_path)
    area_decision(mine, YEAR)
    [path] = kept(tmp_path)
    entry = json.loads(path.read_text())
    del entry["decision"]["linked"]["Oxford"]
    entry["sha256"] = sha256_bytes(canonical(entry["decision"]))  # a consistent entry
    path.write_text(json.dumps(entry))
    assert_same(area_decision(mine, YEAR), fresh)
    assert decisions.count(YEAR) == 2


def test_a_folder_that_cannot_be_written_is_no_error(data, fresh, tmp_path, decisions):
    blocked = tmp_path / "processed"
    blocked.write_text("a file where the folder would be")
    assert_same(area_decision(in_folder(data, blocked), YEAR), fresh)
    assert decisions.count(YEAR) == 1


def test_data_that_cannot_be_keyed_are_decided_every_time(data, fresh, tmp_path, decisions):
    mine = in_folder(data, tmp_path)
    listed = mine.populations.assign(note=[["a"]] * len(mine.populations))  # lists: no hash
    odd = replace(mine, populations=listed)
    assert decision_key(odd, YEAR) == ""
    area_decision(odd, YEAR)
    assert decisions.count(YEAR) == 1 and not kept(tmp_path)


def test_every_decision_survives_json_exactly(data):
    for year in data.config.reporting_years:
        masks = decide_area(data, year)
        text = json.dumps(masks_to_json(masks))
        assert_same(masks_from_json(json.loads(text)), masks)


def test_district_and_area_assessments_share_the_kept_decision(data, tmp_path, decisions):
    from sna.assessment.area import assess_area
    from sna.assessment.district import assess_district

    mine = in_folder(data, tmp_path)
    overview = assess_area(mine, YEAR)
    oxford = assess_district(mine, "Oxford", YEAR)
    assert decisions.count(YEAR) == 1
    pd.testing.assert_series_equal(oxford.overview_hidden, overview.overview_hidden)
