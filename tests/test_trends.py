"""Tests for sna.stats.trends: count models and annual trends.

References: maximum likelihood computed independently with scipy.optimize (Poisson and NB2
log-likelihoods, Fisher information), scipy's negative binomial quantiles, and statsmodels STL
reconstruction (observed = trend + seasonal + remainder).
"""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from scipy import optimize, special
from scipy import stats as sps

import sna.stats.trends
from sna.stats.trends import annual_trend, rate_ratio_glm

RNG_SEED = 20240601


def test_docstring_examples() -> None:
    assert doctest.testmod(sna.stats.trends, raise_on_error=False).failed == 0


def _poisson_mle(y, pop, x):
    design = np.column_stack([np.ones_like(x), x])

    def nll(beta):
        eta = np.log(pop) + design @ beta
        return np.sum(np.exp(eta) - y * eta)

    def grad(beta):
        return design.T @ (np.exp(np.log(pop) + design @ beta) - y)

    start = np.array([np.log(y.sum() / pop.sum()), 0.0])
    beta = optimize.minimize(nll, start, jac=grad, method="BFGS", options={"gtol": 1e-10}).x
    mu = np.exp(np.log(pop) + design @ beta)
    cov = np.linalg.inv(design.T @ (design * mu[:, None]))
    return beta, np.sqrt(np.diag(cov)), mu


@pytest.fixture(scope="module")
def years_data():
    rng = np.random.default_rng(RNG_SEED)
    x = np.arange(10, dtype=float)
    pop = np.linspace(100_000, 110_000, 10)
    mu = pop * 0.05 * 1.04**x
    y = rng.negative_binomial(20, 20 / (20 + mu)).astype(float)  # overdispersed
    return y, pop, x


def test_poisson_matches_independent_mle(years_data) -> None:
    y, pop, x = years_data
    beta, se, _ = _poisson_mle(y, pop, x)
    out = rate_ratio_glm(y, pop, x, family="poisson")
    z = sps.norm.ppf(0.975)
    assert out["value"] == pytest.approx(np.exp(beta[1]), rel=1e-6)
    assert out["lower95"] == pytest.approx(np.exp(beta[1] - z * se[1]), rel=1e-5)
    assert out["upper95"] == pytest.approx(np.exp(beta[1] + z * se[1]), rel=1e-5)
    assert out["p_value"] == pytest.approx(2 * sps.norm.sf(abs(beta[1] / se[1])), rel=1e-4)
    assert "overdispersed" in out["note"]


def test_quasi_poisson_scales_by_pearson_dispersion(years_data) -> None:
    y, pop, x = years_data
    beta, se, mu = _poisson_mle(y, pop, x)
    df = len(y) - 2
    phi = max(1.0, np.sum((y - mu) ** 2 / mu) / df)
    q = sps.t.ppf(0.975, df)
    out = rate_ratio_glm(y, pop, x)  # default quasi-Poisson
    assert out["family"] == "quasi-poisson"
    assert out["dispersion"] == pytest.approx(np.sum((y - mu) ** 2 / mu) / df, rel=1e-4)
    assert out["lower95"] == pytest.approx(np.exp(beta[1] - q * se[1] * np.sqrt(phi)), rel=1e-5)
    assert out["upper95"] == pytest.approx(np.exp(beta[1] + q * se[1] * np.sqrt(phi)), rel=1e-5)
    assert out["conf"] == 0.95
    assert list(out.index) == [
        "value",
        "lower95",
        "upper95",
        "p_value",
        "n",
        "dispersion",
        "family",
        "conf",
        "method",
        "note",
    ]
    wide = rate_ratio_glm(y, pop, x, conf=0.998)
    assert wide["lower998"] < out["lower95"] and wide["conf"] == 0.998


def test_negative_binomial_matches_independent_mle(years_data) -> None:
    y, pop, x = years_data
    design = np.column_stack([np.ones_like(x), x])

    def nll(theta):
        beta, alpha = theta[:2], np.exp(theta[2])
        mu = pop * np.exp(design @ beta)
        size = 1 / alpha
        return -np.sum(
            special.gammaln(y + size)
            - special.gammaln(size)
            - special.gammaln(y + 1)
            + size * np.log(size / (size + mu))
            + y * np.log(mu / (size + mu))
        )

    start = np.array([np.log(y.sum() / pop.sum()), 0.0, np.log(0.01)])
    fit = optimize.minimize(
        nll,
        start,
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20_000},
    )
    out = rate_ratio_glm(y, pop, x, family="negative-binomial")
    assert out["value"] == pytest.approx(np.exp(fit.x[1]), rel=1e-4)
    assert out["dispersion"] == pytest.approx(np.exp(fit.x[2]), rel=1e-2)
    assert out["lower95"] < out["value"] < out["upper95"]


