"""The words and small tables around the figures: key findings, captions, notes and alt text.

Functions here turn results from :mod:`sna.assessment.figures` and the statistics modules into plain
English for reports. Claims of significance, direction and rank come only from the tests'
results; sentences built from change use :mod:`sna.report.narrative`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sna.assessment.figures import (
    ALL_CRIME,
    coverage,
    crime_group_table,
    district_overview,
    group_by_year,
)
from sna.data.config import Config, District
from sna.data.processed import Processed
from sna.report import narrative
from sna.stats.benchmark import funnel_limits, rank_areas
from sna.stats.change import LikeForLike, month_runs
from sna.stats.rates import rate_ci
from sna.stats.suppression import suppress_counts, suppression_note

__all__ = [
    "deprived_hotspot_table",
    "describe_deciles",
    "describe_deprivation",
    "describe_heatmap",
    "describe_monthly",
    "describe_rates",
    "district_links",
    "funnel_grid",
    "heatmap_table",
    "key_findings",
    "months_label",
    "overview_findings",
    "overview_subtitle",
    "period_label",
    "persistent_table",
    "rate_by_decile",
    "report_subtitle",
    "table_notes",
]


def report_subtitle(config: Config, area: District, year: int, date: dt.date) -> str:
    """The line under a district report's title."""
    return (
        f"{config.name}. Police recorded crime and anti-social behaviour in {area.name} "
        f"({area.code}) in {year}, compared with {config.benchmark.name}. Report produced {date:%d %B %Y}."
    )


def overview_subtitle(config: Config, year: int, date: dt.date) -> str:
    """The line under the area overview's title."""
    names = ", ".join(d.name for d in config.districts)
    return f"{config.name}. Districts: {names}. Benchmark: {config.benchmark.name}. Report produced {date:%d %B %Y}."


def table_notes(data: Processed, year: int) -> str:
    """Footnote for count tables: suppression, population source and months covered."""
    pops = data.populations[data.populations["year"] == year]
    source = pops["source"].iloc[0] if len(pops) else "not available"
    cover = coverage(data, year)
    months = (
        "all 12 months"
        if cover.complete
        else f"{len(cover.present)} of 12 months (missing: {', '.join(cover.missing)})"
    )
    return (
        f"{suppression_note(data.config.suppression_threshold)} Population: {source}. "
        f"Source: police.uk street-level crime, {months} of {year}."
    )


def period_label(data: Processed, year: int) -> str:
    """The reporting period as readers should read it: "2025", or with its months when some are
    missing, e.g. "2025 (11 months with data: Jan-Jun, Aug-Dec)"."""
    cover = coverage(data, year)
    if cover.complete:
        return str(year)
    names = [dt.date(year, int(m[5:]), 1).strftime("%B") for m in cover.present]
    return f"{year} ({len(names)} months with data: {_short_months(names)})"


def _short_months(names: list[str]) -> str:
    """["January", "February", "March", "June"] -> "Jan-Mar, Jun"."""
    abbr = [dt.date(2000, m, 1).strftime("%b") for m in range(1, 13)]
    return ", ".join(
        abbr[r[0] - 1] if len(r) == 1 else f"{abbr[r[0] - 1]}-{abbr[r[-1] - 1]}"
        for r in month_runs(names)
    )


def months_label(compared: LikeForLike) -> str:
    """Short label of the months compared, e.g. "Jan-Apr" or "Jan-Jun, Aug-Dec"."""
    if not compared.months_compared:
        return "no common months"
    return _short_months(compared.months_compared)


