"""Monthly series: seasonal decomposition and forecasts with prediction intervals.

Missing months (police.uk publishes none for some months) are never filled with zeros: models use
the latest stretch of months without a long gap, and say which months they used.

References
----------
.. [1] Box GEP, Jenkins GM. Time Series Analysis, 1970 (the "airline" seasonal ARIMA model).
.. [2] Cleveland RB et al. STL: a seasonal-trend decomposition procedure based on loess. Journal
   of Official Statistics 1990;6:3-73.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as _sps
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from sna.stats.checks import check_conf, check_counts
from sna.stats.schema import annotate, interval_columns

__all__ = ["Decomposition", "monthly_forecast", "seasonal_decomposition"]

MIN_MONTHS = 3  # fewer recent months than this: no forecast
STATISTIC = "events per month"
""":func:`monthly_forecast`'s ``attrs["statistic"]``: what its forecast and interval count."""


@dataclass(frozen=True)
class Decomposition:
    """Seasonal decomposition of a monthly series, or why there is none.

    Attributes
    ----------
    components : pandas.DataFrame
        Indexed by month (Period), columns ``observed``, ``trend``, ``seasonal``, ``resid``
        (events per month); empty when the series is too short.
    method : str
        What was done, or why nothing was.
    """

    components: pd.DataFrame
    method: str


# --- monthly series --------------------------------------------------------------------------------

MAX_GAP = 3
"""Longest run of missing months kept as a gap inside a series; a longer gap breaks it."""
SEASONAL_MIN = 24
"""Months of data a seasonal model or decomposition needs (two full years)."""
_MEAN_WINDOW = 12


def _monthly(series: pd.Series, name: str = "series") -> pd.Series:
    """Counts on a complete monthly PeriodIndex from first to last month; gaps are NaN."""
    index = getattr(series, "index", None)
    if index is None or getattr(series, "ndim", 0) != 1:
        raise ValueError(f"{name} must be a pandas Series of monthly counts")
    try:
        if isinstance(index, pd.DatetimeIndex):
            months = index.to_period("M")
        elif isinstance(index, pd.PeriodIndex):
            months = index.asfreq("M")
        else:
            months = pd.PeriodIndex(pd.to_datetime(index.astype(str), format="%Y-%m"), freq="M")
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be indexed by month (DatetimeIndex, PeriodIndex or 'YYYY-MM')"
        ) from None
    if months.has_duplicates:
        raise ValueError(
            f"{name} has repeated months: {sorted(set(months[months.duplicated()].astype(str)))}"
        )
    values = check_counts(series.to_numpy(dtype=float, na_value=np.nan), name)
    clean = pd.Series(values, index=months).sort_index().dropna()
    if clean.empty:
        return clean
    full = pd.period_range(clean.index[0], clean.index[-1], freq="M")
    return clean.reindex(full)


def _latest_stretch(monthly: pd.Series, max_gap: int) -> pd.Series:
    """The most recent part of the series with no gap longer than ``max_gap`` months."""
    missing = monthly.isna().to_numpy()
    run = 0
    for pos in range(len(missing) - 1, -1, -1):
        run = run + 1 if missing[pos] else 0
        if run > max_gap:
            start = pos + run
            return monthly.iloc[start:]
    return monthly


def _runs(monthly: pd.Series) -> list[pd.Series]:
    """Runs of consecutive observed months, oldest first."""
    observed = monthly.notna().to_numpy()
    breaks = np.flatnonzero(np.diff(np.concatenate([[0], observed.astype(int), [0]])))
    return [monthly.iloc[a:b] for a, b in zip(breaks[::2], breaks[1::2], strict=True)]


def _span(series: pd.Series) -> str:
    observed = series.dropna()
    return f"{observed.index[0]} to {observed.index[-1]}"


