"""Deprivation and crime at LSOA level: correlation, rate ratio, deprived hotspots.

Each function takes an LSOA-level frame with columns ``lsoa_code``, ``count`` (events),
``population`` and ``decile`` (1 = most deprived, 10 = least, as in the English Indices of
Deprivation), and the name of the deprivation ``domain`` the deciles come from, which every
output carries.

The Index of Multiple Deprivation contains a Crime domain, so relating crime to the IMD (or to
the Crime domain) is partly circular: by default use the Income domain, and every output warns
when the domain is "IMD" or "Crime".

References
----------
.. [1] Ministry of Housing, Communities and Local Government. The English Indices of Deprivation
   2019: technical report (domains and their indicators).
.. [2] Bonett DG, Wright TA. Sample size requirements for estimating Pearson, Kendall and
   Spearman correlations. Psychometrika 2000;65:23-28.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as _sps

from sna.stats.checks import check_conf, check_counts, check_nonnegative, check_positive
from sna.stats.rates import rate_ci
from sna.stats.schema import annotate, interval_columns
from sna.stats.trends import rate_ratio_glm

__all__ = ["deprivation_correlation", "deprivation_rate_ratio", "deprived_hotspots"]

REQUIRED = ("lsoa_code", "count", "population", "decile")
CIRCULAR_DOMAINS = frozenset({"IMD", "Crime"})
_GROUPINGS = (
    ("decile 1 vs decile 10", (1,), (10,)),
    ("quintile 1 (deciles 1-2) vs quintile 5 (deciles 9-10)", (1, 2), (9, 10)),
)


def _domain_note(domain: str) -> str:
    if domain in CIRCULAR_DOMAINS:
        return (
            f"the {domain} measure includes recorded crime, so relating crime to it is partly "
            "circular; prefer the Income domain"
        )
    return ""


def _prepare(frame: pd.DataFrame, domain: str) -> tuple[pd.DataFrame, int]:
    """Validated copy with usable rows only (population > 0, decile known); rows dropped."""
    if not isinstance(domain, str) or not domain:
        raise ValueError(f"domain must name the deprivation domain, e.g. 'Income'; got {domain!r}")
    missing = [col for col in REQUIRED if col not in frame.columns]
    if missing:
        raise ValueError(f"frame must have columns {list(REQUIRED)}; missing {missing}")
    if frame["lsoa_code"].duplicated().any():
        dup = frame.loc[frame["lsoa_code"].duplicated(), "lsoa_code"].iloc[0]
        raise ValueError(f"lsoa_code must be unique; {dup!r} appears more than once")
    count = check_counts(frame["count"].to_numpy(dtype=float, na_value=np.nan), "count")
    pop = check_nonnegative(
        frame["population"].to_numpy(dtype=float, na_value=np.nan), "population"
    )
    decile = frame["decile"].to_numpy(dtype=float, na_value=np.nan)
    known = decile[~np.isnan(decile)]
    if np.any((known < 1) | (known > 10) | (known != np.round(known))):
        raise ValueError(
            f"decile must be a whole number from 1 to 10; got {known[(known < 1) | (known > 10) | (known != np.round(known))][0]:g}"
        )
    clean = pd.DataFrame(
        {
            "lsoa_code": frame["lsoa_code"].to_numpy(),
            "count": count,
            "population": pop,
            "decile": decile,
        },
        index=frame.index,
    )
    usable = clean["count"].notna() & (clean["population"] > 0) & clean["decile"].notna()
    return clean[usable].copy(), int((~usable).sum())


def deprivation_correlation(
    frame: pd.DataFrame, *, domain: str = "Income", conf: float = 0.95
) -> pd.Series:
    """Spearman correlation between LSOA crime rate and deprivation, with its interval.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per LSOA: ``lsoa_code``, ``count``, ``population``, ``decile`` (1 = most
        deprived). LSOAs with a missing count or decile, or no population, are left out.
    domain : str, keyword-only
        The deprivation domain the deciles come from. Default "Income".
    conf : float, keyword-only
        Confidence level. Default 0.95.

    Returns
    -------
    pandas.Series
        ``domain``, ``n_lsoas``, ``n_excluded``, ``value`` (Spearman's rho; positive: more
        deprived LSOAs have higher crime rates), ``lower<L>``, ``upper<L>`` (its interval; ``L``
        from :func:`sna.stats.schema.level_label`, e.g. ``lower95``, ``upper95``), ``p_value``
        (two-sided, no correlation), ``significant`` (interval excludes 0), ``conf``, ``method``
        and ``note``. Missing estimates with fewer than 4 LSOAs.

    Notes
    -----
    ``value`` is Spearman's rank correlation between the crime rate and deprivation (``-decile``,
    with ties given mid-ranks). The interval uses Fisher's z-transformation with the standard
    error ``sqrt((1 + rho^2 / 2) / (n - 3))`` of Bonett and Wright [2]_; the p-value is
    scipy's (t distribution on ``n - 2`` df). A correlation across LSOAs describes areas, not
    people, and does not show that deprivation causes crime.

    Examples
    --------
    >>> lsoas = pd.DataFrame({"lsoa_code": list("abcdef"), "count": [90, 70, 40, 30, 20, 10],
    ...                       "population": [1500] * 6, "decile": [1, 2, 4, 6, 8, 10]})
    >>> r = deprivation_correlation(lsoas)
    >>> r["domain"], round(float(r["value"]), 2)
    ('Income', 1.0)
    """
    conf = check_conf(conf)
    clean, excluded = _prepare(frame, domain)
    n = len(clean)
    lower_col, upper_col = interval_columns([conf])
    out = {
        "domain": domain,
        "n_lsoas": n,
        "n_excluded": excluded,
        "value": np.nan,
        lower_col: np.nan,
        upper_col: np.nan,
        "p_value": np.nan,
        "significant": False,
        "conf": conf,
        "method": (
            "Spearman rank correlation of crime rate with deprivation (decile reversed); "
            "Fisher z interval with Bonett-Wright standard error"
        ),
        "note": _domain_note(domain),
    }
    rate = clean["count"] / clean["population"]
    if n < 4 or rate.nunique() < 2 or clean["decile"].nunique() < 2:
        reason = "fewer than 4 LSOAs" if n < 4 else "no variation in rate or decile"
        out["note"] = "; ".join(filter(None, [f"not estimable: {reason}", str(out["note"])]))
        return pd.Series(out)
    res = _sps.spearmanr(rate.to_numpy(), -clean["decile"].to_numpy())
    rho = float(res.statistic)
    z = float(_sps.norm.ppf(1 - (1 - conf) / 2))
    se = math.sqrt((1 + rho**2 / 2) / (n - 3))
    centre = math.atanh(min(max(rho, -1 + 1e-15), 1 - 1e-15))
    lower, upper = math.tanh(centre - z * se), math.tanh(centre + z * se)
    out |= {
        "value": rho,
        lower_col: lower,
        upper_col: upper,
        "p_value": float(res.pvalue),
        "significant": bool(lower > 0 or upper < 0),
    }
    return pd.Series(out)


def deprivation_rate_ratio(
    frame: pd.DataFrame,
    *,
    domain: str = "Income",
    family: str = "quasi-poisson",
    conf: float = 0.95,
    per: float = 1000,
    min_lsoas: int = 5,
) -> pd.Series:
    """Rate ratio of crime in the most against the least deprived LSOAs, from a count model.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per LSOA: ``lsoa_code``, ``count``, ``population``, ``decile`` (1 = most
        deprived).
    domain : str, keyword-only
        The deprivation domain the deciles come from. Default "Income".
    family : {"quasi-poisson", "poisson", "negative-binomial"}, keyword-only
        Count model (see :func:`sna.stats.trends.rate_ratio_glm`). Default "quasi-poisson".
    conf : float, keyword-only
        Confidence level. Default 0.95.
    per : float, keyword-only
        Rates are per this many residents. Default 1,000.
    min_lsoas : int, keyword-only
        Fewest LSOAs each group needs. Decile 1 is compared with decile 10 when both have this
        many LSOAs with at least one event in total; otherwise quintiles (deciles 1-2 against
        9-10). Default 5.

    Returns
    -------
    pandas.Series
        ``domain``, ``comparison`` (e.g. "decile 1 vs decile 10"), ``rate_most``,
        ``rate_least`` (pooled rates per ``per``), ``value`` (the rate ratio), ``lower<L>``,
        ``upper<L>`` (its interval; ``L`` from :func:`sna.stats.schema.level_label`, e.g.
        ``lower95``, ``upper95``), ``p_value``, ``significant``, ``n_most``, ``n_least``
        (LSOAs), ``family``, ``conf``, ``method`` and ``note``. Estimates are missing, with a note, when neither deciles nor quintiles have
        enough LSOAs.

    Notes
    -----
    The model is fitted to the LSOAs of the two groups only:
    ``log E[count] = log(population) + b0 + b1 * most_deprived``; the rate ratio is ``exp(b1)``,
    which for the Poisson family equals the ratio of the pooled rates. The quasi-Poisson and
    negative binomial families widen the interval for variation between LSOAs.

    Examples
    --------
    >>> lsoas = pd.DataFrame({"lsoa_code": [f"E0{i}" for i in range(20)],
    ...                       "count": [60, 70, 65, 55, 62, 58, 61, 64, 66, 59] + [20] * 10,
    ...                       "population": [1500] * 20, "decile": [1] * 10 + [10] * 10})
    >>> r = deprivation_rate_ratio(lsoas)
    >>> r["comparison"], round(float(r["value"]), 2)
    ('decile 1 vs decile 10', 3.1)
    """
    conf = check_conf(conf)
    per = check_positive(per, "per")
    clean, _ = _prepare(frame, domain)
    lower_col, upper_col = interval_columns([conf])
    out: dict[str, object] = {
        "domain": domain,
        "comparison": "",
        "rate_most": np.nan,
        "rate_least": np.nan,
        "value": np.nan,
        lower_col: np.nan,
        upper_col: np.nan,
        "p_value": np.nan,
        "significant": False,
        "n_most": 0,
        "n_least": 0,
        "family": family,
        "conf": conf,
        "method": "",
        "note": "",
    }
    notes = [_domain_note(domain)]
    for label, most, least in _GROUPINGS:
        in_most = clean["decile"].isin(most)
        in_least = clean["decile"].isin(least)
        out |= {"comparison": label, "n_most": int(in_most.sum()), "n_least": int(in_least.sum())}
        if all(
            sel.sum() >= min_lsoas and clean.loc[sel, "count"].sum() > 0
            for sel in (in_most, in_least)
        ):
            break
    else:
        notes.insert(
            0,
            f"too few LSOAs: fewer than {min_lsoas} with crime in the most or the least deprived "
            "quintile",
        )
        return pd.Series(out | {"note": "; ".join(filter(None, notes))})
    both = in_most | in_least
    fit = rate_ratio_glm(
        clean.loc[both, "count"],
        clean.loc[both, "population"],
        in_most[both].astype(float),
        family=family,
        conf=conf,
    )
    notes.insert(0, str(fit["note"]))
    pooled = {
        key: per * clean.loc[sel, "count"].sum() / clean.loc[sel, "population"].sum()
        for key, sel in (("rate_most", in_most), ("rate_least", in_least))
    }
    return pd.Series(
        out
        | pooled
        | {
            "value": fit["value"],
            lower_col: fit[lower_col],
            upper_col: fit[upper_col],
            "p_value": fit["p_value"],
            "significant": bool(fit["p_value"] < 1 - conf),
            "method": fit["method"],
            "note": "; ".join(filter(None, notes)),
        }
    )


def deprived_hotspots(
    frame: pd.DataFrame,
    *,
    domain: str = "Income",
    top_share: float = 0.1,
    deciles: Sequence[int] = (1, 2),
    per: float = 1000,
    conf: float = 0.95,
) -> pd.DataFrame:
    """LSOAs that are both high-crime (top ``top_share`` by rate) and highly deprived.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per LSOA: ``lsoa_code``, ``count``, ``population``, ``decile`` (1 = most
        deprived); other columns (e.g. ``lsoa_name``) are kept.
    domain : str, keyword-only
        The deprivation domain the deciles come from. Default "Income".
    top_share : float, keyword-only
        Share of LSOAs counted as high-rate, in (0, 1]. Default 0.1 (the top 10%).
    deciles : sequence of int, keyword-only
        Deciles counted as highly deprived. Default (1, 2), the most deprived 20% nationally.
    per : float, keyword-only
        Rates are per this many residents. Default 1,000.
    conf : float, keyword-only
        Confidence level of the rate intervals. Default 0.95.

    Returns
    -------
    pandas.DataFrame
        The qualifying LSOAs, highest rate first, with the input columns plus ``value`` (the
        rate), ``lower<L>``, ``upper<L>`` (its interval; ``lower95``, ``upper95`` at 0.95; per
        ``per``, PHE method, see :func:`sna.stats.rates.rate_ci`), ``above_average`` (True when
        the lower limit is above the rate of all LSOAs together) and ``domain``. Empty (same
        columns) if none. ``attrs["confidence"]`` is ``(conf,)``.

    Notes
    -----
    High-rate means a rate at or above that of the ``ceil(top_share * N)``-th highest of the
    ``N`` LSOAs with residents (ties at the boundary are all kept). Residential population is a
    poor denominator where few people live but many visit (town centres), so read a high rate
    with the LSOA's character in mind.

    Examples
    --------
    >>> lsoas = pd.DataFrame({"lsoa_code": list("abcdefghij"), "count": [90] + [20] * 9,
    ...                       "population": [1500] * 10, "decile": [1] + [5] * 9})
    >>> deprived_hotspots(lsoas)["lsoa_code"].tolist()
    ['a']
    """
    conf = check_conf(conf)
    per = check_positive(per, "per")
    if not 0 < top_share <= 1:
        raise ValueError(f"top_share must be in (0, 1]; got {top_share!r}")
    clean, _ = _prepare(frame, domain)
    ci = rate_ci(clean["count"], clean["population"], per=per, conf=conf)
    result = frame.loc[clean.index].copy()
    lower_col, upper_col = interval_columns([conf])
    estimate = ["value", lower_col, upper_col]
    result[estimate] = ci[estimate].to_numpy()
    overall = per * clean["count"].sum() / clean["population"].sum() if len(clean) else np.nan
    result["above_average"] = result[lower_col] > overall
    result["domain"] = domain
    if result.empty:
        return annotate(result, [conf], ci.attrs["statistic"])
    k = max(1, math.ceil(top_share * len(result) - 1e-9))
    cutoff = result["value"].nlargest(k).iloc[-1]
    chosen = (
        (result["value"] >= cutoff) & (result["value"] > 0) & clean["decile"].isin(list(deciles))
    )
    hotspots = result[chosen].sort_values(["value", "lsoa_code"], ascending=[False, True])
    return annotate(hotspots, [conf], ci.attrs["statistic"])
