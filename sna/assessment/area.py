"""The area overview's figures: the districts side by side, computed once with their suppression.

:func:`assess_area` returns a frozen :class:`AreaAssessment` that the overview report reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from sna.assessment import figures
from sna.assessment.disclosure import AreaMasks, PreviousYear, area_masks
from sna.assessment.partners import AreaPartners, area_partners
from sna.assessment.priorities import AreaPriorities, area_priorities
from sna.data.manifest import Coverage, format_months
from sna.data.processed import Processed
from sna.stats.suppression import suppress_counts

__all__ = ["AreaAssessment", "Heatmap", "assess_area", "decide_area", "heatmap"]


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
    decided = decide_area(data, year, overview)
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
