"""Priority scoring: transparent points for each criterion, a weighted total and a rank.

A community safety partnership chooses its priorities by weighing how much of a problem there
is, how it compares with elsewhere, whether it is getting worse, how harmful it is and how
concentrated it is (the criteria of MoRiLE-style assessments). Each criterion here earns 0 to 3
points by a fixed rule on a published figure; the total is the weighted sum of the points as a
percentage of the most an item could earn. The rules are the module's constants, so that the
report and ``docs/methods.md`` can state them exactly.

The scores order the evidence; they do not decide. A partnership adds what the data cannot
show (vulnerability, community concern, what partners can change).

References
----------
.. [1] National Police Chiefs' Council. MoRiLE (Management of Risk in Law Enforcement) scoring
   matrix: impact, likelihood and organisational position scored on fixed scales.
.. [2] Ashby MPJ. Comparing methods for measuring crime harm/severity. Policing 2018;12:439-454.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats as _sps

from sna.stats.checks import ArrayLike, broadcast, check_counts, check_nonnegative

__all__ = [
    "CONCENTRATION_BANDS",
    "CRITERIA",
    "DEFAULT_WEIGHTS",
    "EXCESS_BANDS",
    "MAX_POINTS",
    "RISE_BANDS",
    "VOLUME_BANDS",
    "banded",
    "benchmark_p_value",
    "check_weights",
    "concentration_points",
    "excess_points",
    "rise_points",
    "score_priorities",
    "volume_points",
]

CRITERIA = ("volume", "benchmark", "peers", "trend", "harm", "concentration")
"""The criteria, in the order the scoring table shows them."""
DEFAULT_WEIGHTS: Mapping[str, float] = dict.fromkeys(CRITERIA, 1.0)
"""Equal weights: no criterion counts for more than another unless the partnership says so."""
MAX_POINTS = 3
"""Every criterion scores 0, 1, 2 or 3 points."""
VOLUME_BANDS = (0.02, 0.05, 0.10)
"""Share of the district's recorded crime at which 1, 2 and 3 points start (2%, 5%, 10%)."""
EXCESS_BANDS = (1.0, 1.25, 1.5)
"""Rate ratio against the benchmark (or peers) at which 1, 2 and 3 points start, when the rate
is significantly higher: above it at all, 25% above, 50% above."""
RISE_BANDS = (0.0, 10.0, 25.0)
"""Significant rise (% a year) at which 1, 2 and 3 points start: any, 10%, 25%."""
CONCENTRATION_BANDS = (0.30, 0.45, 0.60)
"""Share of the crimes in the top 10% of LSOAs at which 1, 2 and 3 points start."""


def banded(
    values: ArrayLike, bands: tuple[float, float, float], *, strict: bool = False
) -> np.ndarray:
    """Points 0-3: how many of the three band starts a value reaches; NaN stays NaN.

    Parameters
    ----------
    values : array-like of float
        The measure (a share, a ratio, a percentage).
    bands : tuple of three floats
        Ascending values at which 1, 2 and 3 points start.
    strict : bool, keyword-only
        If True a value must exceed the first band start (not merely equal it) to score: a rate
        ratio of exactly 1 is not "higher".

    Examples
    --------
    >>> banded([0.01, 0.02, 0.07, 0.4, float("nan")], (0.02, 0.05, 0.10)).tolist()
    [0.0, 1.0, 2.0, 3.0, nan]
    >>> banded([1.0, 1.1], (1.0, 1.25, 1.5), strict=True).tolist()
    [0.0, 1.0]
    """
    arr = np.asarray(values, dtype=float)
    points = np.zeros(arr.shape)
    for i, start in enumerate(bands):
        reached = arr > start if (strict and i == 0) else arr >= start
        points = np.where(reached, i + 1.0, points)
    return np.where(np.isnan(arr), np.nan, points)


def volume_points(share: ArrayLike) -> np.ndarray:
    """Volume: 0 below 2% of the district's crime, 1 from 2%, 2 from 5%, 3 from 10%.

    Examples
    --------
    >>> volume_points([0.011, 0.036, 0.144]).tolist()
    [0.0, 1.0, 3.0]
    """
    return banded(share, VOLUME_BANDS)


def excess_points(ratio: ArrayLike, significant: ArrayLike) -> np.ndarray:
    """Rate against a comparator: 0 unless significantly higher; then 1, 2 from 25% and 3 from 50% above.

    Parameters
    ----------
    ratio : array-like of float
        The area's rate divided by the comparator's (benchmark or peers).
    significant : array-like of bool
        Whether the difference is significant (after controlling the false discovery rate).

    Examples
    --------
    >>> excess_points([1.1, 1.3, 1.6, 1.6, 0.7], [True, True, True, False, True]).tolist()
    [1.0, 2.0, 3.0, 0.0, 0.0]
    """
    points = banded(ratio, EXCESS_BANDS, strict=True)
    flags = np.asarray(significant, dtype=bool)
    return np.where(np.isnan(points), np.nan, np.where(flags, points, 0.0))


