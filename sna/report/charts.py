"""Charts for the reports. Each function draws on a new figure and returns its Axes.

Charts never show a suppressed value: suppressed cells of a heat-map are blank and labelled
"[c]", a suppressed count gets no bar (labelled "[c]") or point, and a suppressed benchmark no
line. Each chart takes the mask of the table that shows the same figures. Titles and axis labels say what is shown, with units.

Every chart is drawn in one style (:data:`STYLE`): the colour-blind-safe Okabe-Ito palette, a
sans-serif type scale sized so that a chart 5 inches wide keeps text of about 10 px when a phone
shows it 360 px wide, and titles wrapped rather than cut off.
"""

from __future__ import annotations

import calendar
import contextlib
import functools
import textwrap
from collections.abc import Callable, Iterator
from typing import Any, ParamSpec, cast

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

__all__ = [
    "OKABE_ITO",
    "STYLE",
    "deprivation_bars",
    "funnel_plot",
    "heatmap",
    "monthly_trend",
    "rate_bars",
    "seasonal_profile",
    "share_bars",
]

SUPPRESSED_LABEL = "[c]"
OKABE_ITO = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
)  # fmt: skip
"""Okabe & Ito (2008), *Color Universal Design*: told apart with every common colour-vision
deficiency. Blue carries the data, vermillion the benchmark."""
_BLUE = OKABE_ITO[0]
_RED = OKABE_ITO[3]
_GREY = "#6e6e6e"
STYLE: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.labelsize": 11.5,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 10.5,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=OKABE_ITO),
    "text.parse_math": False,  # "$" in a name from the data is a dollar, never TeX
}
"""The matplotlib settings every chart is drawn with (applied per chart, never globally)."""
_P = ParamSpec("_P")


def _styled(chart: Callable[_P, Axes]) -> Callable[_P, Axes]:
    """Draw ``chart`` in :data:`STYLE` (the settings apply while it draws, then revert)."""

    @functools.wraps(chart)
    def draw(*args: _P.args, **kwargs: _P.kwargs) -> Axes:
        with plt.rc_context(cast(Any, STYLE)):
            return chart(*args, **kwargs)

    return draw


_WIDTH = 5.0  # inches: 480 px at 96 px/inch, so text shrinks by at most 0.75 at phone width


def _new(width: float = _WIDTH, height: float = 3.3) -> Axes:
    _, ax = plt.subplots(figsize=(width, height), dpi=100, layout="constrained")
    return ax


def _title(ax: Axes, title: str) -> None:
    """Set a chart title, and wrap it and the x-axis label instead of letting them run off.

    Both are centred on the axes, which sit right of the y-axis labels, so they are wrapped at
    about 7.5 (bold title) and 10 (label) characters per inch of figure width.
    """
    fig = ax.get_figure(root=True)
    width = fig.get_figwidth() if fig is not None else _WIDTH
    ax.set_title(textwrap.fill(title, width=int(width * 7.5)))
    ax.set_xlabel(textwrap.fill(ax.get_xlabel(), width=int(width * 10)))


@_styled
def rate_bars(
    table: pd.DataFrame,
    *,
    benchmark: str,
    title: str,
    per: str = "1,000 residents",
    hidden: pd.Series | None = None,
) -> Axes:
    """Horizontal bars of rates with 95% confidence intervals and the benchmark as a line.

    Parameters
    ----------
    table
        Indexed by area, with ``value`` (the rate), ``lower95``, ``upper95`` and the benchmark as
        a row.
    benchmark
        Name of the benchmark row.
    title
        Chart title.
    hidden
        True for each area (or the benchmark) whose count is suppressed in the table: no bar
        (labelled "[c]"), or no benchmark line.
    """
    hide = _hidden(table, hidden)
    shown = table[["value", "lower95", "upper95"]].mask(hide)
    areas = shown.drop(index=benchmark)
    ax = _new(_WIDTH, 0.45 * len(areas) + 1.4)
    y = np.arange(len(areas))[::-1]
    err = np.vstack([areas["value"] - areas["lower95"], areas["upper95"] - areas["value"]])
    ax.barh(y, areas["value"], color=_BLUE, xerr=err, capsize=4, ecolor="black")
    ax.set_yticks(y, areas.index)
    for position, area in zip(y, areas.index, strict=True):
        if hide[area]:
            ax.text(0, position, f" {SUPPRESSED_LABEL}", ha="left", va="center")
    if not hide[benchmark]:
        bench = table.loc[benchmark, "value"]
        ax.axvline(bench, color=_RED, linestyle="--", label=f"{benchmark}: {bench:.1f}")
    ax.set_xlabel(f"Rate per {per} a year (bars: 95% confidence interval)")
    _title(ax, title)
    if not hide[benchmark]:
        ax.legend(loc="lower right")
    return ax


