"""Tests for sna.stats.change: period change with the exact conditional test, and like-for-like months.

References: statsmodels' exact conditional test for two Poisson rates (test_poisson_2indep,
method "exact-cond", one-sided tails) and scipy's Clopper-Pearson interval (binomtest).
"""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats.rates import test_poisson_2indep as poisson_2indep

import sna.stats.change
from sna.report.words import comparison_note
from sna.stats.change import LikeForLike, like_for_like, period_change
from sna.stats.schema import interval_columns


def test_docstring_examples() -> None:
    assert doctest.testmod(sna.stats.change, raise_on_error=False).failed == 0


def test_issue_example_rise_of_602() -> None:
    row = period_change(5234, 5836).iloc[0]
    assert row["change"] == 602
    assert f"{row['pct_change']:.1f}" == "11.5"
    assert row["value"] == pytest.approx(5836 / 5234)
    assert bool(row["significant"])
    assert row["method"] == "exact conditional binomial test"
    assert row["note"] == ""


# Two independent numerical routes (scipy's beta quantiles here, the binomial test's root finding
# there) agree to about 1e-7 in extreme tails (1 against 1,596 at 99.8%): compare to 1e-6.
AGREE = 1e-6


@settings(max_examples=80, deadline=None)
@given(
    before=st.integers(0, 3000),
    after=st.integers(0, 3000),
    pops=st.one_of(st.none(), st.tuples(st.integers(1_000, 500_000), st.integers(1_000, 500_000))),
    conf=st.sampled_from([0.9, 0.95, 0.998]),
)
@example(before=1, after=1596, pops=None, conf=0.998)  # once failed at a 1e-9 tolerance
def test_exact_test_matches_statsmodels_and_scipy(before, after, pops, conf) -> None:
    pb, pa = pops if pops is not None else (1, 1)
    kwargs = {} if pops is None else {"population_before": pb, "population_after": pa}
    row = period_change(before, after, conf=conf, **kwargs).iloc[0]
    lower, upper = interval_columns([conf])
    if before + after == 0:
        assert row["p_value"] == 1.0
        assert not row["significant"]
        return
    with np.errstate(divide="ignore", invalid="ignore"):  # statsmodels divides by a zero rate
        larger = poisson_2indep(after, pa, before, pb, method="exact-cond", alternative="larger")
        smaller = poisson_2indep(after, pa, before, pb, method="exact-cond", alternative="smaller")
    one_sided = min(larger.pvalue, smaller.pvalue)
    assert row["p_value"] == pytest.approx(min(1.0, 2 * one_sided), rel=AGREE, abs=1e-300)
    ci = sps.binomtest(after, before + after, 0.5).proportion_ci(conf, method="exact")
    to_ratio = pb / pa
    assert row[lower] == pytest.approx(ci.low / (1 - ci.low) * to_ratio, rel=AGREE)
    if ci.high < 1:
        assert row[upper] == pytest.approx(ci.high / (1 - ci.high) * to_ratio, rel=AGREE)
    else:
        assert np.isinf(row[upper])
    # The flag agrees with the interval, by construction of the two-tailed p-value.
    assert bool(row["significant"]) == bool(row[lower] > 1 or row[upper] < 1)
    assert bool(row["significant"]) == bool(row["p_value"] < 1 - conf)


def test_population_change_is_accounted_for() -> None:
    same_counts = period_change(1000, 1000, population_before=100_000, population_after=200_000)
    row = same_counts.iloc[0]
    assert row["change"] == 0
    assert row["value"] == pytest.approx(0.5)
    assert bool(row["significant"])
    assert "population changed by +100.0%" in row["note"]
    # Counts rose in line with the population: the rate did not change.
    row = period_change(1000, 1100, population_before=100_000, population_after=110_000).iloc[0]
    assert row["value"] == pytest.approx(1)
    assert not row["significant"]


def test_vectorised_over_series_keeps_index() -> None:
    before = pd.Series([100, 5], index=["Violence with injury", "Robbery"])
    after = pd.Series([125, 4], index=["Violence with injury", "Robbery"])
    out = period_change(before, after)
    assert list(out.index) == ["Violence with injury", "Robbery"]
    assert out.loc["Violence with injury", "pct_change"] == pytest.approx(25)
    assert out["change"].tolist() == [25, -1]
    assert list(out.columns) == [
        "before",
        "after",
        "change",
        "pct_change",
        "value",
        "lower95",
        "upper95",
        "p_value",
        "significant",
        "method",
        "note",
    ]
    assert out.attrs == {"confidence": (0.95,), "statistic": "rate ratio (after / before)"}
    assert list(period_change(1, 2, conf=0.998).columns[5:7]) == ["lower998", "upper998"]


