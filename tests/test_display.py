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
    assert kwargs["metadata"] == {"image/png": {"alt": "Two months of crime"}}
    assert image.data.startswith(b"\x89PNG")
    assert b"Software" not in image.data and b"Creation Time" not in image.data
