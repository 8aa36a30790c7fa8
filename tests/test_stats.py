"""Tests for sna.stats.rates: rate and proportion intervals (PHE methods) and the Gini coefficient.

References: PHEindicatormethods test data (exact Poisson limits), the PHE Technical Guide's claim
that Byar's method is within 0.2% of exact at 95% for counts >= 10, Newcombe (1998) Wilson
intervals, and independent computations with scipy and statsmodels.
"""

from __future__ import annotations

import doctest
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

import sna.stats.rates
from sna.stats.rates import gini, proportion_ci, rate_ci

DATA = Path(__file__).parent / "data"
PHE_RTOL = 1e-4  # the PHE file's exact limits were solved numerically to about 5e-5
BYAR_WITHIN = 0.002  # PHE Technical Guide: Byar within 0.2% of exact at 95% for counts >= 10


@pytest.fixture(scope="module")
def phe_limits() -> pd.DataFrame:
    return pd.read_csv(DATA / "phe_reference_poisson_limits.csv", comment="#")


def test_docstring_examples() -> None:
    assert doctest.testmod(sna.stats.rates, raise_on_error=False).failed == 0


# --- rate_ci: reference values ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conf", "lo", "hi"), [(0.95, "lower95", "upper95"), (0.998, "lower998", "upper998")]
)
def test_rate_ci_small_counts_match_phe_exact_limits(phe_limits, conf, lo, hi) -> None:
    small = phe_limits[phe_limits["observed"] < 10]
    out = rate_ci(small["observed"], 1, per=1, conf=conf)
    np.testing.assert_allclose(out["lower"], small[lo], rtol=PHE_RTOL)
    np.testing.assert_allclose(out["upper"], small[hi], rtol=PHE_RTOL)
    assert (out["method"] == "exact Poisson").all()


def test_rate_ci_byar_within_phe_tolerance_of_exact(phe_limits) -> None:
    large = phe_limits[phe_limits["observed"] >= 10]
    out = rate_ci(large["observed"], 1, per=1, conf=0.95)
    assert (out["method"] == "Byar").all()
    np.testing.assert_allclose(out["lower"], large["lower95"], rtol=BYAR_WITHIN)
    np.testing.assert_allclose(out["upper"], large["upper95"], rtol=BYAR_WITHIN)


def test_rate_ci_byar_formula_from_the_technical_guide() -> None:
    counts = np.array([10, 65, 1045, 25_000])
    z = sps.norm.ppf(0.999)
    lower = counts * (1 - 1 / (9 * counts) - z / (3 * np.sqrt(counts))) ** 3
    upper = (counts + 1) * (1 - 1 / (9 * (counts + 1)) + z / (3 * np.sqrt(counts + 1))) ** 3
    out = rate_ci(counts, 200_000, per=100_000, conf=0.998)
    np.testing.assert_allclose(out["lower"], lower / 2, rtol=1e-12)
    np.testing.assert_allclose(out["upper"], upper / 2, rtol=1e-12)
    np.testing.assert_allclose(out["value"], counts / 2)


@settings(max_examples=60, deadline=None)
@given(count=st.integers(0, 9), conf=st.floats(0.8, 0.999))
def test_exact_limits_are_the_poisson_tail_definitions(count: int, conf: float) -> None:
    out = rate_ci(count, 1, per=1, conf=conf).iloc[0]
    alpha = 1 - conf
    assert sps.poisson.cdf(count, out["upper"]) == pytest.approx(alpha / 2, rel=1e-6)
    if count == 0:
        assert out["lower"] == 0
    else:
        assert sps.poisson.sf(count - 1, out["lower"]) == pytest.approx(alpha / 2, rel=1e-6)


@settings(max_examples=100, deadline=None)
@given(
    counts=st.lists(st.integers(0, 100_000), min_size=1, max_size=20),
    pop=st.floats(1, 1e7),
    conf=st.sampled_from([0.9, 0.95, 0.99, 0.998]),
)
def test_rate_ci_orders_limits_and_names_the_method(counts, pop, conf) -> None:
    out = rate_ci(counts, pop, per=1000, conf=conf)
    assert (out["lower"] <= out["value"] + 1e-12).all()
    assert (out["value"] <= out["upper"]).all()
    assert (out["lower"] >= 0).all()
    expected = np.where(np.array(counts) < 10, "exact Poisson", "Byar")
    assert out["method"].tolist() == expected.tolist()