def seasonal_decomposition(series: pd.Series, *, period: int = 12) -> Decomposition:
    """Trend, seasonal and remainder components of a monthly count series (STL).

    Parameters
    ----------
    series : pandas.Series
        Monthly counts indexed by month (DatetimeIndex of month starts, PeriodIndex or
        "YYYY-MM"). Missing months may be absent or NaN; they are never filled with zeros.
    period : int, keyword-only
        Season length in months. Default 12.

    Returns
    -------
    Decomposition
        Components of the latest run of consecutive months that is at least two seasons long;
        if there is none, empty components and a ``method`` saying why.

    Notes
    -----
    STL with robust loess fitting [2]_, on the latest run of at least ``2 * period`` consecutive
    months, because STL cannot bridge a missing month and filling it would invent data.

    Examples
    --------
    >>> s = pd.Series(range(100, 110), index=pd.period_range("2025-01", periods=10, freq="M"))
    >>> seasonal_decomposition(s).components.empty
    True
    """
    from statsmodels.tsa.seasonal import STL

    monthly = _monthly(series)
    runs = _runs(monthly)
    long_enough = [run for run in runs if len(run) >= 2 * period]
    columns = ["observed", "trend", "seasonal", "resid"]
    if not long_enough:
        longest = max(runs, key=len) if runs else monthly
        method = (
            f"no seasonal decomposition: it needs at least {2 * period} consecutive months and the "
            f"longest run has {len(longest)}" + (f" ({_span(longest)})" if len(longest) else "")
        )
        return Decomposition(pd.DataFrame(columns=columns, dtype=float), method)
    run = long_enough[-1]
    fit = STL(run.to_numpy(), period=period, robust=True).fit()
    components = pd.DataFrame(
        {
            "observed": run.to_numpy(),
            "trend": fit.trend,
            "seasonal": fit.seasonal,
            "resid": fit.resid,
        },
        index=run.index,
    )
    method = f"STL decomposition (robust loess, period {period}) of {len(run)} months, {_span(run)}"
    return Decomposition(components, method)


def monthly_forecast(series: pd.Series, *, horizon: int = 12, conf: float = 0.95) -> pd.DataFrame:
    """Forecast monthly counts with prediction intervals ("future threats").

    Parameters
    ----------
    series : pandas.Series
        Monthly counts indexed by month (DatetimeIndex of month starts, PeriodIndex or
        "YYYY-MM"). Missing months may be absent or NaN; they are never filled with zeros.
    horizon : int, keyword-only
        Months to forecast after the last observed month. Default 12.
    conf : float, keyword-only
        Level of the prediction intervals. Default 0.95.

    Returns
    -------
    pandas.DataFrame
        Indexed by forecast month (month starts if ``series`` has a DatetimeIndex, otherwise
        Periods), columns ``forecast``, ``lower<L>``, ``upper<L>`` (the prediction interval;
        ``L`` from :func:`sna.stats.schema.level_label`, e.g. ``lower95``, ``upper95``; events
        per month) and ``method`` (the model, the months used, and why, in plain English).
        ``attrs["confidence"]`` is ``(conf,)``.

    Raises
    ------
    ValueError
        If the series is not monthly counts, or ``horizon`` is not a positive whole number.

    Notes
    -----
    Only the latest part of the series without a gap of more than 3 months is used; shorter gaps
    stay missing. With at least 24 observed months there, a seasonal ARIMA(0,1,1)(0,1,1)12
    ("airline") model [1]_ is fitted to log(count + 1) by maximum likelihood (the Kalman filter
    skips missing months); the forecast is the back-transformed median and the interval its
    back-transformed prediction interval. With fewer months, no seasonal pattern can be
    estimated: the forecast is the mean of the last (up to) 12 observed months, and the interval
    comes from a negative binomial distribution with that mean and the observed month-to-month
    variance (at least Poisson), widened for the uncertainty of the mean. With fewer than 3
    observed months the forecast is missing.

    Examples
    --------
    >>> s = pd.Series([100, 96, 110, 104], index=pd.period_range("2025-01", periods=4, freq="M"))
    >>> f = monthly_forecast(s, horizon=2)
    >>> f[["forecast", "lower95", "upper95"]]
             forecast  lower95  upper95
    2025-05     102.5     81.0    125.0
    2025-06     102.5     81.0    125.0
    """
    conf = check_conf(conf)
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ValueError(f"horizon must be a whole number of months >= 1; got {horizon!r}")
    monthly = _monthly(series)
    if monthly.empty:
        raise ValueError("series has no observed months")
    stretch = _latest_stretch(monthly, MAX_GAP)
    future = pd.period_range(monthly.index[-1] + 1, periods=horizon, freq="M")
    n_obs = int(stretch.notna().sum())
    if n_obs < MIN_MONTHS:
        values = np.full((horizon, 3), np.nan)
        method = f"no forecast: only {n_obs} months of recent data"
    elif n_obs >= SEASONAL_MIN:
        values, method = _seasonal_forecast(stretch, horizon, conf)
    else:
        values, method = _mean_forecast(stretch, horizon, conf)
    out = pd.DataFrame(values, columns=["forecast", *interval_columns([conf])], index=future)
    out["method"] = method
    if isinstance(series.index, pd.DatetimeIndex):
        out.index = future.to_timestamp()
    return annotate(out, [conf], STATISTIC)