def key_findings(data: Processed, district: str, year: int) -> list[str]:
    """The key findings of a district report, as plain sentences.

    Covers: coverage caveat, the district's crime count and rate against the benchmark, its rank
    among the districts where the intervals support one, the change in all crime and in each
    crime group on the previous year (like for like), and anti-social behaviour.
    """
    config = data.config
    out: list[str] = []
    cover = coverage(data, year)
    if not cover.complete:
        out.append(cover.note)
    overview = district_overview(data, year)
    row = overview.loc[district]
    threshold = config.suppression_threshold
    if row["count"] > threshold and not np.isnan(row["rate"]):
        out.append(
            f"{district} had {int(row['count']):,} recorded crimes (excluding anti-social "
            f"behaviour) in {period_label(data, year)}: {row['rate']:.1f} per 1,000 residents "
            f"(95% confidence interval {row['lower95']:.1f} to {row['upper95']:.1f})."
        )
        out.append(
            narrative.describe_benchmark(district, row, benchmark_name=config.benchmark.name)
        )
        districts = overview.drop(index=config.benchmark.name)
        out.append(
            narrative.describe_rank(
                district, rank_areas(districts["count"], districts["population"])
            )
        )
    groups, compared = crime_group_table(data, district, year)
    if compared.months_compared:
        out.append(compared.note)
        for group, change in groups.iterrows():
            if change["before"] > threshold and change["after"] > threshold:
                subject = "Recorded crime" if group == ALL_CRIME else str(group)
                out.append(
                    narrative.describe_change(
                        district, subject, change, previous_label=str(year - 1)
                    )
                )
    else:
        out.append(f"There are no police.uk data for {year - 1} to compare {year} with.")
    return out


def overview_findings(data: Processed, overview: pd.DataFrame, year: int) -> list[str]:
    """Key findings of the area overview: each district against the benchmark, and ranks."""
    bench = data.config.benchmark.name
    out = [coverage(data, year).note] if not coverage(data, year).complete else []
    districts = overview.drop(index=bench)
    for name, row in districts.iterrows():
        out.append(narrative.describe_benchmark(str(name), row, benchmark_name=bench))
    ranked = rank_areas(districts["count"], districts["population"])
    out.append(narrative.describe_rank(str(ranked.index[0]), ranked))
    return out


def describe_rates(overview: pd.DataFrame, *, benchmark: str, period: str) -> str:
    """Alt text for a chart of district rates; ``period`` from :func:`period_label`."""
    parts = [f"{name} {row['rate']:.1f}" for name, row in overview.drop(index=benchmark).iterrows()]
    return (
        f"Crime rate per 1,000 residents in {period} by district: {'; '.join(parts)}. "
        f"{benchmark} overall: {overview.loc[benchmark, 'rate']:.1f}."
    )


def describe_monthly(monthly: pd.Series, forecast: pd.DataFrame, *, area: str) -> str:
    """Alt text for the monthly trend chart."""
    first, last = monthly.index.min(), monthly.index.max()
    text = (
        f"Line chart of recorded crime per month in {area} from {first:%B %Y} to {last:%B %Y}, "
        f"{len(monthly)} months with data, between {monthly.min():,} and {monthly.max():,} crimes a month."
    )
    if len(forecast):
        text += (
            f" The forecast for the next {len(forecast)} months is around {forecast['forecast'].mean():,.0f} a month"
            f" (95% prediction interval {forecast['lower'].min():,.0f} to {forecast['upper'].max():,.0f})."
        )
    return text


def describe_deprivation(correlation: pd.Series, ratio: pd.Series) -> list[str]:
    """Sentences on deprivation and crime (domain named; significance only where tested)."""
    out = [narrative.describe_correlation(correlation), narrative.describe_deprivation_ratio(ratio)]
    if correlation["n_excluded"]:
        out.append(
            f"{int(correlation['n_excluded'])} neighbourhoods are left out: their 2021 LSOA codes have no "
            "IoD2019 deprivation (published for 2011 LSOAs)."
        )
    return out


