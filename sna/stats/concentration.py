"""Crime concentration and hotspots: share in the top places, Gini, top areas, persistence.

References
----------
.. [1] Weisburd D. The law of crime concentration and the criminology of place. Criminology
   2015;53:133-157.
.. [2] Bernasco W, Steenbeek W. More places than crimes: implications for evaluating the law of
   crime concentration at place. J Quant Criminol 2017;33:451-467.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sna.stats.checks import ArrayLike, check_conf, check_counts, to_float_array
from sna.stats.rates import gini, rate_ci
from sna.stats.schema import annotate, interval_columns

__all__ = ["concentration_summary", "persistent_hotspots", "share_in_top", "top_areas"]


def _top_k(n_places: int, share: float) -> int:
    """Number of places in the top ``share``: ceil(share * N), at least 1."""
    return max(1, math.ceil(share * n_places - 1e-9))


def _check_share(share: float, name: str) -> float:
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
        raise ValueError(f"{name} must be a fraction in (0, 1], e.g. 0.1; got {share!r}")
    return float(share)


def _place_counts(counts: ArrayLike) -> np.ndarray:
    arr = to_float_array(counts, "counts")
    if arr.size == 0:
        raise ValueError("counts must contain at least one place; got an empty sequence")
    if np.any(np.isnan(arr)):
        raise ValueError("counts must not contain missing values; use 0 for places with no crime")
    return check_counts(arr, "counts")


def share_in_top(counts: ArrayLike, share: float) -> float:
    """Fraction of all crime recorded in the top ``share`` of places.

    Parameters
    ----------
    counts : array-like of int
        Crimes in each place (e.g. each LSOA), including places with none.
    share : float
        Fraction of places, in (0, 1], e.g. 0.05 for the top 5%.

    Returns
    -------
    float
        Fraction (0 to 1) of crimes in the ``ceil(share * N)`` places with most crime; NaN if
        there is no crime.

    Examples
    --------
    >>> share_in_top([50, 10, 10, 10, 5, 5, 4, 3, 2, 1], 0.1)
    0.5
    """
    share = _check_share(share, "share")
    arr = _place_counts(counts)
    total = arr.sum()
    if total == 0:
        return float("nan")
    top = np.sort(arr)[::-1][: _top_k(arr.size, share)]
    return float(top.sum() / total)


def concentration_summary(
    counts: ArrayLike, *, shares: Sequence[float] = (0.05, 0.10)
) -> pd.Series:
    """How concentrated crime is across places: top shares, Gini and generalised Gini.

    Parameters
    ----------
    counts : array-like of int
        Crimes in each place (e.g. each LSOA of a district), including places with none.
    shares : sequence of float, keyword-only
        Top fractions of places to report. Default (0.05, 0.10).

    Returns
    -------
    pandas.Series
        ``n_places``, ``n_crimes``; for each share (e.g. 0.05) ``n_top_5pct`` (places) and
        ``share_top_5pct`` (fraction of crime in them); ``gini``, ``generalised_gini`` (see
        :func:`sna.stats.rates.gini`), ``sparse`` (True when there are fewer crimes than places) and
        ``note``.

    Notes
    -----
    When crimes are fewer than places, the ordinary Gini and the top shares overstate
    concentration, because many places must be empty even if crime fell at random; the
    generalised Gini of Bernasco and Steenbeek [2]_ corrects for this, and is the one to quote.

    Examples
    --------
    >>> s = concentration_summary([50, 10, 10, 10, 5, 5, 4, 3, 2, 1])
    >>> float(s["share_top_10pct"]), round(float(s["gini"]), 3)
    (0.5, 0.55)
    """
    arr = _place_counts(counts)
    out: dict[str, object] = {"n_places": int(arr.size), "n_crimes": int(arr.sum())}
    for share in shares:
        share = _check_share(share, "shares")
        label = f"{100 * share:g}pct"
        out[f"n_top_{label}"] = _top_k(arr.size, share)
        out[f"share_top_{label}"] = share_in_top(arr, share)
    sparse = arr.sum() < arr.size
    out["gini"] = gini(arr)
    out["generalised_gini"] = gini(arr, generalised=True)
    out["sparse"] = bool(sparse)
    out["note"] = (
        "fewer crimes than places: quote the generalised Gini"
        if sparse and arr.sum() > 0
        else ("no crime recorded" if arr.sum() == 0 else "")
    )
    return pd.Series(out)


def top_areas(
    frame: pd.DataFrame,
    n: int = 10,
    by: str = "count",
    *,
    per: float = 1000,
    conf: float = 0.95,
    area_col: str = "lsoa_code",
    count_col: str = "count",
    population_col: str = "population",
) -> pd.DataFrame:
    """The ``n`` areas with most crime, by count or by rate, with rate intervals.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per area with an area, a count and a population column; other columns (e.g.
        ``lsoa_name``) are kept.
    n : int
        Number of areas. Default 10.
    by : {"count", "rate"}
        Rank by count of crimes, or by rate per ``per`` residents (areas without residents are
        left out). Default "count".
    per : float, keyword-only
        Rates are per this many residents. Default 1,000.
    conf : float, keyword-only
        Confidence level of the rate intervals. Default 0.95.
    area_col, count_col, population_col : str, keyword-only
        Column names. Defaults "lsoa_code", "count", "population".

    Returns
    -------
    pandas.DataFrame
        The top ``n`` rows, highest first (ties broken by area code), with the input columns and
        ``value`` (the rate), ``lower<L>``, ``upper<L>`` (its interval; ``lower95``, ``upper95``
        at 0.95; per ``per``, PHE method, see :func:`sna.stats.rates.rate_ci`), ``share``
        (fraction of all crime in ``frame``) and ``rank`` (1 = highest; tied values share the
        lower rank). ``attrs["confidence"]`` is ``(conf,)``.

    Examples
    --------
    >>> lsoas = pd.DataFrame({"lsoa_code": ["a", "b", "c"], "count": [30, 80, 12],
    ...                       "population": [1500, 4000, 300]})
    >>> top_areas(lsoas, 2, "rate")[["lsoa_code", "value", "rank"]]
      lsoa_code  value  rank
    2         c   40.0     1
    0         a   20.0     2
    """
    if by not in ("count", "rate"):
        raise ValueError(f"by must be 'count' or 'rate'; got {by!r}")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a whole number >= 1; got {n!r}")
    conf = check_conf(conf)
    for col in (area_col, count_col, population_col):
        if col not in frame.columns:
            raise ValueError(f"frame has no column {col!r}; columns are {list(frame.columns)}")
    ci = rate_ci(frame[count_col], frame[population_col], per=per, conf=conf)
    result = frame.copy()
    estimate = ["value", *interval_columns([conf])]
    result[estimate] = ci[estimate].to_numpy()
    total = result[count_col].sum()
    result["share"] = result[count_col] / total if total > 0 else np.nan
    key = count_col if by == "count" else "value"
    result = result[result[key].notna()]
    result = result.sort_values([key, area_col], ascending=[False, True], kind="stable")
    result["rank"] = result[key].rank(ascending=False, method="min").astype("int64")
    return annotate(result.head(n), [conf], ci.attrs["statistic"])


def persistent_hotspots(
    counts_by_period: pd.DataFrame,
    *,
    top_share: float = 0.1,
    min_periods: int | None = None,
) -> pd.DataFrame:
    """Places in the top ``top_share`` by count in at least ``min_periods`` periods.

    Parameters
    ----------
    counts_by_period : pandas.DataFrame
        Crime counts with one row per place (index: e.g. LSOA code) and one column per period
        (e.g. year). A missing value means the place was not observed in that period (it is not
        counted as a hotspot then).
    top_share : float, keyword-only
        Fraction of places that make the top group in each period. Default 0.1 (top decile).
    min_periods : int, optional, keyword-only
        Periods a place must be in the top group to be persistent. Default: all periods.

    Returns
    -------
    pandas.DataFrame
        The persistent places, most persistent and then most crime first, with columns
        ``periods_in_top``, ``n_periods``, ``total`` (crimes over all periods) and one boolean
        column per period (in the top group or not).

    Notes
    -----
    In each period the top group is the places whose count is at least that of the
    ``ceil(top_share * N)``-th highest of the ``N`` observed places (ties at the boundary all
    count) and above zero.

    Examples
    --------
    >>> wide = pd.DataFrame({2023: [50, 5, 4, 3, 2, 1, 1, 0, 0, 0],
    ...                      2024: [45, 6, 3, 30, 2, 1, 0, 0, 1, 0]}, index=list("abcdefghij"))
    >>> persistent_hotspots(wide)["periods_in_top"].to_dict()
    {'a': 2}
    """
    top_share = _check_share(top_share, "top_share")
    periods = list(counts_by_period.columns)
    if not periods:
        raise ValueError("counts_by_period must have at least one period column")
    need = len(periods) if min_periods is None else min_periods
    if isinstance(need, bool) or not isinstance(need, int) or not 1 <= need <= len(periods):
        raise ValueError(f"min_periods must be between 1 and {len(periods)}; got {min_periods!r}")
    in_top = pd.DataFrame(index=counts_by_period.index)
    for period in periods:
        values = check_counts(
            counts_by_period[period].to_numpy(dtype=float, na_value=np.nan), str(period)
        )
        column = pd.Series(values, index=counts_by_period.index)
        observed = column.dropna()
        if observed.empty:
            in_top[period] = False
            continue
        cutoff = observed.nlargest(_top_k(len(observed), top_share)).iloc[-1]
        in_top[period] = (column >= cutoff) & (column > 0)
    result = in_top.copy()
    result.insert(0, "periods_in_top", in_top.sum(axis=1).astype("int64"))
    result.insert(1, "n_periods", len(periods))
    result.insert(2, "total", counts_by_period.sum(axis=1, min_count=1))
    result = result[result["periods_in_top"] >= need]
    return result.sort_values(["periods_in_top", "total"], ascending=[False, False], kind="stable")
