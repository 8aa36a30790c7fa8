"""Ad-hoc figures for analysts, checked against hand counts of the raw police.uk files."""

from __future__ import annotations

import collections
import csv
import gzip
from pathlib import Path

import pytest

from sna.assessment.explore import change_by_area
from sna.data.processed import load_processed

POLICE_UK = Path(__file__).resolve().parents[1] / "data" / "raw" / "police_uk" / "thames-valley"


def hand_count(year: int, months: range, crime_type: str) -> collections.Counter:
    """Records of a crime type in Oxford's LSOAs ("Oxford 0xxA"), by LSOA code, with csv."""
    counts: collections.Counter = collections.Counter()
    for month in months:
        with gzip.open(POLICE_UK / f"{year}-{month:02d}-thames-valley-street.csv.gz", "rt") as f:
            for row in csv.DictReader(f):
                if row["Crime type"] == crime_type and row["LSOA name"].startswith("Oxford "):
                    counts[row["LSOA code"]] += 1
    return counts


@pytest.fixture(scope="module")
def data(prepared):
    return load_processed(prepared[0])


@pytest.fixture(scope="module")
def shoplifting(data):
    return change_by_area(data, "Oxford", "Shoplifting", 2025)


def test_totals_compare_the_months_both_years_have(shoplifting):
    # The demo data have January to April of 2024, and 11 months of 2025.
    before = hand_count(2024, range(1, 5), "Shoplifting")
    after = hand_count(2025, range(1, 5), "Shoplifting")
    assert shoplifting.attrs["months"] == [1, 2, 3, 4]
    assert shoplifting.attrs["before"] == sum(before.values()) == 668
    assert shoplifting.attrs["after"] == sum(after.values()) == 878
    assert shoplifting["change"].sum() == 878 - 668
    assert shoplifting["share_of_change"].sum() == pytest.approx(100)


def test_areas_that_drove_the_rise(shoplifting):
    before = hand_count(2024, range(1, 5), "Shoplifting")
    after = hand_count(2025, range(1, 5), "Shoplifting")
    top = shoplifting.iloc[0]
    change = {code: after[code] - before[code] for code in before | after}
    assert top["area_code"] == max(change, key=lambda c: change[c]) == "E01028546"
    assert (top["before"], top["after"]) == (before["E01028546"], after["E01028546"]) == (1, 87)
    assert top["area_name"] == "Oxford 014B"
    assert top["share_of_change"] == pytest.approx(86 / 210 * 100)
    assert shoplifting["change"].is_monotonic_decreasing
    # Every area of the district is listed, those with no shoplifting too.
    assert (shoplifting[["before", "after"]] == 0).all(axis=1).any()


def test_bad_questions_are_refused(data):
    with pytest.raises(ValueError, match=r"police\.uk crime type; got 'Shopliftng'"):
        change_by_area(data, "Oxford", "Shopliftng", 2025)
    with pytest.raises(ValueError, match="2024 and 2023 have no month"):
        change_by_area(data, "E07000178", "Shoplifting", 2024)
