"""The area overview's figures: the districts side by side, computed once with their suppression.

:func:`assess_area` returns a frozen :class:`AreaAssessment` that the overview report reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from sna.assessment import figures
from sna.assessment.disclosure import AreaMasks, area_masks
from sna.data.manifest import Coverage
from sna.data.processed import Processed
from sna.stats.suppression import suppress_counts

__all__ = ["AreaAssessment", "Heatmap", "assess_area", "decide_area", "heatmap"]


@dataclass(frozen=True)
class Heatmap:
    """District x year average crimes per month for a crime group, and which cells are hidden."""

    group: str
    average: pd.DataFrame
    hidden: pd.DataFrame


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
    funnel
        Funnel-plot control limits around the benchmark rate over a grid of populations.
    heatmaps
        One per crime group (all crime first), years up to the reporting year.
    """

    data: Processed
    year: int
    coverage: Coverage
    overview: pd.DataFrame
    overview_hidden: pd.Series
    funnel: pd.DataFrame
    heatmaps: tuple[Heatmap, ...]

    @property
    def benchmark(self) -> str:
        """The benchmark's name."""
        return self.data.config.benchmark.name


def heatmap(
    data: Processed, group: str, crime_types: Sequence[str], *, threshold: int, through: int
) -> Heatmap:
    """District x year average crimes per month up to ``through``, and which cells are hidden.

    The suppression is decided on the yearly counts behind the averages (with secondary
    suppression), so a small count cannot be read off an average either.

    Examples
    --------
    >>> h = heatmap(data, "Robbery", ["Robbery"], threshold=4, through=2025)  # doctest: +SKIP
    >>> h.average.shape == h.hidden.shape  # doctest: +SKIP
    True
    """
    types = list(crime_types)
    counts = figures.group_by_year(data, crime_types=types, per_month=False, through=through)
    hidden = suppress_counts(counts, threshold=threshold).mask
    average = figures.group_by_year(data, crime_types=types, per_month=True, through=through)
    return Heatmap(group=group, average=average, hidden=hidden)


def decide_area(data: Processed, year: int, overview: pd.DataFrame | None = None) -> AreaMasks:
    """The suppression of the table of districts and of every district's linked tables for ``year``.

    Decided once for the area (:func:`sna.assessment.disclosure.area_masks`), so every report of
    the year shows the table of districts with the same cells hidden.
    """
    config = data.config
    if overview is None:
        overview = figures.district_overview(data, year)
    types = {d.name: figures.crime_type_table(data, d.code, year)[0] for d in config.districts}
    return area_masks(
        overview,
        types,
        figures.group_members(config),
        benchmark=config.benchmark.name,
        all_crime=figures.ALL_CRIME,
        threshold=config.suppression_threshold,
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
    return AreaAssessment(
        data=data,
        year=year,
        coverage=data.manifest.coverage(year),
        overview=overview,
        overview_hidden=decide_area(data, year, overview).overview,
        funnel=figures.funnel_grid(overview, benchmark=bench),
        heatmaps=tuple(
            heatmap(data, group, types, threshold=threshold, through=year)
            for group, types in members.items()
        ),
    )