def rise_points(*rises: tuple[ArrayLike, ArrayLike]) -> np.ndarray:
    """Trend: the largest significant rise (% a year) among the tests given, in points.

    0 when nothing rose significantly, 1 for a significant rise under 10% a year, 2 from 10%, 3
    from 25%. A significant fall scores 0. NaN only when no test was made at all.

    Parameters
    ----------
    *rises : (array-like of float, array-like of bool)
        Pairs of a percentage change a year and whether it is significant, e.g. the change on
        the previous year and the trend over the years.

    Examples
    --------
    >>> rise_points(([12.0, 30.0, -20.0], [True, False, True]), ([5.0, 40.0, 1.0], [True, True, False])).tolist()
    [2.0, 3.0, 0.0]
    """
    best: np.ndarray | None = None
    tested: np.ndarray | None = None
    for pct, significant in rises:
        p = np.asarray(pct, dtype=float)
        up = np.where(np.asarray(significant, dtype=bool) & (p > 0), p, -np.inf)
        best = up if best is None else np.maximum(best, up)
        made = ~np.isnan(p)
        tested = made if tested is None else tested | made
    if best is None or tested is None:
        raise ValueError("rise_points needs at least one (pct, significant) pair")
    points = np.where(
        np.isfinite(best),
        banded(np.where(np.isfinite(best), best, 0), RISE_BANDS, strict=True),
        0.0,
    )
    return np.where(tested, points, np.nan)


def concentration_points(top_share: ArrayLike, count: ArrayLike, places: ArrayLike) -> np.ndarray:
    """Concentration: share in the top 10% of LSOAs, 1 from 30%, 2 from 45%, 3 from 60%.

    Only scored when there are at least as many crimes as LSOAs: with fewer, the top 10% hold a
    large share whatever the pattern (Bernasco and Steenbeek 2017), so the item gets NaN.

    Examples
    --------
    >>> concentration_points([0.71, 0.35, 0.9], [2122, 500, 17], [84, 84, 68]).tolist()
    [3.0, 1.0, nan]
    """
    arrays, _ = broadcast({"top_share": top_share, "count": count, "places": places})
    enough = arrays["count"] >= arrays["places"]
    return np.where(enough, banded(arrays["top_share"], CONCENTRATION_BANDS), np.nan)


def benchmark_p_value(
    count: ArrayLike,
    expected: ArrayLike,
    *,
    dispersion: ArrayLike | None = None,
    df: ArrayLike | None = None,
) -> np.ndarray:
    """Two-sided p-value that an observed count differs from the count expected at the benchmark rate.

    The test behind :func:`sna.stats.benchmark.compare_with_benchmark` as a p-value, so that a
    report's many comparisons can be adjusted for multiple testing
    (:func:`sna.stats.multiple.benjamini_hochberg`).

    Parameters
    ----------
    count : array-like of int
        Observed count (``O``).
    expected : array-like of float
        Count expected at the benchmark's rate: benchmark rate x the area's population (``E``).
    dispersion, df : array-like, optional, keyword-only
        Extra-Poisson variation of the area's monthly counts and its degrees of freedom
        (:func:`sna.stats.rates.monthly_dispersion`).

    Returns
    -------
    numpy.ndarray
        p-values; NaN where ``E`` is missing or 0.

    Notes
    -----
    Where the dispersion ``phi`` is above 1 and ``O >= 10`` (the quasi-Poisson interval of
    :func:`sna.stats.rates.rate_ci`), ``t = log(O / E) / sqrt(phi / O)`` on ``df`` degrees of
    freedom: the p-value whose 95% level matches that interval excluding the benchmark. Otherwise
    the exact Poisson test, twice the smaller tail of ``Poisson(E)`` at ``O``, capped at 1.

    Examples
    --------
    >>> benchmark_p_value([30], [20.0]).round(4).tolist()  # exact: 2 P(X >= 30 | 20)
    [0.0436]
    >>> benchmark_p_value([300], [250.0], dispersion=[2.0], df=[10]).round(4).tolist()
    [0.0496]
    """
    spread = {} if dispersion is None else {"dispersion": dispersion, "df": df}
    arrays, _ = broadcast({"count": count, "expected": expected, **spread})
    obs = check_counts(arrays["count"], "count")
    exp = check_nonnegative(arrays["expected"], "expected")
    phi = arrays.get("dispersion", np.ones_like(obs))
    dof = arrays.get("df", np.zeros_like(obs))
    out = np.full(obs.shape, np.nan)
    valid = np.isfinite(exp) & (exp > 0)
    quasi = valid & (phi > 1) & (obs >= 10) & (dof >= 1)
    exact = valid & ~quasi
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.log(obs / exp) / np.sqrt(phi / obs)
    out[quasi] = 2 * _sps.t.sf(np.abs(t[quasi]), dof[quasi])
    lower = _sps.poisson.cdf(obs[exact], exp[exact])
    upper = _sps.poisson.sf(obs[exact] - 1, exp[exact])
    out[exact] = np.minimum(1.0, 2 * np.minimum(lower, upper))
    return out


