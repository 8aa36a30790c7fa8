"""Priority assessment: every crime type and crime group scored on transparent criteria.

:func:`district_priorities` gathers, for each crime type and crime group of a district, the
figures behind each criterion of :mod:`sna.stats.priorities` (share of the district's crime, rate
against the benchmark with its test, change on the previous year and trend over the years with
their q-values, harm points, share in the top 10% of LSOAs), turns them into points and scores
them with the config's weights. Partner indicators, when given, are scored on the criteria that
apply to them (trend, rate against the area: :mod:`sna.assessment.partner_scores`) and ranked
with them. :func:`area_priorities` does so for every district and sets the districts side by
side for the overview's executive summary.

Peer comparisons are scored when given (``peers``); without them that criterion is left out of
every score and the report says so.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sna.assessment import figures
from sna.assessment.disclosure import AreaMasks, LinkedMasks
from sna.assessment.kept import kept_decision
from sna.assessment.partner_scores import partner_items
from sna.assessment.partners import DistrictPartners, district_partners, marked_partners
from sna.assessment.peers import assess_peers, hidden_rows, peer_ratios
from sna.data.config import District
from sna.data.harm import load_harm_weights
from sna.data.processed import Processed
from sna.stats.concentration import share_in_top
from sna.stats.multiple import benjamini_hochberg
from sna.stats.priorities import (
    benchmark_p_value,
    concentration_points,
    excess_points,
    rise_points,
    score_priorities,
    volume_points,
)
from sna.stats.rates import monthly_dispersion
from sna.stats.trends import seasonal_trend

__all__ = [
    "CRIME_GROUP",
    "CRIME_TYPE",
    "FDR",
    "TOP_SHARE",
    "AreaPriorities",
    "Priorities",
    "area_priorities",
    "distinct",
    "district_priorities",
    "item_members",
    "kept_priorities",
    "priorities_from_json",
    "priorities_to_json",
]

CRIME_TYPE = "crime type"
CRIME_GROUP = "crime group"
FDR = 0.05
"""False discovery rate at which a benchmark comparison or a trend is called significant."""
TOP_SHARE = 0.10
"""Concentration is the share of an item's crimes in this top fraction of LSOAs."""


@dataclass(frozen=True)
class Priorities:
    """One district's priority scoring.

    Attributes
    ----------
    district
        The district.
    year
        The reporting year.
    benchmark
        The benchmark's name.
    table
        One row per crime type and crime group (all crime left out), best score first:
        ``kind`` ("crime type"/"crime group"), ``count``, ``share`` (of the district's recorded
        crime, excluding anti-social behaviour), ``value`` (rate per 1,000 residents a year),
        ``benchmark_value``, ``benchmark_ratio``, ``benchmark_p``, ``benchmark_q``,
        ``benchmark_significant``; ``pct_change``, ``change_q``, ``change_significant``
        (on the previous year, like for like; missing where its counts are hidden);
        ``trend_pct``, ``trend_q``, ``trend_significant`` (average % a year over the years,
        allowing for season); ``harm_points``; ``top_share``, ``top_lsoas``, ``n_lsoas``; the
        peers' ``peer_ratio`` and ``peer_significant`` when given; then the points of each
        criterion (columns named as :data:`sna.stats.priorities.CRITERIA`), ``total`` (0-100)
        and ``rank``. Partner indicators (``kind`` "partner indicator") follow the columns of
        :func:`~sna.assessment.partner_scores.partner_items`; criteria that do not apply to
        them are NaN and left out of their score. ``attrs["unscored_partners"]``: partner
        figures on which no criterion applies.
    hidden
        True where an item's count is hidden in the report's tables (its count, share and
        evidence are not shown, and it is not recommended).
    change_hidden
        True where the change on the previous year is hidden in the change tables.
    criteria
        The criteria scored (peers only when peer comparisons were given).
    weights
        The weight of every criterion (from the config).
    harm_source
        The harm file's provenance (its comment lines); empty when there is none.
    previous_year
        The year the change compares with.
    """

    district: District
    year: int
    benchmark: str
    table: pd.DataFrame
    hidden: pd.Series
    change_hidden: pd.Series
    criteria: tuple[str, ...]
    weights: Mapping[str, float]
    harm_source: str
    previous_year: int

    def recommended(self, n: int = 5) -> list[str]:
        """The ``n`` best-scored items that can be published, without repeating the same crimes.

        An item most of whose crimes (half or more) are in an item already listed is skipped
        (:func:`distinct`): "Violence" after "Violence and sexual offences". Items with a hidden
        count or a score of 0 are never recommended.
        """
        table = self.table
        keep = [i for i in table.index if not self.hidden[i] and table.loc[i, "total"] > 0]
        by_type = _type_counts(table)
        return distinct(keep, table["members"], by_type, n=n)