def test_rate_ci_99_8_is_wider_than_95() -> None:
    narrow = rate_ci([0, 5, 50, 5000], 10_000)
    wide = rate_ci([0, 5, 50, 5000], 10_000, conf=0.998)
    assert (wide["upper"] > narrow["upper"]).all()
    assert (wide["lower"] <= narrow["lower"]).all()


# --- rate_ci: shapes and edge cases -------------------------------------------------------------


def test_rate_ci_keeps_series_index() -> None:
    count = pd.Series([5, 602], index=["Oxford", "Cherwell"])
    pop = pd.Series([1200, 115_000], index=["Oxford", "Cherwell"])
    out = rate_ci(count, pop)
    assert list(out.index) == ["Oxford", "Cherwell"]
    assert list(out.columns) == ["value", "lower", "upper", "method"]
    assert out.loc["Cherwell", "value"] == pytest.approx(602 / 115)


def test_rate_ci_scalar_input_gives_one_row() -> None:
    out = rate_ci(20, 4000, per=100_000)
    assert len(out) == 1
    assert out["value"].iloc[0] == pytest.approx(500)


def test_rate_ci_zero_count_has_zero_lower_and_exact_upper() -> None:
    out = rate_ci(0, 1000).iloc[0]
    assert out["value"] == 0
    assert out["lower"] == 0
    assert out["upper"] == pytest.approx(-np.log(0.025))  # 3.689 per 1,000 people


@pytest.mark.parametrize("population", [0, np.nan, None])
def test_rate_ci_zero_or_missing_population_gives_missing_rate(population) -> None:
    out = rate_ci([3, 30], [population, 1000])
    assert out.iloc[0][["value", "lower", "upper"]].isna().all()
    assert out.iloc[1]["value"] == pytest.approx(30)


def test_rate_ci_missing_count_gives_missing_rate() -> None:
    out = rate_ci(pd.Series([np.nan, 4.0]), 100)
    assert out.iloc[0][["value", "lower", "upper", "method"]].isna().all()
    assert out.iloc[1]["method"] == "exact Poisson"


