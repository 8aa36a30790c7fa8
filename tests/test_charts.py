"""Charts: titles, labels and artists; suppressed values never drawn."""

from __future__ import annotations

import contextlib

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import seaborn as sns
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure

from sna.report import charts
from sna.report.display import figure_svg


def overview() -> pd.DataFrame:
    return pd.DataFrame(
        {"value": [60.0, 90.0, 57.0], "lower95": [58.0, 88.0, 56.5], "upper95": [62.0, 92.0, 57.5]},
        index=["Cherwell", "Oxford", "Oxfordshire"],
    )


def test_rate_bars():
    ax = charts.rate_bars(overview(), benchmark="Oxfordshire", title="Rates")
    assert ax.get_title() == "Rates"
    assert len(ax.patches) == 2  # one bar per district; the benchmark is a line
    labels = {t.get_text(): t.get_position()[1] for t in ax.get_yticklabels()}
    assert labels["Cherwell"] > labels["Oxford"]  # districts top to bottom in config order
    assert "Oxfordshire: 57.0" in ax.get_legend().get_texts()[0].get_text()
    assert "per 1,000" in ax.get_xlabel()


def test_monthly_trend_breaks_at_missing_months():
    months = pd.to_datetime(["2025-05-01", "2025-06-01", "2025-08-01"])
    ax = charts.monthly_trend(pd.Series([10, 12, 11], index=months), title="Trend")
    y = ax.lines[0].get_ydata()
    assert len(y) == 4 and np.isnan(y[2])  # July is a gap, not a zero
    assert ax.get_title() == "Trend"


def test_heatmap_hides_suppressed_cells():
    table = pd.DataFrame({2024: [2.0, 40.0], 2025: [30.0, 50.0]}, index=["A", "B"])
    hidden = pd.DataFrame({2024: [True, False], 2025: [False, False]}, index=["A", "B"])
    ax = charts.heatmap(table, suppressed=hidden, title="Heat")
    texts = [t.get_text() for t in ax.texts]
    assert "[c]" in texts
    assert "2" not in texts
    assert sorted(texts) == sorted(["[c]", "30", "40", "50"])
    colours = ax.collections[0].get_array()
    assert np.ma.is_masked(colours[0])  # the suppressed cell has no colour either


def test_funnel_and_deprivation_charts():
    points = pd.DataFrame(
        {"denominator": [100_000, 150_000], "value": [50.0, 70.0]}, index=["A", "B"]
    )
    grid = np.geomspace(50_000, 200_000, 5)
    limits = pd.DataFrame(
        {"population": grid, "lower95": 55.0, "upper95": 65.0, "lower998": 52.0, "upper998": 68.0}
    )
    ax = charts.funnel_plot(points, limits, benchmark_rate=60.0, title="Funnel")
    assert ax.get_title() == "Funnel"
    assert len(ax.lines) == 5
    by_decile = pd.DataFrame(
        {
            "value": np.arange(10.0, 0, -1),
            "lower95": np.arange(9.0, -1, -1),
            "upper95": np.arange(11.0, 1, -1),
        },
        index=range(1, 11),
    )
    ax = charts.deprivation_bars(by_decile, title="Deciles", domain="Income")
    assert len(ax.patches) == 10
    assert "Income domain decile" in ax.get_xlabel()


def test_deprivation_bars_do_not_draw_suppressed_deciles():
    rates = np.arange(10.0, 0, -1)
    hidden = np.zeros(10, dtype=bool)
    hidden[[0, 4]] = True
    by_decile = pd.DataFrame(
        {
            "value": np.where(hidden, np.nan, rates),
            "lower95": rates - 1,
            "upper95": rates + 1,
            "suppressed": hidden,
        },
        index=range(1, 11),
    )
    ax = charts.deprivation_bars(by_decile, title="Deciles", domain="Income")
    heights = [p.get_height() for p in ax.patches]
    assert np.isnan(heights[0]) and np.isnan(heights[4])
    assert [t.get_text() for t in ax.texts] == ["[c]", "[c]"]


def test_rate_bars_draw_no_bar_or_line_for_a_suppressed_count():
    hidden = pd.Series({"Cherwell": True, "Oxford": False, "Oxfordshire": False})
    ax = charts.rate_bars(overview(), benchmark="Oxfordshire", title="Rates", hidden=hidden)
    heights = [p.get_width() for p in ax.patches]
    assert np.isnan(heights[0]) and heights[1] == 90.0
    assert [t.get_text().strip() for t in ax.texts] == ["[c]"]
    assert len(ax.lines) > 0 and ax.get_legend() is not None
    everything = pd.Series(True, index=overview().index)
    ax = charts.rate_bars(overview(), benchmark="Oxfordshire", title="Rates", hidden=everything)
    assert all(np.isnan(p.get_width()) for p in ax.patches)
    assert ax.get_legend() is None  # no benchmark line: its rate is suppressed too
    assert not any("57" in t.get_text() or "60" in t.get_text() for t in ax.texts)


