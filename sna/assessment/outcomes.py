"""Outcomes of a district's crimes in the reporting year, by crime type, with suppression decided.

police.uk's "Last outcome category" of each crime (:mod:`sna.stats.outcomes` groups the
categories) summarised per crime type for one district and year: counts and shares of each
outcome group with Wilson intervals, the same shares for the benchmark (all its districts
together) and whether the district's share is higher, similar or lower. Anti-social behaviour has
no outcomes and is left out. Outcomes are updated after publication, so the assessment also says
which months of the year are recent and how many of their crimes were still under investigation.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sna.assessment.disclosure import outcome_mask
from sna.assessment.figures import ALL_CRIME, CRIME_ONLY
from sna.data.processed import Processed
from sna.stats.outcomes import (
    OUTCOME_GROUPS,
    UNDER_INVESTIGATION,
    compare_share,
    group_outcomes,
    outcome_shares,
)

__all__ = ["RECENT_MONTHS", "Outcomes", "assess_outcomes", "recent_months"]

RECENT_MONTHS = 6
"""Months up to the latest month with police.uk data counted as recent: many investigations of
crimes recorded in them are not finished when the data are published."""


@dataclass(frozen=True)
class Outcomes:
    """The outcomes section of a district report.

    Attributes
    ----------
    counts
        Crimes of the reporting year by crime type (rows, in police.uk order, then
        :data:`~sna.assessment.figures.ALL_CRIME`) and outcome group (columns, in the order of
        :data:`sna.stats.outcomes.OUTCOME_GROUPS`).
    hidden
        True where a count of ``counts`` is hidden (:func:`~sna.assessment.disclosure.outcome_mask`).
    totals_hidden
        True for each row whose total (the crime type's count) is hidden in the report.
    shares
        One row per (crime type, outcome group): the proportion schema (``count``,
        ``denominator``, ``value`` as a fraction, ``lower95``, ``upper95``, ``method``), the
        benchmark's ``benchmark_count``, ``benchmark_denominator`` and ``benchmark_value``,
        ``compare95`` (:func:`sna.stats.outcomes.compare_share`), ``hidden`` (the share and its
        interval are not published) and ``benchmark_hidden``.
    benchmark
        The benchmark's name.
    months
        Months of the reporting year with data.
    latest
        The latest month with police.uk data in the prepared data (None when there is none).
    recent
        Months of ``months`` within :data:`RECENT_MONTHS` of ``latest``.
    under_investigation
        By month of the reporting year: the district's crimes (``denominator``) and those still
        "Under investigation" (``count``), and the share (``value``).
    unlisted
        Outcome categories in the data that :data:`~sna.stats.outcomes.OUTCOME_GROUPS` does not
        list (counted as "Other outcome").
    """

    counts: pd.DataFrame
    hidden: pd.DataFrame
    totals_hidden: pd.Series
    shares: pd.DataFrame
    benchmark: str
    months: tuple[pd.Period, ...]
    latest: pd.Period | None
    recent: tuple[pd.Period, ...]
    under_investigation: pd.DataFrame
    unlisted: tuple[str, ...]


def recent_months(
    months: tuple[pd.Period, ...] | list[pd.Period], latest: pd.Period | None, *, within: int = 6
) -> tuple[pd.Period, ...]:
    """The months no more than ``within - 1`` months before ``latest`` (the latest ``within``).

    Examples
    --------
    >>> ms = [pd.Period(f"2025-{m:02d}", "M") for m in (1, 6, 8, 12)]
    >>> [str(m) for m in recent_months(ms, pd.Period("2025-12", "M"))]
    ['2025-08', '2025-12']
    """
    if latest is None:
        return ()
    return tuple(m for m in months if 0 <= (latest - m).n < within)


def _table(outcomes: pd.DataFrame, months: list[pd.Period]) -> pd.DataFrame:
    """Crime types (and the all-crime row) by outcome group, for the given months."""
    periods = outcomes["month"].dt.to_period("M")
    chosen = outcomes[periods.isin(months) & outcomes["crime_type"].isin(CRIME_ONLY)]
    if chosen.empty:
        grouped = pd.DataFrame(0, index=list(CRIME_ONLY), columns=list(OUTCOME_GROUPS))
        grouped.attrs["unlisted"] = []
    else:
        grouped = group_outcomes(chosen)
    table = grouped.reindex(list(CRIME_ONLY), fill_value=0).astype("int64")
    table.loc[ALL_CRIME] = table.sum()
    table.index.name = "crime_type"
    table.attrs["unlisted"] = list(grouped.attrs["unlisted"])
    return table


def _monthly_under_investigation(outcomes: pd.DataFrame, months: list[pd.Period]) -> pd.DataFrame:
    periods = outcomes["month"].dt.to_period("M")
    chosen = outcomes[periods.isin(months)].assign(month=periods)
    total = chosen.groupby("month")["count"].sum()
    under = chosen[chosen["last_outcome_category"].str.strip() == UNDER_INVESTIGATION]
    count = under.groupby("month")["count"].sum()
    index = pd.PeriodIndex(months, freq="M", name="month")
    frame = pd.DataFrame(
        {
            "count": count.reindex(index, fill_value=0),
            "denominator": total.reindex(index, fill_value=0),
        }
    )
    return frame.assign(value=frame["count"] / frame["denominator"].where(frame["denominator"] > 0))


def assess_outcomes(
    data: Processed,
    code: str,
    year: int,
    *,
    hidden_totals: pd.Series | None = None,
) -> Outcomes | None:
    """Outcomes of a district's crimes in ``year`` by crime type, shares and suppression.

    Parameters
    ----------
    data
        Prepared data; returns None when it has no outcomes (prepared by an older ``sna``).
    code
        The district's ONS code.
    year
        The reporting year.
    hidden_totals
        True for each crime type (and :data:`~sna.assessment.figures.ALL_CRIME`) whose count is
        hidden elsewhere in the report: its row is hidden here too.

    Returns
    -------
    Outcomes or None

    Examples
    --------
    >>> o = assess_outcomes(load_processed("sna.toml"), "E07000178", 2024)  # doctest: +SKIP
    >>> int(o.counts.loc["Burglary", "Charged or summonsed"])  # doctest: +SKIP
    """
    if data.outcomes is None:
        return None
    config = data.config
    threshold = config.suppression_threshold
    months = data.manifest.months_in(year)
    every = data.manifest.months_in()
    latest = max(every) if every else None
    outcomes = data.outcomes
    district = outcomes[outcomes["district_code"] == code]
    in_benchmark = outcomes["district_code"].isin(config.benchmark.district_codes)
    counts = _table(district, months)
    bench = _table(outcomes[in_benchmark], months)

    totals_hidden = pd.Series(False, index=counts.index)
    if hidden_totals is not None:
        totals_hidden = hidden_totals.reindex(counts.index).fillna(False).astype(bool)
    hidden = outcome_mask(counts, threshold=threshold, total=ALL_CRIME, hidden_rows=totals_hidden)
    bench_hidden = outcome_mask(bench, threshold=threshold, total=ALL_CRIME)

    shares = outcome_shares(counts)
    bench_shares = outcome_shares(bench)
    shares.index.names = ["crime_type", "outcome_group"]
    shares["benchmark_count"] = bench_shares["count"].to_numpy()
    shares["benchmark_denominator"] = bench_shares["denominator"].to_numpy()
    shares["benchmark_value"] = bench_shares["value"].to_numpy()
    row_hidden = totals_hidden.reindex(shares.index.get_level_values(0)).to_numpy()
    shares["hidden"] = hidden.to_numpy().ravel() | row_hidden
    shares["benchmark_hidden"] = bench_hidden.to_numpy().ravel()
    shares["compare95"] = compare_share(
        shares, shares["benchmark_value"].mask(shares["benchmark_hidden"])
    ).where(~shares["hidden"], "not compared")

    return Outcomes(
        counts=counts,
        hidden=hidden,
        totals_hidden=totals_hidden,
        shares=shares,
        benchmark=config.benchmark.name,
        months=tuple(months),
        latest=latest,
        recent=recent_months(months, latest, within=RECENT_MONTHS),
        under_investigation=_monthly_under_investigation(district, months),
        unlisted=tuple(counts.attrs.get("unlisted", [])),
    )
