"""A district against the rest of its area, the rest of its police force area and similar districts.

:func:`assess_peers` makes three comparisons of the district's rate per 1,000 residents a year,
for all crime, each crime group and each crime type, over the months of the reporting year with
data:

- the **rest of the area**: the benchmark districts without the district itself;
- the **rest of the force area**: the districts of the district's police force area (ONS LAD to
  police force area lookup), without the district, counted from every usable row of the street
  files (``lad_counts.parquet``);
- **similar districts**: the district's most similar districts in England
  (:func:`sna.stats.peers.most_similar` on the features :func:`sna.data.peers.district_features`
  gives, built once by ``sna prepare``: :attr:`sna.data.processed.Processed.peer_features`),
  pooled, those whose police.uk files are present; the others are listed as missing.

Each comparison is :func:`sna.stats.peers.compare_rates` (quasi-Poisson where the months vary
more than chance), with Benjamini-Hochberg q-values across the comparison's rows; a difference
is "significant" when its q-value is below 0.05. Rows whose district count the report hides
(``hidden``) are hidden here too, whole.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sna.assessment.disclosure import LinkedMasks
from sna.assessment.figures import ALL_CRIME, CRIME_ONLY, group_members
from sna.data.peer_config import FEATURES, PeerSettings, peer_settings
from sna.data.peers import district_features
from sna.data.policeuk import ASB
from sna.data.processed import Processed
from sna.stats.multiple import benjamini_hochberg
from sna.stats.peers import compare_rates, most_similar
from sna.stats.rates import monthly_dispersion, rate_ci

__all__ = ["COMPARISONS", "FDR", "PeerAssessment", "assess_peers", "hidden_rows", "peer_ratios"]

FDR = 0.05
"""False discovery rate below which a difference is called significant."""
COMPARISONS = ("rest of area", "rest of force area", "similar districts")
"""The comparisons, in report order (``comparison`` column of :meth:`PeerAssessment.table`)."""
_LOG_FEATURES = ("density",)


@dataclass(frozen=True)
class PeerAssessment:
    """The district against the rest of its area, its force area and its similar districts.

    Attributes
    ----------
    district_code, district_name, year
        The district and reporting year.
    months
        Months of the year compared (with data for the district and its comparators).
    rest_name, force_name
        "the rest of Oxfordshire", "the rest of Thames Valley" (what is compared with).
    comparisons
        Comparison name (:data:`COMPARISONS`) to its table: rows indexed by (``kind``,
        ``crime``) with ``kind`` "group" (all crime first) or "type", columns of
        :func:`sna.stats.peers.compare_rates`, ``q_value`` and ``significant`` (q < 0.05), and
        ``hidden`` (True: the row's figures are hidden in published tables). A comparison that
        cannot be made is absent, with its reason in ``unavailable``.
    unavailable
        Comparison name to the reason it is not made.
    force_lads
        Districts (name by code) of the force area, the district included.
    forces
        police.uk forces whose files are present, with their months of the year.
    peers
        The most similar districts, nearest first: ``lad_name``, ``rank``, ``distance``, the
        features as published (``deprivation``, ``rural``, ``density``, ``young``, ``older``),
        their z-scores (``z_<feature>``), ``pfa_name`` and ``has_data`` (police.uk rows of
        the compared months and a population are present).
    target
        The district's own features (a Series, as published).
    features
        The features used, in order.
    missing_peers
        Names of the peers without police.uk data.
    peer_rates
        All-crime rate of the district and of each peer with data (``rate_ci`` schema, 95%),
        indexed by name, the district first.
    n_areas
        Districts in England the features were standardised over.
    """

    district_code: str
    district_name: str
    year: int
    months: tuple[pd.Period, ...]
    rest_name: str
    force_name: str
    comparisons: Mapping[str, pd.DataFrame]
    unavailable: Mapping[str, str]
    force_lads: Mapping[str, str]
    forces: Mapping[str, tuple[pd.Period, ...]]
    peers: pd.DataFrame
    target: pd.Series
    features: tuple[str, ...]
    missing_peers: tuple[str, ...]
    peer_rates: pd.DataFrame
    n_areas: int = 0
    k: int = 10
    notes: tuple[str, ...] = field(default=())

    def table(self) -> pd.DataFrame:
        """Every comparison in one long frame, for other sections (e.g. priorities).

        Returns
        -------
        pandas.DataFrame
            One row per comparison, kind and crime: ``comparison``, ``kind``, ``crime``,
            ``value`` (district rate), ``lower95``, ``upper95``, ``other_value``,
            ``rate_ratio``, ``rate_ratio_lower95``, ``rate_ratio_upper95``, ``p_value``,
            ``q_value``, ``significant`` and ``hidden``. Hidden rows have their figures blank.
        """
        columns = [
            "value", "lower95", "upper95", "other_value", "rate_ratio", "rate_ratio_lower95",
            "rate_ratio_upper95", "p_value", "q_value", "significant", "hidden",
        ]  # fmt: skip
        parts = [
            t[columns].reset_index().assign(comparison=name) for name, t in self.comparisons.items()
        ]
        if not parts:
            return pd.DataFrame(columns=["comparison", "kind", "crime", *columns])
        out = pd.concat(parts, ignore_index=True)
        return out[["comparison", "kind", "crime", *columns]]


def _rows(data: Processed) -> list[tuple[str, str, Sequence[str]]]:
    """(kind, crime, crime types) of every row: all crime and the groups, then each type."""
    groups = [("group", name, types) for name, types in group_members(data.config).items()]
    return [*groups, *[("type", t, [t]) for t in (*CRIME_ONLY, ASB)]]


def _monthly(
    counts: pd.DataFrame, rows: list[tuple[str, str, Sequence[str]]], months: pd.DatetimeIndex
) -> pd.DataFrame:
    """Counts by row (kind, crime) and month (columns), from ``month, crime_type, count``."""
    by_type = counts.pivot_table(
        index="crime_type", columns="month", values="count", aggfunc="sum", fill_value=0
    ).reindex(columns=months, fill_value=0)
    out = {
        (kind, crime): by_type.reindex(list(types), fill_value=0).sum().to_numpy()
        for kind, crime, types in rows
    }
    frame = pd.DataFrame.from_dict(out, orient="index", columns=months)
    frame.index = pd.MultiIndex.from_tuples(frame.index, names=["kind", "crime"])
    return frame


def _compare(
    mine: pd.DataFrame, pop: float, other: pd.DataFrame, other_pop: float, per: float
) -> pd.DataFrame:
    """:func:`compare_rates` of two monthly tables, with q-values across the rows."""
    spread, other_spread = monthly_dispersion(mine), monthly_dispersion(other)
    out = compare_rates(
        mine.sum(axis=1), pop, other.sum(axis=1), other_pop, per=per,
        dispersion=spread["dispersion"], df=spread["df"],
        other_dispersion=other_spread["dispersion"], other_df=other_spread["df"],
    )  # fmt: skip
    out.index = mine.index
    # A row repeating another's counts on both sides (the "Anti-social behaviour" group of one
    # crime type) is the same test: it enters the false discovery rate family once.
    keys = [(tuple(a), tuple(b)) for a, b in zip(mine.to_numpy(), other.to_numpy(), strict=True)]
    first = ~pd.Index(keys).duplicated()
    q = benjamini_hochberg(out["p_value"].to_numpy()[first]).to_numpy()
    by_key = dict(zip([k for k, f in zip(keys, first, strict=True) if f], q, strict=True))
    out["q_value"] = [by_key[k] for k in keys]
    out["significant"] = out["q_value"].lt(FDR).to_numpy()
    return out


def _hide(table: pd.DataFrame, hidden: pd.Series) -> pd.DataFrame:
    """Mark and blank rows whose district count the report hides."""
    mask = pd.Series(
        [bool(hidden.get((k, c), hidden.get(c, False))) for k, c in table.index],
        index=table.index,
    )
    out = table.copy()
    figures = [c for c in out.columns if c not in ("method",)]
    for column in figures:
        if column == "significant":
            out[column] = out[column] & ~mask
        else:
            out[column] = out[column].where(~mask)
    out["hidden"] = mask
    return out


def assess_peers(
    data: Processed, district: str, year: int, *, hidden: pd.Series | None = None
) -> PeerAssessment:
    """Compare a district with the rest of its area, its force area and its similar districts.

    Parameters
    ----------
    data
        Prepared data; the force and peer comparisons need ``lad_counts`` and
        ``lad_populations`` (``sna prepare`` writes them).
    district
        The district's ONS code or name.
    year
        The reporting year.
    hidden
        Which of the district's counts the report hides, by crime group or crime type name (or
        ``(kind, crime)``): those rows are hidden here too.

    Returns
    -------
    PeerAssessment

    Examples
    --------
    >>> p = assess_peers(load_processed("sna.toml"), "Oxford", 2025)  # doctest: +SKIP
    >>> p.peers["lad_name"].iloc[0]  # doctest: +SKIP
    'Cambridge'
    """
    config = data.config
    area = config.district(district)
    hidden = pd.Series(dtype=bool) if hidden is None else hidden
    settings = peer_settings(config)
    rows = _rows(data)
    months = pd.PeriodIndex(data.manifest.months_in(year), freq="M")
    stamps = months.to_timestamp()
    per = 1000.0 * 12 / len(months) if len(months) else np.nan
    comparisons: dict[str, pd.DataFrame] = {}
    unavailable: dict[str, str] = {}
    pops = data.populations[data.populations["year"] == year].set_index("area_code")["population"]
    counts = data.counts[data.counts["month"].isin(stamps)]
    mine = _monthly(counts[counts["district_code"] == area.code], rows, stamps)
    pop = float(pops.get(area.code, np.nan))

    rest_codes = [c for c in config.benchmark.district_codes if c != area.code]
    rest_name = f"the rest of {config.benchmark.name}"
    if rest_codes and len(months):
        rest = _monthly(counts[counts["district_code"].isin(rest_codes)], rows, stamps)
        rest_pop = float(sum(pops.get(c, np.nan) for c in rest_codes))
        comparisons["rest of area"] = _compare(mine, pop, rest, rest_pop, per)
    else:
        unavailable["rest of area"] = f"{config.benchmark.name} has no district but {area.name}"

    features = _features(data, settings)
    lad = data.lad_counts
    lad_pops = data.lad_populations
    force_name, force_lads, forces = "", {}, {}
    if area.code in features.index:
        force_code = features.loc[area.code, "pfa_code"]
        force_name = str(features.loc[area.code, "pfa_name"])
        in_force = features[features["pfa_code"] == force_code]
        force_lads = dict(zip(in_force.index, in_force["lad_name"], strict=True))
    if lad is None or lad_pops is None or lad.empty:
        unavailable["rest of force area"] = (
            "the prepared data have no counts by district beyond the assessed districts "
            "(run sna prepare again)"
        )
    else:
        lad = lad[lad["month"].isin(stamps)]
        forces = {
            f: tuple(pd.PeriodIndex(sorted(g["month"].unique()), freq="M"))
            for f, g in lad.groupby("force")
        }
        year_pops = lad_pops[lad_pops["year"] == year].set_index("lad_code")["population"]
        others = [c for c in force_lads if c != area.code]
        lacking = [force_lads[c] for c in others if c not in year_pops.index]
        if not force_lads:
            unavailable["rest of force area"] = f"{area.name} ({area.code}) is not a 2024 district"
        elif lacking:
            unavailable["rest of force area"] = (
                f"no police.uk rows or population for {', '.join(sorted(lacking))}"
            )
        else:
            force = _monthly(lad[lad["lad_code"].isin(others)], rows, stamps)
            force_pop = float(year_pops.reindex(others).sum())
            comparisons["rest of force area"] = _compare(mine, pop, force, force_pop, per)

    peers, target, missing, peer_rates, n_areas = _peer_group(
        features, area.code, settings.k, settings.features
    )
    if features.empty:
        unavailable["similar districts"] = (
            "the files the districts' features come from were not found when the data were "
            "prepared (see the [peers] table of sna.toml)"
        )
    elif peers.empty:
        unavailable["similar districts"] = f"{area.name} ({area.code}) is not a 2024 district"
    else:
        with_data = set()
        if lad is not None and lad_pops is not None and not lad.empty:
            year_pops = lad_pops[lad_pops["year"] == year].set_index("lad_code")["population"]
            covered = _covered_forces(lad, features)
            with_data = {
                c for c in peers.index if peers.loc[c, "pfa_code"] in covered and c in year_pops
            }
        peers["has_data"] = peers.index.isin(list(with_data))
        missing = tuple(peers.loc[~peers["has_data"], "lad_name"])
        present = [c for c in peers.index if c in with_data]
        if present and lad is not None and lad_pops is not None:
            year_pops = lad_pops[lad_pops["year"] == year].set_index("lad_code")["population"]
            pooled = _monthly(lad[lad["lad_code"].isin(present)], rows, stamps)
            comparisons["similar districts"] = _compare(
                mine, pop, pooled, float(year_pops.reindex(present).sum()), per
            )
            each = lad[lad["lad_code"].isin(present) & lad["crime_type"].isin(CRIME_ONLY)]
            each_count = each.groupby("lad_code")["count"].sum().reindex(present, fill_value=0)
            names = [str(peers.loc[c, "lad_name"]) for c in present]
            peer_rates = rate_ci(
                pd.Series(
                    [int(mine.loc[("group", ALL_CRIME)].sum()), *each_count.tolist()],
                    index=[area.name, *names],
                ),
                pd.Series([pop, *year_pops.reindex(present).tolist()], index=[area.name, *names]),
                per=per,
            )
        else:
            unavailable["similar districts"] = (
                "none of the similar districts has police.uk files here"
            )
    return PeerAssessment(
        district_code=area.code,
        district_name=area.name,
        year=year,
        months=tuple(months),
        rest_name=rest_name,
        force_name=force_name,
        comparisons={
            name: _hide(comparisons[name], hidden) for name in COMPARISONS if name in comparisons
        },
        unavailable=unavailable,
        force_lads=force_lads,
        forces=forces,
        peers=peers,
        target=target,
        features=settings.features,
        missing_peers=missing,
        peer_rates=peer_rates,
        n_areas=n_areas,
        k=settings.k,
    )


def hidden_rows(linked: LinkedMasks) -> pd.Series:
    """The ``hidden`` argument of :func:`assess_peers` from a report's linked suppression masks.

    True for each ``(kind, crime)`` row whose district count the report hides.

    Examples
    --------
    >>> m = LinkedMasks(types=pd.DataFrame({"count": [True]}, index=["Robbery"]),
    ...                 groups=pd.DataFrame({"count": [False]}, index=["Violence"]))
    >>> hidden_rows(m).to_dict()
    {('group', 'Violence'): False, ('type', 'Robbery'): True}
    """
    return pd.concat(
        [
            linked.groups["count"].rename(lambda g: ("group", g)),
            linked.types["count"].rename(lambda t: ("type", t)),
        ]
    )


def peer_ratios(peers: PeerAssessment | None) -> pd.DataFrame | None:
    """The district against its similar districts per crime type or group, for the priorities.

    Returns
    -------
    pandas.DataFrame or None
        ``ratio`` (district rate / similar districts' rate) and ``significant`` (q < :data:`FDR`)
        indexed by crime type or group name; None when no similar district has data. A group
        holding one crime type (anti-social behaviour) is listed once. Rows the report hides
        are left out.

    Examples
    --------
    >>> peer_ratios(None) is None
    True
    """
    if peers is None:
        return None
    table = peers.table()
    similar = table[(table["comparison"] == "similar districts") & ~table["hidden"].astype(bool)]
    if similar.empty:
        return None
    similar = similar.drop_duplicates("crime").set_index("crime")
    return similar.rename(columns={"rate_ratio": "ratio"})[["ratio", "significant"]]


def _features(data: Processed, settings: PeerSettings) -> pd.DataFrame:
    """The districts' features as ``sna prepare`` wrote them; read from the files for older data."""
    if data.peer_features is not None:
        return data.peer_features
    return district_features(data.config, settings)  # prepared before peer_features.parquet


def _covered_forces(lad: pd.DataFrame, features: pd.DataFrame) -> set[str]:
    """Police force areas whose files are present: each force file's rows mostly fall in one.

    A force's street files also hold a few rows placed just over its border (snap points), so a
    district counts as covered only when it is in the force area most of a force's rows are in.
    """
    pfa = lad["lad_code"].map(features["pfa_code"])
    rows = lad.assign(pfa_code=pfa).dropna(subset=["pfa_code"])
    by_force = rows.groupby(["force", "pfa_code"])["count"].sum().reset_index()
    top = by_force.sort_values("count", ascending=False).drop_duplicates("force")
    return set(top["pfa_code"])


def _peer_group(
    features: pd.DataFrame, code: str, k: int, names: Sequence[str]
) -> tuple[pd.DataFrame, pd.Series, tuple[str, ...], pd.DataFrame, int]:
    """The k most similar districts with their published features (empty if ``code`` is unknown)."""
    empty = pd.DataFrame(columns=["lad_name", "rank", "distance"])
    if code not in features.index:
        return empty, pd.Series(dtype=object), (), pd.DataFrame(), 0
    scaled = features[list(names)].astype(float)
    for column in _LOG_FEATURES:
        if column in scaled:
            scaled[column] = np.log10(scaled[column])
    nearest = most_similar(scaled, code, k=k)
    shown = features.loc[nearest.index, ["lad_name", *FEATURES, "pfa_name"]]
    peers = pd.concat([shown, nearest], axis=1)
    peers = pd.concat([peers, features.loc[nearest.index, ["pfa_code"]]], axis=1)
    peers = peers[
        ["lad_name", "rank", "distance", *FEATURES, *nearest.columns[2:], "pfa_code", "pfa_name"]
    ]
    return peers, features.loc[code], (), pd.DataFrame(), int(nearest.attrs["n_areas"])