def test_edge_cases_zero_missing_and_no_population() -> None:
    out = period_change(
        [0, 0, 10, np.nan], [0, 6, 12, 3], population_before=[10, 10, 0, 10], population_after=10
    )
    none, from_zero, no_pop, missing = (out.iloc[i] for i in range(4))
    assert none["p_value"] == 1 and not none["significant"]
    assert none["note"] == "no events in either period"
    assert np.isnan(from_zero["pct_change"])
    assert np.isinf(from_zero["value"])
    assert "percentage change undefined" in from_zero["note"]
    assert np.isnan(no_pop["p_value"]) and not no_pop["significant"]
    assert "population missing or zero" in no_pop["note"]
    assert pd.isna(missing["before"]) and pd.isna(missing["change"])
    assert "count missing" in missing["note"]


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((-1, 5), {}, "count_before must be >= 0; got -1"),
        ((1, 2.5), {}, "count_after must be whole numbers"),
        ((1, 2), {"population_before": 10}, "must be given together"),
        (
            (1, 2),
            {"population_before": -10, "population_after": 10},
            "population_before must be >= 0",
        ),
        ((1, 2), {"conf": 1.5}, "conf must be between 0 and 1"),
    ],
)
def test_period_change_rejects_bad_arguments(args, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        period_change(*args, **kwargs)


# --- like_for_like ------------------------------------------------------------------------------


def _demo_monthly(as_strings: bool = False) -> pd.DataFrame:
    """The demo data's shape: 2024 has January to April; 2025 lacks July (to November)."""
    rows = []
    months = {2024: [1, 2, 3, 4], 2025: [1, 2, 3, 4, 5, 6, 8, 9, 10, 11]}
    for year, numbers in months.items():
        for m in numbers:
            for district, base in (("Oxford", 1000), ("Cherwell", 600)):
                month = f"{year}-{m:02d}" if as_strings else pd.Timestamp(year, m, 1)
                rows.append({"month": month, "district": district, "count": base + year - 2024 + m})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("as_strings", [False, True])
def test_like_for_like_compares_january_to_april_only(as_strings) -> None:
    lfl = like_for_like(_demo_monthly(as_strings), year=2025, previous_year=2024, by="district")
    assert isinstance(lfl, LikeForLike)
    assert lfl.months_compared == ["January", "February", "March", "April"]
    assert lfl.months_dropped == {
        2024: [],
        2025: ["2025-05", "2025-06", "2025-08", "2025-09", "2025-10", "2025-11"],
    }
    assert lfl.months_missing[2025] == ["2025-07", "2025-12"]
    assert not lfl.like_for_like
    assert not lfl.complete_years
    assert lfl.before["Oxford"] == 1000 * 4 + (1 + 2 + 3 + 4)
    assert lfl.after["Oxford"] == 1001 * 4 + (1 + 2 + 3 + 4)
    assert "for January to April only" in comparison_note(lfl)
    assert "2025 has no data for July and December" in comparison_note(lfl)


def test_like_for_like_without_groups_and_full_years() -> None:
    months = pd.period_range("2023-01", "2024-12", freq="M")
    monthly = pd.DataFrame({"month": months.to_timestamp(), "count": 10})
    lfl = like_for_like(monthly, year=2024, previous_year=2023)
    assert lfl.before.to_dict() == {"total": 120}
    assert lfl.after.to_dict() == {"total": 120}
    assert lfl.like_for_like and lfl.complete_years
    assert comparison_note(lfl) == "Full calendar years 2023 and 2024 are compared."


def test_like_for_like_group_missing_from_a_year_counts_zero() -> None:
    monthly = pd.DataFrame(
        {
            "month": ["2024-01", "2024-01", "2025-01"],
            "crime_type": ["Robbery", "Burglary", "Burglary"],
            "count": [3, 5, 7],
        }
    )
    lfl = like_for_like(monthly, year=2025, previous_year=2024, by=["crime_type"])
    assert lfl.after.to_dict() == {"Burglary": 7, "Robbery": 0}
    assert lfl.before.to_dict() == {"Burglary": 5, "Robbery": 3}


def test_like_for_like_months_available_distinguishes_no_events_from_no_data() -> None:
    # A filtered group with no events in February 2025: the month still has data.
    monthly = pd.DataFrame({"month": ["2024-01", "2024-02", "2025-01"], "count": [1, 2, 3]})
    default = like_for_like(monthly, year=2025, previous_year=2024)
    assert default.months_compared == ["January"]
    told = like_for_like(
        monthly,
        year=2025,
        previous_year=2024,
        months_available=["2024-01", "2024-02", "2025-01", "2025-02"],
    )
    assert told.months_compared == ["January", "February"]
    assert told.after["total"] == 3 and told.before["total"] == 3


def test_like_for_like_does_not_mutate_input() -> None:
    monthly = _demo_monthly()
    before = monthly.copy()
    like_for_like(monthly, year=2025, previous_year=2024)
    pd.testing.assert_frame_equal(monthly, before)


def test_like_for_like_refuses_without_common_months() -> None:
    monthly = pd.DataFrame({"month": ["2024-01", "2025-02"], "count": [1, 2]})
    with pytest.raises(ValueError, match="no month with data in common"):
        like_for_like(monthly, year=2025, previous_year=2024)


@pytest.mark.parametrize(
    ("monthly", "kwargs", "message"),
    [
        (pd.DataFrame({"month": ["2024-01"]}), {}, "no column 'count'"),
        (pd.DataFrame({"month": ["January"], "count": [1]}), {}, "month must hold months"),
        (pd.DataFrame({"month": ["2024-01"], "count": [-1]}), {}, "count must be >= 0"),
        (
            pd.DataFrame({"month": ["2024-01"], "count": [1]}),
            {"previous_year": 2025},
            "must differ",
        ),
    ],
)
def test_like_for_like_rejects_bad_input(monthly, kwargs, message) -> None:
    args = {"year": 2025, "previous_year": 2024} | kwargs
    with pytest.raises(ValueError, match=message):
        like_for_like(monthly, **args)
