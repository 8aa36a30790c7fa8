"""Report wording on the real demo data: every claim agrees with the test behind it."""

from __future__ import annotations

import pandas as pd
import pytest

from sna.assessment.area import assess_area, heatmap
from sna.assessment.disclosure import hide_rates
from sna.assessment.district import assess_district
from sna.assessment.figures import ALL_CRIME, group_by_year
from sna.data.processed import load_processed
from sna.report import words
from sna.stats.change import LikeForLike
from sna.stats.rates import rate_ci


@pytest.fixture(scope="module")
def data(prepared):
    return load_processed(prepared[0])


@pytest.fixture(scope="module")
def west(data):
    return assess_district(data, "E07000181", 2025)


def test_months_label():
    compared = LikeForLike(
        pd.Series(dtype=float),
        pd.Series(dtype=float),
        ["January", "February", "March", "April", "June"],
        {},
    )
    assert words.months_label(compared) == "Jan-Apr, Jun"


def test_key_findings_agree_with_the_tests(west):
    sentences = words.key_findings(west)
    text = " ".join(sentences)
    assert "July 2025 is missing" in sentences[0]
    assert west.overview.loc["West Oxfordshire", "compare95"] == "lower"
    row = west.overview.loc["West Oxfordshire"]
    rate = row["count"] / row["denominator"] * 1000 * 12 / 11  # annualised from 11 months
    assert (
        f"West Oxfordshire's crime rate ({rate:.1f} per 1,000 residents a year) is significantly "
        "lower than Oxfordshire's" in text
    )
    for group, row in west.groups.iterrows():
        subject = "Recorded crime" if group == ALL_CRIME else str(group)
        sentence = next(s for s in sentences if s.startswith(f"{subject} in West Oxfordshire"))
        assert ("not statistically significant" in sentence) == (not row["significant"]), sentence


def test_key_findings_state_no_hidden_count(west):
    """A group whose count a table hides is not stated in the key findings either."""
    hidden = west.hidden.groups.copy()
    hidden.loc["Drugs and weapons", "before"] = True
    masked = type(west.hidden)(types=west.hidden.types, groups=hidden)
    from dataclasses import replace

    text = " ".join(words.key_findings(replace(west, hidden=masked)))
    assert "Drugs and weapons in West Oxfordshire" not in text
    assert "Drugs and weapons in West Oxfordshire" in " ".join(words.key_findings(west))


def test_no_previous_year_is_said_plainly(data):
    sentences = words.key_findings(assess_district(data, "Oxford", 2024))
    assert "There are no police.uk data for 2023 to compare 2024 with." in sentences
    assert not any("rose" in s or "fell" in s for s in sentences)


def test_table_notes(data):
    note = words.table_notes(data, data.manifest.coverage(2025))
    assert note.startswith("[c] = suppressed: a count of 1 to 4")
    assert "ONS mid-2022 population estimates" in note and "missing: 2025-07" in note


def test_heatmap_hides_cells_behind_small_counts(data):
    h = heatmap(data, "Possession of weapons", ["Possession of weapons"], threshold=4, through=2025)
    counts = group_by_year(data, crime_types=["Possession of weapons"], per_month=False)
    assert (h.hidden | (counts > 4) | (counts == 0)).all().all()  # every small count is hidden
    assert h.hidden[(counts >= 1) & (counts <= 4)].fillna(True).all().all()
    assert h.average.shape == counts.shape
    alt = words.describe_heatmap(h)
    assert alt.count("suppressed") == int(h.hidden.to_numpy().sum())


def test_alt_text_names_every_district(data):
    overview = assess_area(data, 2025).overview
    alt = words.describe_rates(
        overview, benchmark="Oxfordshire", period="2025 (11 months with data: Jan-Jun, Aug-Dec)"
    )
    assert "in 2025 (11 months with data" in alt
    for district in data.config.districts:
        assert district.name in alt


def test_rate_by_decile_hides_small_counts():
    by_decile = hide_rates(
        rate_ci(pd.Series([3, 200, 150, 0], index=[1, 2, 3, 4]), [1500, 2000, 1800, 1200]),
        threshold=4,
    )
    assert by_decile.loc[1, "suppressed"] and pd.isna(by_decile.loc[1, "value"])
    assert by_decile.loc[3, "suppressed"]  # secondary: the smallest other decile
    assert by_decile.loc[2, "value"] == pytest.approx(100.0)
    assert by_decile.loc[4, "value"] == 0 and not by_decile.loc[4, "suppressed"]
    alt = words.describe_deciles(by_decile, domain="Income")
    assert "decile 1: suppressed" in alt and "decile 2: 100.0" in alt


def test_period_label_names_the_months_of_a_partial_year(data):
    assert words.period_label(data.manifest.coverage(2025)) == (
        "2025 (11 months with data: Jan-Jun, Aug-Dec)"
    )
    assert words.period_label(data.manifest.coverage(2024)) == "2024 (4 months with data: Jan-Apr)"
    sentence = words.key_findings(assess_district(data, "Oxford", 2024))[1]
    assert sentence.startswith(
        "Oxford had 5,401 recorded crimes (excluding anti-social behaviour) in 2024 (4 months"
    )


def test_coverage_note_and_district_links(data):
    assert "July 2025 is missing" in words.coverage_note(data.manifest.coverage(2025))
    links = words.district_links(data.config)
    assert links[3] == ("Vale of White Horse (E07000180)", "vale-of-white-horse.html")


@pytest.fixture(scope="module")
def all_hidden(data):
    """The demo data with a threshold so high that every count is suppressed."""
    from dataclasses import replace

    return replace(data, config=replace(data.config, suppression_threshold=100_000))


def test_no_chart_or_sentence_states_a_suppressed_rate(all_hidden):
    """With every count suppressed, the tables show only "[c]"; so must the rate chart, the
    funnel plot, their alt text, the key findings and the monthly chart."""
    from sna.report import district, overview

    a = assess_district(all_hidden, "E07000181", 2025)
    assert a.overview_hidden.all() and a.monthly_hidden
    alt = words.describe_rates(
        a.overview, benchmark=a.benchmark, period="2025", hidden=a.overview_hidden
    )
    assert "42.8" not in alt and alt.count("suppressed") == len(a.overview)
    findings = " ".join(words.key_findings(a))
    assert "per 1,000" not in findings and "recorded crimes" not in findings
    rates = [f"{v:.1f}" for v in a.overview["value"]]
    shown = []
    for section in (district.show_all_crime, district.show_monthly_trend):
        shown.append(_captured(section, a))
    shown.append(_captured(district.show_key_findings, a))
    o = assess_area(all_hidden, 2025)
    assert o.overview_hidden.all()
    for section in (overview.show_districts, overview.show_funnel):
        shown.append(_captured(section, o))
    text = " ".join(shown)
    assert not [r for r in rates if r in text], "a suppressed rate is shown"
    assert "chart of recorded crime per month and its forecast are not shown" in text
    assert "Line chart of recorded crime per month" not in text


def _captured(section, assessment) -> str:
    """Everything a section displays (HTML and alt text) as one string."""
    from unittest import mock

    from sna.report import display

    out: list[str] = []

    def record(obj, *args, metadata=None, **kwargs):
        images = [m for k, m in (metadata or {}).items() if k.startswith("image/")]
        if images:  # a chart: its alt text (the chart itself is tested in test_charts)
            out.extend(m["alt"] for m in images)
        else:
            out.append(str(obj.data))

    with mock.patch.object(display, "display", side_effect=record):
        section(assessment)
    return " ".join(out)