def check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """The criteria weights, complete and valid: every criterion, each a number >= 0, some > 0.

    Raises
    ------
    ValueError
        Naming the unknown criterion or the bad weight.

    Examples
    --------
    >>> check_weights({"harm": 2})["harm"], check_weights({"harm": 2})["volume"]
    (2.0, 1.0)
    """
    out = dict(DEFAULT_WEIGHTS)
    for key, value in weights.items():
        if key not in CRITERIA:
            raise ValueError(f"unknown criterion {key!r}; known: {', '.join(CRITERIA)}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
            raise ValueError(f"weight of {key!r} must be a number of 0 or more; got {value!r}")
        out[key] = float(value)
    if not any(out.values()):
        raise ValueError("at least one criterion weight must be above 0")
    return out


def score_priorities(
    points: pd.DataFrame, weights: Mapping[str, float], *, applies: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Weighted total (0-100) and rank from each item's points per criterion.

    Parameters
    ----------
    points : pandas.DataFrame
        One row per item (crime type, crime group, partner indicator), one column per criterion
        of :data:`CRITERIA` that was assessed, each 0-3 points or NaN where the item could not
        be scored on it (e.g. too few crimes to measure concentration). A criterion missing from
        the frame, or NaN for every item, was not assessed (e.g. no peer data).
    weights : mapping
        Weight of each criterion (:func:`check_weights`).
    applies : pandas.DataFrame of bool, optional, keyword-only
        Same index and columns as ``points``: False where a criterion does not apply to an item
        at all (a partner indicator has no harm band or share of crime). Default: every
        criterion applies to every item.

    Returns
    -------
    pandas.DataFrame
        ``points`` with ``total`` and ``rank`` (1 = highest total; ties share the rank).
        ``attrs["criteria"]``: the criteria assessed; ``attrs["weights"]``: all weights.

    Notes
    -----
    ``total = 100 * sum(w_c * points_c) / (3 * sum(w_c))`` over the criteria assessed that
    apply to the item: the share of the points it could earn. An item with NaN on a criterion
    that applies earns 0 points for it (no evidence, not unknown). A criterion that does not
    apply is left out of the item's sum and of its maximum alike, so an item scored on fewer
    criteria is neither penalised (its maximum is smaller) nor favoured (its points are not
    scaled up beyond the share it earned); this is re-weighting in the sense of the OECD/JRC
    Handbook on Constructing Composite Indicators (2008). An item to which no assessed
    criterion applies has no total and no rank.

    Examples
    --------
    >>> pts = pd.DataFrame({"volume": [3, 1], "harm": [1, 3]}, index=["Shoplifting", "Robbery"])
    >>> score_priorities(pts, {"volume": 1, "harm": 2})[["total", "rank"]].round(1)
                 total  rank
    Shoplifting   55.6     2
    Robbery       77.8     1

    A partner indicator scored on the trend alone, 1 point of 3:

    >>> pts.loc["Sexual offences (partner)"] = [np.nan, np.nan]
    >>> pts["trend"] = [0, 2, 1]
    >>> ok = pd.DataFrame(True, index=pts.index, columns=pts.columns)
    >>> ok.loc["Sexual offences (partner)", ["volume", "harm"]] = False
    >>> score_priorities(pts, {"volume": 1, "harm": 2}, applies=ok)["total"].round(1).tolist()
    [41.7, 75.0, 33.3]
    """
    full = check_weights(weights)
    unknown = [c for c in points.columns if c not in CRITERIA]
    if unknown:
        raise ValueError(f"unknown criterion {unknown[0]!r}; known: {', '.join(CRITERIA)}")
    assessed = [c for c in CRITERIA if c in points.columns and points[c].notna().any()]
    values = points[assessed].astype(float)
    if ((values < 0) | (values > MAX_POINTS)).any().any():
        raise ValueError(f"points must be between 0 and {MAX_POINTS}")
    w = pd.Series({c: full[c] for c in assessed}, dtype=float)
    if applies is None:
        ok = pd.DataFrame(True, index=points.index, columns=assessed)
    else:
        ok = applies.reindex(index=points.index, columns=assessed).fillna(True).astype(bool)
    most = ok.mul(w).sum(axis=1) * MAX_POINTS
    total = values.fillna(0.0).where(ok, 0.0).mul(w).sum(axis=1)
    out = points.copy()
    out["total"] = (100 * total / most).where(most > 0)
    out["rank"] = out["total"].rank(method="min", ascending=False).astype("Int64")
    out.attrs["criteria"] = tuple(assessed)
    out.attrs["weights"] = full
    return out
