"""Maps without tiles: a district's neighbourhoods shaded by crime rate, drawn from boundaries alone.

Each area is one matplotlib ``PathPatch`` made of its 2021 LSOA polygons (holes kept), so the map
needs no network, no tile server and no GIS library. Rates are shaded in five classes of a
colour-blind-safe sequential palette (ColorBrewer YlGnBu: light is low, dark is high); a hidden
area is drawn light grey and hatched, never in a class colour, and the legend says so. Each patch
carries its area code as its ``gid``, so tests and readers of the SVG can find it.

Longitude and latitude are drawn with the aspect ratio of the district's mean latitude (an
equirectangular projection), which at the scale of a district is indistinguishable from the
British National Grid.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any, cast

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path

from sna.data.geography import Polygon
from sna.report.charts import STYLE

__all__ = [
    "ATTRIBUTION",
    "PALETTE",
    "SUPPRESSED_STYLE",
    "choropleth",
    "class_breaks",
    "describe_map",
    "map_note",
]

PALETTE = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
"""ColorBrewer YlGnBu, 5 classes (Brewer, colorbrewer2.org): sequential and colour-blind safe."""
SUPPRESSED_STYLE = {"facecolor": "#d9d9d9", "hatch": "////", "edgecolor": "#6e6e6e"}
"""How a hidden area is drawn: light grey, hatched, in no class colour."""
NO_RESIDENTS_STYLE = {"facecolor": "#ffffff", "hatch": "", "edgecolor": "#6e6e6e"}
ATTRIBUTION = "Boundaries: ONS, contains OS data © Crown copyright and database right 2021"
_WIDTH = 5.0  # inches, as the other charts: legible when a phone shows it 390 px wide


def _nice(value: float, *, up: bool) -> float:
    """``value`` rounded to two significant figures, up or down."""
    if value <= 0:
        return 0.0
    step = 10 ** (math.floor(math.log10(value)) - 1)
    return float(round((math.ceil if up else math.floor)(value / step) * step, 10))


def class_breaks(values: pd.Series | np.ndarray, *, classes: int = 5) -> np.ndarray:
    """Class boundaries for a choropleth: quantiles rounded to two significant figures.

    Parameters
    ----------
    values
        The rates to classify (missing values are left out).
    classes
        How many classes at most; fewer when rounding makes boundaries meet.

    Returns
    -------
    numpy.ndarray
        Increasing boundaries, ``classes + 1`` at most: the first at or below the lowest value,
        the last at or above the highest; a value ``v`` is in class ``i`` when
        ``breaks[i] <= v < breaks[i + 1]`` (the last class includes its top).

    Examples
    --------
    >>> class_breaks([12.0, 30.0, 41.0, 55.0, 80.0, 120.0, 356.0]).tolist()
    [12.0, 32.0, 46.0, 70.0, 110.0, 360.0]
    >>> class_breaks([5.0]).tolist()
    [5.0, 5.0]
    """
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if not len(v):
        return np.array([0.0, 0.0])
    quantiles = np.quantile(v, np.linspace(0, 1, classes + 1))
    inner = [_nice(q, up=False) for q in quantiles[1:-1]]
    breaks = [_nice(v.min(), up=False), *inner, _nice(v.max(), up=True)]
    out = sorted(set(breaks))
    return np.array(out if len(out) > 1 else [out[0], out[0]])


def _classify(values: pd.Series, breaks: np.ndarray) -> pd.Series:
    """The class (0 upwards) of each value; -1 when missing."""
    last = len(breaks) - 2
    classes = np.clip(
        np.searchsorted(breaks, values.to_numpy(dtype=float), side="right") - 1, 0, last
    )
    return pd.Series(np.where(values.isna(), -1, classes), index=values.index)


def _path(polygons: list[Polygon]) -> Path:
    """One compound path of polygons and their holes (even-odd filling leaves holes empty)."""
    return Path.make_compound_path(*(Path(ring, closed=True) for poly in polygons for ring in poly))


def _legend_patch(style: dict[str, str], label: str) -> Patch:
    return Patch(
        facecolor=style["facecolor"], hatch=style["hatch"] or None, edgecolor=style["edgecolor"],
        linewidth=0.4, label=label,
    )  # fmt: skip


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:,.1f}"


def _wrap(title: str, width: float) -> str:
    return textwrap.fill(title, width=int(width * 10.5))


def choropleth(
    rates: pd.DataFrame,
    shapes: dict[str, list[Polygon]],
    *,
    hidden: pd.Series,
    title: str,
    unit: str = "Crimes per 1,000 residents a year",
    suppressed_label: str = "Suppressed (small count)",
) -> Axes:
    """A map of areas shaded by rate in five classes, hidden areas hatched grey.

    Parameters
    ----------
    rates
        Indexed by area code, with ``value`` (the rate) and ``lsoa21_codes`` (the 2021 LSOAs that
        draw each area), e.g. :func:`sna.assessment.places.map_rates`.
    shapes
        2021 LSOA code to polygons (:func:`sna.data.geography.read_boundaries`). An area none of
        whose LSOAs has a shape is not drawn (:func:`map_note` says so).
    hidden
        True for each area whose count is suppressed: drawn in :data:`SUPPRESSED_STYLE`, its
        rate never used, not even to set the classes.
    title
        Map title.
    unit
        What the rate is, for the legend's title.
    suppressed_label
        The legend's entry for hidden areas.

    Returns
    -------
    matplotlib.axes.Axes
        One ``PathPatch`` per drawn area (``gid`` = area code), and a legend of the classes, then
        hidden areas and areas with no residents when there are any.
    """
    hide = hidden.reindex(rates.index).fillna(False).astype(bool)
    shown = rates["value"].mask(hide)
    breaks = class_breaks(shown)
    classes = _classify(shown, breaks)
    points = [ring for polys in shapes.values() for poly in polys for ring in poly]
    lon = np.concatenate([r[:, 0] for r in points]) if points else np.array([0.0, 1.0])
    lat = np.concatenate([r[:, 1] for r in points]) if points else np.array([0.0, 1.0])
    aspect = 1 / math.cos(math.radians(float(lat.mean())))
    span = (lat.max() - lat.min()) * aspect / max(lon.max() - lon.min(), 1e-9)
    with plt.rc_context(cast(Any, STYLE)):
        _, ax = plt.subplots(
            figsize=(_WIDTH, min(max(_WIDTH * span, 3.0), 7.0) + 1.6),
            dpi=100,
            layout="constrained",
        )
        for code, row in rates.iterrows():
            polygons = [p for c in row["lsoa21_codes"] for p in shapes.get(c, [])]
            if not polygons:
                continue
            if hide[code]:
                style = SUPPRESSED_STYLE
            elif classes[code] < 0:
                style = NO_RESIDENTS_STYLE
            else:
                style = {"facecolor": PALETTE[classes[code]], "hatch": "", "edgecolor": "#ffffff"}
            patch = PathPatch(
                _path(polygons), linewidth=0.4, gid=str(code), facecolor=style["facecolor"],
                hatch=style["hatch"] or None, edgecolor=style["edgecolor"],
            )  # fmt: skip
            ax.add_patch(patch)
        ax.set_xlim(lon.min(), lon.max())
        ax.set_ylim(lat.min(), lat.max())
        ax.set_aspect(aspect)
        ax.set_axis_off()
        # A figure title, left-aligned over the whole width: the map's axes are narrower than the
        # figure (its aspect is fixed), and an axes title would run off the edge.
        ax.get_figure(root=True).suptitle(  # type: ignore[union-attr]
            _wrap(title, _WIDTH * 0.85), x=0.02, ha="left", fontsize=STYLE["axes.titlesize"],
            fontweight=STYLE["axes.titleweight"],
        )  # fmt: skip
        handles = [
            Patch(facecolor=PALETTE[i], edgecolor="#6e6e6e", linewidth=0.4,
                  label=f"{_number(breaks[i])} to {_number(breaks[i + 1])}")
            for i in range(len(breaks) - 1)
            if (classes == i).any()
        ]  # fmt: skip
        if hide.any():
            handles.append(_legend_patch(SUPPRESSED_STYLE, suppressed_label))
        if (classes[~hide] < 0).any():
            handles.append(_legend_patch(NO_RESIDENTS_STYLE, "No residents"))
        ax.legend(
            handles=handles,
            title=unit,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.01),
            ncols=2,
            alignment="left",
        )
        ax.annotate(
            ATTRIBUTION, (0, 0), xycoords="figure fraction", xytext=(4, 3),
            textcoords="offset points", fontsize=7, color="#4d4d4d",
        )  # fmt: skip
    return ax


def describe_map(
    rates: pd.DataFrame, *, hidden: pd.Series, area: str, period: str, most: int = 3
) -> str:
    """The map in words, for its alt text: what is shaded, the range, and the highest places.

    Hidden areas are counted, never described by rate.

    Examples
    --------
    >>> rates = pd.DataFrame({"name": ["Wood (X 001A)", "Marsh (X 001B)", "Abbey (X 001C)"],
    ...     "value": [12.04, 250.0, 80.0]}, index=["A", "B", "C"])
    >>> describe_map(rates, hidden=pd.Series([False, False, True], index=rates.index),
    ...     area="Exville", period="2024", most=1)  # doctest: +NORMALIZE_WHITESPACE
    "Map of Exville's 3 neighbourhoods (LSOAs), shaded by crime rate per 1,000 residents a year
    in 2024, from 12.0 to 250.0. Highest: Marsh (X 001B) 250.0. 1 neighbourhood with a small or
    protecting count is hatched grey and not described."
    """
    hide = hidden.reindex(rates.index).fillna(False).astype(bool)
    shown = rates[~hide & rates["value"].notna()].sort_values("value", ascending=False)
    text = f"Map of {area}'s {len(rates)} neighbourhoods (LSOAs), shaded by crime rate per 1,000 residents a year in {period}"
    if len(shown):
        low, high = shown["value"].min(), shown["value"].max()
        top = "; ".join(
            f"{n} {v:,.1f}"
            for n, v in zip(shown["name"][:most], shown["value"][:most], strict=True)
        )
        text += f", from {low:,.1f} to {high:,.1f}. Highest: {top}."
    else:
        text += "."
    n = int(hide.sum())
    if n:
        noun = "neighbourhood" if n == 1 else "neighbourhoods"
        text += f" {n} {noun} with a small or protecting count {'is' if n == 1 else 'are'} hatched grey and not described."
    return text


def map_note(
    rates: pd.DataFrame, shapes: dict[str, list[Polygon]], *, hidden: pd.Series, threshold: int
) -> str:
    """The note under a map: suppression, areas without boundaries, and LSOA vintage.

    Examples
    --------
    >>> rates = pd.DataFrame({"lsoa21_codes": [("A",), ("B",)]}, index=["A", "B"])
    >>> map_note(rates, {"A": []}, hidden=pd.Series([True, False], index=["A", "B"]), threshold=4)
    'Hatched grey: neighbourhoods with 1 to 4 crimes, or hidden so that such a count cannot be worked out from the district total. Classes hold about the same number of neighbourhoods each. Not drawn (no boundary in the boundary file): B.'
    """
    parts = [
        f"Hatched grey: neighbourhoods with 1 to {threshold} crimes, or hidden so that such a "
        "count cannot be worked out from the district total."
        if hidden.any()
        else "",
        "Classes hold about the same number of neighbourhoods each.",
    ]
    missing = [
        str(c) for c, codes in rates["lsoa21_codes"].items() if not any(x in shapes for x in codes)
    ]
    if missing:
        parts.append(f"Not drawn (no boundary in the boundary file): {', '.join(missing)}.")
    if rates.attrs.get("vintage") == 2011:
        parts.append(
            "This year's records use 2011 LSOAs: an LSOA split in 2021 is drawn as its 2021 parts "
            "together, in one colour."
        )
    return " ".join(p for p in parts if p)
