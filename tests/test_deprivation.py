"""Tests for sna.stats.deprivation: correlation, rate ratio and deprived hotspots.

References: scipy's Spearman correlation; the Fisher-z interval with the Bonett-Wright (2000)
standard error computed by hand; pooled rate ratios computed by hand (the Poisson GLM with a 0/1
covariate reproduces them exactly).
"""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

import sna.stats.deprivation
from sna.stats.deprivation import deprivation_correlation, deprivation_rate_ratio, deprived_hotspots


def test_docstring_examples() -> None:
    assert doctest.testmod(sna.stats.deprivation, raise_on_error=False).failed == 0


@pytest.fixture
def lsoas() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 200
    decile = np.tile(np.arange(1, 11), n // 10)
    population = rng.integers(1200, 2500, n)
    mu = population / 1000 * (80 - 6 * decile)  # more crime where more deprived
    return pd.DataFrame(
        {
            "lsoa_code": [f"E0100{i:04d}" for i in range(n)],
            "lsoa_name": [f"Oxford {i:03d}A" for i in range(n)],
            "count": rng.poisson(mu),
            "population": population,
            "decile": decile,
        }
    )


def test_correlation_matches_scipy_and_bonett_wright(lsoas) -> None:
    out = deprivation_correlation(lsoas)
    rate = lsoas["count"] / lsoas["population"]
    ref = sps.spearmanr(rate, -lsoas["decile"])
    assert out["value"] == pytest.approx(ref.statistic)
    assert out["p_value"] == pytest.approx(ref.pvalue)
    n, rho = len(lsoas), ref.statistic
    se = math.sqrt((1 + rho**2 / 2) / (n - 3))
    z = sps.norm.ppf(0.975)
    assert out["lower95"] == pytest.approx(math.tanh(math.atanh(rho) - z * se))
    assert out["upper95"] == pytest.approx(math.tanh(math.atanh(rho) + z * se))
    assert out["value"] > 0.5 and bool(out["significant"])
    assert out["conf"] == 0.95
    wide = deprivation_correlation(lsoas, conf=0.998)
    assert wide["lower998"] < out["lower95"] and wide["value"] == out["value"]
    assert out["domain"] == "Income" and out["note"] == ""


def test_correlation_carries_domain_and_warns_of_circularity(lsoas) -> None:
    out = deprivation_correlation(lsoas, domain="IMD")
    assert out["domain"] == "IMD"
    assert "partly circular" in out["note"]
    assert "partly circular" in deprivation_correlation(lsoas, domain="Crime")["note"]
    assert deprivation_correlation(lsoas, domain="Employment")["note"] == ""


def test_correlation_excludes_unusable_rows_and_small_samples(lsoas) -> None:
    frame = lsoas.copy()
    frame.loc[0, "population"] = 0
    frame.loc[1, "decile"] = np.nan
    frame.loc[2, "count"] = np.nan
    out = deprivation_correlation(frame)
    assert (out["n_lsoas"], out["n_excluded"]) == (197, 3)
    small = deprivation_correlation(lsoas.head(3))
    assert np.isnan(small["value"]) and "fewer than 4 LSOAs" in small["note"]
    assert not small["significant"]


def test_rate_ratio_decile_1_vs_10_equals_pooled_rates(lsoas) -> None:
    out = deprivation_rate_ratio(lsoas, family="poisson")
    d1, d10 = lsoas[lsoas["decile"] == 1], lsoas[lsoas["decile"] == 10]
    rate1 = d1["count"].sum() / d1["population"].sum()
    rate10 = d10["count"].sum() / d10["population"].sum()
    assert out["comparison"] == "decile 1 vs decile 10"
    assert out["value"] == pytest.approx(rate1 / rate10, rel=1e-6)
    assert out["rate_most"] == pytest.approx(1000 * rate1)
    assert out["rate_least"] == pytest.approx(1000 * rate10)
    # Poisson interval: log RR +/- z sqrt(1/C1 + 1/C10).
    se = math.sqrt(1 / d1["count"].sum() + 1 / d10["count"].sum())
    assert out["lower95"] == pytest.approx(rate1 / rate10 * math.exp(-1.959964 * se), rel=1e-4)
    assert out["conf"] == 0.95
    assert (out["n_most"], out["n_least"]) == (20, 20)
    assert bool(out["significant"]) and out["domain"] == "Income"


def test_rate_ratio_default_quasi_poisson_is_wider(lsoas) -> None:
    quasi = deprivation_rate_ratio(lsoas)
    pois = deprivation_rate_ratio(lsoas, family="poisson")
    assert quasi["family"] == "quasi-poisson"
    assert quasi["value"] == pytest.approx(pois["value"])
    assert quasi["upper95"] - quasi["lower95"] >= pois["upper95"] - pois["lower95"]


def test_rate_ratio_falls_back_to_quintiles_when_deciles_are_sparse(lsoas) -> None:
    sparse = lsoas[~((lsoas["decile"] == 1) & (lsoas.index > 30))]  # 4 left in decile 1
    out = deprivation_rate_ratio(sparse)
    assert out["comparison"].startswith("quintile 1 (deciles 1-2)")
    assert out["n_most"] == 4 + 20


def test_rate_ratio_too_few_lsoas_says_so(lsoas) -> None:
    out = deprivation_rate_ratio(lsoas[lsoas["decile"].between(3, 8)], domain="Income")
    assert np.isnan(out["value"]) and not out["significant"]
    assert np.isnan(out["lower95"]) and np.isnan(out["upper95"])
    assert "too few LSOAs" in out["note"]
    assert out["domain"] == "Income"


def test_deprived_hotspots_are_high_rate_and_deprived(lsoas) -> None:
    out = deprived_hotspots(lsoas)
    rates = 1000 * lsoas["count"] / lsoas["population"]
    cutoff = rates.nlargest(20).iloc[-1]
    expected = lsoas[(rates >= cutoff) & lsoas["decile"].isin([1, 2])]["lsoa_code"]
    assert set(out["lsoa_code"]) == set(expected)
    assert out["value"].is_monotonic_decreasing
    assert {"lsoa_name", "value", "lower95", "upper95", "above_average", "domain"} <= set(
        out.columns
    )
    assert out.attrs == {"confidence": (0.95,), "statistic": "rate per 1,000"}
    assert (out["domain"] == "Income").all()
    assert out["above_average"].any()


def test_deprived_hotspots_none_and_options(lsoas) -> None:
    affluent = lsoas[lsoas["decile"] >= 5]
    out = deprived_hotspots(affluent)
    assert out.empty and "domain" in out.columns
    assert out.attrs["confidence"] == (0.95,)
    assert "lower998" in deprived_hotspots(lsoas, conf=0.998).columns
    wider = deprived_hotspots(lsoas, top_share=0.5, deciles=(1, 2, 3))
    assert len(wider) >= len(deprived_hotspots(lsoas))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns="decile"), "missing \\['decile'\\]"),
        (lambda f: f.assign(lsoa_code="E01000001"), "lsoa_code must be unique"),
        (lambda f: f.assign(decile=11), "decile must be a whole number from 1 to 10"),
        (lambda f: f.assign(count=-1), "count must be >= 0"),
        (lambda f: f.assign(population=-5), "population must be >= 0"),
    ],
)
def test_bad_frames_raise(lsoas, change, message) -> None:
    with pytest.raises(ValueError, match=message):
        deprivation_correlation(change(lsoas))


def test_bad_options_raise(lsoas) -> None:
    with pytest.raises(ValueError, match="domain must name"):
        deprivation_correlation(lsoas, domain="")
    with pytest.raises(ValueError, match="top_share must be in"):
        deprived_hotspots(lsoas, top_share=0)
    with pytest.raises(ValueError, match="conf must be between 0 and 1"):
        deprivation_rate_ratio(lsoas, conf=99.8)


def test_inputs_are_not_mutated(lsoas) -> None:
    before = lsoas.copy()
    deprivation_correlation(lsoas)
    deprivation_rate_ratio(lsoas)
    deprived_hotspots(lsoas)
    pd.testing.assert_frame_equal(lsoas, before)
