"""Report wording on the real demo data: every claim agrees with the test behind it."""

from __future__ import annotations

import pandas as pd
import pytest

from sna.assessment import figures as assessment
from sna.data.processed import load_processed
from sna.report import findings
from sna.stats.change import LikeForLike


@pytest.fixture(scope="module")
def data(prepared):
    return load_processed(prepared[0])


def test_months_label():
    compared = LikeForLike(
        pd.Series(dtype=float),
        pd.Series(dtype=float),
        ["January", "February", "March", "April", "June"],
        {},
    )
    assert findings.months_label(compared) == "Jan-Apr, Jun"


def test_key_findings_agree_with_the_tests(data):
    sentences = findings.key_findings(data, "West Oxfordshire", 2025)
    text = " ".join(sentences)
    assert "July 2025 is missing" in sentences[0]
    overview = assessment.district_overview(data, 2025)
    assert overview.loc["West Oxfordshire", "compare_95"] == "lower"
    assert (
        "West Oxfordshire's crime rate (42.8 per 1,000 residents) is significantly lower than Oxfordshire's"
        in text
    )
    groups, _ = assessment.crime_group_table(data, "West Oxfordshire", 2025)
    for group, row in groups.iterrows():
        subject = "Recorded crime" if group == assessment.ALL_CRIME else str(group)
        sentence = next(s for s in sentences if s.startswith(f"{subject} in West Oxfordshire"))
        assert ("not statistically significant" in sentence) == (not row["significant"]), sentence


def test_no_previous_year_is_said_plainly(data):
    sentences = findings.key_findings(data, "Oxford", 2024)
    assert "There are no police.uk data for 2023 to compare 2024 with." in sentences
    assert not any("rose" in s or "fell" in s for s in sentences)


def test_table_notes(data):
    note = findings.table_notes(data, 2025)
    assert note.startswith("[c] = suppressed: a count of 1 to 4")
    assert "Census 2021" in note and "missing: 2025-07" in note


def test_heatmap_hides_cells_behind_small_counts(data):
    average, hidden = findings.heatmap_table(
        data, crime_types=["Possession of weapons"], threshold=4, through=2025
    )
    counts = assessment.group_by_year(data, crime_types=["Possession of weapons"], per_month=False)
    assert (hidden | (counts > 4) | (counts == 0)).all().all()  # every small count is hidden
    assert hidden[(counts >= 1) & (counts <= 4)].fillna(True).all().all()
    assert average.shape == counts.shape
    alt = findings.describe_heatmap(average, hidden, group="Possession of weapons")
    assert alt.count("suppressed") == int(hidden.to_numpy().sum())


def test_alt_text_names_every_district(data):
    overview = assessment.district_overview(data, 2025)
    alt = findings.describe_rates(
        overview, benchmark="Oxfordshire", period="2025 (11 months with data: Jan-Jun, Aug-Dec)"
    )
    assert "in 2025 (11 months with data" in alt
    for district in data.config.districts:
        assert district.name in alt


def test_rate_by_decile_hides_small_counts():
    lsoas = pd.DataFrame(
        {
            "count": [3, 200, 150, 0],
            "population": [1500, 2000, 1800, 1200],
            "decile": [1.0, 2.0, 3.0, 4.0],
        }
    )
    by_decile = findings.rate_by_decile(lsoas, threshold=4)
    assert by_decile.loc[1, "suppressed"] and pd.isna(by_decile.loc[1, "rate"])
    assert by_decile.loc[3, "suppressed"]  # secondary: the smallest other decile
    assert by_decile.loc[2, "rate"] == pytest.approx(100.0)
    assert by_decile.loc[4, "rate"] == 0 and not by_decile.loc[4, "suppressed"]
    alt = findings.describe_deciles(by_decile, domain="Income")
    assert "decile 1: suppressed" in alt and "decile 2: 100.0" in alt


def test_period_label_names_the_months_of_a_partial_year(data):
    assert findings.period_label(data, 2025) == "2025 (11 months with data: Jan-Jun, Aug-Dec)"
    assert findings.period_label(data, 2024) == "2024 (4 months with data: Jan-Apr)"
    sentence = findings.key_findings(data, "Oxford", 2024)[1]
    assert sentence.startswith(
        "Oxford had 5,401 recorded crimes (excluding anti-social behaviour) in 2024 (4 months"
    )
