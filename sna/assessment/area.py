"""The area overview's figures: the districts side by side, computed once with their suppression.

:func:`assess_area` returns a frozen :class:`AreaAssessment` that the overview report reads.
:func:`area_decision` gives every report of a year the same suppression decision, made once per
build and kept beside the prepared data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sna.assessment import figures
from sna.assessment.disclosure import AreaMasks, LinkedMasks, PreviousYear, area_masks
from sna.assessment.kept import DECISIONS_DIR, data_key, kept_decision
from sna.assessment.partners import AreaPartners, area_partners
from sna.assessment.priorities import AreaPriorities, area_priorities
from sna.data.config import Config
from sna.data.manifest import Coverage, format_months
from sna.data.processed import Processed
from sna.stats.suppression import suppress_counts

__all__ = [
    "DECISIONS_DIR",
    "AreaAssessment",
    "Heatmap",
    "area_decision",
    "assess_area",
    "decide_area",
    "decision_key",
    "heatmap",
    "masks_from_json",
    "masks_to_json",
]


@dataclass(frozen=True)
class Heatmap:
    """District x year average crimes per month for a crime group, and which cells are hidden.

    Attributes
    ----------
    group
        The crime group.
    average
        Seasonally adjusted average crimes per month (index district names, columns years).
    hidden
        True where the count behind a cell is hidden.
    months
        The months with data behind each year's column, in words (e.g. "Jun, Oct-Dec").
    method
        How the averages were made, in words.
    """

    group: str
    average: pd.DataFrame
    hidden: pd.DataFrame
    months: dict[int, str]
    method: str


@dataclass(frozen=True)
class AreaAssessment:
    """The figures of the area overview.

    Attributes
    ----------
    data
        The prepared data they come from.
    year
        The reporting year.
    coverage
        Months of the year with police.uk data.
    overview, overview_hidden
        Every district and the benchmark, and which of their counts are hidden.
    ranked
        The districts ranked by rate, each tested against the next.
    funnel
        Funnel-plot control limits around the benchmark rate over a grid of populations,
        adjusted for the variation between districts beyond chance.
    variation
        That variation (:func:`sna.stats.benchmark.overdispersion`: ``phi``, ``tau2``).
    outside_limits
        Districts whose rate lies outside the funnel's 99.8% limits at their population.
    heatmaps
        One per crime group (all crime first), years up to the reporting year.
    priorities
        Every district's priority scoring side by side, for the executive summary
        (:func:`~sna.assessment.priorities.area_priorities`).
    partners
        Partner indicators: published valid crimes against police.uk, heat-maps, trends and
        every data-quality warning (:func:`~sna.assessment.partners.area_partners`).
    """

    data: Processed
    year: int
    coverage: Coverage
    overview: pd.DataFrame
    overview_hidden: pd.Series
    ranked: pd.DataFrame
    funnel: pd.DataFrame
    variation: pd.Series
    outside_limits: tuple[str, ...]
    heatmaps: tuple[Heatmap, ...]
    priorities: AreaPriorities
    partners: AreaPartners

    @property
    def benchmark(self) -> str:
        """The benchmark's name."""
        return self.data.config.benchmark.name


def heatmap(
    data: Processed, group: str, crime_types: Sequence[str], *, threshold: int, through: int
) -> Heatmap:
    """District x year seasonally adjusted crimes per month up to ``through``, and hidden cells.

    Years are compared on a seasonally adjusted average per month
    (:func:`sna.assessment.figures.seasonal_by_year`), with the months behind each year named.
    The suppression is decided on the yearly counts behind the averages (with secondary
    suppression), so a small count cannot be read off an average either.

    Examples
    --------
    >>> h = heatmap(data, "Robbery", ["Robbery"], threshold=4, through=2025)  # doctest: +SKIP
    >>> h.average.shape == h.hidden.shape  # doctest: +SKIP
    True
    """
    counts, average, method = figures.seasonal_by_year(
        data, crime_types=list(crime_types), through=through
    )
    hidden = suppress_counts(counts, threshold=threshold).mask
    months = {y: format_months(data.manifest.months_in(y), "ranges") for y in counts.columns}
    return Heatmap(group=group, average=average, hidden=hidden, months=months, method=method)


