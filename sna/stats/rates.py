"""Rates, proportions and their confidence intervals, by the methods of OHID Fingertips.

Every function here is pure and vectorised: it takes scalars or array-likes (lists, numpy arrays,
pandas Series) and returns a new DataFrame, keeping the index of a Series argument. Missing or zero
denominators give missing results, never errors; impossible inputs (negative counts, fractional
counts, a confidence level outside (0, 1)) raise ``ValueError`` naming the argument.

References
----------
.. [1] Office for Health Improvement and Disparities, "Public health technical guidance: confidence
   intervals; rates; proportions", Fingertips, https://fingertips.phe.org.uk/profile/guidance.
.. [2] Public Health England, "Technical Guide: Confidence Intervals", 2018.
.. [3] Breslow NE, Day NE. Statistical methods in cancer research, volume II. IARC, 1987 (Byar's
   approximation).
.. [4] Wilson EB. Probable inference, the law of succession, and statistical inference. JASA 1927;
   22:209-212.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as _sps

from sna.stats.checks import (
    ArrayLike,
    broadcast,
    check_counts,
    check_levels,
    check_nonnegative,
    check_positive,
    to_float_array,
)
from sna.stats.schema import estimate_frame, per_label

__all__ = ["gini", "monthly_dispersion", "proportion_ci", "rate_ci"]

EXACT_BELOW = 10
"""Counts below this use the exact (chi-squared) Poisson interval; others use Byar's method."""


def _z(conf: float) -> float:
    """Two-sided standard normal quantile for confidence level ``conf``."""
    return float(_sps.norm.ppf(1 - (1 - conf) / 2))


# --- Poisson limits for a count ------------------------------------------------------------------