def test_rate_ci_does_not_mutate_inputs() -> None:
    count = pd.Series([1, 2, 3])
    before = count.copy()
    rate_ci(count, 100)
    pd.testing.assert_series_equal(count, before)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"count": -1, "population": 100}, "count must be >= 0; got -1"),
        ({"count": 2.5, "population": 100}, "count must be whole numbers"),
        ({"count": 5, "population": -10}, "population must be >= 0; got -10"),
        ({"count": 5, "population": 100, "conf": 95}, "conf must be between 0 and 1"),
        ({"count": 5, "population": 100, "conf": 0}, "conf must be between 0 and 1"),
        ({"count": 5, "population": 100, "conf": 1.0}, "conf must be between 0 and 1"),
        ({"count": 5, "population": 100, "per": 0}, "per must be a number > 0"),
        ({"count": [1, 2], "population": [1, 2, 3]}, "same length"),
        ({"count": "many", "population": 100}, "count must be numeric"),
    ],
)
def test_rate_ci_rejects_bad_arguments(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        rate_ci(**kwargs)


def test_rate_ci_rejects_series_with_different_indexes() -> None:
    with pytest.raises(ValueError, match="same index"):
        rate_ci(pd.Series([1, 2], index=["a", "b"]), pd.Series([10, 20], index=["b", "a"]))


# --- proportion_ci ------------------------------------------------------------------------------


def test_proportion_ci_matches_newcombe_1998() -> None:
    ref = pd.read_csv(DATA / "wilson_reference_newcombe1998.csv", comment="#")
    out = proportion_ci(ref["count"], ref["total"])
    np.testing.assert_allclose(out["lower"].round(4), ref["lower"], atol=1e-12)
    np.testing.assert_allclose(out["upper"].round(4), ref["upper"], atol=1e-12)


@settings(max_examples=150, deadline=None)
@given(
    data=st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    conf=st.floats(0.8, 0.999),
)
def test_proportion_ci_matches_statsmodels_wilson(data, conf) -> None:
    count, total = data
    lo, hi = proportion_confint(count, total, alpha=1 - conf, method="wilson")
    out = proportion_ci(count, total, conf=conf).iloc[0]
    assert out["value"] == pytest.approx(count / total)
    assert out["lower"] == pytest.approx(lo, abs=1e-12)
    assert out["upper"] == pytest.approx(hi, abs=1e-12)
    assert 0 <= out["lower"] <= out["value"] <= out["upper"] <= 1


def test_proportion_ci_example_from_the_issue() -> None:
    out = proportion_ci(40, 100).iloc[0]
    assert f"{100 * out['value']:.1f}%" == "40.0%"
    assert out["method"] == "Wilson"


def test_proportion_ci_zero_total_is_missing_not_an_error() -> None:
    out = proportion_ci([0, 3], [0, 10])
    assert out.iloc[0][["value", "lower", "upper"]].isna().all()
    assert out.iloc[1]["value"] == pytest.approx(0.3)


def test_proportion_ci_all_or_none_hit_the_bounds_exactly() -> None:
    out = proportion_ci([0, 7], [7, 7])
    assert out.iloc[0]["lower"] == 0
    assert out.iloc[1]["upper"] == 1


@pytest.mark.parametrize(
    ("count", "total", "message"),
    [
        (5, 4, "count must be <= total"),
        (-1, 4, "count must be >= 0"),
        (1, 4.5, "total must be whole numbers"),
    ],
)
def test_proportion_ci_rejects_bad_arguments(count, total, message) -> None:
    with pytest.raises(ValueError, match=message):
        proportion_ci(count, total)


# --- gini ---------------------------------------------------------------------------------------


def _gini_mean_difference(x: np.ndarray) -> float:
    """Gini as the mean absolute difference over all ordered pairs, divided by twice the mean."""
    n = len(x)
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * n * n * x.mean()))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 500), min_size=1, max_size=60).filter(lambda v: sum(v) > 0))
def test_gini_equals_mean_difference_formula(counts) -> None:
    x = np.array(counts, dtype=float)
    assert gini(counts) == pytest.approx(_gini_mean_difference(x), abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=60).filter(lambda v: sum(v) > 0))
def test_generalised_gini_bounds_and_agreement_when_not_sparse(counts) -> None:
    g, g2 = gini(counts), gini(counts, generalised=True)
    assert -1e-12 <= g2 <= g + 1e-12 <= 1
    n_places, n_crimes = len(counts), sum(counts)
    if n_crimes >= n_places:
        assert g2 == pytest.approx(g)
    else:
        assert g2 == pytest.approx(n_places / n_crimes * (g - 1) + 1)


def test_gini_known_values() -> None:
    assert gini([5, 5, 5, 5]) == pytest.approx(0)
    assert gini([0, 0, 0, 10]) == pytest.approx(0.75)  # (N - 1) / N
    # Bernasco and Steenbeek: crimes spread as evenly as possible over more places -> G' = 0.
    assert gini([1, 1, 1, 0, 0, 0, 0, 0, 0, 0], generalised=True) == pytest.approx(0)
    assert gini([1, 1, 1, 0, 0, 0, 0, 0, 0, 0]) == pytest.approx(0.7)
    assert isinstance(gini([1, 2]), float)


def test_gini_edge_cases() -> None:
    assert np.isnan(gini([0, 0, 0]))
    assert gini([7]) == pytest.approx(0)
    with pytest.raises(ValueError, match="at least one place"):
        gini([])
    with pytest.raises(ValueError, match="missing values"):
        gini([1, np.nan])
    with pytest.raises(ValueError, match="counts must be >= 0"):
        gini([1, -1])
    with pytest.raises(ValueError, match="whole numbers"):
        gini([1.5, 2])
