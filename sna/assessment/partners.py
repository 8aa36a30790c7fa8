"""Partner indicators in the reports: figures as published, with intervals, trends and checks.

Computed once per report from :attr:`sna.data.processed.Processed.partners`: for a district and
year, the figures of the district and of the whole area, with Wilson intervals for shares
(:func:`sna.stats.rates.proportion_ci`), rates per 1,000 residents a year with their intervals
where the denominator is a population (:func:`sna.stats.rates.rate_ci`), trends over at least three
years (:func:`sna.stats.trends.annual_trend`), district x year tables for heat-maps, and each
data-quality warning beside its figure. Small counts are hidden by the rules of every other table
(:func:`sna.assessment.disclosure.count_mask`, :func:`sna.stats.suppression.suppress_counts`),
and one decision (:func:`partner_hidden`) covers every report: a district's figure, the other
districts' and the area's, and the numbers of the warnings, so that no hidden count follows from
a total shown anywhere.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sna.assessment.disclosure import count_mask
from sna.assessment.kept import kept_decision
from sna.data.partner_checks import AREA
from sna.data.partners import RECORDED_CRIME
from sna.data.processed import Processed
from sna.stats.group_suppression import suppress_linked
from sna.stats.rates import proportion_ci, rate_ci
from sna.stats.suppression import suppress_counts
from sna.stats.trends import annual_trend

__all__ = [
    "WITHHELD",
    "AreaPartners",
    "DistrictPartners",
    "PartnerHeatmap",
    "RecordedCrime",
    "area_partners",
    "district_partners",
    "marked_partners",
    "partner_decision",
    "partner_estimates",
    "partner_heatmaps",
    "partner_hidden",
    "partner_trends",
    "recorded_crime",
    "withheld_checks",
]

_FIGURE = ["period", "area_code", "indicator"]
_ACROSS = ["period", "indicator", "category"]
_GROUP_KINDS = ("total", "percent", "percent_total")
"""Warnings whose numbers come from the other categories of the figure (their sum)."""


@dataclass(frozen=True)
class PartnerHeatmap:
    """One partner indicator by district (rows) and year (columns), and its hidden cells."""

    indicator: str
    counts: pd.DataFrame
    hidden: pd.DataFrame
    source: str


@dataclass(frozen=True)
class DistrictPartners:
    """The partner figures of one district report.

    Attributes
    ----------
    year
        The year whose figures are shown: the reporting year, or the latest earlier year with
        partner figures for the district or the area when the reporting year has none (None
        when there are none at all).
    figures
        Figures of that year for the district and the whole area, with estimates
        (:func:`partner_estimates`) and ``warning`` (its data-quality warnings, joined).
    checks
        The data-quality warnings of those figures.
    trends
        Trends of the district's indicators with at least three years (:func:`partner_trends`).
    heatmaps
        Indicators with figures for several districts and years, up to the reporting year.
    """

    year: int | None
    figures: pd.DataFrame
    checks: pd.DataFrame
    trends: pd.DataFrame
    heatmaps: tuple[PartnerHeatmap, ...]


@dataclass(frozen=True)
class RecordedCrime:
    """Published "valid crimes" against police.uk street-level crimes, by district, for one year.

    Attributes
    ----------
    year
        The calendar year compared.
    table
        Indexed by district name, then the area: ``valid_crimes`` (as published),
        ``police_uk`` (crimes in the police.uk street files of the year's months with data, all
        types but anti-social behaviour), ``police_uk_annual`` (that count x 12 / months),
        ``difference`` (valid crimes minus the annualised count), ``ratio`` (valid crimes /
        annualised count) and ``hidden``. The area row's ``valid_crimes`` is its printed total.
    months
        The months of the year with police.uk data.
    source
        The source of the published figures.
    checks
        Data-quality warnings of the published figures.
    """

    year: int
    table: pd.DataFrame
    months: tuple[pd.Period, ...]
    source: str
    checks: pd.DataFrame


@dataclass(frozen=True)
class AreaPartners:
    """The partner figures of the area overview.

    Attributes
    ----------
    recorded_crime
        Valid crimes against police.uk, for the latest year up to the reporting year with both
        (None when there is no such year).
    heatmaps
        Indicators by district and year, up to the reporting year.
    trends
        Trends of every district's indicators with at least three years.
    checks
        Every data-quality warning of the partner data, all years, with ``hidden``: whether
        the figure it concerns is hidden (its warning must then not give the count away).
    """

    recorded_crime: RecordedCrime | None
    heatmaps: tuple[PartnerHeatmap, ...]
    trends: pd.DataFrame
    checks: pd.DataFrame


def _small(values: pd.Series, threshold: int) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    return numbers.between(1, threshold).fillna(False).astype(bool)


def partner_estimates(figures: pd.DataFrame, *, threshold: int) -> pd.DataFrame:
    """Shares, rates and hidden counts of partner figures.

    Parameters
    ----------
    figures
        Rows of ``partners.parquet`` (:data:`sna.data.partners.FIGURE_COLUMNS`).
    threshold
        Counts from 1 to this are hidden.

    Returns
    -------
    pandas.DataFrame
        ``figures`` with ``share``, ``share_lower95``, ``share_upper95`` (%, Wilson), the
        ``share_base`` they are of, ``rate``, ``rate_lower95``, ``rate_upper95`` (per 1,000
        residents a year; PHE method) and ``hidden``.

    Notes
    -----
    A share is a count over its denominator of type ``total``; for categories without one, over
    the figure's printed total, or the sum of its categories when they carry printed
    percentages (parts of a whole). A rate is a count over a ``population`` denominator,
    annualised by the period's months (residents x months / 12 person-years).

    A count from 1 to ``threshold`` is hidden, with what is derived from it. Categories that are
    parts of a whole are suppressed as one table with a published total (secondary
    suppression); a count with a ``total`` denominator is hidden when it, or the denominator
    minus it, is small.
    """
    out = figures.copy()
    count = pd.to_numeric(out["count"]).astype(float)
    base = pd.Series(np.nan, index=out.index)
    hidden = _small(out["count"], threshold)
    own = out["denominator_type"].eq("total") & out["denominator"].notna()
    base[own] = out.loc[own, "denominator"].astype(float)
    hidden |= own & _small(out["denominator"].astype(float) - count, threshold)
    for _, group in out.groupby(_FIGURE, sort=False):
        parts = group[group["category"].ne("") & ~group["is_total"] & ~own[group.index]]
        totals = group[group["is_total"]]
        whole = len(totals) > 0 or parts["published_percent"].ne("").any()
        if parts.empty or parts["count"].isna().any():
            continue
        if whole:
            printed = totals["count"].dropna()
            total = float(printed.iloc[0]) if len(printed) else float(parts["count"].sum())
            base[parts.index] = total
        if len(parts) > 1:
            mask = count_mask(
                parts["count"].astype(float).set_axis(parts["category"]),
                threshold=threshold,
                external_total=bool(whole),
            )
            hidden[parts.index] |= mask.to_numpy()
    usable = base.notna() & count.notna() & (count <= base)
    shares = proportion_ci(count[usable].astype(int), base[usable].astype(int))
    for column, source in (
        ("share", "value"),
        ("share_lower95", "lower95"),
        ("share_upper95", "upper95"),
    ):
        out[column] = (100 * shares[source]).reindex(out.index)
    out["share_base"] = base.where(usable)
    person_years = out["denominator"].astype(float) * out["months"].astype(float) / 12
    rated = out["denominator_type"].eq("population") & count.notna() & (person_years > 0)
    rates = rate_ci(count[rated].astype(int), person_years[rated], per=1000)
    for column, source in (
        ("rate", "value"),
        ("rate_lower95", "lower95"),
        ("rate_upper95", "upper95"),
    ):
        out[column] = rates[source].reindex(out.index)
    out["hidden"] = hidden.astype(bool)
    return out


def partner_hidden(
    figures: pd.DataFrame, district_codes: list[str], *, threshold: int
) -> pd.Series:
    """Which partner counts are hidden in every report: one decision for all of them.

    A reader sees a district's figures in its own report, the other districts' in theirs and in
    the heat-maps, the area's figure in every report, and the sums the data-quality warnings
    print. Each of these sums is an equation in the hidden counts, so they are decided together
    by :func:`sna.stats.group_suppression.suppress_linked` (primary suppression of counts from
    1 to ``threshold``, then secondary suppression until the integer-programming audit of
    :func:`sna.stats.disclosure.narrowed` narrows no small count to within 1 to ``threshold``).

    The sums a reader has:

    - the categories of a figure that are parts of a whole add up to its printed total when it
      equals their sum; otherwise (a different printed total, or printed percentages only) their
      sum is taken as published, as a warning or the percentages give it;
    - the districts' figures of an indicator, period and category add up to the area's printed
      figure when it equals their sum (then the area's figure may be hidden too); otherwise their
      sum is taken as published all the same (the safe assumption, as for the row and column
      totals of :func:`sna.stats.suppression.suppress_counts`).

    A count that :func:`partner_estimates` hides (a small count, or a count whose denominator
    minus it is small) stays hidden.

    Parameters
    ----------
    figures
        Every partner figure (:data:`sna.data.partners.FIGURE_COLUMNS`), with a unique index.
    district_codes
        The assessed districts' ONS codes.
    threshold
        Counts from 1 to this are hidden.

    Returns
    -------
    pandas.Series
        True where a figure's count is hidden, indexed like ``figures``.

    Examples
    --------
    A district count of 3 whose area total 150 equals the districts' sum: the next smallest
    district is hidden with it, so that "150 minus the districts shown" gives neither.

    >>> f = pd.DataFrame({
    ...     "period": "2024", "indicator": "Arson", "category": "", "is_total": False,
    ...     "area_code": ["A", "B", "C", AREA], "count": [3, 60, 87, 150],
    ...     "denominator": np.nan, "denominator_type": "", "published_percent": "",
    ...     "months": 12})
    >>> partner_hidden(f, ["A", "B", "C"], threshold=4).tolist()
    [True, True, False, False]
    """
    if not figures.index.is_unique:
        raise ValueError("partner figures must have a unique index")
    hidden = partner_estimates(figures, threshold=threshold)["hidden"].astype(bool)
    counted = figures[figures["count"].notna()]
    if counted.empty:
        return hidden
    cells: dict[tuple, float] = {("row", i): float(c) for i, c in counted["count"].items()}
    sums: list[tuple[tuple, list[tuple]]] = []
    published: dict[Hashable, bool] = {}

    def add(total: tuple | None, key: tuple, rows: pd.Index) -> None:
        members = [("row", i) for i in rows]
        added = sum(cells[m] for m in members)
        if total is None or cells[total] != added:
            total = key  # a sum the reader has (a warning's number, or taken as published)
            cells[total] = added
            published[total] = False  # shown: never hidden, never chosen to hide
        sums.append((total, members))

    own = counted["denominator_type"].eq("total") & counted["denominator"].notna()
    for key, group in counted.groupby(_FIGURE, sort=False):
        parts = group[group["category"].ne("") & ~group["is_total"] & ~own[group.index]]
        totals = group[group["is_total"]]
        if parts.empty or not (len(totals) or parts["published_percent"].ne("").any()):
            continue
        first = ("row", totals.index[0]) if len(totals) else None
        add(first, ("parts", *key), parts.index)
    districts = counted[counted["area_code"].isin(district_codes)]
    wholes = counted[counted["area_code"] == AREA].set_index(_ACROSS)
    for key, group in districts.groupby(_ACROSS, sort=False):
        if group["area_code"].nunique() < 2:
            continue
        whole = None
        if set(group["area_code"]) == set(district_codes) and key in wholes.index:
            match = counted.index[
                (counted["area_code"] == AREA)
                & counted[_ACROSS].eq(pd.Series(key, index=_ACROSS)).all(axis=1)
            ]
            whole = ("row", match[0])
        add(whole, ("districts", *key), group.index)
    decided = suppress_linked(
        pd.Series(list(cells.values()), index=pd.Index(list(cells), tupleize_cols=False)),
        sums,
        threshold=threshold,
        fixed=published,
    )
    linked = pd.Series(
        [bool(decided.hidden[("row", i)]) for i in counted.index], index=counted.index
    )
    return hidden | linked.reindex(hidden.index, fill_value=False)


def withheld_checks(
    checks: pd.DataFrame,
    figures: pd.DataFrame,
    hidden: pd.Series,
    district_codes: list[str],
) -> pd.Series:
    """Which warnings must be worded without their numbers.

    A warning gives away the counts it is worked out from: its own figure's (every kind), the
    other categories' of the figure (``total``, ``percent``, ``percent_total``: their sum) and
    the districts' (``area_total``: their sum). It is withheld when any of them is hidden.

    Parameters
    ----------
    checks
        Data-quality warnings (:data:`sna.data.partner_checks.CHECK_COLUMNS`).
    figures
        Every partner figure.
    hidden
        :func:`partner_hidden` of ``figures``.
    district_codes
        The assessed districts' ONS codes.

    Returns
    -------
    pandas.Series
        True where the warning is withheld, indexed like ``checks``.
    """
    marked = figures.assign(hidden=hidden.reindex(figures.index, fill_value=False))
    by_row = marked.set_index(["file", "row"])["hidden"]
    by_figure = marked.groupby(_FIGURE)["hidden"].any()
    districts = marked[marked["area_code"].isin(district_codes)]
    by_districts = districts.groupby(_ACROSS)["hidden"].any()
    flags = []
    for _, check in checks.iterrows():
        key = (check["file"], check["row"])
        secret = bool(by_row.get(key, False))
        source = marked[(marked["file"] == check["file"]) & (marked["row"] == check["row"])]
        if len(source):
            row = source.iloc[0]
            if check["kind"] in _GROUP_KINDS:
                secret |= bool(by_figure.get(tuple(row[_FIGURE]), False))
            if check["kind"] == "area_total":
                secret |= bool(by_districts.get(tuple(row[_ACROSS]), False))
        flags.append(secret)
    return pd.Series(flags, index=checks.index, dtype=bool)


def _yearly(figures: pd.DataFrame) -> pd.DataFrame:
    """Figures of whole calendar years with a count and no category: what trends are made of."""
    year_text = figures["period"].str.fullmatch(r"\d{4}")
    return figures[year_text & figures["category"].eq("") & figures["count"].notna()]


def partner_trends(figures: pd.DataFrame, *, threshold: int, through: int) -> pd.DataFrame:
    """Average annual change of each indicator and area with at least three years of counts.

    A quasi-Poisson model of the yearly counts (:func:`sna.stats.trends.annual_trend`, no
    population offset: partner files rarely give one for each year), over the years up to
    ``through``. An indicator with a hidden count in any year has no trend: a small count, or
    one marked in a ``hidden`` column of ``figures`` when it has one (:func:`partner_hidden`).

    Returns
    -------
    pandas.DataFrame
        One row per indicator and area: ``indicator``, ``area_name``, ``first_year``,
        ``last_year``, ``n_years``, ``first_count``, ``last_count``, ``value`` (average %
        change a year), ``lower95``, ``upper95``, ``p_value``, ``significant``, ``method``,
        ``note``.
    """
    yearly = _yearly(figures)
    yearly = yearly[yearly["year"] <= through]
    rows = []
    for (indicator, area), series in yearly.groupby(["indicator", "area_name"], sort=True):
        series = series.sort_values("year")
        secret = _small(series["count"], threshold).any()
        if "hidden" in series:
            secret |= series["hidden"].fillna(False).astype(bool).any()
        if series["year"].nunique() < 3 or secret:
            continue
        counts = series["count"].astype(int).to_numpy()
        trend = annual_trend(counts, np.ones(len(counts)), series["year"].astype(int).to_numpy())
        rows.append(
            {
                "indicator": indicator,
                "area_name": area,
                "first_count": int(counts[0]),
                "last_count": int(counts[-1]),
                **trend.drop(["family", "conf"]).to_dict(),
            }
        )
    columns = ["indicator", "area_name", "first_year", "last_year", "n_years", "first_count"]
    columns += ["last_count", "value", "lower95", "upper95", "p_value", "significant"]
    return pd.DataFrame(rows, columns=[*columns, "method", "note"])


def partner_heatmaps(
    figures: pd.DataFrame, district_names: list[str], *, threshold: int, through: int
) -> tuple[PartnerHeatmap, ...]:
    """District x year tables of the indicators given for several districts and years.

    Cells are hidden as marked in a ``hidden`` column of ``figures`` (:func:`partner_hidden`,
    the decision every report shares); without one, by
    :func:`sna.stats.suppression.suppress_counts` (small counts, and enough others that they
    cannot be worked out from row and column totals).
    """
    yearly = _yearly(figures)
    yearly = yearly[(yearly["year"] <= through) & yearly["area_name"].isin(district_names)]
    maps = []
    for indicator, rows in yearly.groupby("indicator", sort=True):
        if rows["area_name"].nunique() < 2 or rows["year"].nunique() < 2:
            continue
        table = rows.pivot_table(
            index="area_name", columns="year", values="count", aggfunc="sum"
        ).astype(float)
        table = table.reindex([d for d in district_names if d in table.index])
        table.columns = [int(c) for c in table.columns]
        table.columns.name = "Year"
        table.index.name = ""
        if "hidden" in rows:
            hidden = (
                rows.assign(hidden=rows["hidden"].astype(float))
                .pivot_table(index="area_name", columns="year", values="hidden", aggfunc="max")
                .reindex(index=table.index)
                .fillna(0)
                .astype(bool)
            )
            hidden.columns = table.columns
            hidden.index = table.index
        else:
            hidden = suppress_counts(table, threshold=threshold).mask
        source = "; ".join(sorted(rows["source"].unique()))
        maps.append(PartnerHeatmap(str(indicator), table, hidden, source))
    return tuple(maps)


WITHHELD = {
    "percent": "the printed percentage does not match its count (figures withheld: small count)",
    "percent_sign": "percentage printed without a % sign (read as a percentage)",
    "percent_total": "the printed percentages fit a different total than the counts add up to",
    "total": "the printed total differs from the sum of its parts (figures withheld: small count)",
    "area_total": (
        "the printed area total differs from the sum of the districts (figures withheld: small "
        "count)"
    ),
    "rate": "the printed rate does not match its count and denominator",
}
"""Warnings worded without the numbers that would give a hidden count away."""


def _worded(checks: pd.DataFrame) -> pd.Series:
    """Each warning's message, or its wording without numbers where ``hidden``."""
    if "hidden" not in checks:
        return checks["message"]
    secret = checks["hidden"].astype(bool)
    plain = checks["kind"].map(WITHHELD).fillna("see the data-quality warnings")
    return checks["message"].where(~secret, plain)


def _mark(data: Processed) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every partner figure with ``hidden``, and every warning with ``hidden`` (withheld).

    The decision covers every report and year: it is made once per build and kept beside the
    prepared data (:func:`sna.assessment.kept.kept_decision`), and each report reads it.
    """
    figures = data.partners.reset_index(drop=True)
    checks = data.partner_checks.reset_index(drop=True)
    hidden, withheld = kept_decision(
        data,
        "partners",
        lambda: partner_decision(data),
        encode=lambda d: {"figures": d[0].tolist(), "checks": d[1].tolist()},
        decode=lambda d: (_flags(d["figures"], figures), _flags(d["checks"], checks)),
        fits=lambda d: d[0].index.equals(figures.index) and d[1].index.equals(checks.index),
    )
    return figures.assign(hidden=hidden), checks.assign(hidden=withheld)


def partner_decision(data: Processed) -> tuple[pd.Series, pd.Series]:
    """Which partner figures are hidden, and which warnings withheld, in every report.

    :func:`partner_hidden` of every figure and :func:`withheld_checks` of every warning, indexed
    by their rows in ``data.partners`` and ``data.partner_checks`` (numbered from 0).

    Examples
    --------
    >>> hidden, withheld = partner_decision(load_processed("sna.toml"))  # doctest: +SKIP
    >>> int(hidden.sum()), int(withheld.sum())  # doctest: +SKIP
    (6, 7)
    """
    config = data.config
    codes = list(config.district_codes)
    figures = data.partners.reset_index(drop=True)
    hidden = partner_hidden(figures, codes, threshold=config.suppression_threshold)
    checks = data.partner_checks.reset_index(drop=True)
    return hidden, withheld_checks(checks, figures, hidden, codes)


def _flags(values: list[bool], rows: pd.DataFrame) -> pd.Series:
    """Booleans read back from JSON, one per row of ``rows`` (a ValueError if they do not fit)."""
    if len(values) != len(rows) or not all(isinstance(v, bool) for v in values):
        raise ValueError("a kept partner decision that does not fit the partner figures")
    return pd.Series(values, index=rows.index, dtype=bool)


def marked_partners(data: Processed) -> pd.DataFrame:
    """Every partner figure with ``hidden``: the one decision of :func:`partner_hidden`.

    Examples
    --------
    >>> marked_partners(load_processed("sna.toml"))["hidden"].sum()  # doctest: +SKIP
    2
    """
    return _mark(data)[0]


def _with_warnings(figures: pd.DataFrame, checks: pd.DataFrame) -> pd.DataFrame:
    keyed = (
        checks.assign(message=_worded(checks)).groupby(["file", "row"])["message"].agg("; ".join)
    )
    keys = pd.MultiIndex.from_frame(figures[["file", "row"]])
    return figures.assign(warning=keyed.reindex(keys).fillna("").to_numpy())


def _checks_of(figures: pd.DataFrame, checks: pd.DataFrame) -> pd.DataFrame:
    keys = set(zip(figures["file"], figures["row"], strict=True))
    inside = pd.Series(
        [(f, r) in keys for f, r in zip(checks["file"], checks["row"], strict=True)],
        index=checks.index,
        dtype=bool,
    )
    return checks.loc[inside].reset_index(drop=True)


def district_partners(data: Processed, district: str, year: int) -> DistrictPartners:
    """The partner figures of a district report (see :class:`DistrictPartners`).

    Parameters
    ----------
    data
        Prepared data.
    district
        The district's ONS code (or name, as in the config).
    year
        The reporting year.

    Examples
    --------
    >>> p = district_partners(load_processed("sna.toml"), "E07000178", 2024)  # doctest: +SKIP
    >>> p.figures.query("indicator == 'Sexual offences'")["count"].tolist()  # doctest: +SKIP
    [462]
    """
    config = data.config
    area = config.district(district)
    threshold = config.suppression_threshold
    figures, all_checks = _mark(data)
    mine = figures[figures["area_code"].isin([area.code, AREA])]
    years = sorted(int(y) for y in mine["year"].unique() if y <= year)
    shown_year = years[-1] if years else None
    rows = mine[mine["year"] == shown_year] if shown_year is not None else mine.iloc[:0]
    estimated = partner_estimates(rows.drop(columns="hidden"), threshold=threshold)
    estimated["hidden"] |= rows["hidden"]
    checks = _checks_of(rows, all_checks)
    names = [d.name for d in config.districts]
    own = figures[figures["area_code"] == area.code]
    return DistrictPartners(
        year=shown_year,
        figures=_with_warnings(estimated, checks),
        checks=checks,
        trends=partner_trends(own, threshold=threshold, through=year),
        heatmaps=tuple(
            h
            for h in partner_heatmaps(figures, names, threshold=threshold, through=year)
            if area.name in h.counts.index
        ),
    )


def recorded_crime(data: Processed, year: int) -> RecordedCrime | None:
    """Published valid crimes against police.uk crimes, for the latest year up to ``year``.

    The published indicator is :data:`sna.data.partners.RECORDED_CRIME` ("Valid crimes", any
    case) for whole calendar years. The year compared is the latest with both the published
    figures and police.uk months; None when there is none.
    """
    config = data.config
    figures, all_checks = _mark(data)
    valid = figures[
        figures["indicator"].str.casefold().eq(RECORDED_CRIME.casefold())
        & figures["period"].str.fullmatch(r"\d{4}")
        & figures["category"].eq("")
        & figures["count"].notna()
    ]
    years = [
        int(y)
        for y in sorted(valid["year"].unique())
        if y <= year and data.manifest.months_in(int(y))
    ]
    if not years:
        return None
    chosen = years[-1]
    rows = valid[valid["year"] == chosen]
    months = tuple(data.manifest.months_in(chosen))
    crimes = data.crimes
    in_year = crimes[pd.to_datetime(crimes["month"]).dt.year == chosen]
    by_district = in_year.groupby("district_code")["count"].sum()
    records = []
    secret = []
    for d in config.districts:
        published = rows.loc[rows["area_code"] == d.code, "count"]
        records.append(
            (d.name, published.iloc[0] if len(published) else pd.NA, by_district.get(d.code, 0))
        )
        secret.append(bool(rows.loc[rows["area_code"] == d.code, "hidden"].any()))
    area_row = rows.loc[rows["area_code"] == AREA, "count"]
    secret.append(bool(rows.loc[rows["area_code"] == AREA, "hidden"].any()))
    codes = list(config.district_codes)
    records.append(
        (
            config.area_name,
            area_row.iloc[0] if len(area_row) else pd.NA,
            int(by_district.reindex(codes).fillna(0).sum()),
        )
    )
    table = pd.DataFrame(records, columns=["area", "valid_crimes", "police_uk"]).set_index("area")
    table.index.name = ""
    table["valid_crimes"] = pd.to_numeric(table["valid_crimes"]).astype(float)
    table["police_uk"] = table["police_uk"].astype(float)
    table["police_uk_annual"] = table["police_uk"] * 12 / len(months)
    table["difference"] = table["valid_crimes"] - table["police_uk_annual"]
    table["ratio"] = table["valid_crimes"] / table["police_uk_annual"]
    police = count_mask(
        table["police_uk"], threshold=config.suppression_threshold, total=config.area_name
    )
    table["hidden"] = np.array(secret, dtype=bool) | police.to_numpy()
    return RecordedCrime(
        year=chosen,
        table=table,
        months=months,
        source="; ".join(sorted(rows["source"].unique())),
        checks=_checks_of(rows, all_checks),
    )


def area_partners(data: Processed, year: int) -> AreaPartners:
    """The partner figures of the area overview (see :class:`AreaPartners`).

    Examples
    --------
    >>> o = area_partners(load_processed("sna.toml"), 2024)  # doctest: +SKIP
    >>> o.recorded_crime.table.loc["Oxfordshire", "valid_crimes"]  # doctest: +SKIP
    45465.0
    """
    config = data.config
    threshold = config.suppression_threshold
    names = [d.name for d in config.districts]
    figures, checks = _mark(data)
    districts = figures[figures["area_code"].isin(config.district_codes)]
    return AreaPartners(
        recorded_crime=recorded_crime(data, year),
        heatmaps=partner_heatmaps(figures, names, threshold=threshold, through=year),
        trends=partner_trends(districts, threshold=threshold, through=year),
        checks=checks,
    )
