"""Partner indicators in the priority scoring: the criteria that apply to each, and their points.

A partner figure is not a police.uk count of a crime type: its share of recorded crime, its harm
band and its concentration across LSOAs are not known, so those criteria do not apply. Two can:

- **trend**: the indicator's average change a year over at least three years
  (:func:`sna.assessment.partners.partner_trends`), when its last year is the year shown;
- **rate against the area** (the benchmark criterion): where the figure has a population
  denominator and the same indicator is given for the whole area for the same period, the
  district's rate against the area's, tested like a crime type's rate against the benchmark
  (:func:`sna.stats.priorities.benchmark_p_value`, exact Poisson).

Each family of tests (the trends, the rate comparisons) is adjusted across the report's partner
indicators by Benjamini-Hochberg. Published "valid crimes" (all recorded crime,
:data:`sna.data.partners.RECORDED_CRIME`) is left out, as all crime is: it is the whole, not a
priority. A figure on which no criterion applies (a single year without a population
denominator) is not scored; the report's partner section shows it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sna.assessment.partners import DistrictPartners, partner_trends
from sna.data.partner_checks import AREA
from sna.data.partners import RECORDED_CRIME
from sna.stats.multiple import benjamini_hochberg
from sna.stats.priorities import benchmark_p_value, excess_points, rise_points

__all__ = ["PARTNER", "partner_items"]

PARTNER = "partner indicator"
"""The ``kind`` of a partner indicator's row in a priorities table."""
FDR = 0.05


def _q(p: pd.Series) -> pd.Series:
    """Benjamini-Hochberg q-values of the p-values given (NaN stays NaN)."""
    out = pd.Series(np.nan, index=p.index)
    tested = p.dropna()
    if len(tested):
        out[tested.index] = benjamini_hochberg(tested).to_numpy()
    return out


def partner_items(
    partners: DistrictPartners, figures: pd.DataFrame, *, threshold: int, year: int
) -> pd.DataFrame:
    """The partner indicators of a district report scored on the criteria that apply to them.

    Parameters
    ----------
    partners
        The district's partner figures (:func:`sna.assessment.partners.district_partners`):
        the year shown, the district's and the area's figures with their warnings.
    figures
        Every partner figure (:attr:`sna.data.processed.Processed.partners`), for the trends of
        the district's and the area's indicators.
    threshold
        Counts from 1 to this are hidden.
    year
        The reporting year (trends use the years up to it).

    Returns
    -------
    pandas.DataFrame
        Indexed by item name, "<indicator> (<area>)": ``kind`` (:data:`PARTNER`), ``members``
        (a one-element tuple naming the item, so that it never repeats a crime type),
        ``indicator``, ``area_name``, ``count``, ``period``, ``source``, ``warning``, ``hidden``,
        ``value`` (rate per 1,000 residents a year, where a population denominator is given),
        ``benchmark_value`` (the area's rate), ``benchmark_ratio``, ``benchmark_p``,
        ``benchmark_q``, ``benchmark_significant``, ``trend_pct``, ``trend_q``,
        ``trend_significant``, ``trend_first``, ``trend_last``; points ``benchmark`` and
        ``trend`` (NaN where the criterion does not apply). ``attrs["unscored"]``: the
        indicators on which no criterion applies.

    Examples
    --------
    >>> items = partner_items(a.partners, data.partners, threshold=4, year=2025)  # doctest: +SKIP
    >>> items.loc["Sexual offences (Cherwell)", ["trend_pct", "trend"]].tolist()  # doctest: +SKIP
    [6.33, 1.0]
    """
    shown = partners.figures
    columns = [
        "kind", "members", "indicator", "area_name", "count", "period", "source", "warning",
        "hidden", "value", "benchmark_value", "benchmark_ratio", "benchmark_p", "benchmark_q",
        "benchmark_significant", "trend_pct", "trend_q", "trend_significant", "trend_first",
        "trend_last", "benchmark", "trend",
    ]  # fmt: skip
    empty = pd.DataFrame(columns=columns)
    empty.attrs["unscored"] = ()
    if partners.year is None or shown.empty:
        return empty
    rows = shown[
        shown["category"].eq("")
        & shown["count"].notna()
        & ~shown["indicator"].str.casefold().eq(RECORDED_CRIME.casefold())
    ].drop_duplicates(["indicator", "area_code"])
    if rows.empty:
        return empty
    codes = set(rows["area_code"])
    trends = partner_trends(
        figures[figures["area_code"].isin(codes)], threshold=threshold, through=year
    )
    trends = trends[trends["last_year"] == partners.year].set_index(["indicator", "area_name"])
    out = []
    for _, row in rows.iterrows():
        name = f"{row['indicator']} ({row['area_name']})"
        item: dict[str, object] = {
            "name": name,
            "kind": PARTNER,
            "members": (f"partner: {name}",),
            "indicator": row["indicator"],
            "area_name": row["area_name"],
            "count": int(row["count"]),
            "period": row["period"],
            "source": row["source"],
            "warning": row["warning"],
            "hidden": bool(row["hidden"]),
            "value": row["rate"],
        }
        area = shown[
            (shown["area_code"] == AREA)
            & (shown["indicator"] == row["indicator"])
            & (shown["period"] == row["period"])
            & shown["category"].eq("")
            & shown["rate"].notna()
        ]
        if row["area_code"] != AREA and pd.notna(row["rate"]) and len(area) and not row["hidden"]:
            other = area.iloc[0]
            person_years = float(row["denominator"]) * float(row["months"]) / 12
            area_years = float(other["denominator"]) * float(other["months"]) / 12
            expected = float(other["count"]) / area_years * person_years
            item["benchmark_value"] = float(other["rate"])
            item["benchmark_ratio"] = float(row["rate"]) / float(other["rate"])
            item["benchmark_p"] = float(benchmark_p_value([int(row["count"])], [expected])[0])
            item["area_warning"] = other["warning"]
        key = (row["indicator"], row["area_name"])
        if key in trends.index:
            trend = trends.loc[key]
            item["trend_pct"] = float(trend["value"])
            item["trend_p"] = float(trend["p_value"])
            item["trend_first"] = int(trend["first_year"])
            item["trend_last"] = int(trend["last_year"])
        out.append(item)
    table = pd.DataFrame(out).set_index("name")
    table.index.name = "item"
    for column in ("benchmark_value", "benchmark_ratio", "benchmark_p", "trend_pct", "trend_p"):
        table[column] = table[column].astype(float) if column in table else np.nan
    for column in ("trend_first", "trend_last", "area_warning"):
        if column not in table:
            table[column] = np.nan if column != "area_warning" else ""
    table["area_warning"] = table["area_warning"].fillna("")
    table["benchmark_q"] = _q(table["benchmark_p"])
    table["benchmark_significant"] = (table["benchmark_q"] < FDR).fillna(False).astype(bool)
    table["trend_q"] = _q(table["trend_p"])
    table["trend_significant"] = (table["trend_q"] < FDR).fillna(False).astype(bool)
    table["benchmark"] = excess_points(table["benchmark_ratio"], table["benchmark_significant"])
    table["trend"] = rise_points((table["trend_pct"], table["trend_significant"]))
    scored = table[["benchmark", "trend"]].notna().any(axis=1)
    unscored = tuple(table.index[~scored])
    table = table[scored].copy()
    table.attrs["unscored"] = unscored
    return table