@dataclass(frozen=True)
class AreaPriorities:
    """Every district's priority scoring, side by side.

    Attributes
    ----------
    districts
        District name to its :class:`Priorities`.
    summary
        One row per item: ``mean_total`` (the districts' average score), ``districts_top``
        (in how many districts it is among the recommended priorities), then each district's
        ``rank`` (columns named by district) ; best average first.
    ranks, comparisons
        Item x district: the item's rank in the district, and its rate against the benchmark
        ("higher"/"similar"/"lower": "higher" or "lower" only when significant).
    """

    districts: Mapping[str, Priorities]
    summary: pd.DataFrame
    ranks: pd.DataFrame
    comparisons: pd.DataFrame

    def top(self, n: int = 5) -> list[str]:
        """The ``n`` items with the best average score, recommended in at least one district."""
        keep = self.summary.index[self.summary["districts_top"] > 0].tolist()
        tables = [p.table for p in self.districts.values()]
        by_type = pd.concat([_type_counts(t) for t in tables]).groupby(level=0).sum()
        return distinct(keep, tables[0]["members"], by_type, n=n)


def _type_counts(table: pd.DataFrame) -> pd.Series:
    """Crimes of each crime type, from the crime-type rows of a priorities table."""
    return table.loc[table["kind"] == CRIME_TYPE, "count"].astype(float)


def distinct(order: Sequence[str], members: pd.Series, counts: pd.Series, *, n: int) -> list[str]:
    """The first ``n`` items of ``order`` that do not mostly repeat an item already chosen.

    An item is skipped when half or more of its crimes are of crime types in an item already
    chosen (a crime type in a chosen group, a group mostly made of a chosen type).

    Examples
    --------
    >>> members = pd.Series({"Violence": ("A", "B"), "A": ("A",), "B": ("B",)})
    >>> distinct(["A", "Violence", "B"], members, pd.Series({"A": 90.0, "B": 10.0}), n=3)
    ['A', 'B']
    """
    chosen: list[str] = []
    covered: set[str] = set()
    for item in order:
        types = list(members[item])
        total = float(counts.reindex(types).fillna(0).sum())
        shared = float(counts.reindex([t for t in types if t in covered]).fillna(0).sum())
        if (total > 0 and shared >= 0.5 * total) or (total == 0 and set(types) <= covered):
            continue
        chosen.append(item)
        covered.update(types)
        if len(chosen) == n:
            break
    return chosen