def decide_area(data: Processed, year: int, overview: pd.DataFrame | None = None) -> AreaMasks:
    """The suppression of the table of districts and of every district's linked tables for ``year``.

    Decided once for the area (:func:`sna.assessment.disclosure.area_masks`), so every report of
    the year shows the table of districts with the same cells hidden. When the previous year is
    a reporting year too (with data), its reports of the same build publish its full-year
    counts: its decision is kept and audited with this year's, so that its counts minus this
    year's like-for-like ``before`` (its months not compared) give no small count away.
    """
    config = data.config
    if overview is None:
        overview = figures.district_overview(data, year)
    types = {d.name: figures.crime_type_table(data, d.code, year)[0] for d in config.districts}
    previous = None
    if year - 1 in config.reporting_years and len(data.manifest.months_in(year - 1)):
        previous = PreviousYear(
            overview=figures.district_overview(data, year - 1),
            types={
                d.name: figures.crime_type_table(data, d.code, year - 1)[0]
                for d in config.districts
            },
            masks=decide_area(data, year - 1),
        )
    return area_masks(
        overview,
        types,
        figures.group_members(config),
        benchmark=config.benchmark.name,
        all_crime=figures.ALL_CRIME,
        threshold=config.suppression_threshold,
        previous=previous,
    )


def assess_area(data: Processed, year: int) -> AreaAssessment:
    """Compute every figure of the area overview for ``year``.

    Examples
    --------
    >>> o = assess_area(load_processed("sna.toml"), 2025)  # doctest: +SKIP
    >>> o.overview.index[-1]  # doctest: +SKIP
    'Oxfordshire'
    """
    config = data.config
    bench = config.benchmark.name
    threshold = config.suppression_threshold
    overview = figures.district_overview(data, year)
    members = figures.group_members(config)
    per = figures.annual_per(data, year)
    variation = figures.between_districts(overview, benchmark=bench, per=per)
    decided = area_decision(data, year, overview)
    return AreaAssessment(
        data=data,
        year=year,
        coverage=data.manifest.coverage(year),
        overview=overview,
        overview_hidden=decided.overview,
        ranked=figures.rank_districts(overview, benchmark=bench, per=per),
        funnel=figures.funnel_grid(
            overview, benchmark=bench, per=per, tau2=float(variation["tau2"])
        ),
        variation=variation,
        outside_limits=figures.outside_funnel(
            overview, benchmark=bench, per=per, tau2=float(variation["tau2"])
        ),
        heatmaps=tuple(
            heatmap(data, group, types, threshold=threshold, through=year)
            for group, types in members.items()
        ),
        priorities=area_priorities(data, year, decided),
        partners=area_partners(data, year),
    )


def area_decision(data: Processed, year: int, overview: pd.DataFrame | None = None) -> AreaMasks:
    """:func:`decide_area`'s result for ``year``, computed once per build and read by every report.

    The decision is the same for every report of the year, and computing it (every district's
    crime-type tables, this year's and the previous one's, and the audit) was about 40% of a
    district's assessment. The first report of a year computes it and writes it atomically to
    ``<processed>/.sna-assessment/area-<year>-<key>.json``; the others read it. The key
    (:func:`decision_key`) covers everything the decision is made from: the content of every
    frame of the prepared data, the manifest, the config, the year, the code of sna's data,
    statistics and assessment layers and the versions of the libraries they use.

    A stale or damaged entry never changes a report: an entry is used only when it is for this
    key, its checksum matches and it fits the table of districts and the config; otherwise, or
    when the prepared data cannot be keyed, the decision is computed again. A processed folder
    that cannot be written is no error: nothing is kept.

    Parameters
    ----------
    data
        Prepared data.
    year
        The reporting year.
    overview
        ``figures.district_overview(data, year)`` when the caller has it (saves computing it).

    Examples
    --------
    >>> masks = area_decision(load_processed("sna.toml"), 2025)  # doctest: +SKIP
    >>> bool(masks.overview["Oxford"])  # doctest: +SKIP
    False
    """
    return kept_decision(
        data,
        f"area-{int(year)}",
        lambda: decide_area(data, year, overview),
        encode=masks_to_json,
        decode=masks_from_json,
        fits=lambda masks: _fits(masks, data.config, overview),
        same=_same_masks,
        year=int(year),
    )


