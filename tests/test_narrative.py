"""Tests for sna.report.narrative: sentences say only what the statistics support.

The property tests generate results with sna's own statistics and check that every claim of
significance, direction and rank in the sentence is backed by the result it was made from.
"""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sna.report.narrative
from sna.report.narrative import (
    describe_benchmark,
    describe_change,
    describe_concentration,
    describe_correlation,
    describe_deprivation_ratio,
    describe_forecast,
    describe_rank,
)
from sna.stats.benchmark import compare_with_benchmark, rank_areas
from sna.stats.change import period_change
from sna.stats.concentration import concentration_summary
from sna.stats.deprivation import deprivation_correlation, deprivation_rate_ratio
from sna.stats.forecast import monthly_forecast


def test_docstring_examples() -> None:
    assert doctest.testmod(sna.report.narrative, raise_on_error=False).failed == 0


# --- describe_change ----------------------------------------------------------------------------


def test_change_sentence_from_the_issue() -> None:
    row = period_change(5234, 5836).iloc[0]
    text = describe_change("West Oxfordshire", "Recorded crime", row, previous_label="2024")
    assert text == (
        "Recorded crime in West Oxfordshire rose by 11.5% (+602) on 2024; "
        "this increase is statistically significant."
    )


def test_change_not_significant_decrease_with_like_for_like_note() -> None:
    row = period_change(104, 100).iloc[0]
    note = "2025 is compared with 2024 for January to April only."
    text = describe_change(
        "Cherwell", "Robbery", row, previous_label="2024", like_for_like_note=note
    )
    assert text == (
        "Robbery in Cherwell fell by 3.8% (-4) on 2024; this change is not statistically "
        "significant. 2025 is compared with 2024 for January to April only."
    )


def test_change_special_cases() -> None:
    same = period_change(50, 50).iloc[0]
    assert describe_change("Oxford", "Burglary", same, previous_label="2024") == (
        "Burglary in Oxford was unchanged on 2024, at 50."
    )
    from_zero = period_change(0, 7).iloc[0]
    text = describe_change("Oxford", "Robbery", from_zero, previous_label="2024")
    assert text.startswith("Robbery in Oxford rose from none to 7 on 2024;")
    no_pop = period_change(10, 20, population_before=0, population_after=100).iloc[0]
    text = describe_change("Oxford", "Robbery", no_pop, previous_label="2024")
    assert "could not be assessed" in text and "significant" not in text
    tiny = period_change(100_000, 100_001).iloc[0]
    text = describe_change("Thames Valley", "Crime", tiny, previous_label="2024")
    assert "rose by less than 0.1% (+1)" in text


def test_count_up_but_rate_down_is_not_called_a_significant_increase() -> None:
    row = period_change(10_000, 10_100, population_before=100_000, population_after=120_000).iloc[0]
    text = describe_change("Cherwell", "Recorded crime", row, previous_label="2024")
    assert text.startswith("Recorded crime in Cherwell rose by 1.0% (+100) on 2024;")
    assert "this increase is statistically significant" not in text
    assert "the rate fell, and this fall in the rate is statistically significant" in text


@settings(max_examples=150, deadline=None)
@given(before=st.integers(0, 2000), after=st.integers(0, 2000))
def test_change_claims_match_the_numbers(before, after) -> None:
    row = period_change(before, after).iloc[0]
    text = describe_change("Area", "Crime", row, previous_label="2024")
    assert ("rose" in text) == (after > before)
    assert ("fell" in text) == (after < before)
    claims = "is statistically significant" in text
    assert claims == bool(row["significant"])
    if claims:
        assert ("increase" in text) == (after > before)


# --- describe_benchmark and describe_rank -------------------------------------------------------


def test_benchmark_sentences() -> None:
    rows = compare_with_benchmark(
        pd.Series({"Oxford": 14_000, "Cherwell": 8_300, "Vale": 5_550, "Tiny": 1}),
        pd.Series({"Oxford": 162_000, "Cherwell": 161_000, "Vale": 110_000, "Tiny": 0}),
        38_000,
        740_000,
    )
    oxford = describe_benchmark("Oxford", rows.loc["Oxford"], benchmark_name="Oxfordshire")
    assert oxford == (
        "Oxford's crime rate (86.4 per 1,000 residents) is significantly higher than "
        "Oxfordshire's (51.4 per 1,000), at both 95% and 99.8% confidence."
    )
    vale = describe_benchmark("Vale", rows.loc["Vale"], benchmark_name="Oxfordshire")
    assert "is similar to Oxfordshire's" in vale and "not statistically significant" in vale
    tiny = describe_benchmark("Tiny", rows.loc["Tiny"], benchmark_name="Oxfordshire")
    assert "could not be compared" in tiny
    only_95 = {
        "value": 56.0,
        "benchmark_value": 50.0,
        "compare95": "higher",
        "compare998": "similar",
    }
    assert "at 95% confidence (though not at 99.8%)" in describe_benchmark(
        "A", only_95, benchmark_name="B"
    )


def test_benchmark_refuses_contradictions() -> None:
    wrong = {"value": 40.0, "benchmark_value": 50.0, "compare95": "higher", "compare998": "higher"}
    with pytest.raises(ValueError, match="says 'higher'"):
        describe_benchmark("A", wrong, benchmark_name="B")
    with pytest.raises(ValueError, match="compare95 must be one of"):
        describe_benchmark("A", {"compare95": "worse", "value": 1}, benchmark_name="B")