def rate_by_decile(lsoas: pd.DataFrame, *, threshold: int) -> pd.DataFrame:
    """Crime rate per 1,000 by deprivation decile (1-10), with 95% intervals.

    A decile whose count is suppressed (1 to ``threshold``, or hidden to protect one) has no rate,
    so that no chart bar reveals a small count through rate times population.
    """
    matched = lsoas.dropna(subset=["decile"])
    sums = matched.groupby(matched["decile"].astype(int))[["count", "population"]].sum()
    sums = sums.reindex(range(1, 11), fill_value=0)
    ci = rate_ci(sums["count"], sums["population"].replace(0, np.nan))
    hidden = suppress_counts(sums[["count"]], threshold=threshold).mask["count"]
    out = pd.DataFrame({"rate": ci["value"], "lower": ci["lower"], "upper": ci["upper"]})
    return out.mask(hidden).assign(count=sums["count"].mask(hidden), suppressed=hidden)


def describe_deciles(by_decile: pd.DataFrame, *, domain: str) -> str:
    """Alt text for the rate-by-decile chart (from :func:`rate_by_decile`)."""
    parts = [
        f"decile {d}: {'suppressed' if row['suppressed'] else format(row['rate'], '.1f')}"
        for d, row in by_decile.iterrows()
        if row["suppressed"] or not pd.isna(row["rate"])
    ]
    return (
        f"Bar chart of crime rate per 1,000 residents by {domain} deprivation decile: "
        f"{'; '.join(parts)}."
    )


def deprived_hotspot_table(lsoas: pd.DataFrame, *, domain: str) -> pd.DataFrame:
    """High-rate, highly deprived LSOAs shaped for :func:`sna.report.tables.top_areas_table`."""
    from sna.stats.deprivation import deprived_hotspots

    hot = deprived_hotspots(lsoas, domain=domain)
    columns = ["count", "population", "population_source", "rate", "lower", "upper", "decile"]
    return hot.set_index("lsoa_name")[columns]


def persistent_table(persistent: pd.DataFrame) -> pd.DataFrame:
    """Persistent hotspots as a published table: years in the top 10%, no counts."""
    years = [c for c in persistent.columns if isinstance(c, int | np.integer)]
    rows = persistent[persistent["periods_in_top"] == persistent["n_periods"]]
    table = pd.DataFrame(
        {str(y): np.where(rows[y].fillna(False).astype(bool), "Top 10%", "") for y in years},
        index=rows.index,
    )
    table.index.name = "LSOA"
    return table


def funnel_grid(overview: pd.DataFrame, *, benchmark: str) -> pd.DataFrame:
    """Funnel-plot control limits over a smooth grid of populations around the districts'."""
    pops = overview.drop(index=benchmark)["population"]
    grid = np.geomspace(pops.min() * 0.5, pops.max() * 1.5, 120)
    limits = funnel_limits(overview.loc[benchmark, "rate"], grid)
    return limits.assign(population=grid) if "population" not in limits else limits


def heatmap_table(
    data: Processed, *, crime_types: tuple[str, ...] | list[str], threshold: int, through: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """District x year average crimes per month up to ``through``, and which cells are suppressed.

    The suppression is decided on the yearly counts behind the averages (with secondary
    suppression), so a small count cannot be read off an average either.
    """
    types = list(crime_types)
    counts = group_by_year(data, crime_types=types, per_month=False, through=through)
    hidden = suppress_counts(counts, threshold=threshold).mask
    average = group_by_year(data, crime_types=types, per_month=True, through=through)
    return average, hidden


def describe_heatmap(average: pd.DataFrame, hidden: pd.DataFrame, *, group: str) -> str:
    """Alt text for a heat-map: each district's monthly averages by year."""
    parts = []
    for district, row in average.iterrows():
        cells = [
            f"{y}: {'suppressed' if hidden.loc[district, y] else format(v, ',.1f')}"
            for y, v in row.items()
        ]
        parts.append(f"{district} ({', '.join(cells)})")
    return (
        f"Heat-map of {group.lower()}, average per month by district and year: "
        + "; ".join(parts)
        + "."
    )


def district_links(config: Config, year: int) -> list[tuple[str, str]]:
    """Links from the overview to the district reports of the same year (relative URLs)."""
    from sna.build.plan import slugify

    return [(f"{d.name} ({d.code})", f"{slugify(d.name)}.html") for d in config.districts]
