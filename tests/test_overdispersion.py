"""Extra-Poisson variation and multiple testing, checked against statsmodels by another route.

sna computes the quasi-Poisson change test, the monthly dispersion and Spiegelhalter's
between-area variance in closed form; statsmodels fits the same models by iteratively reweighted
least squares (GLM) or a meta-analysis routine (DerSimonian-Laird), and runs the
Benjamini-Hochberg procedure on its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.meta_analysis import combine_effects
from statsmodels.stats.multitest import multipletests

from sna.stats.benchmark import compare_with_benchmark, funnel_limits, overdispersion
from sna.stats.change import overdispersed_change, period_change
from sna.stats.multiple import benjamini_hochberg
from sna.stats.rates import monthly_dispersion, rate_ci

# Cherwell, all crime excluding ASB, January-April of 2024 and 2025 (the demo data).
CHERWELL_2024 = [822, 952, 925, 1005]
CHERWELL_2025 = [897, 744, 979, 885]


def glm(before, after, offset=None):
    y = np.r_[before, after]
    x = sm.add_constant(np.r_[np.zeros(len(before)), np.ones(len(after))])
    model = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset)
    return model.fit(scale="X2", use_t=True)


def test_the_audit_example_is_not_significant_once_months_vary():
    """The issue's example: exact Poisson p = 0.020, quasi-Poisson on months p about 0.42."""
    exact = period_change(sum(CHERWELL_2024), sum(CHERWELL_2025)).iloc[0]
    assert exact["p_value"] == pytest.approx(0.020, abs=0.001) and exact["significant"]
    b = pd.DataFrame([CHERWELL_2024], index=["All crime"])
    a = pd.DataFrame([CHERWELL_2025], index=["All crime"])
    row = overdispersed_change(b, a).iloc[0]
    fit = glm(CHERWELL_2024, CHERWELL_2025)
    assert row["dispersion"] == pytest.approx(fit.scale, rel=1e-9)  # 8.62: 8.6 times Poisson
    assert row["p_value"] == pytest.approx(fit.pvalues[1], rel=1e-6)  # 0.455 (0.425 on z)
    assert [row["lower95"], row["upper95"]] == pytest.approx(np.exp(fit.conf_int()[1]), rel=1e-6)
    assert not row["significant"]
    assert row["pct_change"] == pytest.approx(-5.37, abs=0.01)
    assert row["method"].startswith("quasi-Poisson model of 8 monthly counts")


@settings(max_examples=40, deadline=None)
@given(
    months=st.integers(2, 12),
    level=st.integers(5, 2000),
    spread=st.floats(0.0, 0.5),
    seed=st.integers(0, 10_000),
    pops=st.one_of(st.none(), st.tuples(st.integers(1_000, 9_000), st.integers(1_000, 9_000))),
)
def test_change_matches_a_quasi_poisson_glm(months, level, spread, seed, pops):
    rng = np.random.default_rng(seed)
    mu = level * np.exp(rng.normal(0, spread, 2 * months))
    y = rng.poisson(mu)
    before, after = y[:months], y[months:]
    if before.sum() == 0 or after.sum() == 0:
        return
    kwargs = {}
    offset = None
    if pops is not None:
        kwargs = {"population_before": [pops[0]], "population_after": [pops[1]]}
        offset = np.log(np.r_[np.full(months, pops[0]), np.full(months, pops[1])])
    row = overdispersed_change(pd.DataFrame([before]), pd.DataFrame([after]), **kwargs).iloc[0]
    fit = glm(before, after, offset)
    assert row["value"] == pytest.approx(np.exp(fit.params[1]), rel=1e-6)
    if fit.scale >= 1:  # sna never lets the variance fall below Poisson's
        assert row["p_value"] == pytest.approx(fit.pvalues[1], rel=1e-5, abs=1e-12)
    assert bool(row["significant"]) == bool(row["lower95"] > 1 or row["upper95"] < 1)


def test_change_without_replication_or_events_falls_back_to_the_exact_test():
    one = overdispersed_change(pd.DataFrame([[30]]), pd.DataFrame([[60]])).iloc[0]
    assert one["p_value"] == pytest.approx(period_change(30, 60).iloc[0]["p_value"])
    assert "one month in each period" in one["method"]
    none = overdispersed_change(pd.DataFrame([[0, 0]]), pd.DataFrame([[2, 3]])).iloc[0]
    assert "no events in one period" in none["method"]


def test_benjamini_hochberg_matches_statsmodels():
    rng = np.random.default_rng(4)
    p = np.r_[rng.uniform(0, 0.01, 5), rng.uniform(0, 1, 15)]
    ours = benjamini_hochberg(p).to_numpy()
    theirs = multipletests(p, method="fdr_bh")[1]
    assert ours == pytest.approx(theirs, rel=1e-12)
    with_missing = benjamini_hochberg(pd.Series([0.01, np.nan, 0.04], index=list("abc")))
    assert with_missing.isna().tolist() == [False, True, False]
    assert with_missing["c"] == pytest.approx(0.04)  # a family of two tests


def test_monthly_dispersion_and_quasi_poisson_interval_match_statsmodels():
    fit = sm.GLM(np.array(CHERWELL_2025), np.ones((4, 1)), family=sm.families.Poisson()).fit(
        scale="X2", use_t=True
    )
    spread = monthly_dispersion(pd.DataFrame([CHERWELL_2025]))
    assert spread["dispersion"].iloc[0] == pytest.approx(fit.scale)
    rate = rate_ci(sum(CHERWELL_2025), 4, per=1, dispersion=spread["dispersion"], df=spread["df"])
    assert [rate["lower95"].iloc[0], rate["upper95"].iloc[0]] == pytest.approx(
        np.exp(fit.conf_int()[0]), rel=1e-6
    )
    poisson_like = monthly_dispersion(pd.DataFrame([[100, 100, 100]]))
    assert poisson_like["dispersion"].iloc[0] == 1  # never narrower than Poisson


