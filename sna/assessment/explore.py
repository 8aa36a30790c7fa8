"""Figures for ad-hoc questions in JupyterLab ("what drove the rise in shoplifting in Oxford?").

Pure functions on :class:`~sna.data.processed.Processed`, like :mod:`sna.assessment.figures`,
for analysts exploring the data (``notebooks/explore.ipynb``). Their counts are NOT suppressed:
before publishing any of them, hide small counts as the reports do
(:mod:`sna.assessment.disclosure`).
"""

from __future__ import annotations

import pandas as pd

from sna.data.policeuk import CRIME_TYPES
from sna.data.processed import Processed

__all__ = ["change_by_area"]


def change_by_area(data: Processed, district: str, crime_type: str, year: int) -> pd.DataFrame:
    """How much each neighbourhood (LSOA) of a district added to the change on the previous year.

    The two years are compared like for like, over the calendar months both have police.uk data
    for (as the reports do). LSOAs are followed across the 2021 boundary change as one stable
    area (``unit_code``: a split or merged LSOA is one area), so the two years line up.

    Parameters
    ----------
    data
        Prepared data (:func:`sna.load_processed`).
    district
        The district's name (any case) or ONS code.
    crime_type
        A police.uk crime type, e.g. ``"Shoplifting"``.
    year
        The later year; compared with ``year - 1``.

    Returns
    -------
    pandas.DataFrame
        One row per area of the district (every area, 0 where none), sorted by ``change`` from
        the largest rise: ``area_code``, ``area_name``, ``ward`` (the electoral ward(s), when the
        prepared data have them), ``before`` and ``after`` (counts in ``year - 1`` and ``year``
        over the months compared), ``change`` (``after - before``, crimes) and
        ``share_of_change`` (the area's change as a percentage of the district's net change; NaN
        when the net change is 0). ``attrs["months"]`` names the calendar months compared
        (1-12); ``attrs["before"]``, ``attrs["after"]`` hold the district's totals. Counts are
        not suppressed.

    Raises
    ------
    ValueError
        If ``crime_type`` is not a police.uk crime type, or the two years share no month with
        data.
    sna.errors.ConfigError
        If the district is not in the config.

    Examples
    --------
    >>> areas = change_by_area(data, "Oxford", "Shoplifting", 2025)  # doctest: +SKIP
    >>> areas.attrs["months"], areas.attrs["before"], areas.attrs["after"]  # doctest: +SKIP
    ([1, 2, 3, 4], 668, 878)
    """
    if crime_type not in CRIME_TYPES:
        raise ValueError(f"crime_type must be a police.uk crime type; got {crime_type!r}")
    code = data.config.district(district).code
    months = {y: {m.month for m in data.manifest.months_in(y)} for y in (year - 1, year)}
    common = sorted(months[year] & months[year - 1])
    if not common:
        raise ValueError(
            f"{year} and {year - 1} have no month of police.uk data in common; nothing to compare"
        )
    counts = data.counts[
        (data.counts["district_code"] == code)
        & (data.counts["crime_type"] == crime_type)
        & data.counts["month"].dt.year.isin([year - 1, year])
        & data.counts["month"].dt.month.isin(common)
    ]
    lsoas = data.lsoas[data.lsoas["district_code"] == code]
    units = lsoas.set_index(["lsoa_code", "lsoa_vintage"])["unit_code"]
    keys = pd.MultiIndex.from_frame(counts[["lsoa_code", "lsoa_vintage"]])
    unit = units.reindex(keys).to_numpy()
    counts = counts.assign(
        area_code=pd.Series(unit, index=counts.index).fillna(counts["lsoa_code"])
    )
    table = (
        counts.pivot_table(
            index="area_code", columns=counts["month"].dt.year, values="count", aggfunc="sum"
        )
        .reindex(columns=[year - 1, year])
        .reindex(sorted(set(lsoas["unit_code"]) | set(counts["area_code"])))
        .fillna(0)
        .astype("int64")
    )
    names = lsoas.sort_values("lsoa_vintage", ascending=False).drop_duplicates("unit_code")
    names = names.set_index("unit_code")
    out = pd.DataFrame({"area_code": table.index})
    out["area_name"] = out["area_code"].map(names["unit_name"]).fillna(out["area_code"])
    if "ward_name" in names:
        out["ward"] = out["area_code"].map(names["ward_name"])
    out["before"] = table[year - 1].to_numpy()
    out["after"] = table[year].to_numpy()
    out["change"] = out["after"] - out["before"]
    net = int(out["change"].sum())
    out["share_of_change"] = out["change"] / net * 100 if net else float("nan")
    out = out.sort_values(["change", "area_code"], ascending=[False, True], ignore_index=True)
    out.attrs.update(
        months=common,
        year=year,
        previous_year=year - 1,
        before=int(out["before"].sum()),
        after=int(out["after"].sum()),
    )
    return out
