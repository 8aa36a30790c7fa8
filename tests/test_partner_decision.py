"""The partner figures' suppression kept beside the prepared data (sna.assessment.partners).

One decision covers every report and year: made once per build, read by every other report. A
stale or damaged entry is never used, so a report is the same with or without it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from sna.assessment import partners
from sna.assessment.kept import DECISIONS_DIR, canonical, data_key
from sna.assessment.partners import marked_partners, partner_decision
from sna.data.files import sha256_bytes
from sna.data.processed import Processed, load_processed
from tests.conftest import damaged_entries, in_folder


@pytest.fixture(scope="module")
def data(prepared) -> Processed:
    config, _ = prepared
    return load_processed(config)


@pytest.fixture(scope="module")
def fresh(data) -> tuple[pd.Series, pd.Series]:
    return partner_decision(data)


def kept(folder: Path) -> list[Path]:
    return sorted((folder / DECISIONS_DIR).glob("partners-*.json"))


@pytest.fixture
def decisions(monkeypatch) -> list[int]:
    """One entry per decision made (not read back)."""
    calls: list[int] = []
    real = partners.partner_decision

    def counted(data: Processed) -> tuple[pd.Series, pd.Series]:
        calls.append(1)
        return real(data)

    monkeypatch.setattr(partners, "partner_decision", counted)
    return calls


def assert_marked(data: Processed, fresh: tuple[pd.Series, pd.Series]) -> None:
    figures, checks = partners._mark(data)
    hidden, withheld = fresh
    pd.testing.assert_frame_equal(
        figures, data.partners.reset_index(drop=True).assign(hidden=hidden)
    )
    pd.testing.assert_frame_equal(
        checks, data.partner_checks.reset_index(drop=True).assign(hidden=withheld)
    )


def test_the_demo_hides_some_partner_figures_and_withholds_some_warnings(fresh):
    hidden, withheld = fresh
    assert hidden.any() and withheld.any()  # so that the tests below check a real decision


def test_the_decision_is_made_once_and_read_back_the_same(data, fresh, tmp_path, decisions):
    mine = in_folder(data, tmp_path)
    assert_marked(mine, fresh)
    assert len(decisions) == 1 and len(kept(tmp_path)) == 1
    for _ in range(3):  # every later report, whatever its year, reads it
        assert_marked(mine, fresh)
    assert len(decisions) == 1


def test_changed_partner_figures_are_decided_again(data, fresh, tmp_path, decisions):
    mine = in_folder(data, tmp_path)
    marked_partners(mine)
    counted = mine.partners["count"].notna()
    row = mine.partners.index[counted & (mine.partners["count"] > 10)][0]
    figures = mine.partners.copy()
    figures.loc[row, "count"] = 3  # as if a partner had sent a corrected file: now small
    changed = replace(mine, partners=figures)
    assert data_key(changed) != data_key(mine)
    assert_marked(changed, partner_decision(changed))
    assert bool(marked_partners(changed)["hidden"].iloc[list(mine.partners.index).index(row)])
    assert len(decisions) == 2 and len(kept(tmp_path)) == 1  # the stale entry is replaced


def test_the_key_covers_the_warnings_and_the_config(data):
    key = data_key(data)
    checks = data.partner_checks.iloc[:-1]
    assert data_key(replace(data, partner_checks=checks)) != key
    config = replace(data.config, suppression_threshold=data.config.suppression_threshold + 1)
    assert data_key(replace(data, config=config)) != key


@pytest.mark.parametrize("damage", damaged_entries(("true", "false")))
def test_a_damaged_entry_is_ignored_and_replaced(data, fresh, tmp_path, decisions, damage):
    mine = in_folder(data, tmp_path)
    marked_partners(mine)
    [path] = kept(tmp_path)
    path.write_text(damage(path.read_text()))
    assert_marked(mine, fresh)
    assert len(decisions) == 2
    assert_marked(mine, fresh)  # a good entry was written again
    assert len(decisions) == 2


def test_an_entry_for_other_figures_is_not_used(data, fresh, tmp_path, decisions):
    mine = in_folder(data, tmp_path)
    marked_partners(mine)
    [path] = kept(tmp_path)
    entry = json.loads(path.read_text())
    entry["decision"]["figures"].pop()  # one flag short, with a consistent checksum
    entry["sha256"] = sha256_bytes(canonical(entry["decision"]))
    path.write_text(json.dumps(entry))
    assert_marked(mine, fresh)
    assert len(decisions) == 2


def test_a_folder_that_cannot_be_written_is_no_error(data, fresh, tmp_path, decisions):
    blocked = tmp_path / "processed"
    blocked.write_text("a file where the folder would be")
    assert_marked(in_folder(data, blocked), fresh)
    assert len(decisions) == 1


def test_district_and_area_assessments_share_the_kept_decision(data, tmp_path, decisions):
    from sna.assessment.area import assess_area
    from sna.assessment.district import assess_district

    mine = in_folder(data, tmp_path)
    assess_area(mine, 2025)
    assess_district(mine, "Oxford", 2024)
    assess_district(mine, "Cherwell", 2025)
    assert len(decisions) == 1