def item_members(data: Processed) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every item scored: crime type or group name to its kind and crime types (no all crime)."""
    items: dict[str, tuple[str, tuple[str, ...]]] = {
        t: (CRIME_TYPE, (t,)) for t in (*figures.CRIME_ONLY, "Anti-social behaviour")
    }
    for group, types in data.config.crime_groups.items():
        if group not in items:
            items[group] = (CRIME_GROUP, tuple(types))
    return items


def _year_counts(data: Processed, codes: Sequence[str], year: int) -> pd.DataFrame:
    counts = data.counts[
        (data.counts["month"].dt.year == year) & data.counts["district_code"].isin(codes)
    ]
    return counts.pivot_table(
        index="crime_type", columns="month", values="count", aggfunc="sum", fill_value=0
    )


def _by_item(
    by_type: pd.DataFrame, items: Mapping[str, tuple[str, tuple[str, ...]]]
) -> pd.DataFrame:
    """Rows of crime types summed into rows of items."""
    rows = {
        name: by_type.reindex(list(types)).fillna(0).sum() for name, (_, types) in items.items()
    }
    return pd.DataFrame(rows).T


def _benchmark(
    data: Processed, district: District, year: int, items: Mapping[str, tuple[str, tuple[str, ...]]]
) -> pd.DataFrame:
    """Each item's rate against the benchmark with an over-dispersed test and its q-value."""
    config = data.config
    months = pd.PeriodIndex(data.manifest.months_in(year), freq="M").to_timestamp()
    own = _by_item(_year_counts(data, [district.code], year), items).reindex(
        columns=months, fill_value=0
    )
    bench = _by_item(_year_counts(data, config.benchmark.district_codes, year), items)
    pops = figures.population(data, year)
    pop = float(pops.get(district.name, np.nan))
    bench_pop = float(pops.get(config.benchmark.name, np.nan))
    count = own.sum(axis=1)
    bench_count = bench.sum(axis=1).reindex(own.index, fill_value=0)
    spread = monthly_dispersion(own)
    expected = bench_count * pop / bench_pop
    ratio = (count / pop) / (bench_count / bench_pop)
    p = pd.Series(
        benchmark_p_value(
            count.to_numpy(), expected.to_numpy(),
            dispersion=spread["dispersion"].to_numpy(), df=spread["df"].to_numpy(),
        ),
        index=own.index,
    )  # fmt: skip
    q = _family_q(p, items)
    return pd.DataFrame(
        {
            "benchmark_value": bench_count / bench_pop * figures.annual_per(data, year),
            "benchmark_ratio": ratio.replace([np.inf, -np.inf], np.nan),
            "benchmark_p": p,
            "benchmark_q": q,
            "benchmark_significant": (q < FDR).fillna(False).astype(bool),
        }
    )


def _family_q(p: pd.Series, items: Mapping[str, tuple[str, tuple[str, ...]]]) -> pd.Series:
    """Benjamini-Hochberg q-values over the items, an item repeating another's crimes counted once."""
    key = pd.Series({name: tuple(sorted(types)) for name, (_, types) in items.items()})
    first = ~key.duplicated()
    adjusted = benjamini_hochberg(p[first.to_numpy()])
    by_key = dict(zip(key[first], adjusted, strict=True))
    return key.map(by_key).astype(float).reindex(p.index)


def _trends(
    data: Processed, district: District, year: int, items: Mapping[str, tuple[str, tuple[str, ...]]]
) -> pd.DataFrame:
    """Each item's trend over the years with data, allowing for season, with its q-value."""
    pops = figures.population_by_year(data, district.name)
    fits = {}
    for name, (_, types) in items.items():
        monthly = figures.monthly_counts(data, district.code, crime_types=list(types), through=year)
        with np.errstate(over="ignore"):  # a calendar month of zeros: its factor's limit is inf
            fits[name] = seasonal_trend(monthly, pops).trend
    pct = pd.Series({n: float(f["value"]) for n, f in fits.items()})
    p = pd.Series({n: float(f["p_value"]) for n, f in fits.items()})
    q = _family_q(p, items)
    out = pd.DataFrame({"trend_pct": pct, "trend_p": p, "trend_q": q})
    out["trend_significant"] = (q < FDR).fillna(False).astype(bool)
    first = next(iter(fits.values()))
    out.attrs["trend_years"] = (first["first_year"], first["last_year"], int(first["n_months"]))
    return out


def _concentration(
    data: Processed, district: District, year: int, items: Mapping[str, tuple[str, tuple[str, ...]]]
) -> pd.DataFrame:
    """Share of each item's crimes in the top 10% of the district's LSOAs."""
    rows = {}
    for name, (_, types) in items.items():
        lsoas = figures.lsoa_counts(data, district.code, year, crime_types=list(types))
        n = len(lsoas)
        total = int(lsoas["count"].sum())
        share = share_in_top(lsoas["count"], TOP_SHARE) if n and total else np.nan
        rows[name] = {
            "top_share": share,
            "top_lsoas": max(1, math.ceil(TOP_SHARE * n - 1e-9)) if n else 0,
            "n_lsoas": n,
        }
    return pd.DataFrame(rows).T.astype({"top_share": float, "top_lsoas": int, "n_lsoas": int})