@pytest.fixture
def ranked() -> pd.DataFrame:
    counts = pd.Series(
        {"Oxford": 14_000, "Cherwell": 9_500, "Vale": 5_000, "South": 4_990, "West": 4_800}
    )
    pops = pd.Series(
        {"Oxford": 162_000, "Cherwell": 161_000, "Vale": 138_000, "South": 142_000, "West": 114_000}
    )
    return rank_areas(counts, pops)


def test_rank_sentences(ranked) -> None:
    assert describe_rank("Oxford", ranked) == (
        "Oxford had the highest crime rate of the 5 districts (86.4 per 1,000 residents), "
        "significantly higher than the next, Cherwell (59.0 per 1,000)."
    )
    assert describe_rank("West", ranked).startswith("West had the 3rd highest crime rate")
    lowest = describe_rank("South", ranked)
    assert lowest.startswith("South had the lowest crime rate of the 5 districts")
    assert "not statistically significant" in lowest or "significantly lower" in lowest
    with pytest.raises(ValueError, match="not in ranked"):
        describe_rank("Reading", ranked)


def test_rank_close_top_two_are_not_ranked_with_confidence() -> None:
    ranked = rank_areas(pd.Series({"A": 1000, "B": 990}), pd.Series({"A": 10_000, "B": 10_000}))
    text = describe_rank("A", ranked)
    assert "cannot be ranked with confidence" in text
    assert "significantly" not in text


def test_rank_ties_and_missing() -> None:
    ranked = rank_areas(
        pd.Series({"A": 10, "B": 10, "C": 1}), pd.Series({"A": 100, "B": 100, "C": 0})
    )
    assert describe_rank("A", ranked).startswith("A had the joint highest crime rate of the 2")
    assert "could not be calculated" in describe_rank("C", ranked)


# --- other sentences ----------------------------------------------------------------------------


@pytest.fixture
def lsoas() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    decile = np.tile(np.arange(1, 11), 20)
    pop = np.full(200, 1500)
    return pd.DataFrame(
        {
            "lsoa_code": [f"E{i}" for i in range(200)],
            "count": rng.poisson(pop / 1000 * (70 - 5 * decile)),
            "population": pop,
            "decile": decile,
        }
    )


def test_correlation_sentences(lsoas) -> None:
    text = describe_correlation(deprivation_correlation(lsoas))
    assert text.startswith("Across 200 LSOAs, crime rates were higher in more deprived areas")
    assert "(Income domain)" in text and "positive correlation" in text
    noise = lsoas.assign(count=np.random.default_rng(1).poisson(30, 200))
    result = deprivation_correlation(noise)
    text = describe_correlation(result)
    if not result["significant"]:
        assert "no statistically significant correlation" in text
        assert "strong" not in text and "weak" not in text
    circular = describe_correlation(deprivation_correlation(lsoas, domain="IMD"))
    assert "partly circular" in circular


def test_deprivation_ratio_sentence(lsoas) -> None:
    text = describe_deprivation_ratio(deprivation_rate_ratio(lsoas))
    assert text.startswith(
        "The crime rate in the most deprived decile of LSOAs (Income domain) was"
    )
    assert "times that in the least deprived decile" in text
    assert "statistically significant" in text
    none = describe_deprivation_ratio(deprivation_rate_ratio(lsoas[lsoas["decile"] == 5]))
    assert "could not be compared" in none


def test_concentration_sentences() -> None:
    counts = [0] * 300 + [2] * 80 + [30] * 20
    text = describe_concentration("Oxford", concentration_summary(counts))
    assert "the 20 LSOAs with the most crime (5% of 400) recorded 78.9% of all crime" in text
    assert "the 40 LSOAs with the most crime (10% of 400)" in text
    sparse = describe_concentration("Vale", concentration_summary([1] * 3 + [0] * 50))
    assert "generalised Gini coefficient is used: 0.00" in sparse
    assert "No crime was recorded" in describe_concentration("X", concentration_summary([0, 0]))


def test_forecast_sentences() -> None:
    series = pd.Series([100, 96, 110, 104], index=pd.period_range("2025-01", periods=4, freq="M"))
    text = describe_forecast("Oxford", "Recorded crime", monthly_forecast(series))
    assert text.startswith("If recent patterns continue, recorded crime in Oxford is expected")
    assert "over the next 12 months" in text and "recording practice" in text
    short = monthly_forecast(series.iloc[:2])
    assert describe_forecast("Oxford", "Robbery", short).startswith("No forecast of robbery")


def test_no_markup_in_any_sentence(ranked) -> None:
    texts = [describe_rank(area, ranked) for area in ranked.index] + [
        describe_change("A & B <x>", "Crime", period_change(1, 2).iloc[0], previous_label="2024")
    ]
    assert all("<b>" not in t and "&amp;" not in t for t in texts)


def test_middle_rank_claimed_only_when_both_neighbours_differ():
    pops = pd.Series(10_000, index=list("ABCDE"))
    ranked = rank_areas(pd.Series({"A": 900, "B": 600, "C": 410, "D": 400, "E": 100}), pops)
    assert describe_rank("B", ranked).endswith(
        "significantly different from the districts either side."
    )
    for area in ("C", "D"):
        text = describe_rank(area, ranked)
        assert "is not statistically significant, so its rank is not certain" in text
