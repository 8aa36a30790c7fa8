"""Charts are published as IPython's SVG display would publish them, without its XML round trip.

``IPython.display.SVG(data=svg).data`` parses the file with ``xml.dom.minidom`` and writes the
``<svg>`` element back; :func:`sna.report.display.svg_element` gives the same string by rewriting
only what that round trip changes. Every chart type, and charts whose texts, ids, links and
metadata hold hostile text, must give exactly the same bytes (or fail the same way).
"""

from __future__ import annotations

import io
import warnings
from xml.parsers.expat import ExpatError

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from IPython.core.interactiveshell import InteractiveShell
from IPython.display import SVG

from sna.report import charts, display, maps

HOSTILE = [
    "&", "<", ">", '"', "'", "]]>", "--", "-", "<!--", "-->", "<![CDATA[x]]>", "&amp;", "&#10;",
    "&apos;", "&quot;", " xmlns=\"x\"", "xmlns:a", "/>", "=", "\n", "\t", "\r", "\r\n", "\x00",
    "\x0b", "\x1f", "\x7f", "\x85", "\ufffe", "\uffff", "\ufdd0", "é", "Ōxford", "😀", "\u2028",
    "$", "\\", " ", "  ",
]  # fmt: skip
pytestmark = [  # hostile names are long and hold characters no font has
    pytest.mark.filterwarnings("ignore:constrained_layout not applied:UserWarning"),
    pytest.mark.filterwarnings("ignore:Glyph .* missing:UserWarning"),
]
NAME = 'Crime & <disorder> "rates" in St Clement\'s -- ]]> é 😀'


def _reference(svg: str) -> str:
    return SVG(data=svg).data


def _same_as_ipython(svg: str) -> None:
    """svg_element gives IPython's bytes, or fails as IPython does (text that is not XML)."""
    try:
        expected = _reference(svg)
    except ExpatError:
        with pytest.raises(ExpatError):
            display.svg_element(svg)
        return
    assert display.svg_element(svg) == expected


def _svg(ax) -> str:
    fig = ax.get_figure(root=True)
    svg = display.figure_svg(fig)
    plt.close(fig)
    return svg


def _frame(names: list[str]) -> pd.DataFrame:
    values = np.linspace(40.0, 90.0, len(names))
    return pd.DataFrame({"value": values, "lower95": values - 3, "upper95": values + 3}, names)


def _every_chart(name: str) -> dict[str, object]:
    """One chart of each kind in sna.report.charts (and the map), with ``name`` in its texts."""
    names = [name, "Rest of the county", "Oxfordshire"]
    months = pd.date_range("2024-01-01", periods=14, freq="MS")
    forecast = pd.DataFrame(
        {"forecast": 12.0, "lower95": 10.0, "upper95": 14.0},
        index=pd.date_range("2025-03-01", periods=3, freq="MS"),
    )
    table = pd.DataFrame([[2.0, 40.0], [30.0, 50.0]], index=[name, "B"], columns=[2024, 2025])
    points = pd.DataFrame({"denominator": [100_000, 150_000], "value": [50.0, 70.0]}, [name, "B"])
    limits = pd.DataFrame(
        {"population": np.geomspace(5e4, 2e5, 5), "lower95": 55.0, "upper95": 65.0,
         "lower998": 52.0, "upper998": 68.0}
    )  # fmt: skip
    deciles = _frame([str(d) for d in range(1, 11)]).set_axis(range(1, 11))
    season = _frame([str(m) for m in range(1, 13)]).set_axis(range(1, 13)) / 60
    shares = _frame(names[:2]) / 100
    shares["benchmark_value"] = [0.5, 0.6]
    rates = pd.DataFrame(
        {"name": [name, "B"], "value": [10.0, 20.0], "lsoa21_codes": [(name,), ("b",)]},
        index=pd.Index([name, "b"], name="area_code"),
    )
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]])
    shapes = {name: [[square]], "b": [[square + 1]]}
    return {
        "rate_bars": charts.rate_bars(_frame(names), benchmark="Oxfordshire", title=name),
        "monthly_trend": charts.monthly_trend(
            pd.Series(np.arange(14.0), months), title=name, forecast=forecast, ylabel=name
        ),
        "heatmap": charts.heatmap(table, title=name, suppressed=table < 5, cbar_label=name),
        "funnel_plot": charts.funnel_plot(points, limits, benchmark_rate=60.0, title=name),
        "deprivation_bars": charts.deprivation_bars(deciles, title=name, domain=name),
        "seasonal_profile": charts.seasonal_profile(season, title=name),
        "share_bars": charts.share_bars(shares, title=name, xlabel=name, benchmark=name),
        "choropleth": maps.choropleth(
            rates, shapes, hidden=pd.Series([False, False], rates.index), title=name
        ),
    }


