"""Tests for sna.stats.forecast: seasonal decomposition and forecasts of monthly counts.

References: scipy's negative binomial quantiles and statsmodels STL reconstruction
(observed = trend + seasonal + remainder).
"""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

import sna.stats.forecast
from sna.stats.forecast import Decomposition, monthly_forecast, seasonal_decomposition

RNG_SEED = 20240601


def test_docstring_examples() -> None:
    assert doctest.testmod(sna.stats.forecast, raise_on_error=False).failed == 0


# --- monthly series -----------------------------------------------------------------------------


def _seasonal_series(months: int = 48, start: str = "2020-01") -> pd.Series:
    rng = np.random.default_rng(RNG_SEED)
    index = pd.date_range(start, periods=months, freq="MS")
    t = np.arange(months)
    mu = 500 * np.exp(0.2 * np.sin(2 * np.pi * t / 12))
    return pd.Series(rng.poisson(mu), index=index)


def test_seasonal_forecast_with_enough_months() -> None:
    series = _seasonal_series().drop(pd.Timestamp("2022-07-01"))  # a gap, kept as missing
    out = monthly_forecast(series, horizon=12)
    assert len(out) == 12
    assert out.index[0] == pd.Timestamp("2024-01-01")
    assert isinstance(out.index, pd.DatetimeIndex)
    assert (out["lower95"] <= out["forecast"]).all()
    assert (out["forecast"] <= out["upper95"]).all()
    assert list(out.columns) == ["forecast", "lower95", "upper95", "method"]
    assert out.attrs == {"confidence": (0.95,), "statistic": "events per month"}
    assert out["method"].iloc[0].startswith("seasonal ARIMA")
    assert "1 missing month left as missing" in out["method"].iloc[0]
    # The seasonal pattern carries into the forecast: March-ish peak above September-ish trough.
    assert out["forecast"].iloc[3] > out["forecast"].iloc[9]


def test_short_series_falls_back_to_the_mean_model_without_zero_filling() -> None:
    index = pd.PeriodIndex(["2025-01", "2025-02", "2025-03", "2025-05", "2025-06"], freq="M")
    series = pd.Series([100, 96, 110, 104, 90], index=index)  # April missing, not zero
    out = monthly_forecast(series, horizon=3, conf=0.9)
    values = series.to_numpy(dtype=float)
    mean, n = values.mean(), len(values)
    variance = max(mean, values.var(ddof=1)) * (1 + 1 / n)
    size, prob = mean**2 / (variance - mean), mean / variance
    assert list(out.index.astype(str)) == ["2025-07", "2025-08", "2025-09"]
    assert (out["forecast"] == mean).all()
    assert (out["lower90"] == sps.nbinom.ppf(0.05, size, prob)).all()
    assert (out["upper90"] == sps.nbinom.ppf(0.95, size, prob)).all()
    assert out.attrs["confidence"] == (0.9,)
    assert "mean of the last 5 months" in out["method"].iloc[0]
    assert "no seasonal pattern" in out["method"].iloc[0]


def test_long_gap_breaks_the_series_demo_data_shape() -> None:
    months = ["2018-10", "2018-11", "2018-12", "2019-01", "2022-01", "2024-01", "2024-02"]
    months += [f"2025-{m:02d}" for m in (1, 2, 3, 4, 5, 6, 8, 9, 10, 11)]
    series = pd.Series(700, index=pd.PeriodIndex(months, freq="M"))
    series.iloc[:7] = 10  # old data at another level must not be used
    out = monthly_forecast(series)
    assert (out["forecast"] == 700).all()
    assert "2025-01 to 2025-11" in out["method"].iloc[0]
    assert out.index[0] == pd.Period("2025-12", freq="M")


def test_too_few_months_gives_no_forecast() -> None:
    series = pd.Series([5, 6], index=pd.PeriodIndex(["2025-01", "2025-02"], freq="M"))
    out = monthly_forecast(series, horizon=2)
    assert out[["forecast", "lower95", "upper95"]].isna().all().all()
    assert out["method"].iloc[0].startswith("no forecast")


def test_zero_counts_give_a_sensible_interval() -> None:
    series = pd.Series(0, index=pd.period_range("2025-01", periods=6, freq="M"))
    out = monthly_forecast(series, horizon=1).iloc[0]
    assert out["forecast"] == 0 and out["lower95"] == 0 and out["upper95"] > 0


@pytest.mark.parametrize(
    ("series", "kwargs", "message"),
    [
        (
            pd.Series([1, 2], index=pd.PeriodIndex(["2025-01", "2025-01"], freq="M")),
            {},
            "repeated months",
        ),
        (pd.Series([1, -2], index=pd.PeriodIndex(["2025-01", "2025-02"], freq="M")), {}, ">= 0"),
        (pd.Series([1, 2], index=["a", "b"]), {}, "indexed by month"),
        (
            pd.Series([1, 2], index=pd.PeriodIndex(["2025-01", "2025-02"], freq="M")),
            {"horizon": 0},
            "horizon",
        ),
        ([1, 2, 3], {}, "pandas Series"),
    ],
)
def test_monthly_forecast_rejects_bad_input(series, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        monthly_forecast(series, **kwargs)


def test_seasonal_decomposition_reconstructs_the_series() -> None:
    series = _seasonal_series(36)
    out = seasonal_decomposition(series)
    assert isinstance(out, Decomposition)
    comp = out.components
    assert len(comp) == 36
    np.testing.assert_allclose(comp["trend"] + comp["seasonal"] + comp["resid"], comp["observed"])
    assert out.method.startswith("STL decomposition")


def test_seasonal_decomposition_uses_the_latest_long_run_and_refuses_short_ones() -> None:
    series = _seasonal_series(40).drop(pd.Timestamp("2022-10-01"))  # runs of 33 and 6 months
    out = seasonal_decomposition(series)
    assert len(out.components) == 33
    assert "2020-01 to 2022-09" in out.method
    short = seasonal_decomposition(series.iloc[-20:])
    assert short.components.empty
    assert list(short.components.columns) == ["observed", "trend", "seasonal", "resid"]
    assert "needs at least 24 consecutive months" in short.method