def test_negative_binomial_without_overdispersion_reduces_to_poisson() -> None:
    y = np.array([5000.0, 5100, 5205, 5300, 5410])
    pop = np.full(5, 100_000.0)
    x = np.arange(5.0)
    nb = rate_ratio_glm(y, pop, x, family="negative-binomial")
    pois = rate_ratio_glm(y, pop, x, family="poisson")
    assert nb["value"] == pytest.approx(pois["value"], rel=1e-6)
    assert "alpha near 0" in nb["note"]


def test_binary_covariate_gives_ratio_of_pooled_rates() -> None:
    y = [10, 12, 30, 31, 29]
    pop = [1000, 1200, 1500, 1400, 1600]
    x = [0, 0, 1, 1, 1]
    out = rate_ratio_glm(y, pop, x, family="poisson")
    assert out["value"] == pytest.approx((90 / 4500) / (22 / 2200))


def test_rate_ratio_glm_not_estimable_and_errors() -> None:
    out = rate_ratio_glm([0, 0, 5, 6], [100] * 4, [0, 0, 1, 1])
    assert np.isnan(out["value"]) and "not estimable" in out["note"]
    assert np.isnan(out["lower95"]) and np.isnan(out["upper95"])
    with pytest.raises(ValueError, match="family must be one of"):
        rate_ratio_glm([1, 2, 3], [1, 1, 1], [0, 1, 2], family="gaussian")
    with pytest.raises(ValueError, match="covariate must take at least two"):
        rate_ratio_glm([1, 2, 3], [1, 1, 1], [1, 1, 1])


# --- annual_trend -------------------------------------------------------------------------------


def test_annual_trend_recovers_exact_growth() -> None:
    years = [2019, 2020, 2021, 2022, 2023]
    pops = [100_000, 101_000, 102_000, 103_000, 104_000]
    counts = [round(p * 0.05 * 1.1 ** (y - 2019)) for p, y in zip(pops, years, strict=True)]
    out = annual_trend(counts, pops, years)
    assert out["value"] == pytest.approx(10, abs=0.05)
    assert out["lower95"] < out["value"] < out["upper95"]
    assert bool(out["significant"])
    assert (out["first_year"], out["last_year"], out["n_years"]) == (2019, 2023, 5)
    assert out["conf"] == 0.95


def test_annual_trend_allows_gaps_and_unsorted_years() -> None:
    out = annual_trend([1210, 1000, 1100], [1e5] * 3, [2022, 2018, 2020])
    assert out["value"] == pytest.approx(100 * (1.1**0.5 - 1), abs=0.01)
    narrow = annual_trend([1210, 1000, 1100], [1e5] * 3, [2022, 2018, 2020], conf=0.9)
    assert (narrow["conf"], narrow["value"]) == (0.9, out["value"])
    assert out["lower95"] < narrow["lower90"] < narrow["upper90"] < out["upper95"]


@pytest.mark.parametrize("n_years", [1, 2])
def test_annual_trend_too_few_years_says_so(n_years) -> None:
    out = annual_trend([100, 120][:n_years], [1e4] * n_years, [2023, 2024][:n_years])
    assert np.isnan(out["value"]) and np.isnan(out["lower95"])
    assert not out["significant"]
    assert f"too few years ({n_years})" in out["note"]


def test_annual_trend_leaves_out_years_without_population() -> None:
    out = annual_trend([100, 110, 120, 130], [1e4, 0, 1e4, np.nan], [2020, 2021, 2022, 2023])
    assert out["n_years"] == 2
    assert "too few years" in out["note"]
    assert "[2021, 2023]" in out["note"]


def test_annual_trend_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="years must all be different"):
        annual_trend([1, 2, 3], [1, 1, 1], [2020, 2020, 2021])
    with pytest.raises(ValueError, match="counts must be >= 0"):
        annual_trend([1, -2, 3], [1, 1, 1], [2020, 2021, 2022])
    with pytest.raises(ValueError, match="conf must be between 0 and 1"):
        annual_trend([1, 2, 3], [1, 1, 1], [2020, 2021, 2022], conf=95)