@pytest.mark.parametrize("name", ["Oxford", NAME])
def test_every_chart_type_gives_ipythons_bytes(name):
    for kind, ax in _every_chart(name).items():
        svg = _svg(ax)
        assert display.svg_element(svg) == _reference(svg), kind


def test_show_figure_publishes_what_ipythons_svg_display_did(monkeypatch):
    """The same data, metadata and text/plain as ``display(SVG(data=svg), metadata=...)``."""
    published: list = []
    shell = InteractiveShell.instance()
    monkeypatch.setattr(
        shell.display_pub, "publish", lambda data, metadata=None, **_: published.append(
            (data, metadata)
        )
    )  # fmt: skip
    svgs = [_svg(ax) for ax in _every_chart(NAME).values()]
    for ax in _every_chart(NAME).values():
        display.show_figure(ax, alt="a chart")
    shown = published[:]
    for (data, metadata), svg in zip(shown, svgs, strict=True):
        published.clear()
        display.display(SVG(data=svg), metadata=metadata)  # how show_figure showed charts
        assert published == [(data, metadata)]
        assert metadata["image/svg+xml"]["alt"] == "a chart"


def _hostile_chart(text: str, fonttype: str) -> str:
    """A small chart with ``text`` in every place text reaches the SVG as text."""
    metadata = {"Date": None, "Title": text, "Description": text, "Keywords": [text, text]}
    buffer = io.BytesIO()
    settings_ = {**display.SVG_SETTINGS, "svg.fonttype": fonttype, "svg.id": text or None}
    with warnings.catch_warnings(), mpl.rc_context(settings_):
        warnings.simplefilter("ignore")  # missing glyphs, an empty legend
        fig, ax = plt.subplots(figsize=(2, 1.5))
        (line,) = ax.plot([1, 2], [3, 4], label=text.replace("$", ""))
        line.set_gid(text or None)
        line.set_url(text or None)
        ax.set_title(text, parse_math=False)
        ax.set_xlabel(text, parse_math=False)
        ax.legend()
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata=metadata)
    plt.close(fig)
    return buffer.getvalue().decode("utf-8")


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.lists(
        st.one_of(st.sampled_from(HOSTILE), st.characters(exclude_categories=["Cs"])),
        max_size=8,
    ).map("".join),
    fonttype=st.sampled_from(["path", "none"]),
)
def test_hostile_texts_give_ipythons_bytes(text, fonttype):
    _same_as_ipython(_hostile_chart(text, fonttype))


@pytest.mark.parametrize("text", [*HOSTILE, NAME, "".join(HOSTILE)])
@pytest.mark.parametrize("fonttype", ["path", "none"])
def test_each_hostile_text_gives_ipythons_bytes(text, fonttype):
    _same_as_ipython(_hostile_chart(text, fonttype))


@pytest.mark.parametrize(
    "svg",
    [
        "<svg/>",  # no prolog: not from matplotlib
        '<?xml version="1.0"?>\n<svg><![CDATA[a"b]]></svg>',
        display._SVG_PROLOG + '<svg a="1"><![CDATA[a"b]]></svg>\n',
        display._SVG_PROLOG + '<svg a="1">&#38;&#x22;</svg>\n',
        display._SVG_PROLOG + '<svg a="1"><?pi x?></svg>\n',
        display._SVG_PROLOG + '<svg a = "1" b="2"/>\n',
        display._SVG_PROLOG + '<svg a="1">\r\n</svg>\n',
        display._SVG_PROLOG + '<svg a="1"/>\n<!-- after -->\n',
    ],
)
def test_markup_matplotlib_does_not_write_goes_through_the_parser(svg):
    """Declarations, references, processing instructions, carriage returns, trailing markup."""
    _same_as_ipython(svg)