def test_benchmark_comparison_allows_for_month_to_month_variation():
    months = pd.DataFrame([[410, 380, 520, 450], [200, 260, 150, 230]], index=["Town", "Village"])
    spread = monthly_dispersion(months)
    counts, pops = months.sum(axis=1), pd.Series([20_000, 11_000], index=months.index)
    plain = compare_with_benchmark(counts, pops, counts.sum(), pops.sum())
    wider = compare_with_benchmark(
        counts, pops, counts.sum(), pops.sum(), dispersion=spread["dispersion"], df=spread["df"]
    )
    assert (wider["upper95"] - wider["lower95"] > plain["upper95"] - plain["lower95"]).all()
    assert plain.loc["Village", "compare95"] == "lower"
    assert wider.loc["Village", "compare95"] == "similar"  # within its month-to-month variation


def test_between_area_variance_is_dersimonian_laird_when_the_benchmark_is_the_pool():
    counts = np.array([9904, 14695, 5801, 6281, 4892])  # the districts, 2025 (demo data)
    pops = np.array([161_013, 162_030, 149_061, 138_909, 114_262])
    bench = counts.sum() / pops.sum() * 1000
    ours = overdispersion(counts, pops, bench)
    rates, variances = counts / pops * 1000, bench * 1000 / pops
    theirs = combine_effects(rates, variances, method_re="dl")
    assert ours["tau2"] == pytest.approx(theirs.tau2, rel=1e-9)
    assert ours["phi"] > 100 and ours["overdispersed"]
    limits = funnel_limits(bench, pops, tau2=ours["tau2"])
    half = 1.959963984540054 * np.sqrt(variances + theirs.tau2)
    assert limits["upper95"].to_numpy() == pytest.approx(bench + half, rel=1e-9)
    # Poisson limits put every district outside (the classic sign); adjusted ones put none.
    exact = funnel_limits(bench, pops)
    assert ((rates > exact["upper998"]) | (rates < exact["lower998"])).all()
    assert ((rates < limits["upper998"]) & (rates > limits["lower998"])).all()


def test_no_overdispersion_gives_poisson_limits():
    rng = np.random.default_rng(1)
    pops = np.full(30, 100_000)
    counts = rng.poisson(5000, 30)
    od = overdispersion(counts, pops, counts.sum() / pops.sum() * 1000)
    assert od["phi"] < 2
    if not od["overdispersed"]:
        assert od["tau2"] == 0


def test_seasonal_trend_matches_an_independent_maximum_likelihood_fit():
    """The Oxford demo months (22 from 5 years) refitted by scipy: same slope and dispersion."""
    from scipy import optimize
    from scipy import stats as sps

    from sna.stats.trends import seasonal_trend

    rng = np.random.default_rng(7)
    months = pd.PeriodIndex(
        ["2018-06", "2018-10", "2018-11", "2018-12", "2019-01", "2019-02", "2022-01"]
        + [f"2024-0{m}" for m in range(1, 5)]
        + [f"2025-{m:02d}" for m in range(1, 13) if m != 7],
        freq="M",
    )
    season = 1 + 0.15 * np.sin(2 * np.pi * months.month / 12)
    pops = pd.Series({2018: 152_000.0, 2019: 153_000.0, 2022: 162_000.0, 2024: 163_000.0,
                      2025: 164_000.0})  # fmt: skip
    offset = np.log(pops[months.year].to_numpy())
    time = (months.year + (months.month - 1) / 12 - 2018).to_numpy(dtype=float)
    y = rng.negative_binomial(50, 50 / (50 + 1300 * season * 1.02**time))
    fit = seasonal_trend(pd.Series(y, index=months), pops)
    cal = sorted(set(months.month))
    x = np.column_stack([(months.month == m).astype(float) for m in cal] + [time])

    def nll(beta):
        eta = x @ beta + offset
        return np.sum(np.exp(eta) - y * eta)

    start = np.r_[np.full(len(cal), np.log(y.mean()) - offset.mean()), 0.0]
    best = optimize.minimize(nll, start, method="BFGS", options={"gtol": 1e-10})
    slope = best.x[-1]
    mu = np.exp(x @ best.x + offset)
    df = len(y) - x.shape[1]
    phi = max(1.0, np.sum((y - mu) ** 2 / mu) / df)
    se = np.sqrt(phi * np.linalg.inv(x.T @ (mu[:, None] * x))[-1, -1])
    assert fit.trend["value"] == pytest.approx(100 * (np.exp(slope) - 1), abs=1e-4)
    assert fit.trend["dispersion"] == pytest.approx(phi, rel=1e-4)
    assert fit.trend["p_value"] == pytest.approx(2 * sps.t.sf(abs(slope / se), df), rel=1e-3)
    assert list(fit.season.index) == cal and (fit.season["n_months"] >= 1).all()
    assert np.exp(np.log(fit.season["value"]).mean()) == pytest.approx(1.0)


def test_too_few_years_give_no_trend_and_say_why():
    from sna.stats.trends import seasonal_trend

    months = pd.period_range("2024-01", "2025-12", freq="M")
    fit = seasonal_trend(pd.Series(100, index=months), pd.Series({2024: 1.0, 2025: 1.0}))
    assert np.isnan(fit.trend["value"]) and "at least 3 years" in fit.trend["note"]
    assert not fit.trend["note"].startswith("no trend")  # the sentence around it says so
    assert fit.season.empty
