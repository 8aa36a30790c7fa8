"""Trends over years: average annual change in a rate from a count model with a population offset.

Monthly series (seasonal decomposition, forecasts) are in :mod:`sna.stats.forecast`.

``rate_ratio_glm`` is the count model shared with :mod:`sna.stats.deprivation`: a Poisson-family GLM of
counts with the log of population as offset and one covariate.

References
----------
.. [1] McCullagh P, Nelder JA. Generalized Linear Models, 2nd ed. Chapman & Hall, 1989 (Poisson
   regression with offset; quasi-likelihood dispersion).
.. [2] Cameron AC, Trivedi PK. Regression Analysis of Count Data, 2nd ed. CUP, 2013 (negative
   binomial NB2).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as _sps
from statsmodels.discrete.discrete_model import NegativeBinomial

from sna.stats.checks import ArrayLike, broadcast, check_conf, check_counts, check_nonnegative
from sna.stats.schema import annotate, interval_columns

__all__ = ["SeasonalTrend", "annual_trend", "rate_ratio_glm", "seasonal_trend"]

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
        ``value`` (the rate ratio: multiplicative change in the rate per unit of the covariate),
        ``lower<L>``, ``upper<L>`` (its interval; ``L`` from
        :func:`sna.stats.schema.level_label`, e.g. ``lower95``, ``upper95``), ``p_value`` (Wald
        test of no effect), ``n`` (units used), ``dispersion`` (Pearson dispersion, or NB alpha),
        ``family``, ``conf``, ``method`` and ``note``.

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
    >>> round(float(r["value"]), 3), round(float(r["lower95"]), 3), round(float(r["upper95"]), 3)
    (1.106, 0.939, 1.301)
    """
    conf = check_conf(conf)
    if family not in _FAMILIES:
        raise ValueError(f"family must be one of {sorted(_FAMILIES)}; got {family!r}")
    arrays, _ = broadcast({"counts": counts, "populations": populations, "covariate": covariate})
    y = check_counts(arrays["counts"], "counts")
    pop = check_nonnegative(arrays["populations"], "populations")
    x = arrays["covariate"]
    keep = ~np.isnan(y) & ~np.isnan(x) & (pop > 0)
    y, pop, x = y[keep], pop[keep], x[keep]
    lower, upper = interval_columns([conf])
    out = {
        "value": np.nan,
        lower: np.nan,
        upper: np.nan,
        "p_value": np.nan,
        "n": int(keep.sum()),
        "dispersion": np.nan,
        "family": family,
        "conf": conf,
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
        "value": float(np.exp(fit.slope)),
        lower: float(np.exp(fit.slope - q * fit.se)),
        upper: float(np.exp(fit.slope + q * fit.se)),
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
        with a missing month is not comparable; see :func:`sna.stats.change.like_for_like`).
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
        ``first_year``, ``last_year``, ``n_years``, ``value`` (the average % change in the rate
        per year), ``lower<L>``, ``upper<L>`` (its interval, %; ``L`` from
        :func:`sna.stats.schema.level_label`, e.g. ``lower95``, ``upper95``), ``p_value``,
        ``significant`` (``p_value < 1 - conf``), ``family``, ``conf``, ``method`` and ``note``.
        With fewer than 3 usable years nothing is fitted: the estimates are missing and ``note``
        says why.

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
    >>> round(float(t["value"]), 1), round(float(t["lower95"]), 1), bool(t["significant"])
    (6.6, 1.4, True)
    """
    conf = check_conf(conf)
    arrays, _ = broadcast({"counts": counts, "populations": populations, "years": years})
    yrs = arrays["years"]
    if np.any(np.isnan(yrs)) or np.any(yrs != np.round(yrs)):
        raise ValueError("years must be whole numbers with no missing values")
    if len(np.unique(yrs)) != len(yrs):
        raise ValueError(f"years must all be different; got {sorted(yrs.astype(int).tolist())}")
    cnt = check_counts(arrays["counts"], "counts")
    pop = check_nonnegative(arrays["populations"], "populations")
    usable = ~np.isnan(cnt) & (pop > 0)
    dropped = sorted(yrs[~usable].astype(int).tolist())
    used = np.sort(yrs[usable]).astype(int)
    lower, upper = interval_columns([conf])
    result = {
        "first_year": int(used[0]) if used.size else pd.NA,
        "last_year": int(used[-1]) if used.size else pd.NA,
        "n_years": int(used.size),
        "value": np.nan,
        lower: np.nan,
        upper: np.nan,
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
        "value": 100 * (fit["value"] - 1),
        lower: 100 * (fit[lower] - 1),
        upper: 100 * (fit[upper] - 1),
        "p_value": fit["p_value"],
        "significant": bool(fit["p_value"] < 1 - conf),
        "method": fit["method"],
        "note": "; ".join(filter(None, [str(result["note"]), str(fit["note"])])),
    }
    return pd.Series(result)


class SeasonalTrend(NamedTuple):
    """A trend over years with a month-of-year seasonal pattern, from monthly counts.

    Attributes
    ----------
    trend : pandas.Series
        ``first_year``, ``last_year``, ``n_years``, ``n_months``, ``value`` (average % change in
        the monthly rate per year, allowing for season), ``lower<L>``, ``upper<L>``, ``p_value``,
        ``significant``, ``dispersion``, ``conf``, ``method`` and ``note`` (why there is no
        trend, when there is none).
    season : pandas.DataFrame
        Indexed by calendar month (1-12, those with data): ``value`` (that month's count
        relative to an average month, 1 = average), ``lower<L>``, ``upper<L>`` and ``n_months``
        (months of data behind it); empty when there is no seasonal pattern to estimate.
    """

    trend: pd.Series
    season: pd.DataFrame


MIN_MONTHS_SEASONAL = 12


def seasonal_trend(
    monthly: pd.Series, populations: pd.Series, *, conf: float = 0.95
) -> SeasonalTrend:
    """Average annual change in a rate, allowing for season, from whatever months have data.

    Years with police.uk data rarely have the same months. A model with a term for each calendar
    month and a linear term in time compares the years on their own months: a January is
    compared with Januaries. It needs months from at least :data:`MIN_YEARS` different years and
    at least :data:`MIN_MONTHS_SEASONAL` months in all.

    Parameters
    ----------
    monthly : pandas.Series
        Counts indexed by month (DatetimeIndex of month starts or PeriodIndex); months with no
        data are absent (never zero).
    populations : pandas.Series
        Population by calendar year (index: year), for the offset.
    conf : float, keyword-only
        Confidence level. Default 0.95.

    Returns
    -------
    SeasonalTrend

    Notes
    -----
    Quasi-Poisson GLM ``log E[count] = log(population of its year) + a_month + b * t`` with
    ``t`` in years (month 1 of year y is ``y + 0/12``); the dispersion is Pearson's, at least 1;
    intervals and tests use t on the residual degrees of freedom [1]_. The seasonal factors are
    ``exp(a_month)`` divided by their geometric mean over the months present, with intervals
    from the model's covariance (delta method on the log scale).

    Examples
    --------
    >>> idx = pd.period_range("2021-01", "2024-12", freq="M")
    >>> counts = pd.Series([100 + 30 * (m.month in (6, 7, 8)) + i % 5 for i, m in enumerate(idx)],
    ...                    index=idx)
    >>> fit = seasonal_trend(counts, pd.Series(1000, index=range(2021, 2025)))
    >>> round(float(fit.trend["value"]), 1), round(float(fit.season.loc[7, "value"]), 2)
    (0.0, 1.21)
    """
    conf = check_conf(conf)
    label = interval_columns([conf])
    months = _month_periods(monthly.index)
    counts = check_counts(monthly.to_numpy(dtype=float, na_value=np.nan), "monthly")
    keep = ~np.isnan(counts)
    months, counts = months[keep], counts[keep]
    pops = months.year.map(lambda y: float(populations.get(y, np.nan))).to_numpy(dtype=float)
    usable = np.isfinite(pops) & (pops > 0)
    months, counts, pops = months[usable], counts[usable], pops[usable]
    years = sorted(set(months.year))
    trend: dict[str, object] = {
        "first_year": years[0] if years else pd.NA,
        "last_year": years[-1] if years else pd.NA,
        "n_years": len(years),
        "n_months": len(months),
        "value": np.nan, label[0]: np.nan, label[1]: np.nan, "p_value": np.nan,
        "significant": False, "dispersion": np.nan, "conf": conf, "method": "", "note": "",
    }  # fmt: skip
    empty = pd.DataFrame(columns=["value", *label, "n_months"], dtype=float)
    if len(years) < MIN_YEARS or len(months) < MIN_MONTHS_SEASONAL:
        trend["note"] = (
            f"it needs months from at least {MIN_YEARS} years and "
            f"{MIN_MONTHS_SEASONAL} months in all; there are {len(months)} months from "
            f"{len(years)} years"
        )
        return SeasonalTrend(pd.Series(trend), empty)
    calendar_months = sorted(set(months.month))
    dummies = np.column_stack([(months.month == m).astype(float) for m in calendar_months])
    time = (months.year + (months.month - 1) / 12 - years[0]).to_numpy(dtype=float)
    design = np.column_stack([dummies, time])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = sm.GLM(counts, design, family=sm.families.Poisson(), offset=np.log(pops))
        fit = model.fit()
    trend["note"] = _captured(caught)
    df_resid = float(fit.df_resid)
    if df_resid < 1:
        trend["note"] = "no degrees of freedom are left once each month has its own level"
        return SeasonalTrend(pd.Series(trend), empty)
    phi = max(1.0, float(fit.pearson_chi2) / df_resid)
    cov = np.asarray(fit.cov_params()) * phi
    q = float(_sps.t.ppf(1 - (1 - conf) / 2, df_resid))
    slope, se = float(fit.params[-1]), float(np.sqrt(cov[-1, -1]))
    p_value = float(2 * _sps.t.sf(abs(slope / se), df_resid))
    trend |= {
        "value": 100 * (np.exp(slope) - 1),
        label[0]: 100 * (np.exp(slope - q * se) - 1),
        label[1]: 100 * (np.exp(slope + q * se) - 1),
        "p_value": p_value,
        "significant": p_value < 1 - conf,
        "dispersion": phi,
        "method": (
            f"quasi-Poisson model of {len(months)} monthly counts from {len(years)} years, "
            f"with a term for each calendar month and a linear trend (t test on {df_resid:g} df)"
        ),
    }
    k = len(calendar_months)
    centre = np.eye(k) - 1 / k  # log factor minus the mean of the log factors
    log_factor = centre @ np.asarray(fit.params[:k])
    var = np.diag(centre @ cov[:k, :k] @ centre.T)
    season = pd.DataFrame(
        {
            "value": np.exp(log_factor),
            label[0]: np.exp(log_factor - q * np.sqrt(var)),
            label[1]: np.exp(log_factor + q * np.sqrt(var)),
            "n_months": [int((months.month == m).sum()) for m in calendar_months],
        },
        index=pd.Index(calendar_months, name="month"),
    )
    return SeasonalTrend(pd.Series(trend), annotate(season, [conf], "seasonal factor"))


def _month_periods(index: pd.Index) -> pd.PeriodIndex:
    if isinstance(index, pd.PeriodIndex):
        return index.asfreq("M")
    if isinstance(index, pd.DatetimeIndex):
        return index.to_period("M")
    raise ValueError("monthly must be indexed by month (DatetimeIndex or PeriodIndex)")