def test_funnel_plot_leaves_out_suppressed_points_and_benchmark():
    points = pd.DataFrame(
        {"denominator": [100_000, 150_000], "value": [50.0, 70.0]}, index=["A", "B"]
    )
    limits = pd.DataFrame(
        {"population": [1e5, 2e5], "lower95": 55.0, "upper95": 65.0, "lower998": 52.0,
         "upper998": 68.0}
    )  # fmt: skip
    hidden = pd.Series({"A": True, "B": False})
    ax = charts.funnel_plot(points, limits, benchmark_rate=60.0, title="F", hidden=hidden)
    assert ax.collections[0].get_offsets().tolist() == [[150_000, 70.0]]
    assert [t.get_text() for t in ax.texts] == ["B"]
    ax = charts.funnel_plot(
        points, limits, benchmark_rate=60.0, title="F", hidden=~hidden | hidden,
        benchmark_hidden=True,
    )  # fmt: skip
    assert len(ax.lines) == 0 and len(ax.collections[0].get_offsets()) == 0


def test_a_dollar_in_a_name_is_text_not_tex():
    """A partner indicator named with "$" (hostile or not) is drawn as written, never parsed as TeX."""
    import io

    table = pd.DataFrame([[1, 2], [3, 4]], index=["a $\\frac{$ b", "c"], columns=[2023, 2024])
    ax = charts.heatmap(table, title="Sexual $\\frac{$ offences")
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="svg")  # raised ValueError when "$" started maths
    assert ax.get_yticklabels()[0].get_text() == "a $\\frac{$ b"


@pytest.mark.parametrize(
    "columns",
    [
        [2019, 2020, 2021, 2022, 2023, 2024, 2025],
        # Long labels that overlap, so seaborn turns them vertical.
        [f"Violence and sexual offences, district {i}" for i in range(8)],
    ],
)
def test_heatmap_lays_out_without_painting_and_draws_the_same_svg(monkeypatch, columns):
    """seaborn's overlap check after a layout-only draw gives the SVG of a full Agg draw."""
    rng = np.random.default_rng(7)
    table = pd.DataFrame(
        rng.integers(0, 900, size=(12, len(columns))).astype(float),
        index=[f"Crime type {i}" for i in range(12)],
        columns=columns,
    )
    hidden = table < 5
    painted = []  # text painted in pixels
    real_draw_text = RendererAgg.draw_text

    def counting_draw_text(renderer, *args, **kwargs):
        painted.append(args[3])
        return real_draw_text(renderer, *args, **kwargs)

    monkeypatch.setattr(RendererAgg, "draw_text", counting_draw_text)
    fast_ax = charts.heatmap(table, suppressed=hidden, title="Heat")
    fast = figure_svg(fast_ax.get_figure(root=True))
    assert not painted  # seaborn's draw only laid the figure out
    rotations = {t.get_rotation() for t in fast_ax.get_xticklabels()}
    monkeypatch.setattr(charts, "_layout_only_draws", lambda ax: contextlib.nullcontext())
    slow_ax = charts.heatmap(table, suppressed=hidden, title="Heat")
    slow = figure_svg(slow_ax.get_figure(root=True))
    assert painted  # seaborn's own route: a full Agg draw
    assert fast == slow
    assert rotations == {t.get_rotation() for t in slow_ax.get_xticklabels()}
    assert rotations == ({90.0} if isinstance(columns[0], str) else {0.0})
    assert "draw" not in vars(fast_ax.get_figure(root=True).canvas)  # the canvas is as it was
    plt.close("all")


def test_heatmap_on_other_canvases_draws_as_seaborn_asks():
    """A canvas other than Agg is left alone; one whose print method draws does not loop."""
    table = pd.DataFrame({2024: [2.0, 40.0], 2025: [30.0, 50.0]}, index=["A", "B"])
    backend = plt.get_backend()
    plt.switch_backend("template")  # its print methods call the canvas's draw
    try:
        ax = charts.heatmap(table, title="Heat")
        assert sorted(t.get_text() for t in ax.texts) == ["2", "30", "40", "50"]
    finally:
        plt.close("all")
        plt.switch_backend(backend)

    class DrawingCanvas(FigureCanvasAgg):
        def print_png(self, *args, **kwargs):  # as some backends do: draw, then print
            self.draw()
            return super().print_png(*args, **kwargs)

    figure = Figure()
    DrawingCanvas(figure)
    ax = figure.subplots()
    with charts._layout_only_draws(ax):
        sns.heatmap(table, ax=ax)
    assert "draw" not in vars(figure.canvas)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2024", "2025"]
