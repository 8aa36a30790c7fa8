"""Showing results in a notebook so that the published HTML reads well and stays safe.

Every string that comes from data or config (district and LSOA names, crime types) is HTML-escaped
here, so nothing from a data file can become active markup in a report. Figures are shown as PNG
with alt text; tables as plain HTML tables with a caption. Headings shown from code use ids so the
report's table of contents can link to them.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

import pandas as pd
from IPython.display import HTML, Image, display

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "anchor",
    "show_figure",
    "show_heading",
    "show_links",
    "show_list",
    "show_note",
    "show_table",
    "show_text",
    "table_html",
]


def anchor(text: str) -> str:
    """An ASCII id for a heading, for links from the contents list.

    Examples
    --------
    >>> anchor("Neighbourhood crime: 2025")
    'neighbourhood-crime-2025'
    """
    slug = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")
    return slug or "section"


def show_heading(text: str, *, level: int = 1) -> None:
    """A heading (``<h1>``..``<h3>``) built from data, escaped, with an anchor id."""
    safe = html.escape(text)
    display(HTML(f'<h{level} id="{anchor(text)}">{safe}</h{level}>'))


def show_text(text: str) -> None:
    """A paragraph of plain text (escaped)."""
    display(HTML(f"<p>{html.escape(text)}</p>"))


def show_note(text: str, *, kind: str = "warning") -> None:
    """A highlighted box for caveats a reader must not miss (e.g. missing months)."""
    display(
        HTML(
            f'<div class="sna-note sna-{html.escape(kind)}" role="note"><p>{html.escape(text)}</p></div>'
        )
    )


def show_list(items: Iterable[str]) -> None:
    """A bulleted list of plain-text sentences (escaped), e.g. key findings."""
    body = "".join(f"<li>{html.escape(item)}</li>" for item in items)
    display(HTML(f"<ul>{body}</ul>"))


def show_links(links: Iterable[tuple[str, str]]) -> None:
    """A bulleted list of links, given as (text, relative URL) pairs; both are escaped."""
    body = "".join(
        f'<li><a href="{html.escape(url, quote=True)}">{html.escape(text)}</a></li>'
        for text, url in links
    )
    display(HTML(f"<ul>{body}</ul>"))


def table_html(frame: pd.DataFrame, *, caption: str, index: bool = True, notes: str = "") -> str:
    """HTML of a table with a caption and optional footnote; every cell is escaped."""
    if index:  # one header row: the index becomes the first column, under its own name
        frame = frame.reset_index()
    body = frame.to_html(escape=True, index=False, border=0, classes="sna-table", na_rep="")
    foot = f'<p class="sna-table-note">{html.escape(notes)}</p>' if notes else ""
    return f'<figure class="sna-figure"><figcaption>{html.escape(caption)}</figcaption>{body}{foot}</figure>'


def show_table(frame: pd.DataFrame, *, caption: str, index: bool = True, notes: str = "") -> None:
    """Show a formatted table (strings, e.g. from :mod:`sna.report.tables`) with a caption."""
    display(HTML(table_html(frame, caption=caption, index=index, notes=notes)))


def show_figure(ax: Axes, *, alt: str) -> None:
    """Show a chart as a PNG with alt text, then close its figure.

    Parameters
    ----------
    ax
        Axes returned by a :mod:`sna.report.charts` function.
    alt
        What the chart shows, in words, for readers who cannot see it.
    """
    import matplotlib.pyplot as plt

    fig = ax.get_figure(root=True)
    assert fig is not None
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    display(Image(data=buffer.getvalue(), format="png"), metadata={"image/png": {"alt": alt}})
