"""police.uk outcomes of crimes: the categories grouped, and shares with Wilson intervals.

police.uk street records carry a "Last outcome category": the latest outcome of each crime when
the file was published. There are some thirty categories, most of them court sentences that are
rare in street data. They are grouped here into :data:`OUTCOME_GROUPS`, following the Home Office
outcome groups (charged or summonsed; out-of-court disposals; evidential difficulties; no suspect
identified; ...) as far as police.uk's categories allow.

References
----------
.. [1] data.police.uk, API documentation: "Outcomes for a specific crime" (category codes and
   names). https://data.police.uk/docs/method/outcomes-for-crime/
.. [2] Home Office. Crime outcomes in England and Wales: user guide (outcome groups).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sna.stats.checks import check_levels
from sna.stats.rates import proportion_ci

__all__ = [
    "CHARGED",
    "NOT_KNOWN",
    "OTHER",
    "OUTCOME_GROUPS",
    "UNDER_INVESTIGATION",
    "compare_share",
    "group_outcomes",
    "outcome_group",
    "outcome_shares",
]

CHARGED = "Charged or summonsed"
UNDER_INVESTIGATION = "Under investigation"
OTHER = "Other outcome"
NOT_KNOWN = "Outcome not known"

OUTCOME_GROUPS: Mapping[str, tuple[str, ...]] = {
    CHARGED: (
        "Awaiting court outcome",
        "Court result unavailable",
        "Suspect charged as part of another case",
        "Defendant sent to Crown Court",
        "Offender sent to prison",
        "Offender given suspended prison sentence",
        "Offender given community sentence",
        "Offender fined",
        "Offender given conditional discharge",
        "Offender given absolute discharge",
        "Offender ordered to pay compensation",
        "Offender deprived of property",
        "Offender otherwise dealt with",
        "Defendant found not guilty",
        "Court case unable to proceed",
        # labels of police.uk CSV files before May 2014, renamed since
        "Offender sentenced as part of another case",
        "Offender given community penalty",
        "Offender imprisoned",
        "Suspect found not guilty",
    ),
    "Caution, penalty notice or local resolution": (
        "Offender given a caution",
        "Offender given a drugs possession warning",
        "Offender given penalty notice",
        "Local resolution",
    ),
    UNDER_INVESTIGATION: ("Under investigation",),
    "Suspect identified, unable to prosecute": ("Unable to prosecute suspect",),
    "Investigation complete, no suspect identified": (
        "Investigation complete; no suspect identified",
    ),
    OTHER: (
        "Action to be taken by another organisation",
        "Further investigation is not in the public interest",
        "Further action is not in the public interest",
        "Formal action is not in the public interest",
    ),
    NOT_KNOWN: ("Status update unavailable", ""),
}
"""police.uk "Last outcome category" values by reader-facing group, in the order reports show them.