def _hidden(table: pd.DataFrame, hidden: pd.Series | None) -> pd.Series:
    """A row mask for ``table``: True where hidden (none when ``hidden`` is None)."""
    if hidden is None:
        return pd.Series(False, index=table.index)
    return hidden.reindex(table.index).fillna(False).astype(bool)


@_styled
def monthly_trend(
    series: pd.Series,
    *,
    title: str,
    forecast: pd.DataFrame | None = None,
    ylabel: str = "Crimes per month",
) -> Axes:
    """Monthly counts as a line that breaks at missing months, with an optional forecast band.

    Parameters
    ----------
    series
        Monthly counts indexed by month start; missing months are absent (never zero).
    forecast
        Optional frame indexed by month with ``forecast``, ``lower95``, ``upper95``.
    """
    ax = _new()
    full = pd.date_range(series.index.min(), series.index.max(), freq="MS")
    ax.plot(
        full, series.reindex(full).to_numpy(dtype=float), marker="o", color=_BLUE, label="Recorded"
    )
    if forecast is not None and len(forecast):
        ax.plot(forecast.index, forecast["forecast"], color=_GREY, linestyle="--", label="Forecast")
        ax.fill_between(
            forecast.index,
            forecast["lower95"],
            forecast["upper95"],
            color=_GREY,
            alpha=0.2,
            label="95% prediction interval",
        )
    ax.set_ylim(bottom=0)
    last = forecast.index.max() if forecast is not None and len(forecast) else full[-1]
    pad = pd.Timedelta(days=20)  # the axis spans the data (and forecast), nothing more
    ax.set_xlim(full[0] - pad, last + pad)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("Month (gaps: months with no police.uk data)")
    _title(ax, title)
    ax.legend(loc="lower left")
    return ax


@contextlib.contextmanager
def _layout_only_draws(ax: Axes) -> Iterator[None]:
    """While in the block, drawing ``ax``'s figure on its canvas lays it out but paints nothing.

    seaborn's heat-map draws the whole figure once (in pixels, with matplotlib's Agg) only to
    measure its tick labels for overlap; the chart is then drawn again as SVG. Laying the figure
    out (:meth:`~matplotlib.figure.Figure.draw_without_rendering`) places and sizes every label
    exactly as that draw does, without painting a pixel: the same labels, the same SVG, a third
    of a heat-map's drawing time saved.

    Only an Agg canvas (the notebook's and the scripts' backends) is changed, and only its
    ``draw``, for the block: a draw made while the figure is being laid out is the canvas's own,
    and any other canvas draws as seaborn asks.
    """
    fig = ax.get_figure(root=True)
    canvas = fig.canvas if fig is not None else None
    if fig is None or not isinstance(canvas, FigureCanvasAgg) or "draw" in vars(canvas):
        yield
        return
    laying_out = False

    def layout_only(*args: Any, **kwargs: Any) -> None:
        nonlocal laying_out
        if laying_out:  # the backend draws to find its renderer: its own draw
            type(canvas).draw(canvas, *args, **kwargs)
            return
        laying_out = True
        try:
            fig.draw_without_rendering()
        finally:
            laying_out = False

    canvas.draw = layout_only  # type: ignore[method-assign]
    try:
        yield
    finally:
        del canvas.draw  # the class's method again


@_styled
def heatmap(
    table: pd.DataFrame,
    *,
    title: str,
    suppressed: pd.DataFrame | None = None,
    fmt: str = ",.0f",
    cbar_label: str = "",
) -> Axes:
    """A heat-map of a table (e.g. districts x years) with values written in the cells.

    Parameters
    ----------
    table
        Numbers to colour.
    suppressed
        Boolean frame like ``table``: True cells are blanked and labelled "[c]".
    """
    mask = (
        suppressed.reindex_like(table).fillna(False).astype(bool)
        if suppressed is not None
        else None
    )
    shown = table.mask(mask) if mask is not None else table
    ax = _new(min(0.7 * table.shape[1] + 3, 7.0), 0.45 * table.shape[0] + 1.6)
    with _layout_only_draws(ax):
        sns.heatmap(
            shown.astype(float),
            ax=ax,
            cmap="Blues",
            annot=False,
            cbar_kws={"label": cbar_label},
            linewidths=0.5,
        )
    for (i, j), value in np.ndenumerate(shown.to_numpy(dtype=float)):
        text = (
            SUPPRESSED_LABEL
            if np.isnan(value) and mask is not None and mask.to_numpy()[i, j]
            else format(value, fmt)
        )
        dark = not np.isnan(value) and value > np.nanmax(shown.to_numpy(dtype=float)) * 0.6
        ax.text(
            j + 0.5, i + 0.5, text, ha="center", va="center", color="white" if dark else "black"
        )
    _title(ax, title)
    ax.set_xlabel(str(table.columns.name or ""))
    ax.set_ylabel("")
    return ax


