"""Places: LSOAs named by their ward, and the crime rate of every LSOA of a district for its map.

Readers know wards, not ONS codes, so a neighbourhood is named "Carfax & Jericho (Oxford 008A)":
its electoral ward, then its LSOA name (:func:`place_names`). The map of a district shades each
area by its crime rate per 1,000 residents a year (:func:`map_rates`), with small counts hidden
as in every table (:func:`map_hidden`).

Maps are drawn on 2021 LSOA boundaries. A year coded in 2021 LSOAs maps each LSOA; a year coded
in 2011 LSOAs (police.uk files up to 2022) maps the units of the ONS LSOA (2011) to LSOA (2021)
lookup (``unit_code`` of ``lsoas.parquet``): an unchanged LSOA is itself, LSOAs merged in 2021
are the 2021 LSOA, and an LSOA split in 2021 is drawn as its 2021 parts together, one colour.
"""

from __future__ import annotations

import pandas as pd

from sna.assessment import figures
from sna.assessment.disclosure import count_mask
from sna.data.processed import Processed
from sna.stats.rates import rate_ci

__all__ = ["map_hidden", "map_rates", "place_label", "place_names"]


def place_label(ward: str, name: str) -> str:
    """A neighbourhood's name for readers: its ward, then its LSOA name in brackets.

    Examples
    --------
    >>> place_label("Carfax & Jericho", "Oxford 008A")
    'Carfax & Jericho (Oxford 008A)'
    >>> place_label("", "Oxford 008A")
    'Oxford 008A'
    """
    return f"{ward} ({name})" if ward else name


def place_names(lsoas: pd.DataFrame) -> dict[str, str]:
    """Readable names of LSOAs and of their units across vintages, keyed by LSOA or unit name.

    Parameters
    ----------
    lsoas
        Rows of ``lsoas.parquet`` (one district's, or more): ``lsoa_name``, ``ward_name`` and,
        when present, ``unit_name``. Without ``ward_name`` (data prepared before wards) every
        name is itself.

    Returns
    -------
    dict
        ``"Oxford 008A"`` to ``"Carfax & Jericho (Oxford 008A)"``; a unit named by its 2021 parts
        (``"Cherwell 015E + 015F"``) takes the wards of all its LSOAs, joined by " / ".

    Examples
    --------
    >>> lsoas = pd.DataFrame({"lsoa_name": ["X 001A", "X 001C", "X 001D"],
    ...     "unit_name": ["X 001C + 001D", "X 001C + 001D", "X 001C + 001D"],
    ...     "ward_name": ["Abbey / Marsh", "Marsh", "Abbey"]})
    >>> place_names(lsoas)["X 001C"], place_names(lsoas)["X 001C + 001D"]
    ('Marsh (X 001C)', 'Abbey / Marsh (X 001C + 001D)')
    """
    if "ward_name" not in lsoas:
        names = set(lsoas["lsoa_name"]) | set(lsoas.get("unit_name", []))
        return {n: n for n in names}
    out = {
        name: place_label(ward, name)
        for name, ward in zip(lsoas["lsoa_name"], lsoas["ward_name"], strict=True)
    }
    if "unit_name" in lsoas:
        for unit, rows in lsoas.groupby("unit_name", sort=False)["ward_name"]:
            wards = sorted({w for joined in rows for w in joined.split(" / ") if w})
            out[str(unit)] = place_label(" / ".join(wards), str(unit))
    return out


def map_rates(data: Processed, code: str, year: int) -> pd.DataFrame:
    """Crime rate per 1,000 residents a year of every area of a district on its map.

    Counts and populations are those of :func:`sna.assessment.figures.lsoa_counts`, as in the
    district's other LSOA figures: recorded crime (not anti-social behaviour), and the LSOA
    population of the year's vintage; rates are annualised from the months with data
    (:func:`sna.assessment.figures.annual_per`). A year whose records are all in 2021
    LSOAs gives one area per LSOA; a year with 2011 LSOAs gives one area per unit of the ONS
    LSOA (2011) to LSOA (2021) lookup, its counts and populations summed.

    Parameters
    ----------
    data
        Prepared data.
    code
        The district's ONS code.
    year
        The reporting year.

    Returns
    -------
    pandas.DataFrame
        Indexed by area code (``area_code``: the 2021 LSOA code, or the unit's code), in the rate
        schema of :func:`sna.stats.rates.rate_ci` (``count``, ``denominator``, ``value``,
        ``lower95``, ``upper95``, ``method``) with ``name`` (:func:`place_names`), ``lsoa21_codes``
        (the 2021 LSOAs whose boundaries draw the area, a tuple) and ``attrs["vintage"]`` (2021
        or 2011, the LSOAs the year's records use; 2011 when they mix).
    """
    lsoas = figures.lsoa_counts(data, code, year)
    areas = data.lsoas[data.lsoas["district_code"] == code]
    names = place_names(areas)
    recent = areas[areas["lsoa_vintage"] == 2021]
    by_lsoa = bool((lsoas["lsoa_vintage"] == 2021).all()) or "unit_code" not in lsoas
    if by_lsoa:
        table = lsoas.set_index("lsoa_code")[["lsoa_name", "count", "population"]]
        label = table["lsoa_name"].map(names)
        parts = pd.Series({c: (c,) for c in table.index}, dtype=object)
    else:
        grouped = lsoas.groupby("unit_code", sort=True)
        table = grouped[["count", "population"]].sum().join(grouped["unit_name"].first())
        label = table["unit_name"].map(names)
        members = recent.groupby("unit_code")["lsoa_code"].agg(lambda c: tuple(sorted(c)))
        parts = pd.Series(
            {u: members.get(u, (u,) if u in set(recent["lsoa_code"]) else ()) for u in table.index},
            dtype=object,
        )
    out = rate_ci(table["count"], table["population"], per=figures.annual_per(data, year))
    out.insert(0, "name", label.fillna(table.index.to_series()))
    out["lsoa21_codes"] = parts.reindex(out.index)
    out.index.name = "area_code"
    out.attrs["vintage"] = 2021 if by_lsoa else 2011
    out.attrs["statistic"] = "rate per 1,000 residents a year"
    return out


def map_hidden(rates: pd.DataFrame, *, threshold: int) -> pd.Series:
    """Which areas of a district's map are hidden: counts 1 to ``threshold``, and enough others.

    Every area of the district is on the map and the district's total is published, so a single
    hidden count could be worked out from the rest: secondary suppression hides more
    (:func:`sna.assessment.disclosure.count_mask` with the total published elsewhere).

    Examples
    --------
    >>> rates = pd.DataFrame({"count": [3, 40, 25, 90]}, index=list("ABCD"))
    >>> map_hidden(rates, threshold=4).tolist()
    [True, False, True, False]
    """
    return count_mask(rates["count"], threshold=threshold, external_total=True).rename("hidden")
