"""Tests for sna.stats.rates (rate and proportion intervals, PHE methods; the Gini coefficient),
and for the shared argument checks (sna.stats.checks) and result schema (sna.stats.schema).

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

import sna.stats.checks
import sna.stats.rates
import sna.stats.schema
from sna.stats.checks import (
    broadcast,
    check_conf,
    check_counts,
    check_levels,
    check_nonnegative,
    check_positive,
    check_threshold,
    to_float_array,
)
from sna.stats.rates import gini, proportion_ci, rate_ci
from sna.stats.schema import estimate_frame, interval_columns, level_label

DATA = Path(__file__).parent / "data"
PHE_RTOL = 1e-4  # the PHE file's exact limits were solved numerically to about 5e-5
BYAR_WITHIN = 0.002  # PHE Technical Guide: Byar within 0.2% of exact at 95% for counts >= 10


@pytest.fixture(scope="module")
def phe_limits() -> pd.DataFrame:
    return pd.read_csv(DATA / "phe_reference_poisson_limits.csv", comment="#")


@pytest.mark.parametrize("module", [sna.stats.rates, sna.stats.checks, sna.stats.schema])
def test_docstring_examples(module) -> None:
    assert doctest.testmod(module, raise_on_error=False).failed == 0


# --- rate_ci: reference values ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conf", "lo", "hi"), [(0.95, "lower95", "upper95"), (0.998, "lower998", "upper998")]
)
def test_rate_ci_small_counts_match_phe_exact_limits(phe_limits, conf, lo, hi) -> None:
    small = phe_limits[phe_limits["observed"] < 10]
    out = rate_ci(small["observed"], 1, per=1, conf=conf)
    np.testing.assert_allclose(out[lo], small[lo], rtol=PHE_RTOL)
    np.testing.assert_allclose(out[hi], small[hi], rtol=PHE_RTOL)
    assert (out["method"] == "exact Poisson").all()


def test_rate_ci_byar_within_phe_tolerance_of_exact(phe_limits) -> None:
    large = phe_limits[phe_limits["observed"] >= 10]
    out = rate_ci(large["observed"], 1, per=1, conf=0.95)
    assert (out["method"] == "Byar").all()
    np.testing.assert_allclose(out["lower95"], large["lower95"], rtol=BYAR_WITHIN)
    np.testing.assert_allclose(out["upper95"], large["upper95"], rtol=BYAR_WITHIN)


def test_rate_ci_byar_formula_from_the_technical_guide() -> None:
    counts = np.array([10, 65, 1045, 25_000])
    z = sps.norm.ppf(0.999)
    lower = counts * (1 - 1 / (9 * counts) - z / (3 * np.sqrt(counts))) ** 3
    upper = (counts + 1) * (1 - 1 / (9 * (counts + 1)) + z / (3 * np.sqrt(counts + 1))) ** 3
    out = rate_ci(counts, 200_000, per=100_000, conf=0.998)
    np.testing.assert_allclose(out["lower998"], lower / 2, rtol=1e-12)
    np.testing.assert_allclose(out["upper998"], upper / 2, rtol=1e-12)
    np.testing.assert_allclose(out["value"], counts / 2)


@settings(max_examples=60, deadline=None)
@given(count=st.integers(0, 9), conf=st.floats(0.8, 0.999))
def test_exact_limits_are_the_poisson_tail_definitions(count: int, conf: float) -> None:
    out = rate_ci(count, 1, per=1, conf=conf).iloc[0]
    lo, hi = interval_columns([conf])
    alpha = 1 - conf
    assert sps.poisson.cdf(count, out[hi]) == pytest.approx(alpha / 2, rel=1e-6)
    if count == 0:
        assert out[lo] == 0
    else:
        assert sps.poisson.sf(count - 1, out[lo]) == pytest.approx(alpha / 2, rel=1e-6)


@settings(max_examples=100, deadline=None)
@given(
    counts=st.lists(st.integers(0, 100_000), min_size=1, max_size=20),
    pop=st.floats(1, 1e7),
    conf=st.sampled_from([0.9, 0.95, 0.99, 0.998]),
)
def test_rate_ci_orders_limits_and_names_the_method(counts, pop, conf) -> None:
    out = rate_ci(counts, pop, per=1000, conf=conf)
    lo, hi = interval_columns([conf])
    assert (out[lo] <= out["value"] + 1e-12).all()
    assert (out["value"] <= out[hi]).all()
    assert (out[lo] >= 0).all()
    expected = np.where(np.array(counts) < 10, "exact Poisson", "Byar")
    assert out["method"].tolist() == expected.tolist()


def test_rate_ci_99_8_is_wider_than_95() -> None:
    narrow = rate_ci([0, 5, 50, 5000], 10_000)
    wide = rate_ci([0, 5, 50, 5000], 10_000, conf=0.998)
    assert (wide["upper998"] > narrow["upper95"]).all()
    assert (wide["lower998"] <= narrow["lower95"]).all()


def test_rate_ci_several_levels_give_the_single_level_numbers() -> None:
    counts, pops = [0, 5, 50, 5000, np.nan], [10_000, 10_000, 0, 10_000, 100]
    both = rate_ci(counts, pops, per=100_000, conf=(0.95, 0.998))
    assert list(both.columns) == [
        "count",
        "denominator",
        "value",
        "lower95",
        "upper95",
        "lower998",
        "upper998",
        "method",
    ]
    assert both.attrs == {"confidence": (0.95, 0.998), "statistic": "rate per 100,000"}
    for conf in (0.95, 0.998):
        one = rate_ci(counts, pops, per=100_000, conf=conf)
        assert one.attrs["confidence"] == (conf,)
        pd.testing.assert_frame_equal(one, both[one.columns])


# --- rate_ci: shapes and edge cases -------------------------------------------------------------


def test_rate_ci_keeps_series_index() -> None:
    count = pd.Series([5, 602], index=["Oxford", "Cherwell"])
    pop = pd.Series([1200, 115_000], index=["Oxford", "Cherwell"])
    out = rate_ci(count, pop)
    assert list(out.index) == ["Oxford", "Cherwell"]
    assert list(out.columns) == [
        "count",
        "denominator",
        "value",
        "lower95",
        "upper95",
        "method",
    ]
    assert out.loc["Cherwell", "value"] == pytest.approx(602 / 115)
    assert out.loc["Cherwell", "count"] == 602 and out.loc["Cherwell", "denominator"] == 115_000
    assert out.attrs == {"confidence": (0.95,), "statistic": "rate per 1,000"}


def test_rate_ci_scalar_input_gives_one_row() -> None:
    out = rate_ci(20, 4000, per=100_000)
    assert len(out) == 1
    assert out["value"].iloc[0] == pytest.approx(500)


def test_rate_ci_zero_count_has_zero_lower_and_exact_upper() -> None:
    out = rate_ci(0, 1000).iloc[0]
    assert out["value"] == 0
    assert out["lower95"] == 0
    assert out["upper95"] == pytest.approx(-np.log(0.025))  # 3.689 per 1,000 people


@pytest.mark.parametrize("population", [0, np.nan, None])
def test_rate_ci_zero_or_missing_population_gives_missing_rate(population) -> None:
    out = rate_ci([3, 30], [population, 1000])
    assert out.iloc[0][["value", "lower95", "upper95"]].isna().all()
    assert out.iloc[1]["value"] == pytest.approx(30)


def test_rate_ci_missing_count_gives_missing_rate() -> None:
    out = rate_ci(pd.Series([np.nan, 4.0]), 100)
    assert out.iloc[0][["value", "lower95", "upper95", "method"]].isna().all()
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
        ({"count": 5, "population": 100, "conf": (0.95, 99.8)}, "conf must be between 0 and 1"),
        ({"count": 5, "population": 100, "conf": ()}, "conf must name at least one"),
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
    np.testing.assert_allclose(out["lower95"].round(4), ref["lower"], atol=1e-12)
    np.testing.assert_allclose(out["upper95"].round(4), ref["upper"], atol=1e-12)


@settings(max_examples=150, deadline=None)
@given(
    data=st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    conf=st.floats(0.8, 0.999),
)
def test_proportion_ci_matches_statsmodels_wilson(data, conf) -> None:
    count, total = data
    lo, hi = proportion_confint(count, total, alpha=1 - conf, method="wilson")
    out = proportion_ci(count, total, conf=conf).iloc[0]
    lower, upper = interval_columns([conf])
    assert out["value"] == pytest.approx(count / total)
    assert out[lower] == pytest.approx(lo, abs=1e-12)
    assert out[upper] == pytest.approx(hi, abs=1e-12)
    assert 0 <= out[lower] <= out["value"] <= out[upper] <= 1


def test_proportion_ci_example_from_the_issue() -> None:
    frame = proportion_ci(40, 100)
    out = frame.iloc[0]
    assert f"{100 * out['value']:.1f}%" == "40.0%"
    assert out["method"] == "Wilson"
    assert (out["count"], out["denominator"]) == (40, 100)
    assert frame.attrs == {"confidence": (0.95,), "statistic": "proportion"}


def test_proportion_ci_several_levels() -> None:
    both = proportion_ci([0, 3, 7], [7, 10, 7], conf=[0.9, 0.998])
    assert interval_columns([0.9, 0.998]) == ["lower90", "upper90", "lower998", "upper998"]
    assert both.attrs["confidence"] == (0.9, 0.998)
    for conf in (0.9, 0.998):
        one = proportion_ci([0, 3, 7], [7, 10, 7], conf=conf)
        pd.testing.assert_frame_equal(one, both[one.columns])


def test_proportion_ci_zero_total_is_missing_not_an_error() -> None:
    out = proportion_ci([0, 3], [0, 10])
    assert out.iloc[0][["value", "lower95", "upper95"]].isna().all()
    assert out.iloc[1]["value"] == pytest.approx(0.3)


def test_proportion_ci_all_or_none_hit_the_bounds_exactly() -> None:
    out = proportion_ci([0, 7], [7, 7])
    assert out.iloc[0]["lower95"] == 0
    assert out.iloc[1]["upper95"] == 1


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


# --- checks and schema --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: check_conf(True), "conf must be between 0 and 1, e.g. 0.95 for 95%; got True"),
        (lambda: check_conf(2, "levels"), "levels must be between 0 and 1"),
        (lambda: check_levels("0.95"), "conf must be between 0 and 1"),
        (lambda: check_positive(float("inf"), "per"), "per must be a number > 0; got inf"),
        (lambda: check_threshold(True), "threshold must be a whole number >= 1; got True"),
        (lambda: check_threshold(2.0), "threshold must be a whole number >= 1; got 2.0"),
        (lambda: check_counts(np.array([np.inf]), "count"), "count must be finite; got inf"),
        (lambda: check_nonnegative(np.array([np.inf]), "population"), "population must be finite"),
        (lambda: to_float_array(["a"], "count"), "count must be numeric"),
    ],
)
def test_checks_reject_with_the_argument_name(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_checks_accept_and_convert() -> None:
    assert check_levels(np.float64(0.9)) == (0.9,)
    assert check_levels((0.95, 0.998, 0.95)) == (0.95, 0.998)
    assert check_threshold(np.int64(3)) == 3 and type(check_threshold(np.int64(3))) is int
    arrays, index = broadcast({"a": [1, 2, 3], "b": 10})
    assert index.equals(pd.RangeIndex(3)) and arrays["b"].tolist() == [10, 10, 10]
    values = [1.0, 2.0]
    to_float_array(values, "x")[0] = 99
    assert values == [1.0, 2.0]


def test_level_label_and_interval_columns() -> None:
    assert [level_label(c) for c in (0.95, 0.998, 0.9, 0.99, 0.999)] == [
        "95",
        "998",
        "90",
        "99",
        "999",
    ]
    assert interval_columns([0.95]) == ["lower95", "upper95"]
    with pytest.raises(ValueError, match="different labels"):
        interval_columns([0.95, 0.9500000001])


def test_estimate_frame_schema() -> None:
    out = estimate_frame(
        [3, np.nan],
        [10, 10],
        [0.3, np.nan],
        {0.9: ([0.1, np.nan], [0.6, np.nan]), 0.99: ([0.05, np.nan], [0.7, np.nan])},
        ["Wilson", None],
        index=pd.Index(["a", "b"]),
        statistic="proportion",
    )
    assert list(out.columns) == [
        "count",
        "denominator",
        "value",
        "lower90",
        "upper90",
        "lower99",
        "upper99",
        "method",
    ]
    assert list(out.index) == ["a", "b"]
    assert out.loc["a", "method"] == "Wilson" and pd.isna(out.loc["b", "method"])
    assert out.attrs == {"confidence": (0.9, 0.99), "statistic": "proportion"}