def _harm(
    data: Processed, items: Mapping[str, tuple[str, tuple[str, ...]]], counts: pd.Series
) -> tuple[pd.Series, str]:
    """Harm points: the file's for a crime type; a group's is its types' count-weighted mean."""
    path = data.config.harm_weights
    if path is None:
        return pd.Series(np.nan, index=list(items)), ""
    harm = load_harm_weights(path)
    points = harm["harm_points"]
    out = {}
    for name, (_, types) in items.items():
        weights = counts.reindex(list(types)).fillna(0).to_numpy(dtype=float)
        values = points.reindex(list(types)).to_numpy(dtype=float)
        out[name] = (
            float(np.average(values, weights=weights)) if weights.sum() else float(values.mean())
        )
    return pd.Series(out), str(harm.attrs["source"])


def _peers(peers: pd.DataFrame | None, index: pd.Index) -> pd.DataFrame | None:
    """Peer comparisons (``ratio``, ``significant``) reindexed to the items, or None."""
    if peers is None or peers.empty:
        return None
    out = pd.DataFrame(index=index)
    out["peer_ratio"] = peers["ratio"].reindex(index).astype(float)
    out["peer_significant"] = peers["significant"].reindex(index).fillna(False).astype(bool)
    return out


def district_priorities(
    data: Processed,
    district: District,
    year: int,
    *,
    types: pd.DataFrame,
    groups: pd.DataFrame,
    hidden: LinkedMasks,
    peers: pd.DataFrame | None = None,
    partners: DistrictPartners | None = None,
) -> Priorities:
    """Score every crime type and crime group of a district, and its partner indicators, for ``year``.

    Parameters
    ----------
    data
        Prepared data (its config gives the weights and the harm file).
    district
        The district.
    year
        The reporting year.
    types, groups
        The district's crime-type and crime-group tables with q-values
        (:func:`sna.assessment.figures.control_false_discoveries`).
    hidden
        The report's suppression of those tables (:class:`~sna.assessment.disclosure.LinkedMasks`).
    peers
        Optional: the district's rate against its peers per item (index crime type or group),
        ``ratio`` (district rate / peers' rate) and ``significant`` (after false discovery rate
        control). Without it the peers criterion is not scored.
    partners
        Optional: the district's partner figures; each indicator is scored on the criteria that
        apply to it (:func:`sna.assessment.partner_scores.partner_items`), ranked with the crime
        types and groups, and listed with ``kind`` "partner indicator".

    Returns
    -------
    Priorities

    Examples
    --------
    >>> p = district_priorities(data, district, 2025, types=a.types, groups=a.groups,
    ...                         hidden=a.hidden)  # doctest: +SKIP
    >>> p.recommended(3)  # doctest: +SKIP
    ['Violence and sexual offences', 'Shoplifting', 'Theft from the person']
    """
    items = item_members(data)
    both = pd.concat([types, groups[~groups.index.isin(types.index)]])
    both = both.reindex(list(items))
    mask = pd.concat([hidden.types, hidden.groups[~hidden.groups.index.isin(hidden.types.index)]])
    mask = mask.reindex(list(items)).fillna(False).astype(bool)
    all_crime = float(groups.loc[figures.ALL_CRIME, "count"])
    change_hidden = mask["before"] | mask["after"]
    table = pd.DataFrame(index=pd.Index(list(items), name="item"))
    table["kind"] = [kind for kind, _ in items.values()]
    table["members"] = [types_ for _, types_ in items.values()]
    table["count"] = both["count"].astype("int64")
    table["share"] = table["count"] / all_crime if all_crime else np.nan
    table["value"] = both["value"]
    table = table.join(_benchmark(data, district, year, items))
    table["pct_change"] = both["pct_change"].where(~change_hidden)
    table["change_q"] = both["q_value"].where(~change_hidden)
    table["change_significant"] = both["significant"].astype(bool) & ~change_hidden
    trends = _trends(data, district, year, items)
    table = table.join(trends)
    harm, source = _harm(data, items, types["count"])
    table["harm_points"] = harm
    table = table.join(_concentration(data, district, year, items))
    peer = _peers(peers, table.index)
    points = pd.DataFrame(index=table.index)
    points["volume"] = volume_points(table["share"])
    points["benchmark"] = excess_points(table["benchmark_ratio"], table["benchmark_significant"])
    if peer is not None:
        table = table.join(peer)
        points["peers"] = excess_points(table["peer_ratio"], table["peer_significant"])
    points["trend"] = rise_points(
        (table["pct_change"], table["change_significant"]),
        (table["trend_pct"], table["trend_significant"]),
    )
    points["harm"] = table["harm_points"]
    points["concentration"] = concentration_points(
        table["top_share"].fillna(0), table["count"], table["n_lsoas"]
    )
    applies = pd.DataFrame(True, index=points.index, columns=points.columns)
    hidden_count = mask["count"]
    unscored: tuple[str, ...] = ()
    if partners is not None:
        extra = partner_items(
            partners,
            marked_partners(data),
            threshold=data.config.suppression_threshold,
            year=year,
        )
        unscored = tuple(extra.attrs["unscored"])
        if len(extra):
            criteria = [c for c in extra.columns if c in points.columns]
            points = pd.concat([points, extra[criteria].astype(float)]).reindex(
                columns=points.columns
            )
            applies = pd.concat(
                [
                    applies,
                    extra[criteria].notna().reindex(columns=applies.columns, fill_value=False),
                ]
            )
            table = pd.concat([table, extra.drop(columns=[*criteria, "hidden"])])
            hidden_count = pd.concat([hidden_count, extra["hidden"].astype(bool)])
            change_hidden = pd.concat([change_hidden, pd.Series(False, index=extra.index)])
    scored = score_priorities(points, data.config.priority_weights, applies=applies)
    table = table.join(scored).sort_values(["rank", "count"], ascending=[True, False])
    table.attrs["trend_years"] = trends.attrs["trend_years"]
    table.attrs["unscored_partners"] = unscored
    return Priorities(
        district=district,
        year=year,
        benchmark=data.config.benchmark.name,
        table=table,
        hidden=hidden_count.reindex(table.index).astype(bool),
        change_hidden=change_hidden.reindex(table.index).astype(bool),
        criteria=tuple(scored.attrs["criteria"]),
        weights=dict(scored.attrs["weights"]),
        harm_source=source,
        previous_year=year - 1,
    )


