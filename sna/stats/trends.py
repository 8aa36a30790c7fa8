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
from sna.stats.schema import interval_columns

__all__ = ["annual_trend", "rate_ratio_glm"]

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