def decision_key(data: Processed, year: int) -> str:
    """The key of ``year``'s area decision (:func:`sna.assessment.kept.data_key`); "" if unknown.

    Examples
    --------
    >>> decision_key(data, 2025) == decision_key(data, 2025) != decision_key(data, 2024)  # doctest: +SKIP
    True
    """
    return data_key(data, year=int(year))


def _fits(masks: AreaMasks, config: Config, overview: pd.DataFrame | None) -> bool:
    """Whether a kept decision is shaped for these districts, crime groups and table of districts."""
    names = [d.name for d in config.districts]
    groups = list(figures.group_members(config))
    return (
        list(masks.linked) == names
        and all(list(m.groups.index) == groups for m in masks.linked.values())
        and (overview is None or masks.overview.index.equals(overview.index))
    )


def masks_to_json(masks: AreaMasks) -> dict[str, Any]:
    """An area decision as JSON values: each mask's labels, their types and its booleans.

    Examples
    --------
    >>> m = AreaMasks(overview=pd.Series([False, True], index=["A", "Area"]), linked={})
    >>> masks_to_json(m)["overview"]["values"]
    [False, True]
    """
    return {
        "overview": _series_json(masks.overview),
        "linked": {
            district: {"types": _frame_json(m.types), "groups": _frame_json(m.groups)}
            for district, m in masks.linked.items()
        },
        "note": masks.note,
    }


def masks_from_json(decision: Mapping[str, Any]) -> AreaMasks:
    """The area decision written by :func:`masks_to_json`.

    Examples
    --------
    >>> m = AreaMasks(overview=pd.Series([False, True], index=["A", "Area"]), linked={})
    >>> masks_from_json(masks_to_json(m)).overview.tolist()
    [False, True]
    """
    return AreaMasks(
        overview=_series_from(decision["overview"]),
        linked={
            district: LinkedMasks(types=_frame_from(m["types"]), groups=_frame_from(m["groups"]))
            for district, m in decision["linked"].items()
        },
        note=str(decision["note"]),
    )


def _axis_json(index: pd.Index) -> dict[str, Any]:
    return {"labels": index.tolist(), "name": index.name, "dtype": str(index.dtype)}


def _axis_from(axis: Mapping[str, Any]) -> pd.Index:
    return pd.Index(axis["labels"], name=axis["name"], dtype=axis["dtype"])


def _series_json(mask: pd.Series) -> dict[str, Any]:
    return {"index": _axis_json(mask.index), "name": mask.name, "values": mask.tolist()}


def _series_from(mask: Mapping[str, Any]) -> pd.Series:
    return pd.Series(mask["values"], index=_axis_from(mask["index"]), name=mask["name"], dtype=bool)


def _frame_json(mask: pd.DataFrame) -> dict[str, Any]:
    return {
        "index": _axis_json(mask.index),
        "columns": _axis_json(mask.columns),
        "values": mask.to_numpy(dtype=bool).tolist(),
    }


def _frame_from(mask: Mapping[str, Any]) -> pd.DataFrame:
    index, columns = _axis_from(mask["index"]), _axis_from(mask["columns"])
    return pd.DataFrame(mask["values"], index=index, columns=columns, dtype=bool)


def _same_masks(a: AreaMasks, b: AreaMasks) -> bool:
    """Whether two decisions are the same: values, labels, label types and names."""
    return (
        _same(a.overview, b.overview)
        and a.note == b.note
        and list(a.linked) == list(b.linked)
        and all(
            _same(a.linked[d].types, b.linked[d].types)
            and _same(a.linked[d].groups, b.linked[d].groups)
            for d in a.linked
        )
    )


def _same(a: pd.Series | pd.DataFrame, b: pd.Series | pd.DataFrame) -> bool:
    axes = [(a.index, b.index)]
    if isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame):
        axes.append((a.columns, b.columns))
        if not a.dtypes.equals(b.dtypes):
            return False
    elif isinstance(a, pd.Series) and isinstance(b, pd.Series):
        if a.name != b.name or a.dtype != b.dtype:
            return False
    else:
        return False
    return a.equals(b) and all(
        x.equals(y) and x.dtype == y.dtype and x.names == y.names for x, y in axes
    )
