"""Trends: average annual change from a count model, seasonal decomposition and forecasts.

``rate_ratio_glm`` is the count model shared with :mod:`sna.deprivation`: a Poisson-family GLM of
counts with the log of population as offset and one covariate.

References
----------
.. [1] McCullagh P, Nelder JA. Generalized Linear Models, 2nd ed. Chapman & Hall, 1989 (Poisson
   regression with offset; quasi-likelihood dispersion).
.. [2] Cameron AC, Trivedi PK. Regression Analysis of Count Data, 2nd ed. CUP, 2013 (negative
   binomial NB2).
.. [3] Box GEP, Jenkins GM. Time Series Analysis, 1970 (the "airline" seasonal ARIMA model).
.. [4] Cleveland RB et al. STL: a seasonal-trend decomposition procedure based on loess. Journal
   of Official Statistics 1990;6:3-73.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as _sps
from statsmodels.discrete.discrete_model import NegativeBinomial
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from sna.stats import ArrayLike, _broadcast, _check_conf, _check_counts, _check_nonnegative

__all__ = [
    "Decomposition",
    "annual_trend",
    "monthly_forecast",
    "rate_ratio_glm",
    "seasonal_decomposition",
]

MIN_YEARS = 3


class _Fit(NamedTuple):
    slope: float
    se: float
    df: float  # degrees of freedom for t intervals; inf for normal
    dispersion: float
    method: str
    note: str


def _captured(messages: list[warnings.WarningMessage]) -> str:
    return "; ".join(sorted({str(m.message).splitlines()[0] for m in messages}))


def _fit_poisson(y: np.ndarray, x: np.ndarray, offset: np.ndarray, *, quasi: bool) -> _Fit:
    design = sm.add_constant(x, has_constant="add")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = sm.GLM(y, design, family=sm.families.Poisson(), offset=offset).fit()
    dispersion = float(res.pearson_chi2 / res.df_resid) if res.df_resid > 0 else np.nan
    scale = max(1.0, dispersion) if quasi and np.isfinite(dispersion) else 1.0
    note = "" if res.converged else "the model fit did not converge"
    note = "; ".join(filter(None, [note, _captured(caught)]))
    if quasi:
        method = (
            "quasi-Poisson GLM with log population offset (standard errors scaled by the Pearson "
            f"dispersion, {dispersion:.2f}, when above 1; t intervals on {res.df_resid:g} df)"
        )
        df = float(res.df_resid)
    else:
        method = "Poisson GLM with log population offset"
        df = np.inf
        if np.isfinite(dispersion) and dispersion > 1.5:
            note = "; ".join(
                filter(None, [note, f"counts are overdispersed (dispersion {dispersion:.1f})"])
            )
    return _Fit(
        float(res.params[1]), float(res.bse[1]) * np.sqrt(scale), df, dispersion, method, note
    )


def _fit_negbin(y: np.ndarray, x: np.ndarray, offset: np.ndarray) -> _Fit:
    design = sm.add_constant(x, has_constant="add")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = NegativeBinomial(y, design, offset=offset).fit(disp=0, maxiter=500)
    alpha = float(res.params[-1])
    method = "negative binomial (NB2) regression with log population offset, maximum likelihood"
    converged = bool(res.mle_retvals.get("converged", False))
    if not converged and alpha < 1e-4:
        # Boundary: no overdispersion, so the model is Poisson; use the Poisson fit.
        pois = _fit_poisson(y, x, offset, quasi=False)
        return pois._replace(
            method=method,
            dispersion=0.0,
            note="no overdispersion found (alpha near 0): estimates are those of Poisson",
        )
    note = "" if converged else f"the model fit did not converge ({_captured(caught)})"
    return _Fit(float(res.params[1]), float(res.bse[1]), np.inf, alpha, method, note)


_FAMILIES: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], _Fit]] = {
    "quasi-poisson": lambda y, x, o: _fit_poisson(y, x, o, quasi=True),
    "poisson": lambda y, x, o: _fit_poisson(y, x, o, quasi=False),
    "negative-binomial": _fit_negbin,
}


def rate_ratio_glm(
    counts: ArrayLike,
    populations: ArrayLike,
    covariate: ArrayLike,
    *,
    family: str = "quasi-poisson",
    conf: float = 0.95,
) -> pd.Series:
    """Rate ratio per unit of a covariate, from a count model with a population offset.

    Parameters
    ----------
    counts : array-like of int
        Events in each unit (year, LSOA, ...), whole numbers >= 0.
    populations : array-like
        Population of each unit, > 0.
    covariate : array-like
        One numeric covariate (e.g. years since the first year; 1 for the most deprived decile and
        0 for the least).
    family : {"quasi-poisson", "poisson", "negative-binomial"}, keyword-only
        Count model. "quasi-poisson" (default) is a Poisson GLM whose standard errors are scaled
        up by the Pearson dispersion when counts vary more than Poisson; "poisson" assumes Poisson
        variation (too narrow for most crime counts); "negative-binomial" estimates an NB2
        dispersion parameter by maximum likelihood.
    conf : float, keyword-only
        Confidence level. Default 0.95.

    Returns
    -------
    pandas.Series
        ``rate_ratio`` (multiplicative change in the rate per unit of the covariate), ``lower``,
        ``upper``, ``p_value`` (Wald test of no effect), ``n`` (units used), ``dispersion``
        (Pearson dispersion, or NB alpha), ``family``, ``method`` and ``note``.

    Raises
    ------
    ValueError
        If the arguments are invalid, ``family`` is unknown, or the covariate does not vary.

    Notes
    -----
    ``log E[count] = log(population) + b0 + b1 * covariate``; the rate ratio is ``exp(b1)``, with
    interval ``exp(b1 +/- q se)`` where ``q`` is the normal quantile, or the t quantile on the
    residual degrees of freedom for the quasi-Poisson model. Units with a missing count, or a
    missing or zero population, are left out. For a 0/1 covariate the Poisson rate ratio equals
    the ratio of the pooled rates of the two groups.

    Examples
    --------
    >>> r = rate_ratio_glm([120, 132, 150, 161], [10_000] * 4, [0, 1, 2, 3])
    >>> round(float(r["rate_ratio"]), 3)
    1.106
    """
    conf = _check_conf(conf)
    if family not in _FAMILIES:
        raise ValueError(f"family must be one of {sorted(_FAMILIES)}; got {family!r}")
    arrays, _ = _broadcast({"counts": counts, "populations": populations, "covariate": covariate})
    y = _check_counts(arrays["counts"], "counts")
    pop = _check_nonnegative(arrays["populations"], "populations")
    x = arrays["covariate"]
    keep = ~np.isnan(y) & ~np.isnan(x) & (pop > 0)
    y, pop, x = y[keep], pop[keep], x[keep]
    out = {
        "rate_ratio": np.nan,
        "lower": np.nan,
        "upper": np.nan,
        "p_value": np.nan,
        "n": int(keep.sum()),
        "dispersion": np.nan,
        "family": family,
        "method": "",
        "note": "",
    }
    if len(np.unique(x)) < 2:
        raise ValueError("covariate must take at least two different values")
    groups = np.unique(x)
    if y.sum() == 0 or (len(groups) == 2 and any(y[x == g].sum() == 0 for g in groups)):
        out["note"] = "no events in one group or in all units: rate ratio not estimable"
        return pd.Series(out)
    fit = _FAMILIES[family](y, x, np.log(pop))
    q = float(
        _sps.t.ppf(1 - (1 - conf) / 2, fit.df)
        if np.isfinite(fit.df)
        else _sps.norm.ppf(1 - (1 - conf) / 2)
    )
    stat = fit.slope / fit.se
    p = 2 * (_sps.t.sf(abs(stat), fit.df) if np.isfinite(fit.df) else _sps.norm.sf(abs(stat)))
    out |= {
        "rate_ratio": float(np.exp(fit.slope)),
        "lower": float(np.exp(fit.slope - q * fit.se)),
        "upper": float(np.exp(fit.slope + q * fit.se)),
        "p_value": float(p),
        "dispersion": fit.dispersion,
        "method": fit.method,
        "note": fit.note,
    }
    return pd.Series(out)


def annual_trend(
    counts: ArrayLike,
    populations: ArrayLike,
    years: ArrayLike,
    *,
    family: str = "quasi-poisson",
    conf: float = 0.95,
) -> pd.Series:
    """Average annual percentage change in a rate over several years, from a count model.

    Parameters
    ----------
    counts : array-like of int
        Events in each year, whole numbers >= 0. Every year must cover the same months (a year
        with a missing month is not comparable; see :func:`sna.change.like_for_like`).
    populations : array-like
        Mid-year population for each year, > 0.
    years : array-like of int
        Calendar years, all different; gaps between years are allowed.
    family : {"quasi-poisson", "poisson", "negative-binomial"}, keyword-only
        Count model (see :func:`rate_ratio_glm`). Default "quasi-poisson".
    conf : float, keyword-only
        Confidence level. Default 0.95.

    Returns
    -------
    pandas.Series
        ``first_year``, ``last_year``, ``n_years``, ``annual_pct_change`` (average % change in the
        rate per year), ``lower``, ``upper`` (its interval, %), ``p_value``, ``significant``
        (``p_value < 1 - conf``), ``family``, ``conf``, ``method`` and ``note``. With fewer than 3 usable
        years nothing is fitted: the estimates are missing and ``note`` says why.

    Raises
    ------
    ValueError
        If the arguments are invalid or a year is repeated.

    Notes
    -----
    Fits ``log E[count] = log(population) + b0 + b1 (year - first year)``; the average annual
    change is ``100 (exp(b1) - 1)`` %. Years with a missing count or population are left out and
    named in ``note``.

    Examples
    --------
    >>> t = annual_trend([4800, 5000, 5234, 5836], [110_000] * 4, [2021, 2022, 2023, 2024])
    >>> round(float(t["annual_pct_change"]), 1), bool(t["significant"])
    (6.6, True)
    """
    conf = _check_conf(conf)
    arrays, _ = _broadcast({"counts": counts, "populations": populations, "years": years})
    yrs = arrays["years"]
    if np.any(np.isnan(yrs)) or np.any(yrs != np.round(yrs)):
        raise ValueError("years must be whole numbers with no missing values")
    if len(np.unique(yrs)) != len(yrs):
        raise ValueError(f"years must all be different; got {sorted(yrs.astype(int).tolist())}")
    cnt = _check_counts(arrays["counts"], "counts")
    pop = _check_nonnegative(arrays["populations"], "populations")
    usable = ~np.isnan(cnt) & (pop > 0)
    dropped = sorted(yrs[~usable].astype(int).tolist())
    used = np.sort(yrs[usable]).astype(int)
    result = {
        "first_year": int(used[0]) if used.size else pd.NA,
        "last_year": int(used[-1]) if used.size else pd.NA,
        "n_years": int(used.size),
        "annual_pct_change": np.nan,
        "lower": np.nan,
        "upper": np.nan,
        "p_value": np.nan,
        "significant": False,
        "family": family,
        "conf": conf,
        "method": "",
        "note": f"years left out (count or population missing): {dropped}" if dropped else "",
    }
    if used.size < MIN_YEARS:
        result["note"] = "; ".join(
            filter(
                None,
                [
                    f"too few years ({used.size}) to estimate a trend; at least {MIN_YEARS} needed",
                    str(result["note"]),
                ],
            )
        )
        return pd.Series(result)
    fit = rate_ratio_glm(cnt, pop, yrs - used[0], family=family, conf=conf)
    result |= {
        "annual_pct_change": 100 * (fit["rate_ratio"] - 1),
        "lower": 100 * (fit["lower"] - 1),
        "upper": 100 * (fit["upper"] - 1),
        "p_value": fit["p_value"],
        "significant": bool(fit["p_value"] < 1 - conf),
        "method": fit["method"],
        "note": "; ".join(filter(None, [str(result["note"]), str(fit["note"])])),
    }
    return pd.Series(result)


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
    values = _check_counts(series.to_numpy(dtype=float, na_value=np.nan), name)
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
    STL with robust loess fitting [4]_, on the latest run of at least ``2 * period`` consecutive
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
        Periods), columns ``forecast``,
        ``lower``, ``upper`` (events per month) and ``method`` (the model, the months used, and
        why, in plain English).

    Raises
    ------
    ValueError
        If the series is not monthly counts, or ``horizon`` is not a positive whole number.

    Notes
    -----
    Only the latest part of the series without a gap of more than 3 months is used; shorter gaps
    stay missing. With at least 24 observed months there, a seasonal ARIMA(0,1,1)(0,1,1)12
    ("airline") model [3]_ is fitted to log(count + 1) by maximum likelihood (the Kalman filter
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
    >>> f[["forecast", "lower", "upper"]]
             forecast  lower  upper
    2025-05     102.5   81.0  125.0
    2025-06     102.5   81.0  125.0
    """
    conf = _check_conf(conf)
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ValueError(f"horizon must be a whole number of months >= 1; got {horizon!r}")
    monthly = _monthly(series)
    if monthly.empty:
        raise ValueError("series has no observed months")
    stretch = _latest_stretch(monthly, MAX_GAP)
    future = pd.period_range(monthly.index[-1] + 1, periods=horizon, freq="M")
    n_obs = int(stretch.notna().sum())
    if n_obs < MIN_YEARS:
        values = np.full((horizon, 3), np.nan)
        method = f"no forecast: only {n_obs} months of recent data"
    elif n_obs >= SEASONAL_MIN:
        values, method = _seasonal_forecast(stretch, horizon, conf)
    else:
        values, method = _mean_forecast(stretch, horizon, conf)
    out = pd.DataFrame(values, columns=["forecast", "lower", "upper"], index=future)
    out["method"] = method
    if isinstance(series.index, pd.DatetimeIndex):
        out.index = future.to_timestamp()
    return out


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
