"""What notebooks show: text from data is escaped, figures carry alt text."""

from __future__ import annotations

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from sna.report import charts, display

PAYLOADS = ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "a & b"]


@pytest.fixture
def shown(monkeypatch):
    out: list = []
    monkeypatch.setattr(display, "display", lambda obj, **kw: out.append((obj, kw)))
    return out


@pytest.mark.parametrize("payload", PAYLOADS)
def test_text_from_data_is_escaped(shown, payload):
    display.show_heading(payload)
    display.show_text(payload)
    display.show_note(payload)
    display.show_list([payload])
    display.show_links([(payload, f'x.html" onclick="{payload}')])
    display.show_table(
        pd.DataFrame({payload: [payload]}, index=[payload]), caption=payload, notes=payload
    )
    for obj, _ in shown:
        soup = BeautifulSoup(obj.data, "html.parser")
        assert not soup.find_all(["script", "img", "iframe"])
        for tag in soup.find_all(True):
            assert not [a for a in tag.attrs if a.startswith("on")], tag
        assert payload in soup.get_text()  # shown as text, not lost


def test_figure_has_alt_text_and_no_timestamp(shown):
    ax = charts.monthly_trend(
        pd.Series([1, 2], index=pd.to_datetime(["2025-01-01", "2025-02-01"])), title="T"
    )
    display.show_figure(ax, alt="Two months of crime")
    image, kwargs = shown[0]
    assert kwargs["raw"] and image["text/plain"] == "<IPython.core.display.SVG object>"
    markup = image["image/svg+xml"]
    svg = BeautifulSoup(markup, "html.parser").svg
    points = [float(svg[k].removesuffix("pt")) for k in ("width", "height")]
    assert 300 < points[0] < 400 and 200 < points[1] < 300  # about 5 x 3.3 inches, cropped
    assert kwargs["metadata"] == {
        "image/svg+xml": {
            "alt": "Two months of crime",
            "width": round(points[0] * 96 / 72 * 1.2),  # 1.2 CSS px per CSS px of the chart
            "height": round(points[1] * 96 / 72 * 1.2),
        }
    }
    assert "<dc:date>" not in markup and "Matplotlib v" not in markup


def test_same_figure_gives_same_svg_bytes(shown):
    series = pd.Series([1, 2], index=pd.to_datetime(["2025-01-01", "2025-02-01"]))
    for _ in range(2):
        display.show_figure(charts.monthly_trend(series, title="T"), alt="a")
    assert shown[0][0]["image/svg+xml"] == shown[1][0]["image/svg+xml"]


def test_findings_are_escaped_and_kept_in_metadata(shown):
    display.show_findings(["Crime <rose> & fell", "Second"])
    html, kwargs = shown[0]
    assert html.data == (
        '<ul class="sna-findings"><li>Crime &lt;rose&gt; &amp; fell</li><li>Second</li></ul>'
    )
    assert kwargs["metadata"] == {"sna": {"findings": ["Crime <rose> & fell", "Second"]}}
