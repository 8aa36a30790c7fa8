"""What the assessment does not cover: the gaps, who holds the data, and the partner data present."""

from __future__ import annotations

import csv
from unittest import mock

import pytest

from sna.data.processed import load_processed
from sna.report import display, scope
from tests.conftest import RAW

TOPICS = (
    "Domestic abuse",
    "Violence against women and girls",
    "Fraud and cyber crime",
    "Hate crime",
    "Modern slavery and exploitation",
    "Crime not reported to the police",
    "Crime on the railway",
    "Drug-related deaths and drug harm",
    "Reoffending",
    "Youth justice",
    "Violence seen by health services",
)


@pytest.fixture(scope="module")
def data(prepared):
    config, _ = prepared
    return load_processed(config)


def _captured(section, *args) -> str:
    out: list[str] = []

    def record(obj, *a, **kw):
        data = getattr(obj, "data", obj)
        out.append(data if isinstance(data, str) else "")

    with mock.patch.object(display, "display", side_effect=record):
        section(*args)
    return " ".join(out)


def test_every_gap_names_why_and_who_holds_the_data():
    table = scope.scope_table()
    assert set(TOPICS) <= set(table.index)
    assert (table["Partner data in this assessment"] == "None supplied").all()
    holders = table["Who holds the data"]
    assert "Action Fraud" in holders["Fraud and cyber crime"]
    assert "National Referral Mechanism" in holders["Modern slavery and exploitation"]
    assert "Crime Survey for England and Wales" in holders["Crime not reported to the police"]
    assert "MARAC" in holders["Domestic abuse"]
    assert "Cardiff" in holders["Violence seen by health services"]
    assert "Youth Justice" in holders["Youth justice"]
    assert "reoffending" in holders["Reoffending"]
    assert table["Why police.uk cannot show it"].str.len().min() > 30


def test_partner_indicators_mark_the_gaps_they_fill():
    table = scope.scope_table(["Sexual offences (2018 to 2024)", "Hate crimes flagged (2024)"])
    covered = table["Partner data in this assessment"]
    assert covered["Violence against women and girls"] == "Partly: Sexual offences (2018 to 2024)"
    assert covered["Hate crime"] == "Partly: Hate crimes flagged (2024)"
    assert covered["Fraud and cyber crime"] == "None supplied"


def _raw_partner_indicators(district: str) -> set[str]:
    """Indicators of the demo partner files for a district or the whole area, read with csv."""
    found = set()
    for path in sorted((RAW / "partners").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                if row["area"] in (district, "Oxfordshire", "area"):
                    found.add(row["indicator"])
    return found


@pytest.mark.slow
@pytest.mark.parametrize("district", ["Oxford", "West Oxfordshire"])
def test_partner_indicators_of_a_district_report(data, district):
    from sna.assessment.district import assess_district

    a = assess_district(data, district, 2024)
    labels = scope.partner_indicators(a)
    names = {label.rsplit(" (", 1)[0] for label in labels}
    assert names == _raw_partner_indicators(district)
    table = scope.scope_table(labels)
    covered = table["Partner data in this assessment"]
    assert "Sexual offences (2018 to 2024)" in covered["Violence against women and girls"]
    assert (
        "Modern slavery and exploitation reports (2024)"
        in covered["Modern slavery and exploitation"]
    )
    assert covered["Hate crime"] == "None supplied"
    text = _captured(scope.show_scope, a)
    assert "What this assessment does not cover" in text
    assert "Action Fraud" in text


@pytest.mark.slow
def test_show_scope_takes_the_indicators_given(data):
    from sna.assessment.area import assess_area

    o = assess_area(data, 2024)
    text = _captured(scope.show_scope, o, [])
    assert "No partner data were supplied to this assessment." in text
    text = _captured(scope.show_scope, o)
    assert "Partly: Sexual offences (2018 to 2024)" in text