def area_priorities(data: Processed, year: int, masks: AreaMasks) -> AreaPriorities:
    """Every district's priorities for ``year``, and the districts side by side.

    Parameters
    ----------
    data
        Prepared data.
    year
        The reporting year.
    masks
        The year's suppression decision (:func:`sna.assessment.area.decide_area`).

    Examples
    --------
    >>> o = area_priorities(data, 2025, decide_area(data, 2025))  # doctest: +SKIP
    >>> o.top(3)  # doctest: +SKIP
    ['Violence and sexual offences', 'Shoplifting', 'Robbery']
    """
    districts = {
        d.name: kept_priorities(data, d, year, _scoring(data, d, year, masks.linked[d.name]))
        for d in data.config.districts
    }
    names = list(districts)
    items = list(item_members(data))
    ranks = pd.DataFrame({n: districts[n].table["rank"].reindex(items) for n in names})
    totals = pd.DataFrame({n: districts[n].table["total"].reindex(items) for n in names})
    comparisons = pd.DataFrame(
        {n: _comparison(districts[n].table.reindex(items)) for n in names}, index=items
    )
    recommended = {n: set(districts[n].recommended()) for n in names}
    top = pd.DataFrame({n: [i in recommended[n] for i in items] for n in names}, index=items)
    summary = pd.DataFrame({"mean_total": totals.mean(axis=1), "districts_top": top.sum(axis=1)})
    summary = summary.join(ranks).sort_values(
        ["mean_total", "districts_top"], ascending=[False, False]
    )
    return AreaPriorities(
        districts=districts,
        summary=summary,
        ranks=ranks.reindex(summary.index),
        comparisons=comparisons.reindex(summary.index),
    )


def _comparison(table: pd.DataFrame) -> list[str]:
    """Rate against the benchmark in words: higher or lower only where significant."""
    out = []
    for ratio, significant in zip(
        table["benchmark_ratio"], table["benchmark_significant"], strict=True
    ):
        if pd.isna(ratio):
            out.append("not compared")
        elif significant:
            out.append("higher" if ratio > 1 else "lower")
        else:
            out.append("similar")
    return out


