"""One district report's figures, computed once, with their suppression decided once.

:func:`assess_district` composes :mod:`sna.assessment.figures` and :mod:`sna.assessment.disclosure`
into a frozen :class:`DistrictAssessment`. Everything a district report shows, from the key
findings to the alt text of a chart, is read from it, so the tables, sentences and charts of a
report cannot disagree about a figure or about which cells are hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sna.assessment import figures, places
from sna.assessment.area import area_decision, heatmap
from sna.assessment.disclosure import LinkedMasks, count_mask, hide_monthly, hide_rates
from sna.assessment.outcomes import Outcomes, assess_outcomes
from sna.assessment.partners import DistrictPartners, district_partners
from sna.assessment.peers import PeerAssessment, assess_peers, hidden_rows, peer_ratios
from sna.assessment.priorities import Priorities, district_priorities, kept_priorities
from sna.data.config import District
from sna.data.geography import Polygon, read_boundaries
from sna.data.manifest import Coverage
from sna.data.processed import Processed
from sna.stats.change import LikeForLike
from sna.stats.concentration import concentration_summary, persistent_hotspots, top_areas
from sna.stats.deprivation import deprivation_correlation, deprivation_rate_ratio
from sna.stats.forecast import monthly_forecast
from sna.stats.trends import SeasonalTrend, seasonal_trend

__all__ = ["DistrictAssessment", "assess_district"]


@dataclass(frozen=True)
class DistrictAssessment:
    """The figures of one district report.

    Attributes
    ----------
    data
        The prepared data they come from.
    district
        The district.
    year
        The reporting year.
    coverage
        Months of the year with police.uk data.
    overview, overview_hidden
        Every district and the benchmark (:func:`~sna.assessment.figures.district_overview`),
        and which of their counts are hidden.
    ranked
        The districts ranked by rate, each tested against the next
        (:func:`~sna.assessment.figures.rank_districts`).
    groups, types, compared, hidden
        Crime groups and crime types with change on the previous year, what was compared, and the
        one suppression decision shared by every table of them.
    monthly, forecast
        Recorded crime per month up to the reporting year, and its 12-month forecast.
    trend
        The trend over the years with data, allowing for season, and the seasonal profile
        (:func:`sna.stats.trends.seasonal_trend`).
    monthly_hidden
        True when the chart of counts per month is left out (a month with a small count, or a
        year's count it adds up to hidden; :func:`~sna.assessment.disclosure.hide_monthly`).
    lsoas
        LSOA counts with the configured deprivation decile.
    correlation, ratio
        Deprivation and crime: Spearman correlation and most-against-least deprived rate ratio.
    by_decile
        Rate by deprivation decile with small counts hidden.
    deprived_hotspots, deprived_hidden
        High-rate, highly deprived LSOAs and which of their counts are hidden.
    concentration
        How concentrated crime is across LSOAs.
    top, top_hidden
        The 10 LSOAs with most crime and which of their counts are hidden.
    persistent
        LSOAs in the top 10% in every year with data.
    priorities
        Every crime type and crime group scored on volume, rate against the benchmark, trend,
        harm and concentration, and each partner indicator on the criteria that apply to it
        (:func:`~sna.assessment.priorities.district_priorities`).
    partners
        Partner indicators of the district and the area, with intervals, trends, heat-maps and
        data-quality warnings (:func:`~sna.assessment.partners.district_partners`).
    outcomes
        police.uk outcomes of the year's crimes by crime type, with shares, the benchmark and
        their suppression (:func:`~sna.assessment.outcomes.assess_outcomes`); None when the
        prepared data have no outcomes.
    peers
        The district against the rest of the benchmark area, the rest of its police force area
        and its most similar districts in England (:func:`~sna.assessment.peers.assess_peers`),
        with the rows whose counts are hidden here hidden there too.
    map_rates, map_hidden, map_shapes
        Crime rate per 1,000 residents a year of every area of the district's map
        (:func:`~sna.assessment.places.map_rates`), which are hidden (small counts, and enough
        others that none can be worked out from the district's total), and the 2021 LSOA
        boundaries that draw them (LSOA code to polygons; an LSOA the boundary file lacks is
        absent).

    LSOAs are named by ward in every table: "Carfax & Jericho (Oxford 008A)"
    (:func:`~sna.assessment.places.place_names`).
    """

    data: Processed
    district: District
    year: int
    coverage: Coverage
    overview: pd.DataFrame
    overview_hidden: pd.Series
    ranked: pd.DataFrame
    groups: pd.DataFrame
    types: pd.DataFrame
    compared: LikeForLike
    hidden: LinkedMasks
    monthly: pd.Series
    forecast: pd.DataFrame
    trend: SeasonalTrend
    monthly_hidden: bool
    lsoas: pd.DataFrame
    correlation: pd.Series
    ratio: pd.Series
    by_decile: pd.DataFrame
    deprived_hotspots: pd.DataFrame
    deprived_hidden: pd.Series
    concentration: pd.Series
    top: pd.DataFrame
    top_hidden: pd.Series
    persistent: pd.DataFrame
    priorities: Priorities
    partners: DistrictPartners
    outcomes: Outcomes | None
    map_rates: pd.DataFrame
    map_hidden: pd.Series
    map_shapes: dict[str, list[Polygon]]
    peers: PeerAssessment

    @property
    def threshold(self) -> int:
        """The suppression threshold: counts from 1 to this are hidden."""
        return self.data.config.suppression_threshold

    @property
    def benchmark(self) -> str:
        """The benchmark's name."""
        return self.data.config.benchmark.name

    @property
    def domain(self) -> str:
        """The deprivation domain the deciles come from."""
        return self.data.config.deprivation_domain


def _deciles(lsoas: pd.DataFrame, threshold: int, per: float) -> pd.DataFrame:
    """Rates by deprivation decile with small counts hidden, LSOAs per decile, and the index."""
    rates = figures.rate_by_decile_counts(lsoas, per=per)
    out = hide_rates(rates, threshold=threshold).assign(n_lsoas=figures.lsoas_by_decile(lsoas))
    out.attrs = dict(rates.attrs)
    return out


def assess_district(data: Processed, district: str, year: int) -> DistrictAssessment:
    """Compute every figure of a district report, and decide its suppression once.

    Parameters
    ----------
    data
        Prepared data (:func:`sna.data.processed.load_processed`).
    district
        The district's ONS code (or its name, as in the config).
    year
        The reporting year.

    Returns
    -------
    DistrictAssessment

    Raises
    ------
    sna.errors.ConfigError
        If the district is not in the config.

    Examples
    --------
    >>> a = assess_district(load_processed("sna.toml"), "E07000178", 2025)  # doctest: +SKIP
    >>> int(a.overview.loc["Oxford", "count"])  # doctest: +SKIP
    16455
    """
    config = data.config
    area = config.district(district)
    threshold = config.suppression_threshold
    overview = figures.district_overview(data, year)
    groups, compared = figures.crime_group_table(data, area.code, year)
    types, _ = figures.crime_type_table(data, area.code, year)
    groups, types = figures.control_false_discoveries(groups, types)
    monthly = figures.monthly_counts(data, area.code, through=year)
    lsoas = figures.deprivation_frame(data, area.code, year)
    domain = config.deprivation_domain
    per = figures.annual_per(data, year)  # LSOA rates are per 1,000 residents a year too
    hotspots = figures.deprived_hotspot_table(lsoas, domain=domain, per=per)
    top = top_areas(lsoas.set_index("lsoa_name"), n=10, by="count", per=per)
    persistent = persistent_hotspots(figures.lsoa_by_year(data, area.code, through=year))
    names = places.place_names(data.lsoas[data.lsoas["district_code"] == area.code])
    top, hotspots, persistent = (t.rename(index=names) for t in (top, hotspots, persistent))
    map_rates = places.map_rates(data, area.code, year)
    map_codes = {c for codes in map_rates["lsoa21_codes"] for c in codes}
    decided = area_decision(data, year, overview)  # once per build, read by every report
    years = heatmap(
        data, figures.ALL_CRIME, figures.CRIME_ONLY, threshold=threshold, through=year
    ).hidden.loc[area.name]
    overview_hidden = decided.overview
    linked = decided.linked[area.name]
    peer_result = assess_peers(data, area.code, year, hidden=hidden_rows(linked))
    partner_figures = district_partners(data, area.code, year)
    return DistrictAssessment(
        data=data,
        district=area,
        year=year,
        coverage=data.manifest.coverage(year),
        overview=overview,
        overview_hidden=overview_hidden,
        ranked=figures.rank_districts(
            overview, benchmark=config.benchmark.name, per=figures.annual_per(data, year)
        ),
        groups=groups,
        types=types,
        compared=compared,
        hidden=decided.linked[area.name],
        monthly=monthly,
        forecast=monthly_forecast(monthly),
        trend=seasonal_trend(monthly, figures.population_by_year(data, area.name)),
        monthly_hidden=hide_monthly(
            monthly,
            threshold=threshold,
            year_hidden=bool(overview_hidden[area.name] or years.any()),
        ),
        lsoas=lsoas,
        correlation=deprivation_correlation(lsoas, domain=domain),
        ratio=deprivation_rate_ratio(lsoas, domain=domain),
        by_decile=_deciles(lsoas, threshold, per),
        deprived_hotspots=hotspots,
        deprived_hidden=count_mask(hotspots["count"], threshold=threshold, external_total=False),
        concentration=concentration_summary(lsoas["count"]),
        top=top,
        top_hidden=count_mask(top["count"], threshold=threshold, external_total=False),
        persistent=persistent,
        priorities=kept_priorities(  # once per build: the overview scores every district too
            data,
            area,
            year,
            lambda: district_priorities(
                data,
                area,
                year,
                types=types,
                groups=groups,
                hidden=decided.linked[area.name],
                peers=peer_ratios(peer_result),
                partners=partner_figures,
            ),
        ),
        partners=partner_figures,
        outcomes=assess_outcomes(
            data,
            area.code,
            year,
            hidden_totals=pd.concat(
                [
                    decided.linked[area.name].types["count"],
                    pd.Series({figures.ALL_CRIME: bool(overview_hidden[area.name])}),
                ]
            ),
        ),
        map_rates=map_rates,
        map_hidden=places.map_hidden(map_rates, threshold=threshold),
        map_shapes=read_boundaries(config.sources.boundaries, map_codes),
        peers=peer_result,
    )
