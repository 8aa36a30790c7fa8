"""Most similar areas by standardised features, and an area's rate against another area's.

:func:`most_similar` is the transparent "nearest neighbours" method behind most-similar groups
(e.g. the Home Office's Most Similar Groups of Community Safety Partnerships, which use
socio-demographic features of the same kind): every feature is turned into a z-score across all
areas, and the areas nearest the target in Euclidean distance are its peers.
:func:`compare_rates` compares an area's rate with a comparator's (the rest of its county, its
force area, its peers) with a test that allows for month-to-month variation beyond Poisson chance.

References
----------
.. [1] Home Office. Most similar groups (MSG) of Community Safety Partnerships: methodology.
.. [2] Breslow NE, Day NE. Statistical Methods in Cancer Research, vol. II, 1987 (comparing two
   Poisson rates).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as _sps

from sna.stats.change import period_change
from sna.stats.checks import ArrayLike, broadcast, check_conf, check_positive
from sna.stats.rates import rate_ci
from sna.stats.schema import annotate, level_label, per_label

__all__ = ["compare_rates", "most_similar", "standardise"]


def standardise(features: pd.DataFrame) -> pd.DataFrame:
    """z-scores of each column across the rows: ``(x - mean) / standard deviation``.

    The standard deviation is the sample one (``ddof=1``). A column with no spread raises,
    since it cannot tell areas apart.

    Examples
    --------
    >>> standardise(pd.DataFrame({"a": [1.0, 2.0, 3.0]}))["a"].tolist()
    [-1.0, 0.0, 1.0]
    """
    numbers = features.astype(float)
    spread = numbers.std(ddof=1)
    flat = spread.index[~(spread > 0)].tolist()
    if flat:
        raise ValueError(f"features {flat} have no spread across the areas; drop them")
    return (numbers - numbers.mean()) / spread


def most_similar(
    features: pd.DataFrame, target: str, *, k: int = 10, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """The ``k`` areas nearest ``target`` in standardised feature space (Euclidean distance).

    Parameters
    ----------
    features : pandas.DataFrame
        One row per area (indexed by area code), numeric feature columns on the scale to be
        standardised (e.g. log density). Rows with a missing value in ``columns`` are left out
        of the standardisation and the search, and listed in ``attrs["excluded"]``.
    target : str
        Index label of the area whose peers are wanted.
    k : int, keyword-only
        Number of peers, >= 1. Default 10.
    columns : sequence of str, optional, keyword-only
        Feature columns used; default all columns.

    Returns
    -------
    pandas.DataFrame
        The ``k`` nearest areas, nearest first (ties kept in index order): ``rank`` (1 =
        nearest), ``distance`` (Euclidean, in standard deviations), and each feature's z-score
        as ``z_<feature>``. ``attrs``: ``target_z`` (the target's z-scores), ``excluded``,
        ``n_areas`` (areas standardised over), ``columns``.

    Raises
    ------
    ValueError
        If ``target`` is not a row, has a missing feature, ``k`` < 1, or a column is flat.

    Notes
    -----
    Each feature weighs the same after standardisation, so the list of features is the choice
    that matters; correlated features (e.g. density and rurality) count their shared part
    twice. The Mahalanobis distance would remove that but is harder to explain.

    Examples
    --------
    >>> f = pd.DataFrame({"x": [0.0, 1.0, 5.0, 1.5]}, index=["A", "B", "C", "D"])
    >>> most_similar(f, "A", k=2)[["rank", "distance"]].round(3)
       rank  distance
    B     1      0.46
    D     2      0.69
    """
    if k < 1:
        raise ValueError(f"k must be >= 1; got {k}")
    cols = list(features.columns if columns is None else columns)
    if target not in features.index:
        raise ValueError(f"target {target!r} is not among the areas")
    data = features[cols]
    incomplete = data.isna().any(axis=1)
    if incomplete.get(target, False):
        raise ValueError(f"target {target!r} has a missing feature")
    z = standardise(data[~incomplete])
    diff = z - z.loc[target]
    distance = np.sqrt((diff**2).sum(axis=1)).drop(target)
    order = distance.sort_values(kind="stable").index[:k]
    out = pd.DataFrame(
        {"rank": np.arange(1, len(order) + 1), "distance": distance[order]}, index=order
    )
    for c in cols:
        out[f"z_{c}"] = z.loc[order, c]
    out.attrs = {
        "target_z": z.loc[target].to_dict(),
        "excluded": features.index[incomplete].tolist(),
        "n_areas": len(z),
        "columns": cols,
    }
    return out


def compare_rates(
    count: ArrayLike,
    population: ArrayLike,
    other_count: ArrayLike,
    other_population: ArrayLike,
    *,
    per: float = 1000,
    conf: float = 0.95,
    dispersion: ArrayLike = 1.0,
    df: ArrayLike = 0,
    other_dispersion: ArrayLike = 1.0,
    other_df: ArrayLike = 0,
) -> pd.DataFrame:
    """An area's rate against a comparator's: both rates, their ratio and a test of difference.

    Parameters
    ----------
    count, population : array-like
        The area's events (whole numbers >= 0) and population.
    other_count, other_population : array-like
        The comparator's (e.g. the rest of the county, the force area, the pooled peers).
    per : float, keyword-only
        Rates per this many people (e.g. ``1000 * 12 / months`` for an annualised rate).
    conf : float, keyword-only
        Confidence level of the intervals and the test. Default 0.95.
    dispersion, df, other_dispersion, other_df : array-like, keyword-only
        Each side's extra-Poisson variation and its degrees of freedom
        (:func:`sna.stats.rates.monthly_dispersion` of the monthly counts). Default Poisson.

    Returns
    -------
    pandas.DataFrame
        The area's rate in the schema of :func:`sna.stats.rates.rate_ci` (``count``,
        ``denominator``, ``value``, ``lower<L>``, ``upper<L>``, ``method``), the comparator's as
        ``other_count``, ``other_denominator``, ``other_value``, ``other_lower<L>``,
        ``other_upper<L>``, then ``rate_ratio`` (area / comparator), ``rate_ratio_lower<L>``,
        ``rate_ratio_upper<L>``, ``p_value`` and ``significant`` (``p_value < 1 - conf``).

    Notes
    -----
    Where both sides are Poisson-like (dispersion 1, or a count below 10), the test is the
    exact conditional binomial test of two Poisson rates and the interval its Clopper-Pearson
    one (:func:`sna.stats.change.period_change`). Otherwise the log rate ratio has variance
    ``phi_1 / O_1 + phi_2 / O_2`` and is tested with a t test on the smaller of the two degrees
    of freedom (as :func:`sna.stats.benchmark.rank_areas`), the interval
    ``exp(log RR +/- t se)``.

    Examples
    --------
    >>> out = compare_rates(1200, 100_000, 9000, 600_000)
    >>> out[["value", "other_value", "rate_ratio", "significant"]].round(2)
       value  other_value  rate_ratio  significant
    0   12.0         15.0         0.8         True
    """
    conf = check_conf(conf)
    per = check_positive(per, "per")
    arrays, index = broadcast(
        {
            "count": count, "population": population, "other_count": other_count,
            "other_population": other_population, "dispersion": dispersion, "df": df,
            "other_dispersion": other_dispersion, "other_df": other_df,
        }
    )  # fmt: skip
    a = rate_ci(
        arrays["count"], arrays["population"], per=per, conf=conf,
        dispersion=arrays["dispersion"], df=arrays["df"],
    )  # fmt: skip
    b = rate_ci(
        arrays["other_count"], arrays["other_population"], per=per, conf=conf,
        dispersion=arrays["other_dispersion"], df=arrays["other_df"],
    )  # fmt: skip
    label = level_label(conf)
    out = a.copy()
    out.index = index
    for col in ("count", "denominator", "value", f"lower{label}", f"upper{label}"):
        out[f"other_{col}"] = b[col].to_numpy()
    known = (a["value"].notna() & b["value"].notna() & (b["value"] > 0)).to_numpy()
    exact = period_change(
        np.where(known, arrays["other_count"], 0),
        np.where(known, arrays["count"], 0),
        population_before=np.where(known, arrays["other_population"], 1),
        population_after=np.where(known, arrays["population"], 1),
        conf=conf,
    )
    ratio = exact["value"].to_numpy(dtype=float)
    lower = exact[f"lower{label}"].to_numpy(dtype=float)
    upper = exact[f"upper{label}"].to_numpy(dtype=float)
    p = exact["p_value"].to_numpy(dtype=float)
    phi1, phi2 = np.maximum(1.0, arrays["dispersion"]), np.maximum(1.0, arrays["other_dispersion"])
    o1, o2 = arrays["count"], arrays["other_count"]
    dof = np.minimum(arrays["df"], arrays["other_df"])
    quasi = known & ((phi1 > 1) | (phi2 > 1)) & (o1 >= 10) & (o2 >= 10) & (dof >= 1)
    if quasi.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            log_rr = np.log(o1 / arrays["population"]) - np.log(o2 / arrays["other_population"])
            se = np.sqrt(phi1 / o1 + phi2 / o2)
            q = _sps.t.ppf(1 - (1 - conf) / 2, np.maximum(dof, 1))
            p_quasi = 2 * _sps.t.sf(np.abs(log_rr / se), np.maximum(dof, 1))
        ratio = np.where(quasi, np.exp(log_rr), ratio)
        lower = np.where(quasi, np.exp(log_rr - q * se), lower)
        upper = np.where(quasi, np.exp(log_rr + q * se), upper)
        p = np.where(quasi, p_quasi, p)
    out["rate_ratio"] = np.where(known, ratio, np.nan)
    out[f"rate_ratio_lower{label}"] = np.where(known, lower, np.nan)
    out[f"rate_ratio_upper{label}"] = np.where(known, upper, np.nan)
    out["p_value"] = np.where(known, p, np.nan)
    out["significant"] = known & (np.nan_to_num(p, nan=1.0) < 1 - conf)
    return annotate(out, (conf,), per_label(per))
