"""Charts for the reports. Each function draws on a new figure and returns its Axes.

Charts never show a suppressed value: suppressed cells of a heat-map are blank and labelled
"[c]", a suppressed count gets no bar (labelled "[c]") or point, and a suppressed benchmark no
line. Each chart takes the mask of the table that shows the same figures. Titles and axis labels say what is shown, with units.
"""

from __future__ import annotations

import calendar

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

__all__ = [
    "deprivation_bars",
    "funnel_plot",
    "heatmap",
    "monthly_trend",
    "rate_bars",
    "seasonal_profile",
]

SUPPRESSED_LABEL = "[c]"
_BLUE = "#1f5f8b"
_GREY = "#7f7f7f"


def _new(width: float = 8, height: float = 4.5) -> Axes:
    _, ax = plt.subplots(figsize=(width, height), dpi=100, layout="constrained")
    return ax


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
    ax = _new(8, 0.6 * len(areas) + 1.5)
    y = np.arange(len(areas))[::-1]
    err = np.vstack([areas["value"] - areas["lower95"], areas["upper95"] - areas["value"]])
    ax.barh(y, areas["value"], color=_BLUE, xerr=err, capsize=4, ecolor="black")
    ax.set_yticks(y, areas.index)
    for position, area in zip(y, areas.index, strict=True):
        if hide[area]:
            ax.text(0, position, f" {SUPPRESSED_LABEL}", ha="left", va="center")
    if not hide[benchmark]:
        bench = table.loc[benchmark, "value"]
        ax.axvline(bench, color="#c0392b", linestyle="--", label=f"{benchmark}: {bench:.1f}")
    ax.set_xlabel(f"Rate per {per} a year (bars: 95% confidence interval)")
    ax.set_title(title)
    if not hide[benchmark]:
        ax.legend(loc="lower right")
    return ax


def _hidden(table: pd.DataFrame, hidden: pd.Series | None) -> pd.Series:
    """A row mask for ``table``: True where hidden (none when ``hidden`` is None)."""
    if hidden is None:
        return pd.Series(False, index=table.index)
    return hidden.reindex(table.index).fillna(False).astype(bool)


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
    ax.set_ylabel(ylabel)
    ax.set_xlabel("Month (gaps: months with no police.uk data)")
    ax.set_title(title)
    ax.legend(loc="lower left")
    return ax


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
    ax = _new(1.2 * table.shape[1] + 4, 0.55 * table.shape[0] + 1.5)
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
    ax.set_title(title)
    ax.set_xlabel(str(table.columns.name or ""))
    ax.set_ylabel("")
    return ax


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
    for name, row in points.iterrows():
        ax.annotate(
            str(name), (row["denominator"], row["value"]), textcoords="offset points", xytext=(5, 4)
        )
    ax.set_xlabel("Population (residents)")
    ax.set_ylabel(f"Rate per {per} a year")
    ax.set_title(title)
    if not benchmark_hidden:
        ax.legend(loc="upper right")
    return ax


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
    ax.axhline(benchmark_rate, color="#c0392b", label=f"Benchmark: {benchmark_rate:.1f}")


def _label(limits: pd.DataFrame, level: str) -> str:
    adjusted = limits.attrs.get("overdispersion_adjusted", False)
    return f"{level} limits" + (" (allowing for variation between areas)" if adjusted else "")


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
    ax.set_title(title)
    return ax


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
    ax.set_ylabel("Crimes relative to an average month")
    ax.set_title(title)
    ax.legend(loc="lower left")
    return ax