def _seasonal_forecast(stretch: pd.Series, horizon: int, conf: float) -> tuple[np.ndarray, str]:
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", message="Non-invertible starting")
        warnings.filterwarnings("ignore", message="Non-stationary starting")
        model = SARIMAX(np.log1p(stretch.to_numpy()), order=(0, 1, 1), seasonal_order=(0, 1, 1, 12))
        res = model.fit(disp=False)
        frame = res.get_forecast(horizon).summary_frame(alpha=1 - conf)
    values = np.clip(
        np.expm1(frame[["mean", "mean_ci_lower", "mean_ci_upper"]].to_numpy()), 0, None
    )
    gaps = int(stretch.isna().sum())
    method = (
        f"seasonal ARIMA (0,1,1)(0,1,1)12 on log(count + 1), fitted to {len(stretch) - gaps} "
        f"months ({_span(stretch)}"
        + (f", {gaps} missing month{'s' if gaps != 1 else ''} left as missing" if gaps else "")
        + f"); median forecast with {100 * conf:g}% prediction interval"
    )
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        method += "; the optimiser did not fully converge, so treat the interval with caution"
    return values, method


def _mean_forecast(stretch: pd.Series, horizon: int, conf: float) -> tuple[np.ndarray, str]:
    recent = stretch.dropna().iloc[-_MEAN_WINDOW:]
    n = len(recent)
    mean = float(recent.mean())
    variance = max(mean, float(recent.var(ddof=1))) * (1 + 1 / n)
    alpha = 1 - conf
    if mean == 0:
        lower, upper = 0.0, float(_sps.chi2.ppf(1 - alpha / 2, 2) / 2 / n)
    elif variance > mean:
        size, prob = mean**2 / (variance - mean), mean / variance
        lower = float(_sps.nbinom.ppf(alpha / 2, size, prob))
        upper = float(_sps.nbinom.ppf(1 - alpha / 2, size, prob))
    else:
        lower = float(_sps.poisson.ppf(alpha / 2, mean))
        upper = float(_sps.poisson.ppf(1 - alpha / 2, mean))
    values = np.tile([mean, lower, upper], (horizon, 1))
    method = (
        f"mean of the last {n} months ({_span(recent)}) with a {100 * conf:g}% negative binomial "
        f"prediction interval; no seasonal pattern or trend, because a seasonal model needs "
        f"{SEASONAL_MIN} months of data without a gap of more than {MAX_GAP} months"
    )
    return values, method
