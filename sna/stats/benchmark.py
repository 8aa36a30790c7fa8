"""Comparison of areas with a benchmark, Fingertips style; funnel-plot limits; ranking.

An area's rate is "higher" than its benchmark (e.g. Oxfordshire, Thames Valley) when the
benchmark rate lies below the area's confidence interval, "lower" when it lies above it, and
"similar" otherwise, at 95% and at 99.8% confidence, as OHID Fingertips does. For crime, lower is
better, but the words stay neutral: "higher", "similar", "lower".

References
----------
.. [1] OHID. Public health technical guidance: comparisons with benchmarks; funnel plots.
   Fingertips, https://fingertips.phe.org.uk/profile/guidance.
.. [2] Spiegelhalter DJ. Funnel plots for comparing institutional performance. Statistics in
   Medicine 2005;24:1185-1202.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special as _spf
from scipy import stats as _sps

from sna.stats.change import period_change
from sna.stats.checks import (
    ArrayLike,
    broadcast,
    check_conf,
    check_counts,
    check_levels,
    check_nonnegative,
    check_positive,
)
from sna.stats.rates import rate_ci
from sna.stats.schema import annotate, level_label, per_label

__all__ = ["compare_with_benchmark", "funnel_limits", "overdispersion", "rank_areas"]

NOT_COMPARED = "not compared"
LEVELS = (0.95, 0.998)
"""The confidence levels of :func:`compare_with_benchmark`, as in Fingertips."""


def compare_with_benchmark(
    count: ArrayLike,
    population: ArrayLike,
    benchmark_count: ArrayLike,
    benchmark_population: ArrayLike,
    *,
    per: float = 1000,
    exclude_area: bool = False,
    dispersion: ArrayLike | None = None,
    df: ArrayLike | None = None,
) -> pd.DataFrame:
    """Compare each area's rate with a benchmark rate at 95% and 99.8% confidence.

    Parameters
    ----------
    count, population : array-like
        Events (whole numbers >= 0) and population of each area (e.g. each district).
    benchmark_count, benchmark_population : scalar or array-like
        Events and population of the benchmark area (e.g. the county), one value or one per area.
    per : float, keyword-only
        Rates are per this many people. Default 1,000.
    exclude_area : bool, keyword-only
        If False (default, the Fingertips practice) the benchmark is the whole benchmark area,
        which usually includes the area itself. If True, the area's events and population are
        first taken out of the benchmark, so the area is compared with the rest of it.
    dispersion, df : array-like, optional, keyword-only
        Each area's extra-Poisson variation and its degrees of freedom (from
        :func:`sna.stats.rates.monthly_dispersion` of its monthly counts): its intervals, and so
        the comparison, allow for month-to-month variation beyond Poisson chance (see
        :func:`sna.stats.rates.rate_ci`).

    Returns
    -------
    pandas.DataFrame
        Indexed like a Series argument, with the columns of :func:`sna.stats.rates.rate_ci` at
        95% and 99.8%: ``count``, ``denominator`` (the population), ``value`` (the rate),
        ``lower95``, ``upper95``, ``lower998``, ``upper998`` (per ``per``; PHE method) and
        ``method`` (the method of the 95% interval); then ``benchmark_value`` (the benchmark's
        rate per ``per``), and ``compare95``, ``compare998``: "higher", "similar", "lower", or
        "not compared" when either rate cannot be computed (population 0 or missing).
        ``attrs["confidence"]`` is ``(0.95, 0.998)``.

    Raises
    ------
    ValueError
        As :func:`sna.stats.rates.rate_ci`; also if ``exclude_area`` leaves a negative remainder.

    Notes
    -----
    The benchmark rate is treated as fixed, as in Fingertips: only the area's interval is used,
    and a benchmark on the interval's edge counts as "similar". When the area is part of the
    benchmark (a district within its county), the benchmark is pulled towards the area, so the
    comparison is slightly conservative: the larger the area's share of the benchmark, the more
    so. Use ``exclude_area=True`` to compare with the rest of the benchmark instead, and say so.

    Examples
    --------
    >>> out = compare_with_benchmark([4200, 9100], [110_000, 162_000], 38_000, 740_000)
    >>> out[["value", "benchmark_value", "compare95", "compare998"]].round(1)
       value  benchmark_value compare95 compare998
    0   38.2             51.4     lower      lower
    1   56.2             51.4    higher     higher
    """
    per = check_positive(per, "per")
    arrays, index = broadcast(
        {
            "count": count,
            "population": population,
            "benchmark_count": benchmark_count,
            "benchmark_population": benchmark_population,
        }
    )
    spread = {} if dispersion is None else {"dispersion": dispersion, "df": df}
    out = rate_ci(arrays["count"], arrays["population"], per=per, conf=LEVELS, **spread)
    out.index = index
    bench_count = arrays["benchmark_count"]
    bench_pop = arrays["benchmark_population"]
    if exclude_area:
        bench_count = bench_count - arrays["count"]
        bench_pop = bench_pop - arrays["population"]
        if np.any(bench_count < 0) or np.any(bench_pop < 0):
            raise ValueError(
                "benchmark_count and benchmark_population must include the area when "
                "exclude_area=True; the remainder was negative"
            )
    bench = rate_ci(bench_count, bench_pop, per=per)["value"].to_numpy()
    out["benchmark_value"] = bench
    for level in LEVELS:
        label = level_label(level)
        lower, upper = out[f"lower{label}"].to_numpy(), out[f"upper{label}"].to_numpy()
        out[f"compare{label}"] = _compare(bench, lower, upper)
    return annotate(out, LEVELS, per_label(per))


def _compare(benchmark: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """'higher' when the benchmark is below the interval, 'lower' when above, else 'similar'."""
    known = ~(np.isnan(benchmark) | np.isnan(lower) | np.isnan(upper))
    with np.errstate(invalid="ignore"):
        result = np.select(
            [~known, benchmark < lower, benchmark > upper],
            [NOT_COMPARED, "higher", "lower"],
            default="similar",
        )
    return result.astype(object)


def overdispersion(
    count: ArrayLike,
    population: ArrayLike,
    benchmark_rate: float,
    *,
    per: float = 1000,
    winsor: float = 0.1,
) -> pd.Series:
    """How much areas' rates vary around a benchmark beyond Poisson chance (Spiegelhalter 2005).

    Parameters
    ----------
    count, population : array-like
        Events and population of each area (e.g. the districts on a funnel plot).
    benchmark_rate : float
        The benchmark (target) rate per ``per``.
    per : float, keyword-only
        Rates are per this many people. Default 1,000.
    winsor : float, keyword-only
        Share of z-scores pulled in at each end before estimating (0.1: the 10th and 90th
        percentiles, as Spiegelhalter and OHID do); with fewer than 10 areas nothing is pulled
        in. Default 0.1.

    Returns
    -------
    pandas.Series
        ``n_areas``, ``phi`` (mean squared z-score: 1 under Poisson variation), ``tau2`` (the
        additive between-area variance of the rate, per ``per`` squared; 0 when ``phi`` is at
        most ``(n - 1) / n``), ``overdispersed`` (``tau2 > 0``) and ``method``.

    Notes
    -----
    With ``s_i^2 = benchmark * per / n_i`` the Poisson variance of area i's rate and
    ``z_i = (r_i - benchmark) / s_i``, ``phi = mean(z_w^2)`` over the winsorised z-scores. The
    additive random-effects variance is ``tau2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w)``
    with ``w_i = 1 / s_i^2`` [1]_, the DerSimonian-Laird estimate when the benchmark is the
    areas' pooled rate. Control limits are then ``benchmark +/- z sqrt(s_i^2 + tau2)``.

    References
    ----------
    .. [1] Spiegelhalter DJ. Handling over-dispersion of performance indicators. Qual Saf Health
       Care 2005;14:347-351.

    Examples
    --------
    >>> od = overdispersion([3200, 9800, 2900, 3100, 1900], [161_013, 162_030, 149_061,
    ...                      138_909, 114_262], 28.0)
    >>> bool(od["overdispersed"]), round(float(od["tau2"]), 1)
    (True, 366.1)
    """
    per = check_positive(per, "per")
    arrays, _ = broadcast({"count": count, "population": population})
    cnt = check_counts(arrays["count"], "count")
    pop = check_nonnegative(arrays["population"], "population")
    usable = ~np.isnan(cnt) & (pop > 0)
    cnt, pop = cnt[usable], pop[usable]
    n = int(cnt.size)
    rate = float(benchmark_rate)
    out: dict[str, object] = {
        "n_areas": n, "phi": np.nan, "tau2": 0.0, "overdispersed": False,
        "method": "Spiegelhalter (2005) additive random effects, winsorised z-scores",
    }  # fmt: skip
    if n < 2 or not np.isfinite(rate) or rate <= 0:
        return pd.Series(out)
    s2 = rate * per / pop
    z = (cnt / pop * per - rate) / np.sqrt(s2)
    k = int(np.floor(winsor * n))
    if k:
        ordered = np.sort(z)
        z = np.clip(z, ordered[k], ordered[n - 1 - k])
    phi = float(np.mean(z**2))
    w = 1 / s2
    tau2 = max(0.0, (n * phi - (n - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    return pd.Series(out | {"phi": phi, "tau2": tau2, "overdispersed": tau2 > 0})


def funnel_limits(
    benchmark_rate: float,
    populations: ArrayLike,
    *,
    per: float = 1000,
    levels: Sequence[float] = (0.95, 0.998),
    tau2: float = 0.0,
) -> pd.DataFrame:
    """Funnel-plot control limits around a benchmark rate, exact Poisson or overdispersed.

    Parameters
    ----------
    benchmark_rate : float
        The benchmark rate per ``per`` (e.g. the county's crimes per 1,000), >= 0.
    populations : array-like
        Populations at which to compute the limits (the x-axis of the funnel plot). Use the
        areas' populations, or a grid such as ``numpy.geomspace(1_000, 200_000, 200)`` for
        smooth lines.
    per : float, keyword-only
        Rates are per this many people. Default 1,000.
    levels : sequence of float, keyword-only
        Confidence levels of the limits, each in (0, 1). Default (0.95, 0.998).
    tau2 : float, keyword-only
        Between-area variance of the rate beyond Poisson chance (per ``per`` squared), from
        :func:`overdispersion`. When above 0 the limits are Spiegelhalter's
        overdispersion-adjusted ones, ``benchmark +/- z sqrt(benchmark * per / population +
        tau2)``; at 0 (the default), exact Poisson limits.

    Returns
    -------
    pandas.DataFrame
        One row per population (sorted as given), with columns ``population``, ``expected``
        (events expected at the benchmark rate), ``benchmark_rate``, and for each level
        ``lower95``/``upper95``, ``lower998``/``upper998``, ... (rates per ``per``; the label is
        :func:`sna.stats.schema.level_label` of the level). Missing where the population is 0 or
        missing. ``attrs["confidence"]`` holds the levels.

    Raises
    ------
    ValueError
        If ``benchmark_rate`` or a population is negative, or a level is not in (0, 1).

    Notes
    -----
    With ``E = benchmark_rate * population / per`` expected events, the upper limit is the
    (continuous) count ``O`` whose exact lower confidence limit, ``chi2(alpha/2, 2O) / 2``, equals
    ``E``, and the lower limit the count whose exact upper limit, ``chi2(1 - alpha/2, 2O + 2) / 2``,
    equals ``E`` (0 when even no events would not be significantly low). An area plotted outside
    the limits is thus exactly one whose exact interval excludes the benchmark, as in the
    PHEindicatormethods funnel limits for ratios [1]_, [2]_. For counts of 10 or more
    :func:`compare_with_benchmark` uses Byar's approximation, which agrees to within 0.2% (95%).

    Examples
    --------
    >>> funnel_limits(50.0, [10_000, 100_000]).round(1)
       population  expected  benchmark_rate  lower95  upper95  lower998  upper998
    0     10000.0     500.0            50.0     45.6     54.5      43.2      57.1
    1    100000.0    5000.0            50.0     48.6     51.4      47.8      52.2
    """
    per = check_positive(per, "per")
    tau2 = float(tau2)
    if not np.isfinite(tau2) or tau2 < 0:
        raise ValueError(f"tau2 must be a finite number >= 0; got {tau2!r}")
    rate = float(benchmark_rate)
    if not np.isfinite(rate) or rate < 0:
        raise ValueError(f"benchmark_rate must be a finite number >= 0; got {benchmark_rate!r}")
    arrays, index = broadcast({"population": populations})
    pop = arrays["population"]
    if np.any(pop[~np.isnan(pop)] < 0):
        raise ValueError(f"populations must be >= 0; got {np.nanmin(pop):g}")
    confs = check_levels(levels, "levels")
    expected = rate * pop / per
    usable = pop > 0
    out = pd.DataFrame(
        {"population": pop, "expected": expected, "benchmark_rate": rate}, index=index
    )
    for conf in confs:
        alpha = 1 - conf
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(usable, per / pop, np.nan)
        if tau2 > 0:  # Spiegelhalter (2005): additive random effects, normal approximation
            z = float(_sps.norm.ppf(1 - alpha / 2))
            with np.errstate(divide="ignore", invalid="ignore"):
                half = np.where(usable, z * np.sqrt(rate * per / pop + tau2), np.nan)
            lower, upper = np.clip(rate - half, 0, None), rate + half
        else:
            # Upper limit O: exact lower limit of O equals E, i.e. P(Gamma(O) <= E) = alpha/2.
            upper = _solve_shape(expected, alpha / 2) * scale
            # Lower limit O: exact upper limit of O equals E: P(Gamma(O+1) <= E) = 1 - alpha/2.
            lower = np.clip(_solve_shape(expected, 1 - alpha / 2) - 1, 0, None) * scale
        label = level_label(conf)
        out[f"lower{label}"] = lower
        out[f"upper{label}"] = upper
    out.attrs["overdispersion_adjusted"] = tau2 > 0
    return annotate(out, confs, per_label(per))


def _solve_shape(expected: np.ndarray, prob: float) -> np.ndarray:
    """Shape ``s`` with ``P(Gamma(s, 1) <= expected) = prob``, by vectorised bisection.

    ``P(Gamma(s) <= E)`` falls as ``s`` grows, so the root is bracketed by 0 and a value well
    above ``E``. Missing where ``expected`` is missing or 0.
    """
    e = np.where(np.isnan(expected) | (expected <= 0), np.nan, expected)
    lo = np.zeros_like(e)
    hi = np.where(np.isnan(e), np.nan, e + 12 * np.sqrt(e) + 30)
    with np.errstate(invalid="ignore"):
        for _ in range(200):
            mid = (lo + hi) / 2
            above = _spf.gammainc(np.maximum(mid, 1e-300), e) > prob
            lo = np.where(above, mid, lo)
            hi = np.where(above, hi, mid)
    return (lo + hi) / 2


def rank_areas(
    count: ArrayLike,
    population: ArrayLike,
    *,
    per: float = 1000,
    conf: float = 0.95,
    dispersion: ArrayLike | None = None,
    df: ArrayLike | None = None,
) -> pd.DataFrame:
    """Rank areas by rate, and test each against the next-ranked area.

    Parameters
    ----------
    count, population : array-like (Series indexed by area name, ideally)
        Events and population of each area.
    per : float, keyword-only
        Rates are per this many people. Default 1,000.
    conf : float, keyword-only
        Confidence level for the rate intervals and the tests. Default 0.95.
    dispersion, df : array-like, optional, keyword-only
        Each area's extra-Poisson variation and its degrees of freedom
        (:func:`sna.stats.rates.monthly_dispersion`). When given, the test against the next
        area is a t test of the log rate ratio with variance ``phi_a / count_a + phi_b /
        count_b`` on the smaller of the two areas' degrees of freedom (exact where both are
        Poisson-like, ``phi = 1``), and the intervals are quasi-Poisson.

    Returns
    -------
    pandas.DataFrame
        Areas sorted from highest to lowest rate, with the columns of
        :func:`sna.stats.rates.rate_ci` (``count``, ``denominator``, ``value`` (the rate),
        ``lower<L>``, ``upper<L>`` (per ``per``; ``lower95``, ``upper95`` at 0.95), ``method``),
        then ``rank`` (1 = highest rate; ties share the lower rank; missing for areas without a
        rate), ``p_next`` (exact conditional test of this area's rate against the next-ranked
        area's) and ``differs_from_next`` (True when that test is significant at ``conf``). Areas
        without a rate come last. ``attrs["confidence"]`` is ``(conf,)``.

    Notes
    -----
    "Oxford has the highest rate" is a fact about the point estimates; whether it is clearly
    highest is the test against the runner-up (``differs_from_next`` on rank 1). The test is the
    one in :func:`sna.stats.change.period_change`, with the two areas in place of the two periods.

    Examples
    --------
    >>> counts = pd.Series({"Oxford": 14_000, "Cherwell": 9_500, "West Oxfordshire": 4_800})
    >>> pops = pd.Series({"Oxford": 162_000, "Cherwell": 161_000, "West Oxfordshire": 114_000})
    >>> rank_areas(counts, pops)[["value", "rank", "differs_from_next"]].round(1)
                      value  rank  differs_from_next
    Oxford             86.4     1               True
    Cherwell           59.0     2               True
    West Oxfordshire   42.1     3              False
    """
    conf = check_conf(conf)
    spread = {} if dispersion is None else {"dispersion": dispersion, "df": df}
    table = rate_ci(count, population, per=per, conf=conf, **spread)
    attrs = dict(table.attrs)
    if dispersion is not None:
        arrays, _ = broadcast({"count": count, "dispersion": dispersion, "df": df})
        table["dispersion"], table["df"] = arrays["dispersion"], arrays["df"]
    table = table.sort_values("value", ascending=False, na_position="last", kind="stable")
    table["rank"] = table["value"].rank(ascending=False, method="min").astype("Int64")
    nxt = table.shift(-1)
    has_next = nxt["value"].notna() & table["value"].notna()
    test = period_change(
        nxt["count"].where(has_next, 0).to_numpy(),
        table["count"].where(has_next, 0).to_numpy(),
        population_before=nxt["denominator"].where(has_next, 1).to_numpy(),
        population_after=table["denominator"].where(has_next, 1).to_numpy(),
        conf=conf,
    )
    p_next = test["p_value"].to_numpy()
    if dispersion is not None:
        phi = np.maximum(1.0, table["dispersion"].to_numpy())
        quasi = has_next.to_numpy() & ((phi > 1) | (nxt["dispersion"].to_numpy() > 1))
        with np.errstate(divide="ignore", invalid="ignore"):
            log_rr = np.log(table["value"].to_numpy() / nxt["value"].to_numpy())
            se = np.sqrt(
                phi / table["count"].to_numpy()
                + nxt["dispersion"].to_numpy() / nxt["count"].to_numpy()
            )
            dof = np.minimum(table["df"].to_numpy(), nxt["df"].to_numpy())
            quasi_p = 2 * _sps.t.sf(np.abs(log_rr / se), np.maximum(dof, 1))
        p_next = np.where(quasi & (dof >= 1), quasi_p, p_next)
    table["p_next"] = np.where(has_next, p_next, np.nan)
    table["differs_from_next"] = has_next.to_numpy() & (np.nan_to_num(p_next, nan=1.0) < 1 - conf)
    table.attrs = attrs
    return table