def _scoring(
    data: Processed, district: District, year: int, linked: LinkedMasks
) -> Callable[[], Priorities]:
    """A district's scoring made as its own report makes it (the same tables, peers, partners)."""

    def make() -> Priorities:
        groups, _ = figures.crime_group_table(data, district.code, year)
        types, _ = figures.crime_type_table(data, district.code, year)
        groups, types = figures.control_false_discoveries(groups, types)
        # the same peer comparisons as the district's own report, so that its ranks agree
        peers = peer_ratios(assess_peers(data, district.code, year, hidden=hidden_rows(linked)))
        return district_priorities(
            data, district, year, types=types, groups=groups, hidden=linked, peers=peers,
            partners=district_partners(data, district.code, year),
        )  # fmt: skip

    return make


def kept_priorities(
    data: Processed, district: District, year: int, make: Callable[[], Priorities]
) -> Priorities:
    """A district's scoring for ``year``, made once per build and read by every other report.

    The district's report and the area overview score the district the same way
    (:func:`district_priorities`, with the area's suppression decision, the peer comparisons and
    the partner figures, all made from the prepared data): the first report that needs it makes
    it (``make()``) and keeps it in ``<processed>/.sna-assessment/priorities-<year>-<code>-<key>.json``
    (:func:`sna.assessment.kept.kept_decision`: keyed by the content of the prepared data, the
    config, the year, the district and the code; a damaged or stale entry is made again). A
    scoring that does not read back exactly (:func:`same_priorities`) is not kept.

    Examples
    --------
    >>> p = kept_priorities(data, district, 2025, lambda: district_priorities(...))  # doctest: +SKIP
    >>> p.recommended(1)  # doctest: +SKIP
    ['Violence and sexual offences']
    """
    return kept_decision(
        data,
        f"priorities-{int(year)}-{district.code}",
        make,
        encode=priorities_to_json,
        decode=lambda values: priorities_from_json(values, district),
        fits=lambda p: _fits(p, data, district, year),
        same=same_priorities,
        year=int(year),
        district=district.code,
    )


_SCORED = (
    "kind", "members", "count", "share", "value", "benchmark_value", "benchmark_ratio",
    "benchmark_p", "benchmark_q", "benchmark_significant", "pct_change", "change_q",
    "change_significant", "trend_pct", "trend_p", "trend_q", "trend_significant", "harm_points",
    "top_share", "top_lsoas", "n_lsoas", "total", "rank",
)  # fmt: skip
"""Columns of every scoring table (:class:`Priorities`), with the points of each criterion."""


def _fits(p: Priorities, data: Processed, district: District, year: int) -> bool:
    """Whether a kept scoring is shaped for this district, year, items and criteria."""
    table = p.table
    return (
        p.district == district
        and p.year == year
        and set(item_members(data)) <= set(table.index)
        and set(_SCORED).union(p.criteria) <= set(table.columns)
        and p.hidden.index.equals(table.index)
        and p.change_hidden.index.equals(table.index)
    )


def priorities_to_json(p: Priorities) -> dict[str, Any]:
    """A district's scoring as JSON values (each column with its type; tuples and NaN kept).

    Examples
    --------
    >>> priorities_to_json(p)["year"]  # doctest: +SKIP
    2025
    """
    return {
        "year": p.year,
        "benchmark": p.benchmark,
        "table": _frame_json(p.table),
        "hidden": _series_json(p.hidden),
        "change_hidden": _series_json(p.change_hidden),
        "criteria": list(p.criteria),
        "weights": dict(p.weights),
        "harm_source": p.harm_source,
        "previous_year": p.previous_year,
    }


def priorities_from_json(values: Mapping[str, Any], district: District) -> Priorities:
    """The scoring written by :func:`priorities_to_json`, for ``district``.

    Examples
    --------
    >>> same_priorities(priorities_from_json(priorities_to_json(p), p.district), p)  # doctest: +SKIP
    True
    """
    return Priorities(
        district=district,
        year=int(values["year"]),
        benchmark=str(values["benchmark"]),
        table=_frame_from(values["table"]),
        hidden=_series_from(values["hidden"]),
        change_hidden=_series_from(values["change_hidden"]),
        criteria=tuple(values["criteria"]),
        weights={str(k): float(v) for k, v in values["weights"].items()},
        harm_source=str(values["harm_source"]),
        previous_year=int(values["previous_year"]),
    )


