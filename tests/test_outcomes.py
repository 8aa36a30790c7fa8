"""Outcomes of crimes: counts against the raw police.uk files, Wilson intervals, suppression, caveat."""

from __future__ import annotations

import csv
import dataclasses
import gzip
from collections import Counter
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from sna.assessment.figures import ALL_CRIME
from sna.assessment.outcomes import assess_outcomes, recent_months
from sna.data.processed import load_processed
from sna.report import charts, display
from sna.report import outcomes as report
from sna.stats.outcomes import (
    CHARGED,
    NOT_KNOWN,
    OTHER,
    OUTCOME_GROUPS,
    group_outcomes,
    outcome_group,
    outcome_shares,
)
from tests.conftest import RAW

STREET = RAW / "police_uk" / "thames-valley"
OXFORD = "E07000178"
OXFORDSHIRE = ("Cherwell", "Oxford", "South Oxfordshire", "Vale of White Horse", "West Oxfordshire")
MONTHS_2024 = ["2024-01", "2024-02", "2024-03", "2024-04"]


def raw_outcomes(months: list[str]) -> Counter[tuple[str, str, str]]:
    """(district, crime type, outcome category) counts of crimes, from the raw files with csv.

    The district is the LSOA name without its code ("Oxford 008A" -> "Oxford"); rows without
    an LSOA (no location) and anti-social behaviour are left out.
    """
    counts: Counter[tuple[str, str, str]] = Counter()
    for month in months:
        path = STREET / f"{month}-thames-valley-street.csv.gz"
        with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                district = row["LSOA name"].rsplit(" ", 1)[0]
                if district in OXFORDSHIRE and row["Crime type"] != "Anti-social behaviour":
                    counts[(district, row["Crime type"], row["Last outcome category"])] += 1
    return counts


@pytest.fixture(scope="module")
def data(prepared):
    config, _ = prepared
    return load_processed(config)


@pytest.fixture(scope="module")
def raw_2024():
    return raw_outcomes(MONTHS_2024)


@pytest.fixture(scope="module")
def oxford_2024(data):
    return assess_outcomes(data, OXFORD, 2024)


def _captured(section, assessment) -> str:
    """Everything a section displays (HTML, and a chart's alt text) as one string."""
    out: list[str] = []

    def record(obj, *args, metadata=None, **kwargs):
        data = getattr(obj, "data", obj)
        out.append(data if isinstance(data, str) else "")
        for value in (metadata or {}).values():
            out.append(str(value.get("alt", "")) if isinstance(value, dict) else "")

    with mock.patch.object(display, "display", side_effect=record):
        section(assessment)
    return " ".join(out)


def test_the_real_categories_are_all_grouped(raw_2024):
    every = {category for _, _, category in raw_outcomes([*MONTHS_2024, "2025-06", "2018-10"])}
    listed = {c for members in OUTCOME_GROUPS.values() for c in members}
    assert every <= listed  # no category of the demo data falls into "other" by default
    assert outcome_group(pd.Series(["Awaiting court outcome"])).item() == CHARGED
    assert outcome_group(pd.Series(["Court result unavailable"])).item() == CHARGED
    assert outcome_group(pd.Series(["Offender given a caution"])).item() != CHARGED
    assert outcome_group(pd.Series(["Status update unavailable"])).item() == NOT_KNOWN
    assert outcome_group(pd.Series(["A new police.uk category"])).item() == OTHER


def test_oxford_2024_counts_match_the_raw_files(oxford_2024, raw_2024):
    o = oxford_2024
    by_category = Counter()
    for (district, crime_type, category), n in raw_2024.items():
        if district == "Oxford":
            by_category[(crime_type, category)] += n
    # every crime type's outcome categories, regrouped from the raw counts
    for crime_type in o.counts.index.drop(ALL_CRIME):
        raw_total = sum(n for (t, _), n in by_category.items() if t == crime_type)
        assert o.counts.loc[crime_type].sum() == raw_total, crime_type
        for group, members in OUTCOME_GROUPS.items():
            expected = sum(by_category[(crime_type, c)] for c in members)
            assert o.counts.loc[crime_type, group] == expected, (crime_type, group)
    # hand-checked figures: 5,401 crimes, 255 charged or summonsed, 1,670 under investigation
    assert o.counts.loc[ALL_CRIME].sum() == sum(by_category.values()) == 5401
    assert o.counts.loc[ALL_CRIME, CHARGED] == 255
    assert o.counts.loc[ALL_CRIME, "Under investigation"] == 1670
    assert o.counts.loc["Shoplifting", CHARGED] == 79