A category not listed (police.uk may add one) falls in :data:`OTHER`; see :func:`outcome_group`."""

_GROUP_OF = {category: group for group, members in OUTCOME_GROUPS.items() for category in members}


def outcome_group(categories: pd.Series) -> pd.Series:
    """The outcome group of each police.uk "Last outcome category".

    Categories are matched after stripping spaces; a blank category is :data:`NOT_KNOWN` and one
    not in :data:`OUTCOME_GROUPS` is :data:`OTHER`.

    Parameters
    ----------
    categories
        police.uk outcome categories (strings; missing values count as blank).

    Returns
    -------
    pandas.Series
        The group of each, indexed like ``categories``.

    Examples
    --------
    >>> outcome_group(pd.Series(["Awaiting court outcome", "Local resolution", "Made up"])).tolist()
    ['Charged or summonsed', 'Caution, penalty notice or local resolution', 'Other outcome']
    """
    stripped = categories.fillna("").astype(str).str.strip()
    return stripped.map(_GROUP_OF).fillna(OTHER).rename("outcome_group")


def group_outcomes(outcomes: pd.DataFrame, *, by: Sequence[str] = ("crime_type",)) -> pd.DataFrame:
    """Counts by ``by`` and outcome group: one column per group, in :data:`OUTCOME_GROUPS` order.

    Parameters
    ----------
    outcomes
        ``last_outcome_category`` and ``count``, and the columns named in ``by``.
    by
        Columns giving the rows of the table.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``by``, one whole-number column per outcome group (0 where none), and
        ``attrs["unlisted"]``: categories not in :data:`OUTCOME_GROUPS` (counted in :data:`OTHER`).

    Examples
    --------
    >>> o = pd.DataFrame({"crime_type": ["Burglary", "Burglary", "Drugs"],
    ...                   "last_outcome_category": ["Local resolution", "Under investigation",
    ...                                             "Awaiting court outcome"],
    ...                   "count": [2, 5, 7]})
    >>> t = group_outcomes(o)
    >>> t.loc["Burglary"].tolist()
    [0, 2, 5, 0, 0, 0, 0]
    >>> t.loc["Drugs", "Charged or summonsed"]
    np.int64(7)
    """
    keys = list(by)
    frame = outcomes.assign(outcome_group=outcome_group(outcomes["last_outcome_category"]))
    table = (
        frame.pivot_table(
            index=keys, columns="outcome_group", values="count", aggfunc="sum", observed=True
        )
        .reindex(columns=list(OUTCOME_GROUPS))
        .fillna(0)
        .astype("int64")
    )
    table.columns.name = None
    known = frame["last_outcome_category"].fillna("").astype(str).str.strip().isin(_GROUP_OF)
    table.attrs["unlisted"] = sorted(set(frame.loc[~known, "last_outcome_category"]))
    return table


def outcome_shares(table: pd.DataFrame, *, conf: float | Sequence[float] = 0.95) -> pd.DataFrame:
    """Each cell's share of its row total, with a Wilson score confidence interval.

    Parameters
    ----------
    table
        Whole-number counts, rows (e.g. crime types) by columns (outcome groups) that between
        them cover every case of the row: the row total is the denominator.
    conf
        Confidence level(s), strictly between 0 and 1. Default 0.95.

    Returns
    -------
    pandas.DataFrame
        One row per cell, indexed by (row label, column label), in the proportion schema of
        :func:`sna.stats.rates.proportion_ci`: ``count``, ``denominator``, ``value`` (a fraction
        from 0 to 1), ``lower<L>``, ``upper<L>``, ``method``. A row with no cases has missing
        shares.

    Examples
    --------
    >>> t = pd.DataFrame({"Charged": [40, 0], "Other": [60, 0]}, index=["Drugs", "Robbery"])
    >>> outcome_shares(t).loc["Drugs"].round(4)
             count  denominator  value  lower95  upper95  method
    Charged   40.0        100.0    0.4   0.3094   0.4980  Wilson
    Other     60.0        100.0    0.6   0.5020   0.6906  Wilson
    >>> outcome_shares(t).loc["Robbery", "value"].isna().all()
    np.True_
    """
    check_levels(conf)
    index = pd.MultiIndex.from_product([table.index, table.columns])
    counts = pd.Series(table.to_numpy().ravel(), index=index)
    totals = pd.Series(np.repeat(table.sum(axis=1).to_numpy(), table.shape[1]), index=index)
    return proportion_ci(counts, totals, conf=conf)


def compare_share(shares: pd.DataFrame, benchmark: pd.Series, *, level: str = "95") -> pd.Series:
    """Higher, similar or lower than a benchmark share, by the Fingertips rule on the interval.

    Parameters
    ----------
    shares
        In the proportion schema, with ``lower<level>`` and ``upper<level>``.
    benchmark
        The benchmark's share (a fraction), indexed like ``shares``; treated as fixed.
    level
        Which interval: ``"95"`` or ``"998"``.

    Returns
    -------
    pandas.Series
        "higher" when the benchmark lies below the interval, "lower" when above it, "similar"
        when inside it, and "not compared" when either share is missing.

    Examples
    --------
    >>> s = pd.DataFrame({"lower95": [0.10, 0.30, 0.20], "upper95": [0.20, 0.40, 0.30]})
    >>> compare_share(s, pd.Series([0.25, 0.25, 0.25])).tolist()
    ['lower', 'higher', 'similar']
    """
    lower = shares[f"lower{level}"]
    upper = shares[f"upper{level}"]
    bench = benchmark.reindex(shares.index)
    result = np.select(
        [lower.isna() | upper.isna() | bench.isna(), bench < lower, bench > upper],
        ["not compared", "higher", "lower"],
        default="similar",
    )
    return pd.Series(result, index=shares.index, name=f"compare{level}")