@_styled
def funnel_plot(
    points: pd.DataFrame,
    limits: pd.DataFrame,
    *,
    benchmark_rate: float,
    title: str,
    per: str = "1,000 residents",
    hidden: pd.Series | None = None,
    benchmark_hidden: bool = False,
) -> Axes:
    """Funnel plot: each area's rate against its population, with 95% and 99.8% control limits.

    Parameters
    ----------
    points
        Indexed by area, with ``denominator`` (residents) and ``value`` (the rate).
    limits
        From :func:`sna.stats.benchmark.funnel_limits` over a grid of populations: ``population`` and
        columns ``lower95``, ``upper95``, ``lower998``, ``upper998``.
    hidden
        True for each area whose count is suppressed in the table: no point.
    benchmark_hidden
        True when the benchmark's count is suppressed: no benchmark line and no control limits
        (they are centred on its rate).
    """
    points = points[~_hidden(points, hidden)]
    ax = _new()
    if not benchmark_hidden:
        _funnel_limits(ax, limits, benchmark_rate)
    ax.scatter(points["denominator"], points["value"], color=_BLUE, zorder=3)
    _label_points(ax, points["denominator"], points["value"])
    ax.set_xlabel("Population (thousands of residents)")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))  # labels that do not run into each other
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1000:,.0f}"))
    ax.set_ylabel(f"Rate per {per} a year")
    _title(ax, title)
    if not benchmark_hidden:  # below the chart: the names take the space on the right
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=2)
    return ax


def _label_points(ax: Axes, x: pd.Series, y: pd.Series) -> None:
    """Name the points in a column to their right, spaced so that no two labels overlap.

    Labels are stacked from the lowest point up, at least one text line apart, each joined to its
    point by a thin leader line; the x axis is widened to hold them.
    """
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    low, high = ax.get_ylim()
    height = ax.get_position().height * fig.get_size_inches()[1]  # inches
    gap = 1.35 * plt.rcParams["font.size"] / 72 * (high - low) / height
    left, right = ax.get_xlim()
    column = float(x.max()) + 0.06 * (right - left)
    placed = -np.inf
    for name in y.sort_values().index:
        at = max(float(y[name]), placed + gap)
        ax.annotate(
            str(name),
            (x[name], y[name]),
            xytext=(column, at),
            va="center",
            arrowprops={"arrowstyle": "-", "color": _GREY, "lw": 0.6, "shrinkB": 4},
        )
        placed = at
    ax.set_ylim(low, max(high, placed + gap))


def _funnel_limits(ax: Axes, limits: pd.DataFrame, benchmark_rate: float) -> None:
    ax.plot(
        limits["population"],
        limits["lower95"],
        color=_GREY,
        linestyle="--",
        label=_label(limits, "95%"),
    )
    ax.plot(limits["population"], limits["upper95"], color=_GREY, linestyle="--")
    ax.plot(
        limits["population"],
        limits["lower998"],
        color=_GREY,
        linestyle=":",
        label=_label(limits, "99.8%"),
    )
    ax.plot(limits["population"], limits["upper998"], color=_GREY, linestyle=":")
    ax.axhline(benchmark_rate, color=_RED, label=f"Benchmark: {benchmark_rate:.1f}")


def _label(limits: pd.DataFrame, level: str) -> str:
    adjusted = limits.attrs.get("overdispersion_adjusted", False)
    return f"{level} limits" + (" (allowing for variation between areas)" if adjusted else "")


