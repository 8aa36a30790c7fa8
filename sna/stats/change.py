"""Change between two periods: absolute and percentage change, rate ratio and an exact test.

``like_for_like`` first reduces monthly counts to the months present in both years, so that a
year with a missing month is never compared with a full one; ``period_change`` then compares the
two totals.

References
----------
.. [1] Przyborski H, Lehmann EL. The conditional binomial test for two Poisson means (see e.g.
   Breslow NE, Day NE, Statistical methods in cancer research, vol II, IARC 1987, s. 3.4).
.. [2] Office for Statistics Regulation. Recorded crime reflects recording practice and police
   activity as well as crime: report change with its uncertainty.
"""

from __future__ import annotations

import calendar
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as _sps

from sna.stats.checks import ArrayLike, broadcast, check_conf, check_counts, check_nonnegative
from sna.stats.schema import annotate, interval_columns, level_label

__all__ = ["LikeForLike", "like_for_like", "overdispersed_change", "period_change"]

METHOD = "exact conditional binomial test"
"""The ``method`` of :func:`period_change`: its test and Clopper-Pearson rate-ratio interval."""
STATISTIC = "rate ratio (after / before)"
""":func:`period_change`'s ``attrs["statistic"]``: what its ``value`` is."""


def period_change(
    count_before: ArrayLike,
    count_after: ArrayLike,
    *,
    population_before: ArrayLike | None = None,
    population_after: ArrayLike | None = None,
    conf: float = 0.95,
) -> pd.DataFrame:
    """Change in a count between two periods, with an exact test of whether it is more than chance.

    Parameters
    ----------
    count_before, count_after : int or array-like of int
        Events (e.g. recorded crimes) in the earlier and the later period, whole numbers >= 0.
        The two periods must cover the same months (see :func:`like_for_like`).
    population_before, population_after : float or array-like, optional, keyword-only
        Populations in the two periods. Give both or neither. When given, the rate ratio and the
        test compare rates, so that a change in population is allowed for; when omitted the
        populations are taken as equal and counts are compared.
    conf : float, keyword-only
        Confidence level for the rate-ratio interval and the significance flag. Default 0.95.

    Returns
    -------
    pandas.DataFrame
        One row per input (index of a Series argument), with columns:

        ``before``, ``after``
            The counts.
        ``change``
            ``after - before`` (events).
        ``pct_change``
            ``100 * change / before`` (percent); NaN when ``before`` is 0.
        ``value``, ``lower<L>``, ``upper<L>``
            The rate ratio, rate in the later period divided by rate in the earlier one, with its
            exact conditional ``conf`` interval (``L`` from
            :func:`sna.stats.schema.level_label`: ``lower95``, ``upper95`` at 0.95); ``inf``
            when ``before`` is 0.
        ``p_value``
            Two-sided p-value of the exact conditional test that the rates are equal.
        ``significant``
            True when ``p_value < 1 - conf``; this is exactly when the interval excludes 1.
        ``method``
            "exact conditional binomial test" (:data:`METHOD`).
        ``note``
            Plain-English caveats ("" when none).

        ``attrs["confidence"]`` is ``(conf,)`` and ``attrs["statistic"]``
        "rate ratio (after / before)".

    Raises
    ------
    ValueError
        If a count is negative or fractional, a population is negative, only one population is
        given, or ``conf`` is not in (0, 1).

    Notes
    -----
    Treating the two counts as Poisson with rates ``l1, l2`` and populations ``P1, P2``, the later
    count given the total ``n = before + after`` is binomial with ``pi = l2 P2 / (l1 P1 + l2 P2)``,
    and ``pi0 = P2 / (P1 + P2)`` when the rates are equal [1]_. The p-value is twice the smaller
    binomial tail probability (capped at 1) and the interval for ``pi`` is Clopper-Pearson's; the
    rate-ratio interval is ``pi / (1 - pi) * P1 / P2`` at each limit. Because both use the same
    two tails, "significant" never disagrees with the interval. The test assumes Poisson
    variation; recorded crime also moves with recording practice and police activity [2]_, which
    no test of counts can separate from a change in crime.

    Examples
    --------
    >>> r = period_change(5234, 5836)
    >>> r[["change", "pct_change", "value", "lower95", "upper95", "significant"]].round(2)
       change  pct_change  value  lower95  upper95  significant
    0     602        11.5   1.12     1.07     1.16         True
    """
    conf = check_conf(conf)
    if (population_before is None) != (population_after is None):
        raise ValueError("population_before and population_after must be given together")
    values = {"count_before": count_before, "count_after": count_after}
    if population_before is not None:
        values |= {"population_before": population_before, "population_after": population_after}
    arrays, index = broadcast(values)
    before = check_counts(arrays["count_before"], "count_before")
    after = check_counts(arrays["count_after"], "count_after")
    if population_before is None:
        pop_before = np.ones_like(before)
        pop_after = np.ones_like(after)
    else:
        pop_before = check_nonnegative(arrays["population_before"], "population_before")
        pop_after = check_nonnegative(arrays["population_after"], "population_after")

    total = before + after
    pops_ok = (pop_before > 0) & (pop_after > 0)
    testable = pops_ok & (total > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(before > 0, 100 * (after - before) / before, np.nan)
        pop_ratio = pop_before / pop_after
        rate_ratio = np.where(testable, (after / pop_after) / (before / pop_before), np.nan)
    pi0 = np.where(pops_ok, pop_after / (pop_before + pop_after), np.nan)
    p_value = np.full(total.shape, np.nan)
    rr_lower = np.full(total.shape, np.nan)
    rr_upper = np.full(total.shape, np.nan)
    alpha = 1 - conf
    idx = np.flatnonzero(testable)
    n, k = total[idx], after[idx]
    tails = np.minimum(_sps.binom.cdf(k, n, pi0[idx]), _sps.binom.sf(k - 1, n, pi0[idx]))
    p_value[idx] = np.minimum(1.0, 2 * tails)
    with np.errstate(divide="ignore", invalid="ignore"):
        pi_lo = np.where(k > 0, _sps.beta.ppf(alpha / 2, k, n - k + 1), 0.0)
        pi_hi = np.where(k < n, _sps.beta.ppf(1 - alpha / 2, k + 1, n - k), 1.0)
        rr_lower[idx] = pi_lo / (1 - pi_lo) * pop_ratio[idx]
        rr_upper[idx] = np.where(pi_hi < 1, pi_hi / (1 - pi_hi), np.inf) * pop_ratio[idx]
    # Both periods zero: nothing to test, and nothing changed.
    no_events = pops_ok & (total == 0)
    p_value[no_events] = 1.0

    notes = [
        _change_note(b, a, pb, pa, with_pop=population_before is not None)
        for b, a, pb, pa in zip(before, after, pop_before, pop_after, strict=True)
    ]
    lower_col, upper_col = interval_columns([conf])
    out = pd.DataFrame(
        {
            "before": _nullable_int(before),
            "after": _nullable_int(after),
            "change": _nullable_int(after - before),
            "pct_change": pct,
            "value": rate_ratio,
            lower_col: rr_lower,
            upper_col: rr_upper,
            "p_value": p_value,
            "significant": np.nan_to_num(p_value, nan=1.0) < alpha,
            "method": pd.Series(METHOD, index=index, dtype="str"),
            "note": pd.Series(notes, index=index, dtype="str"),
        },
        index=index,
    )
    return annotate(out, [conf], STATISTIC)


def _nullable_int(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Counts as a nullable integer column (missing stays missing)."""
    return pd.array(np.where(np.isnan(values), np.nan, values), dtype="Float64").astype("Int64")


def _change_note(before: float, after: float, pb: float, pa: float, *, with_pop: bool) -> str:
    """Caveats for one comparison, in plain English."""
    if np.isnan(before) or np.isnan(after):
        return "count missing: change not computed"
    if with_pop and (np.isnan(pb) or np.isnan(pa) or pb <= 0 or pa <= 0):
        return "population missing or zero: rate ratio and test not computed"
    if before == 0 and after == 0:
        return "no events in either period"
    if before == 0:
        return "no events in the earlier period: percentage change undefined"
    if with_pop and pb != pa:
        return f"rates compared: population changed by {100 * (pa - pb) / pb:+.1f}%"
    return ""


# --- like-for-like months ------------------------------------------------------------------------


@dataclass(frozen=True)
class LikeForLike:
    """Totals for two years over the months present in both, and the months dropped.

    Attributes
    ----------
    before, after : pandas.Series
        Event totals in ``previous_year`` and ``year`` over the months compared, indexed by the
        ``by`` groups (a single row labelled "total" when ``by`` is None). Groups with no events
        in the months compared have 0.
    months_compared : list of str
        Calendar months compared, as English month names in calendar order ("January", ...).
    months_dropped : dict of int to list of str
        For each year, the months with data that were left out because the other year has no
        data for them ("YYYY-MM").
    months_missing : dict of int to list of str
        For each year, the calendar months with no data at all ("YYYY-MM").
    like_for_like : bool
        True when both years have data for the same months, so nothing was dropped.
    year, previous_year : int
        The later and the earlier year.
    """

    before: pd.Series
    after: pd.Series
    months_compared: list[str]
    months_dropped: dict[int, list[str]]
    months_missing: dict[int, list[str]] = field(default_factory=dict)
    like_for_like: bool = True
    year: int = 0
    previous_year: int = 0

    @property
    def complete_years(self) -> bool:
        """True when all twelve months of both years are compared."""
        return len(self.months_compared) == 12


def like_for_like(
    monthly: pd.DataFrame,
    *,
    year: int,
    previous_year: int,
    month_col: str = "month",
    count_col: str = "count",
    by: Hashable | Sequence[Hashable] | None = None,
    months_available: Iterable[object] | None = None,
) -> LikeForLike:
    """Totals for two years over the calendar months that have data in both.

    Parameters
    ----------
    monthly : pandas.DataFrame
        Monthly counts, one row per month (and group), with a month column holding
        ``pandas.Timestamp`` (first of month), ``pandas.Period`` or ``"YYYY-MM"`` strings.
    year, previous_year : int, keyword-only
        The later and the earlier calendar year.
    month_col, count_col : str, keyword-only
        Names of the month and count columns.
    by : column name or list of names, optional, keyword-only
        Group columns (e.g. ``"district"``, ``["district", "crime_type"]``); totals are per group.
    months_available : iterable, optional, keyword-only
        The months for which data exist (e.g. the police.uk files loaded). By default a month has
        data if it appears in ``monthly``: pass this when ``monthly`` is filtered to a group that
        may have no events in some month, so that a month with no events is not mistaken for a
        month with no data.

    Returns
    -------
    LikeForLike
        Totals for both years over the common months, and which months were compared, dropped
        or missing in each year (:func:`sna.report.words.comparison_note` words it).

    Raises
    ------
    ValueError
        If a column is missing, months cannot be read, counts are negative or fractional, or the
        two years have no month with data in common.

    Notes
    -----
    Missing months are never filled with zeros: a year with a missing month is compared with the
    previous year over the months both have (DOMAIN: "A year with a missing month is not
    comparable with a full one").

    Examples
    --------
    >>> monthly = pd.DataFrame({"month": ["2024-01", "2024-02", "2025-01", "2025-02", "2025-03"],
    ...                         "count": [10, 12, 11, 15, 9]})
    >>> lfl = like_for_like(monthly, year=2025, previous_year=2024)
    >>> int(lfl.before.iloc[0]), int(lfl.after.iloc[0]), lfl.months_compared
    (22, 26, ['January', 'February'])
    >>> lfl.months_dropped
    {2024: [], 2025: ['2025-03']}
    """
    groups: list[Hashable] = (
        [] if by is None else list(by) if isinstance(by, list | tuple) else [by]
    )
    for col in [month_col, count_col, *groups]:
        if col not in monthly.columns:
            raise ValueError(f"monthly has no column {col!r}; columns are {list(monthly.columns)}")
    if year == previous_year:
        raise ValueError(f"year and previous_year must differ; got {year} for both")
    months = _to_periods(monthly[month_col], month_col)
    counts = check_counts(monthly[count_col].to_numpy(dtype=float, na_value=np.nan), count_col)
    available = months if months_available is None else _to_periods(months_available, "months")
    present = {y: {p.month for p in set(available) if p.year == y} for y in (year, previous_year)}
    common = present[year] & present[previous_year]
    if not common:
        raise ValueError(
            f"{year} and {previous_year} have no month with data in common; "
            f"{year} has {_month_list(year, present[year])}, "
            f"{previous_year} has {_month_list(previous_year, present[previous_year])}"
        )
    frame = pd.DataFrame(
        {"_year": months.year, "_month": months.month, "_count": counts}, index=monthly.index
    )
    for col in groups:
        frame[col] = monthly[col].to_numpy()
    used = frame[frame["_month"].isin(common)]
    totals = {y: _totals(used[used["_year"] == y], groups) for y in (year, previous_year)}
    keys = _totals(frame, groups).index  # every group, with 0 where it has no events
    after = totals[year].reindex(keys, fill_value=0)
    before = totals[previous_year].reindex(keys, fill_value=0)
    dropped = {y: _month_list(y, present[y] - common) for y in (previous_year, year)}
    missing = {y: _month_list(y, set(range(1, 13)) - present[y]) for y in (previous_year, year)}
    return LikeForLike(
        before=before,
        after=after,
        months_compared=[calendar.month_name[m] for m in sorted(common)],
        months_dropped=dropped,
        months_missing=missing,
        like_for_like=present[year] == present[previous_year],
        year=year,
        previous_year=previous_year,
    )


def _totals(frame: pd.DataFrame, groups: list[Hashable]) -> pd.Series:
    """Sum of counts per group, or a single 'total' row."""
    if not groups:
        return pd.Series({"total": frame["_count"].sum()}, name="count").astype("int64")
    out = frame.groupby(groups, sort=True, dropna=False)["_count"].sum().astype("int64")
    return out.rename("count")


def _to_periods(values: object, name: str) -> pd.PeriodIndex:
    """Months as a monthly PeriodIndex, from Timestamps, Periods or 'YYYY-MM' strings."""
    try:
        series = pd.Series(list(values) if not isinstance(values, pd.Series) else values)  # type: ignore[call-overload]
        if isinstance(series.dtype, pd.PeriodDtype):
            return pd.PeriodIndex(series).asfreq("M")
        if pd.api.types.is_datetime64_any_dtype(series):
            return pd.PeriodIndex(series.dt.to_period("M"))
        return pd.PeriodIndex(pd.to_datetime(series.astype(str), format="%Y-%m"), freq="M")
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"{name} must hold months as Timestamps, Periods or 'YYYY-MM' strings ({err})"
        ) from None


def _month_list(year: int, months: set[int]) -> list[str]:
    return [f"{year}-{m:02d}" for m in sorted(months)]


def overdispersed_change(
    before: pd.DataFrame,
    after: pd.DataFrame,
    *,
    population_before: ArrayLike | None = None,
    population_after: ArrayLike | None = None,
    conf: float = 0.95,
) -> pd.DataFrame:
    """Change between two periods from their monthly counts, allowing for extra-Poisson variation.

    Monthly crime counts vary more than a Poisson count would (month to month, variance is often
    several times the mean), so the exact test of two totals (:func:`period_change`) calls
    changes significant that are within ordinary month-to-month variation. This fits, for each
    row, a quasi-Poisson model to the months of both periods, ``log E[count] = b0 + b1 * later``
    (with a population offset when populations are given), and tests ``b1`` with the dispersion
    estimated from the months.

    Parameters
    ----------
    before, after : pandas.DataFrame
        Monthly counts of the earlier and the later period: one row per group (e.g. crime type,
        the same index in both), one column per month (e.g. January to April of each year).
        Whole numbers >= 0; the two periods should cover the same calendar months.
    population_before, population_after : array-like, optional, keyword-only
        Population of each group in each period (give both or neither), so rates are compared.
    conf : float, keyword-only
        Confidence level of the rate-ratio interval and the significance flag. Default 0.95.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``before``: the columns of :func:`period_change` (``before``, ``after``
        totals, ``change``, ``pct_change``, ``value`` the rate ratio, ``lower<L>``/``upper<L>``,
        ``p_value``, ``significant``, ``method``, ``note``) plus ``dispersion`` (the Pearson
        estimate, at least 1) and ``df`` (its residual degrees of freedom). Rows with a single
        month in each period, or no events in one period, fall back to the exact test of
        :func:`period_change`, and ``method`` says so.

    Raises
    ------
    ValueError
        If the frames do not have the same index, a count is negative or fractional, or only one
        population is given.

    Notes
    -----
    With ``m1`` and ``m2`` months and totals ``B`` and ``A``, the fitted monthly means are
    ``B / m1`` and ``A / m2`` (times the population ratio when populations are given), the rate
    ratio is ``(A / m2) / (B / m1)``, the dispersion is the Pearson statistic
    ``phi = sum (y - mu)^2 / mu / (m1 + m2 - 2)`` floored at 1, and
    ``se(log RR) = sqrt(phi * (1 / A + 1 / B))``. The p-value and interval use Student's t on
    ``m1 + m2 - 2`` degrees of freedom, as quasi-likelihood inference does [1]_. This is the
    quasi-Poisson GLM fitted by maximum likelihood, in closed form.

    References
    ----------
    .. [1] McCullagh P, Nelder JA. Generalized Linear Models, 2nd ed. Chapman and Hall, 1989,
       s. 6.2 and 9.2 (quasi-likelihood; the dispersion estimated from Pearson's statistic).

    Examples
    --------
    >>> months = ["Jan", "Feb", "Mar", "Apr"]
    >>> b = pd.DataFrame([[822, 952, 925, 1005]], columns=months, index=["All crime"])
    >>> a = pd.DataFrame([[897, 744, 979, 885]], columns=months, index=["All crime"])
    >>> r = overdispersed_change(b, a)
    >>> round(float(r.loc["All crime", "pct_change"]), 1), round(float(r.loc["All crime", "p_value"]), 2)
    (-5.4, 0.46)
    """
    conf = check_conf(conf)
    if not before.index.equals(after.index):
        raise ValueError("before and after must have the same index (the same groups)")
    if (population_before is None) != (population_after is None):
        raise ValueError("population_before and population_after must be given together")
    b = check_counts(before.to_numpy(dtype=float, na_value=np.nan), "before")
    a = check_counts(after.to_numpy(dtype=float, na_value=np.nan), "after")
    m1, m2 = b.shape[1], a.shape[1]
    total_b, total_a = b.sum(axis=1), a.sum(axis=1)
    pops: dict[str, ArrayLike] = {}
    if population_before is not None:
        pops = {"population_before": population_before, "population_after": population_after}
    exact = period_change(
        pd.Series(total_b, index=before.index), pd.Series(total_a, index=before.index),
        conf=conf, **pops,
    )  # fmt: skip
    out = exact.copy()
    label = level_label(conf)
    df = m1 + m2 - 2
    if population_before is None:
        ratio_pop = np.ones(len(out))
    else:
        arrays, _ = broadcast(pops)
        ratio_pop = arrays["population_after"] / arrays["population_before"]
    usable = (df >= 1) & (total_b > 0) & (total_a > 0) & np.isfinite(ratio_pop) & (ratio_pop > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mu_b = (total_b / m1)[:, None]
        mu_a = (total_a / m2)[:, None]
        pearson = ((b - mu_b) ** 2 / mu_b).sum(axis=1) + ((a - mu_a) ** 2 / mu_a).sum(axis=1)
        phi = np.maximum(1.0, pearson / max(df, 1))
        log_rr = np.log((total_a / m2) / (total_b / m1) / ratio_pop)
        se = np.sqrt(phi * (1 / total_a + 1 / total_b))
        t = log_rr / se
    if df >= 1:
        p_value = 2 * _sps.t.sf(np.abs(t), df)
        q = _sps.t.ppf(1 - (1 - conf) / 2, df)
    else:
        p_value, q = np.full(len(out), np.nan), np.nan
    out["dispersion"] = np.where(usable, phi, np.nan)
    out["df"] = df
    rows = np.flatnonzero(usable)
    out.iloc[rows, out.columns.get_loc("value")] = np.exp(log_rr[rows])
    out.iloc[rows, out.columns.get_loc(f"lower{label}")] = np.exp(log_rr[rows] - q * se[rows])
    out.iloc[rows, out.columns.get_loc(f"upper{label}")] = np.exp(log_rr[rows] + q * se[rows])
    out.iloc[rows, out.columns.get_loc("p_value")] = p_value[rows]
    out["significant"] = np.nan_to_num(out["p_value"].to_numpy(dtype=float), nan=1.0) < 1 - conf
    fallback = (
        "exact conditional binomial test (one month in each period: no month-to-month "
        "variation to estimate)"
        if df < 1
        else "exact conditional binomial test (no events in one period)"
    )
    out["method"] = np.where(
        usable, f"quasi-Poisson model of {m1 + m2} monthly counts (t test on {df} df)", fallback
    )
    return annotate(out, [conf], "rate ratio (after / before)")