def same_priorities(a: Priorities, b: Priorities) -> bool:
    """Whether two scorings are the same: every value, type, label, name and attribute.

    Examples
    --------
    >>> same_priorities(p, p)  # doctest: +SKIP
    True
    """
    return (
        (a.district, a.year, a.benchmark, a.criteria, a.harm_source, a.previous_year)
        == (b.district, b.year, b.benchmark, b.criteria, b.harm_source, b.previous_year)
        and dict(a.weights) == dict(b.weights)
        and all(
            _same_values(x, y)
            for x, y in (
                (a.table, b.table),
                (a.hidden, b.hidden),
                (a.change_hidden, b.change_hidden),
            )
        )
    )


def _same_values(a: pd.Series | pd.DataFrame, b: pd.Series | pd.DataFrame) -> bool:
    """Equal values with the same types (of columns and of each object cell), labels and attrs."""
    if type(a) is not type(b) or a.attrs != b.attrs or not a.index.equals(b.index):
        return False
    if a.index.dtype != b.index.dtype or a.index.names != b.index.names:
        return False
    columns = [(a, b)]
    if isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame):
        if list(a.columns) != list(b.columns) or a.columns.dtype != b.columns.dtype:
            return False
        columns = [(a[c], b[c]) for c in a.columns]
    return all(
        x.dtype == y.dtype
        and x.name == y.name
        and x.equals(y)
        and [type(v) for v in x.tolist()] == [type(v) for v in y.tolist()]
        for x, y in columns
    )


def _cell_json(value: Any) -> Any:
    """An object cell as JSON: a tuple tagged as one, anything else as it is."""
    return {"tuple": list(value)} if isinstance(value, tuple) else value


def _cell_from(value: Any) -> Any:
    return tuple(value["tuple"]) if isinstance(value, dict) else value


def _column_json(values: pd.Series) -> dict[str, Any]:
    cells = [None if v is pd.NA else v for v in values.tolist()]
    if values.dtype == object:
        cells = [_cell_json(v) for v in cells]
    return {"name": values.name, "dtype": str(values.dtype), "values": cells}


def _column_from(column: Mapping[str, Any], index: pd.Index) -> pd.Series:
    cells = column["values"]
    if column["dtype"] == "object":
        return pd.Series(
            [_cell_from(v) for v in cells], index=index, dtype=object, name=column["name"]
        )
    return pd.Series(cells, index=index, dtype=column["dtype"], name=column["name"])


def _index_json(index: pd.Index) -> dict[str, Any]:
    return {"labels": index.tolist(), "name": index.name, "dtype": str(index.dtype)}


def _index_from(index: Mapping[str, Any]) -> pd.Index:
    return pd.Index(index["labels"], name=index["name"], dtype=index["dtype"])


def _attrs_json(attrs: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k): _cell_json(v) for k, v in attrs.items()}


def _series_json(values: pd.Series) -> dict[str, Any]:
    return {
        "index": _index_json(values.index),
        "column": _column_json(values),
        "attrs": _attrs_json(values.attrs),
    }


def _series_from(values: Mapping[str, Any]) -> pd.Series:
    out = _column_from(values["column"], _index_from(values["index"]))
    out.attrs = {k: _cell_from(v) for k, v in values["attrs"].items()}
    return out


def _frame_json(frame: pd.DataFrame) -> dict[str, Any]:
    return {
        "index": _index_json(frame.index),
        "columns": [_column_json(frame[c]) for c in frame.columns],
        "columns_dtype": str(frame.columns.dtype),
        "attrs": _attrs_json(frame.attrs),
    }


def _frame_from(frame: Mapping[str, Any]) -> pd.DataFrame:
    index = _index_from(frame["index"])
    columns = [_column_from(c, index) for c in frame["columns"]]
    names = pd.Index([c.name for c in columns], dtype=frame["columns_dtype"])
    out = pd.DataFrame(dict(zip(names, columns, strict=True)), index=index, columns=names)
    out.attrs = {k: _cell_from(v) for k, v in frame["attrs"].items()}
    return out