@_styled
def deprivation_bars(
    by_decile: pd.DataFrame, *, title: str, domain: str, per: str = "1,000 residents"
) -> Axes:
    """Rate per decile of deprivation (1 = most deprived 10% in England) with 95% intervals.

    Parameters
    ----------
    by_decile
        Indexed by decile 1-10, with ``value``, ``lower95``, ``upper95`` and optionally
        ``suppressed`` (True: no bar, labelled "[c]").
    """
    ax = _new()
    x = by_decile.index.to_numpy()
    err = np.vstack(
        [by_decile["value"] - by_decile["lower95"], by_decile["upper95"] - by_decile["value"]]
    )
    ax.bar(x, by_decile["value"], color=_BLUE, yerr=err, capsize=4)
    if "suppressed" in by_decile:  # no bar for a suppressed decile: say so instead
        for decile in by_decile.index[by_decile["suppressed"].astype(bool)]:
            ax.text(decile, 0, SUPPRESSED_LABEL, ha="center", va="bottom")
    if "n_lsoas" in by_decile:  # how many neighbourhoods are behind each bar
        for decile, n in by_decile["n_lsoas"].items():
            ax.annotate(
                f"{int(n)}", (decile, 0), xytext=(0, -28), textcoords="offset points",
                ha="center", va="top", fontsize=8, color=_GREY,
            )  # fmt: skip
        ax.annotate(
            "LSOAs:", (0.3, 0), xytext=(0, -28), textcoords="offset points", ha="right",
            va="top", fontsize=8, color=_GREY, annotation_clip=False,
        )  # fmt: skip
    ax.set_xticks(range(1, 11))
    index = by_decile.attrs.get("deprivation_index", "IoD2019")
    ax.set_xlabel(f"{index} {domain} domain decile (1 = most deprived 10% of LSOAs in England)")
    ax.set_ylabel(f"Rate per {per} a year")
    _title(ax, title)
    return ax


@_styled
def seasonal_profile(season: pd.DataFrame, *, title: str) -> Axes:
    """Each calendar month's crime relative to an average month, with 95% intervals.

    Parameters
    ----------
    season
        ``SeasonalTrend.season``: indexed by month number, with ``value``, ``lower95``,
        ``upper95`` and ``n_months``.
    title
        Chart title.
    """
    ax = _new()
    x = season.index.to_numpy()
    err = np.vstack([season["value"] - season["lower95"], season["upper95"] - season["value"]])
    ax.bar(x, season["value"], color=_BLUE, yerr=err, capsize=4)
    ax.axhline(1.0, color=_GREY, linestyle="--", label="An average month")
    ax.set_xticks(range(1, 13), [calendar.month_abbr[m] for m in range(1, 13)])
    ax.set_xlabel("Calendar month (no bar: no data for that month in any year)")
    ax.set_ylabel("Crimes relative to\nan average month")
    _title(ax, title)
    fig = ax.get_figure(root=True)
    if fig is not None:  # below the chart: inside, the bars would hide it
        fig.legend(loc="outside lower center")
    return ax


@_styled
def share_bars(
    shares: pd.DataFrame,
    *,
    title: str,
    xlabel: str,
    benchmark: str,
    hidden: pd.Series | None = None,
    benchmark_hidden: pd.Series | None = None,
) -> Axes:
    """Horizontal bars of percentages with 95% intervals, and each row's benchmark as a mark.

    Parameters
    ----------
    shares
        Indexed by row (e.g. crime type), with ``value``, ``lower95``, ``upper95`` and
        ``benchmark_value`` as fractions (0 to 1); drawn as percentages.
    title, xlabel
        Chart title and the label of the percentage axis.
    benchmark
        The benchmark's name, for the legend.
    hidden, benchmark_hidden
        True where a row's share (no bar, labelled "[c]") or its benchmark (no mark) is hidden.
    """
    hide = _hidden(shares, hidden)
    hide_bench = _hidden(shares, benchmark_hidden)
    shown = shares[["value", "lower95", "upper95"]].mask(hide, axis=0) * 100
    bench = shares["benchmark_value"].mask(hide_bench) * 100
    ax = _new(_WIDTH, 0.32 * len(shares) + 1.4)
    y = np.arange(len(shares))[::-1]
    err = np.vstack([shown["value"] - shown["lower95"], shown["upper95"] - shown["value"]])
    ax.barh(y, shown["value"], color=_BLUE, xerr=err, capsize=3, ecolor="black")
    ax.scatter(bench, y, marker="|", s=220, linewidths=2.5, color=_RED, zorder=3,
               label=benchmark)  # fmt: skip
    ax.set_yticks(y, shares.index)
    for position, row in zip(y, shares.index, strict=True):
        if hide[row]:
            ax.text(0, position, f" {SUPPRESSED_LABEL}", ha="left", va="center")
    ax.set_xlim(left=0)
    # The row labels take much of the width: title and axis label centred on the figure.
    fig = ax.get_figure(root=True)
    assert fig is not None
    fig.suptitle(textwrap.fill(title, width=38), fontweight="bold", fontsize="large")
    fig.supxlabel(textwrap.fill(xlabel, width=52), fontsize="medium")
    if bench.notna().any():
        ax.legend(loc="lower right")
    return ax