def _exact_limits(count: np.ndarray, conf: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson limits for counts: chi-squared quantiles (Armitage and Berry, 2002)."""
    alpha = 1 - conf
    with np.errstate(invalid="ignore"):
        lower = np.where(count > 0, _sps.chi2.ppf(alpha / 2, 2 * count) / 2, 0.0)
        upper = _sps.chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2
    return np.where(np.isnan(count), np.nan, lower), upper


def _byar_limits(count: np.ndarray, conf: float) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximation to the Poisson limits (Breslow and Day, 1987)."""
    z = _z(conf)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = count * (1 - 1 / (9 * count) - z / (3 * np.sqrt(count))) ** 3
        upper = (count + 1) * (1 - 1 / (9 * (count + 1)) + z / (3 * np.sqrt(count + 1))) ** 3
    return lower, upper


def _count_limits(count: np.ndarray, conf: float) -> tuple[np.ndarray, np.ndarray]:
    """PHE limits for observed counts: exact below 10, Byar's method otherwise."""
    ex_lo, ex_hi = _exact_limits(count, conf)
    by_lo, by_hi = _byar_limits(count, conf)
    small = count < EXACT_BELOW
    return np.where(small, ex_lo, by_lo), np.where(small, ex_hi, by_hi)


def _count_methods(count: np.ndarray) -> np.ndarray:
    """The method of :func:`_count_limits` for each count (None where the count is missing)."""
    return _labels(np.where(count < EXACT_BELOW, "exact Poisson", "Byar"), np.isnan(count))


def _labels(names: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Method names as an object array, None where the input was missing."""
    out = names.astype(object)
    out[missing] = None
    return out


# --- public statistics ---------------------------------------------------------------------------


def rate_ci(
    count: ArrayLike,
    population: ArrayLike,
    *,
    per: float = 1000,
    conf: float | Sequence[float] = 0.95,
    dispersion: ArrayLike | None = None,
    df: ArrayLike | None = None,
) -> pd.DataFrame:
    """Crude rate with its confidence interval(s), by the PHE (Fingertips) method.

    Parameters
    ----------
    count : int or array-like of int
        Observed events (e.g. recorded crimes), whole numbers >= 0. Missing values give a missing
        result.
    population : float or array-like
        Population at risk (residents; person-years for a one-year count), >= 0. A population of 0
        or a missing population gives a missing rate and interval, not an error.
    per : float, keyword-only
        Multiplier: the rate is per this many people. Default 1,000.
    conf : float or sequence of float, keyword-only
        Confidence level strictly between 0 and 1, e.g. 0.95, or several, e.g. (0.95, 0.998).
        Default 0.95.

    dispersion : array-like, optional, keyword-only
        Extra-Poisson variation of each count (e.g. from :func:`monthly_dispersion`: the
        variance of its monthly counts over their mean, at least 1). Where it is above 1 and the
        count is at least 10, the interval is the quasi-Poisson one,
        ``count * exp(+/- t(df) sqrt(dispersion / count))``, and ``method`` says so.
    df : array-like, optional, keyword-only
        Degrees of freedom of ``dispersion`` (months minus one); required with it.

    Returns
    -------
    pandas.DataFrame
        One row per input, indexed like ``count`` or ``population`` if either is a Series, in the
        schema of :mod:`sna.stats.schema`: ``count``, ``denominator`` (the population),
        ``value`` (rate per ``per``), ``lower<L>`` and ``upper<L>`` for each level (interval for
        the rate, per ``per``; ``lower95``, ``upper95`` at 0.95) and ``method`` ("exact Poisson"
        for counts below 10, "Byar" otherwise). ``attrs["confidence"]`` holds the levels and
        ``attrs["statistic"]`` "rate per 1,000" (for ``per=1000``).

    Raises
    ------
    ValueError
        If a count is negative, fractional or infinite, a population is negative, ``per`` is not
        > 0, a level is not in (0, 1), or Series arguments have different indexes.

    Notes
    -----
    The rate is ``count / population * per``. Its limits are the limits of the count divided by
    the population: for counts below 10 the exact limits from the chi-squared distribution,
    ``chi2(alpha/2, 2O) / 2`` and ``chi2(1 - alpha/2, 2O + 2) / 2``; for counts of 10 or more
    Byar's approximation, ``O (1 - 1/(9O) - z/(3 sqrt O))^3`` and
    ``(O + 1)(1 - 1/(9(O + 1)) + z/(3 sqrt(O + 1)))^3``, which is within 0.2% of the exact value
    at 95% [2]_. This treats the count as Poisson and the population as known exactly.

    References
    ----------
    .. [1] OHID, Public health technical guidance: rates. Fingertips.
    .. [2] Public Health England. Technical Guide: Confidence Intervals, 2018 (appendices 1-2).

    Examples
    --------
    >>> out = rate_ci([5, 602], [1200, 115_000], per=1000)
    >>> out[["value", "lower95", "upper95", "method"]].round(3)
       value  lower95  upper95         method
    0  4.167    1.353    9.724  exact Poisson
    1  5.235    4.825    5.670           Byar
    >>> out.attrs
    {'confidence': (0.95,), 'statistic': 'rate per 1,000'}
    >>> list(rate_ci(5, 1200, conf=(0.95, 0.998)).columns)
    ['count', 'denominator', 'value', 'lower95', 'upper95', 'lower998', 'upper998', 'method']
    """
    levels = check_levels(conf)
    per = check_positive(per, "per")
    if (dispersion is None) != (df is None):
        raise ValueError("dispersion and df must be given together")
    values = {"count": count, "population": population}
    if dispersion is not None:
        values |= {"dispersion": dispersion, "df": df}
    arrays, index = broadcast(values)
    obs = check_counts(arrays["count"], "count")
    pop = check_nonnegative(arrays["population"], "population")
    usable = pop > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(usable, per / pop, np.nan)
    phi = arrays.get("dispersion", np.ones_like(obs))
    dof = arrays.get("df", np.ones_like(obs))
    quasi = (phi > 1) & (obs >= EXACT_BELOW) & (dof >= 1)
    limits = {}
    for level in levels:
        lower, upper = _count_limits(obs, level)
        if quasi.any():
            q = _sps.t.ppf(1 - (1 - level) / 2, np.where(quasi, dof, 1))
            with np.errstate(divide="ignore", invalid="ignore"):
                half = q * np.sqrt(phi / obs)
            lower = np.where(quasi, obs * np.exp(-half), lower)
            upper = np.where(quasi, obs * np.exp(half), upper)
        limits[level] = (lower * scale, upper * scale)
    method = _count_methods(obs)
    if quasi.any():
        method = np.where(
            quasi,
            [
                f"quasi-Poisson (dispersion {p:.1f}, {d:g} df)"
                for p, d in zip(phi, dof, strict=True)
            ],
            method,
        ).astype(object)
        method[np.isnan(obs)] = None
    return estimate_frame(
        obs, pop, obs * scale, limits, method, index=index, statistic=per_label(per)
    )


def monthly_dispersion(monthly: pd.DataFrame) -> pd.DataFrame:
    """How much more each row's monthly counts vary than Poisson counts would.

    Parameters
    ----------
    monthly : pandas.DataFrame
        One row per area (or crime type), one column per month; missing months are NaN and left
        out.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``monthly``: ``dispersion`` (Pearson's statistic about the row's monthly
        mean over its degrees of freedom, floored at 1: never narrower than Poisson) and ``df``
        (months with data minus one; 0 where there is one month, and then ``dispersion`` is 1).

    Notes
    -----
    This is the scale of an intercept-only quasi-Poisson model of the months [1]_. Seasonal
    differences between months count as variation here, which widens intervals for annual
    totals somewhat: a conservative choice.

    References
    ----------
    .. [1] McCullagh P, Nelder JA. Generalized Linear Models, 2nd ed., 1989, s. 9.2.

    Examples
    --------
    >>> m = pd.DataFrame([[897, 744, 979, 885], [10, 10, 10, 10]], index=["A", "B"])
    >>> monthly_dispersion(m).round(2)
       dispersion  df
    A       10.86   3
    B        1.00   3
    """
    values = monthly.to_numpy(dtype=float, na_value=np.nan)
    check_counts(values.ravel(), "monthly")
    months = (~np.isnan(values)).sum(axis=1)
    mean = np.nanmean(np.where(months[:, None] > 0, values, 0.0), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = np.nansum((values - mean[:, None]) ** 2, axis=1) / mean
        phi = np.where((months > 1) & (mean > 0), pearson / (months - 1), 1.0)
    return pd.DataFrame(
        {"dispersion": np.maximum(1.0, phi), "df": np.maximum(months - 1, 0)}, index=monthly.index
    )


def proportion_ci(
    count: ArrayLike, total: ArrayLike, *, conf: float | Sequence[float] = 0.95
) -> pd.DataFrame:
    """Proportion with its Wilson score confidence interval.

    Parameters
    ----------
    count : int or array-like of int
        Number with the characteristic (e.g. labour exploitation reports), whole numbers >= 0.
    total : int or array-like of int
        Number in the group (e.g. all exploitation reports), whole numbers >= ``count``. A total of
        0 or a missing total gives a missing result, not an error.
    conf : float or sequence of float, keyword-only
        Confidence level strictly between 0 and 1, or several. Default 0.95.

    Returns
    -------
    pandas.DataFrame
        In the schema of :mod:`sna.stats.schema`, indexed like a Series argument: ``count``,
        ``denominator`` (the total), ``value``, and ``lower<L>``, ``upper<L>`` for each level
        (``lower95``, ``upper95`` at 0.95), as fractions between 0 and 1 (multiply by 100 for
        percentages), and ``method`` ("Wilson"). ``attrs["statistic"]`` is "proportion".

    Raises
    ------
    ValueError
        If a count or total is negative or fractional, a count exceeds its total, or a level is
        not in (0, 1).

    Notes
    -----
    Wilson's score interval [1]_, recommended by OHID for proportions [2]_, with ``p = r/n``:
    ``(2r + z^2 -/+ z sqrt(z^2 + 4 r (1 - p))) / (2 (n + z^2))``. Unlike the normal (Wald)
    interval it stays within 0 and 1 and has good coverage for small counts [3]_.

    References
    ----------
    .. [1] Wilson EB. JASA 1927;22:209-212.
    .. [2] OHID, Public health technical guidance: proportions. Fingertips.
    .. [3] Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of
       seven methods. Statistics in Medicine 1998;17:857-872.

    Examples
    --------
    >>> proportion_ci(40, 100).round(4)
       count  denominator  value  lower95  upper95  method
    0   40.0        100.0    0.4   0.3094    0.498  Wilson
    """
    levels = check_levels(conf)
    arrays, index = broadcast({"count": count, "total": total})
    r = check_counts(arrays["count"], "count")
    n = check_counts(arrays["total"], "total")
    over = r > n
    if np.any(over):
        raise ValueError(
            f"count must be <= total; got count {r[over][0]:g} with total {n[over][0]:g}"
        )
    usable = n > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(usable, r / n, np.nan)
    limits = {level: _wilson_limits(r, n, p, level) for level in levels}
    method = _labels(np.full(r.shape, "Wilson"), np.isnan(r) | np.isnan(n))
    return estimate_frame(r, n, p, limits, method, index=index, statistic="proportion")


def _wilson_limits(
    r: np.ndarray, n: np.ndarray, p: np.ndarray, conf: float
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits for ``r`` of ``n`` (proportion ``p``), exact at 0 and 1."""
    z = _z(conf)
    usable = n > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        half = z * np.sqrt(z**2 + 4 * r * (1 - p))
        denom = 2 * (n + z**2)
        lower = np.where(usable, (2 * r + z**2 - half) / denom, np.nan)
        upper = np.where(usable, (2 * r + z**2 + half) / denom, np.nan)
    lower = np.where(r == 0, 0.0 * lower, lower)  # exact zero, not -1e-17
    upper = np.where(r == n, 0.0 * upper + 1.0, upper)
    return lower, upper


def gini(counts: ArrayLike, *, generalised: bool = False) -> float:
    """Gini coefficient of crime across places, optionally generalised for sparse counts.

    Parameters
    ----------
    counts : array-like of int
        Crimes in each place (e.g. each LSOA), whole numbers >= 0, one value per place, including
        places with no crime (a place left out is a place ignored).
    generalised : bool, keyword-only
        If True, return the generalised Gini of Bernasco and Steenbeek (2017), which corrects for
        there being fewer crimes than places.

    Returns
    -------
    float
        Between 0 (crime spread evenly) and 1 (all crime in one place, as the number of places
        grows). NaN when there are no crimes at all.

    Raises
    ------
    ValueError
        If ``counts`` is empty, contains missing, negative or fractional values.

    Notes
    -----
    With ``N`` places, ``n`` crimes and counts sorted ascending ``x_(1) <= ... <= x_(N)``, the
    Gini coefficient is ``G = 2 sum_i i x_(i) / (N n) - (N + 1) / N``, which equals the mean
    absolute difference between all pairs of places divided by twice the mean. Its maximum is
    ``(N - 1) / N``. When ``n < N`` even the most even spread leaves ``N - n`` places empty, so
    ``G`` overstates concentration; the generalised Gini rescales it so that the most even spread
    possible scores 0: ``G' = max(1, N / n) (G - 1) + 1`` [1]_. When ``n >= N``, ``G' = G``.

    References
    ----------
    .. [1] Bernasco W, Steenbeek W. More places than crimes: implications for evaluating the law
       of crime concentration at place. J Quant Criminol 2017;33:451-467.

    Examples
    --------
    >>> round(gini([0, 0, 0, 10]), 3)
    0.75
    >>> round(gini([1, 1, 0, 0], generalised=True), 3)
    0.0
    """
    arr = to_float_array(counts, "counts")
    if arr.size == 0:
        raise ValueError("counts must contain at least one place; got an empty sequence")
    if np.any(np.isnan(arr)):
        raise ValueError("counts must not contain missing values; use 0 for places with no crime")
    check_counts(arr, "counts")
    n_places = arr.size
    n_crimes = float(arr.sum())
    if n_crimes == 0:
        return float("nan")
    ranks = np.arange(1, n_places + 1)
    g = 2 * float(np.sum(ranks * np.sort(arr))) / (n_places * n_crimes) - (n_places + 1) / n_places
    if generalised:
        g = max(1.0, n_places / n_crimes) * (g - 1) + 1
    return float(g)
