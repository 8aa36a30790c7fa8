"""Tests for sna.stats.benchmark: Fingertips comparisons, funnel limits and ranking.

References: PHEindicatormethods funnel test data (exact Poisson limits, tests/data), scipy's
chi-squared and gamma distributions, and the exact conditional test of sna.stats.change.
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

import sna.stats.benchmark
from sna.stats.benchmark import compare_with_benchmark, funnel_limits, rank_areas
from sna.stats.change import period_change

DATA = Path(__file__).parent / "data"


def test_docstring_examples() -> None:
    assert doctest.testmod(sna.stats.benchmark, raise_on_error=False).failed == 0


# --- compare_with_benchmark ---------------------------------------------------------------------


def test_compare_columns_and_fingertips_rule() -> None:
    # Benchmark 50 per 1,000. Area rates: clearly above, clearly below, close, tiny area.
    out = compare_with_benchmark([700, 300, 505, 1], [10_000] * 3 + [30], 5000, 100_000)
    assert list(out.columns) == [
        "count",
        "denominator",
        "value",
        "lower95",
        "upper95",
        "lower998",
        "upper998",
        "method",
        "benchmark_value",
        "compare95",
        "compare998",
    ]
    assert out["compare95"].tolist() == ["higher", "lower", "similar", "similar"]
    assert out["compare998"].tolist() == ["higher", "lower", "similar", "similar"]
    assert (out["benchmark_value"] == 50).all()
    assert out["method"].tolist() == ["Byar", "Byar", "Byar", "exact Poisson"]
    assert out.attrs == {"confidence": (0.95, 0.998), "statistic": "rate per 1,000"}


def test_compare_95_but_not_99_8() -> None:
    # 560 vs an expected 500: exact 95% lower limit above 50, 99.8% lower limit below it.
    out = compare_with_benchmark(560, 10_000, 50_000, 1_000_000).iloc[0]
    assert out["lower95"] > 50 > out["lower998"]
    assert (out["compare95"], out["compare998"]) == ("higher", "similar")


@settings(max_examples=100, deadline=None)
@given(
    count=st.integers(0, 5000),
    pop=st.integers(100, 200_000),
    bench_count=st.integers(1000, 200_000),
)
def test_compare_is_the_benchmark_against_the_interval(count, pop, bench_count) -> None:
    bench_rate = bench_count / 1000  # per 1,000 of a population of 1,000,000
    out = compare_with_benchmark(count, pop, bench_count, 1_000_000).iloc[0]
    for level in ("95", "998"):
        lower, upper = out[f"lower{level}"], out[f"upper{level}"]
        expected = "higher" if bench_rate < lower else "lower" if bench_rate > upper else "similar"
        assert out[f"compare{level}"] == expected
    # 99.8% intervals contain 95% ones, so a 99.8% difference is also a 95% one.
    if out["compare998"] != "similar":
        assert out["compare95"] == out["compare998"]
    if out["compare95"] == "higher":
        assert out["value"] > bench_rate


def test_compare_not_compared_without_population_and_keeps_index() -> None:
    count = pd.Series([10, 20], index=["Cherwell", "Oxford"])
    pop = pd.Series([0, 1000], index=["Cherwell", "Oxford"])
    out = compare_with_benchmark(count, pop, 30, 2000)
    assert list(out.index) == ["Cherwell", "Oxford"]
    assert out.loc["Cherwell", "compare95"] == "not compared"
    assert out.loc["Cherwell", "compare998"] == "not compared"
    assert out.loc["Oxford", "compare95"] != "not compared"


def test_exclude_area_compares_with_the_rest() -> None:
    inside = compare_with_benchmark(600, 10_000, 1600, 30_000).iloc[0]
    rest = compare_with_benchmark(600, 10_000, 1600, 30_000, exclude_area=True).iloc[0]
    assert inside["benchmark_value"] == pytest.approx(1600 / 30)
    assert rest["benchmark_value"] == pytest.approx(1000 / 20)
    with pytest.raises(ValueError, match="must include the area"):
        compare_with_benchmark(600, 10_000, 100, 30_000, exclude_area=True)


def test_compare_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="count must be >= 0"):
        compare_with_benchmark(-1, 100, 10, 100)
    with pytest.raises(ValueError, match="population must be >= 0"):
        compare_with_benchmark(1, -100, 10, 100)
    with pytest.raises(ValueError, match="per must be a number > 0"):
        compare_with_benchmark(1, 100, 10, 100, per=-1)


# --- funnel_limits ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def phe_limits() -> pd.DataFrame:
    return pd.read_csv(DATA / "phe_reference_poisson_limits.csv", comment="#")


@pytest.mark.parametrize("level", ["95", "998"])
def test_funnel_limits_reproduce_phe_funnel_data(phe_limits, level) -> None:
    # PHE: an observed count O lies on the lower limit when the expected count is the exact
    # upper confidence limit of O, and on the upper limit when it is the exact lower limit.
    obs = phe_limits["observed"].to_numpy(dtype=float)
    at_lower = funnel_limits(1.0, phe_limits[f"upper{level}"], per=1, levels=(0.95, 0.998))
    at_upper = funnel_limits(1.0, phe_limits[f"lower{level}"], per=1, levels=(0.95, 0.998))
    # With per=1 and rate 1, limits as rates equal limits as counts divided by the population.
    np.testing.assert_allclose(
        at_lower[f"lower{level}"] * phe_limits[f"upper{level}"], obs, rtol=1e-4
    )
    np.testing.assert_allclose(
        at_upper[f"upper{level}"] * phe_limits[f"lower{level}"], obs, rtol=1e-4
    )


@settings(max_examples=60, deadline=None)
@given(pop=st.floats(50, 1e6), rate=st.floats(0.5, 150), conf=st.sampled_from([0.95, 0.998]))
def test_funnel_limits_invert_the_exact_interval(pop, rate, conf) -> None:
    out = funnel_limits(rate, [pop], per=1000, levels=(conf,)).iloc[0]
    label = "95" if conf == 0.95 else "998"
    expected = rate * pop / 1000
    alpha = 1 - conf
    upper_count = out[f"upper{label}"] * pop / 1000
    lower_count = out[f"lower{label}"] * pop / 1000
    assert sps.gamma.ppf(alpha / 2, upper_count) == pytest.approx(expected, rel=1e-6)
    if lower_count > 0:
        assert sps.gamma.ppf(1 - alpha / 2, lower_count + 1) == pytest.approx(expected, rel=1e-6)
    else:  # even no events would not be significantly low
        assert sps.gamma.ppf(1 - alpha / 2, 1) >= expected * (1 - 1e-9)
    assert out[f"lower{label}"] <= rate <= out[f"upper{label}"]


def test_funnel_limits_shape_and_edges() -> None:
    out = funnel_limits(50, [0, 1000, np.nan, 1e6], levels=(0.9, 0.95, 0.998))
    assert list(out.columns) == [
        "population",
        "expected",
        "benchmark_rate",
        "lower90",
        "upper90",
        "lower95",
        "upper95",
        "lower998",
        "upper998",
    ]
    assert out.loc[[0, 2], ["lower95", "upper95"]].isna().all().all()
    # Funnels narrow as the population grows, and wider levels are wider.
    assert out.loc[3, "upper95"] < out.loc[1, "upper95"]
    assert (out.loc[[1, 3], "upper998"] > out.loc[[1, 3], "upper95"]).all()
    assert (out.loc[[1, 3], "upper95"] > out.loc[[1, 3], "upper90"]).all()
    assert out.attrs == {
        "confidence": (0.9, 0.95, 0.998),
        "statistic": "rate per 1,000",
        "overdispersion_adjusted": False,
    }


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((-1, [100]), {}, "benchmark_rate must be a finite number >= 0"),
        ((5, [-100]), {}, "populations must be >= 0"),
        ((5, [100]), {"levels": (95,)}, "levels must be between 0 and 1"),
        ((5, [100]), {"levels": ()}, "at least one confidence level"),
    ],
)
def test_funnel_limits_rejects_bad_arguments(args, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        funnel_limits(*args, **kwargs)


# --- rank_areas ---------------------------------------------------------------------------------


def test_rank_areas_orders_and_tests_neighbours() -> None:
    counts = pd.Series({"A": 100, "B": 2000, "C": 1900, "D": 5, "E": 40})
    pops = pd.Series({"A": 10_000, "B": 20_000, "C": 20_000, "D": 0, "E": 1_000})
    out = rank_areas(counts, pops)
    assert list(out.columns) == [
        "count",
        "denominator",
        "value",
        "lower95",
        "upper95",
        "method",
        "rank",
        "p_next",
        "differs_from_next",
    ]
    assert out.attrs == {"confidence": (0.95,), "statistic": "rate per 1,000"}
    assert list(rank_areas(counts, pops, conf=0.9).columns[3:5]) == ["lower90", "upper90"]
    assert list(out.index) == ["B", "C", "E", "A", "D"]
    assert out["rank"].tolist()[:4] == [1, 2, 3, 4]
    assert pd.isna(out.loc["D", "rank"])
    expected = period_change(1900, 2000, population_before=20_000, population_after=20_000)
    assert out.loc["B", "p_next"] == pytest.approx(expected["p_value"].iloc[0])
    assert out.loc["B", "differs_from_next"] == bool(expected["significant"].iloc[0])
    assert not out.loc["A", "differs_from_next"]  # nothing below it has a rate
    assert not out.loc["D", "differs_from_next"]


def test_rank_areas_ties_share_a_rank() -> None:
    out = rank_areas(
        pd.Series({"X": 10, "Y": 10, "Z": 1}), pd.Series({"X": 100, "Y": 100, "Z": 100})
    )
    assert out["rank"].tolist() == [1, 1, 3]
    assert out.loc["X", "p_next"] == pytest.approx(1.0)