def test_raw_categories_are_kept_in_the_prepared_outcomes(data, raw_2024):
    prepared = data.outcomes[
        (data.outcomes["month"].dt.year == 2024) & (data.outcomes["district_name"] == "Oxford")
    ]
    got = prepared.groupby("last_outcome_category")["count"].sum().to_dict()
    expected = Counter()
    for (district, _, category), n in raw_2024.items():
        if district == "Oxford":
            expected[category] += n
    assert got == dict(expected)
    assert "Anti-social behaviour" not in set(data.outcomes["crime_type"])


def test_shares_have_wilson_intervals_as_statsmodels(oxford_2024):
    s = oxford_2024.shares
    usable = s[s["denominator"] > 0]
    lower, upper = proportion_confint(
        usable["count"].to_numpy(), usable["denominator"].to_numpy(), alpha=0.05, method="wilson"
    )
    np.testing.assert_allclose(usable["lower95"], lower, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(usable["upper95"], upper, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(usable["value"], usable["count"] / usable["denominator"])
    assert set(usable["method"]) == {"Wilson"}


def test_benchmark_shares_and_comparison(oxford_2024, raw_2024):
    s = oxford_2024.shares.loc[(ALL_CRIME, CHARGED)]
    charged = set(OUTCOME_GROUPS[CHARGED])
    everything = sum(raw_2024.values())
    charged_n = sum(n for (_, _, c), n in raw_2024.items() if c in charged)
    assert s["benchmark_denominator"] == everything
    assert s["benchmark_value"] == pytest.approx(charged_n / everything)
    # Oxford 4.7% (4.2% to 5.3%) against Oxfordshire's 3.3%: the benchmark is below the interval
    assert s["value"] == pytest.approx(255 / 5401)
    assert s["lower95"] > s["benchmark_value"]
    assert s["compare95"] == "higher"


def test_small_counts_are_suppressed(oxford_2024):
    o = oxford_2024
    small = (o.counts >= 1) & (o.counts <= 4)
    assert small.to_numpy().any()
    assert o.hidden[small].fillna(True).all().all()
    assert not o.hidden[o.counts == 0].fillna(False).any().any()  # zeros are published
    # row totals (published in the crime-type table) never leave one hidden cell in a row
    assert set(o.hidden.sum(axis=1)) <= {0} | set(range(2, 8))
    # the all-crime row is a published total of each column
    inner = o.hidden.drop(index=ALL_CRIME)
    assert set(inner.sum(axis=0)) <= {0} | set(range(2, 14))
    # a hidden count hides its share, interval and comparison in every published table
    table = report.outcomes_table(o)
    charged = report.charged_table(o)
    for crime_type in o.counts.index:
        if o.hidden.loc[crime_type, CHARGED]:
            assert table.loc[crime_type, CHARGED] == "[c]"
            assert (charged.loc[crime_type, [CHARGED, "Share", "95% confidence interval"]]
                    == "[c]").all()  # fmt: skip
        else:
            count = int(o.counts.loc[crime_type, CHARGED])
            assert table.loc[crime_type, CHARGED].startswith(f"{count:,}")


def test_a_row_hidden_elsewhere_is_hidden_here(data):
    hidden = pd.Series({"Robbery": True})
    o = assess_outcomes(data, OXFORD, 2024, hidden_totals=hidden)
    assert o.hidden.loc["Robbery", o.counts.loc["Robbery"] > 0].all()
    assert o.shares.loc["Robbery", "hidden"].all()
    assert report.charged_table(o).loc["Robbery", "Crimes"] == "[c]"


def test_caveat_says_outcomes_change_and_which_months_are_recent(data, oxford_2024):
    caveat = report.outcome_caveat(oxford_2024, area="Oxford", threshold=4)
    assert "Outcomes change after publication" in caveat
    assert "None of the 4 months of 2024 with data is within 6 months" in caveat
    # January 2024: 202 of 1,295 crimes under investigation; April 2024: 741 of 1,346
    assert f"{100 * 202 / 1295:.1f}% of the crimes recorded in January 2024" in caveat
    assert f"{100 * 741 / 1346:.1f}% of those recorded in April 2024" in caveat
    o2025 = assess_outcomes(data, OXFORD, 2025)
    assert [str(m) for m in o2025.recent] == ["2025-08", "2025-09", "2025-10", "2025-11", "2025-12"]
    caveat = report.outcome_caveat(o2025, area="Oxford", threshold=4)
    assert "5 of the 11 months of 2025 with data (August to December) are within 6 months" in caveat


def test_recent_months_skip_missing_ones():
    months = [pd.Period(m, "M") for m in ("2025-05", "2025-06", "2025-08", "2025-12")]
    got = recent_months(months, pd.Period("2025-12", "M"), within=6)
    assert [str(m) for m in got] == ["2025-08", "2025-12"]
    assert recent_months(months, None) == ()


@pytest.fixture(scope="module")
def district_2024(data):
    from sna.assessment.district import assess_district

    return assess_district(data, "Oxford", 2024)


@pytest.mark.slow
def test_section_shows_caveat_tables_and_chart(district_2024):
    from sna.report import district

    a = district_2024
    assert a.outcomes is not None
    text = _captured(district.show_outcomes, a)
    assert "Outcomes change after publication" in text
    assert "Charged or summonsed" in text
    assert "Of the 5,401 crimes recorded in Oxford" in text
    assert "Bar chart of the share of Oxford" in text


@pytest.mark.slow
def test_section_without_outcomes_says_so(data, district_2024):
    from sna.report import district

    a = dataclasses.replace(district_2024, outcomes=None)
    assert assess_outcomes(dataclasses.replace(data, outcomes=None), OXFORD, 2024) is None
    assert "Outcomes are not available" in _captured(district.show_outcomes, a)


def test_share_chart_draws_no_bar_for_a_hidden_share(oxford_2024):
    types = oxford_2024.shares.xs(CHARGED, level="outcome_group").drop(index=ALL_CRIME)
    ax = charts.share_bars(
        types,
        title="t",
        xlabel="x",
        benchmark="Oxfordshire",
        hidden=types["hidden"],
        benchmark_hidden=types["benchmark_hidden"],
    )
    widths = [p.get_width() for p in ax.patches]
    assert len(widths) == len(types)
    shown = ~types["hidden"].to_numpy()
    assert np.isnan(np.array(widths)[~shown]).all()
    np.testing.assert_allclose(np.array(widths)[shown], 100 * types["value"].to_numpy()[shown])
    assert sum(t.get_text() == " [c]" for t in ax.texts) == (~shown).sum()


def test_group_outcomes_and_shares_by_hand():
    frame = pd.DataFrame(
        {
            "crime_type": ["Drugs", "Drugs", "Drugs", "Robbery"],
            "last_outcome_category": ["Awaiting court outcome", "Local resolution", "", "Nope"],
            "count": [3, 5, 2, 4],
        }
    )
    table = group_outcomes(frame)
    assert table.loc["Drugs", CHARGED] == 3 and table.loc["Drugs", NOT_KNOWN] == 2
    assert table.loc["Robbery", OTHER] == 4
    assert table.attrs["unlisted"] == ["Nope"]
    shares = outcome_shares(table)
    assert shares.loc[("Drugs", CHARGED), "value"] == pytest.approx(0.3)
    assert shares.loc[("Drugs", CHARGED), "denominator"] == 10
