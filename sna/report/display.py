"""Showing results in a notebook so that the published HTML reads well and stays safe.

Every string that comes from data or config (district and LSOA names, crime types) is HTML-escaped
here, so nothing from a data file can become active markup in a report. Figures are shown as SVG
(sharp at any zoom and in print, byte-reproducible) with alt text; tables as plain HTML tables with a
caption. Headings shown from code use ids so the report's table of contents can link to them.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

import pandas as pd
from IPython.display import HTML, SVG, display

from sna.report import downloads

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "anchor",
    "show_figure",
    "show_findings",
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
    return downloads.ascii_slug(text, empty="section")


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


def show_findings(items: Iterable[str]) -> None:
    """Key findings: a bulleted list (escaped) marked so the reports index can quote it.

    The sentences are also kept in the output's metadata (``{"sna": {"findings": [...]}}``), where
    :func:`sna.build.publish.area_summary` finds the area overview's findings for the index page.
    """
    items = list(items)
    body = "".join(f"<li>{html.escape(item)}</li>" for item in items)
    display(
        HTML(f'<ul class="sna-findings">{body}</ul>'),
        metadata={"sna": {"findings": items}},
    )


def show_links(links: Iterable[tuple[str, str]]) -> None:
    """A bulleted list of links, given as (text, relative URL) pairs; both are escaped."""
    body = "".join(
        f'<li><a href="{html.escape(url, quote=True)}">{html.escape(text)}</a></li>'
        for text, url in links
    )
    display(HTML(f"<ul>{body}</ul>"))


def table_html(
    frame: pd.DataFrame,
    *,
    caption: str,
    index: bool = True,
    notes: str = "",
    download: str | None = None,
) -> str:
    """HTML of a table with a caption, optional footnote and a link to download it as CSV.

    Every cell is escaped. The CSV holds exactly the cells shown ("[c]" where hidden;
    :mod:`sna.report.downloads`); ``download`` is its file name, by default made from the caption
    (:func:`~sna.report.downloads.csv_name`). A table with no rows has no link.
    """
    link = (
        downloads.download_link(
            frame, filename=download or downloads.csv_name(caption), index=index
        )
        if len(frame)
        else ""
    )
    spanner = downloads.spanning_heading(frame, index=index)
    lead = frame.index.nlevels if index else 0  # columns left of the spanning heading
    if index:  # the index becomes the first column, under its own name
        frame = frame.reset_index()
    frame = frame.rename_axis(columns=None)  # a name on the columns: the spanning row below
    body = frame.to_html(escape=True, index=False, border=0, classes="sna-table", na_rep="")
    if spanner is not None:  # one heading over the data columns, above their own headings
        blank = f'<th colspan="{lead}"></th>' if lead else ""
        top = (
            f'<tr class="sna-spanner">{blank}<th colspan="{len(frame.columns) - lead}" '
            f'scope="colgroup">{html.escape(spanner[lead])}</th></tr>'
        )
        body = body.replace("<thead>\n", f"<thead>\n{top}\n", 1)
    foot = f'<p class="sna-table-note">{html.escape(notes)}</p>' if notes else ""
    return f'<figure class="sna-figure"><figcaption>{html.escape(caption)}</figcaption>{body}{foot}{link}</figure>'


def show_table(
    frame: pd.DataFrame,
    *,
    caption: str,
    index: bool = True,
    notes: str = "",
    download: str | None = None,
) -> None:
    """Show a formatted table (strings, e.g. from :mod:`sna.report.tables`) with a caption.

    Under it, a link downloads the table as CSV (``download``: its file name; see
    :func:`table_html`).
    """
    display(HTML(table_html(frame, caption=caption, index=index, notes=notes, download=download)))


SVG_SETTINGS = {"svg.fonttype": "path", "svg.hashsalt": "sna", "svg.image_inline": True}
"""Text drawn as shapes (a chart looks the same whatever fonts a reader has) and element ids from
a fixed salt (the same chart gives the same bytes)."""
_PX_PER_INCH = 1.2 * 96  # a 5-inch chart is shown about 576 px wide on a desktop, less on a phone


def show_figure(ax: Axes, *, alt: str) -> None:
    """Show a chart as SVG with alt text, then close its figure.

    The SVG has no date or software metadata and ids from a fixed salt, so the same chart always
    gives the same bytes; it is cropped to what is drawn (nothing cut off). Its display size
    (``width``, ``height`` metadata, pixels) is 1.2 CSS pixels per point of the SVG, and style
    sheets shrink it to fit a narrow screen.

    Parameters
    ----------
    ax
        Axes returned by a :mod:`sna.report.charts` function.
    alt
        What the chart shows, in words, for readers who cannot see it.
    """
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    fig = ax.get_figure(root=True)
    assert fig is not None
    buffer = io.BytesIO()
    with mpl.rc_context(cast(Any, SVG_SETTINGS)):  # "tight": nothing drawn is cut off
        fig.savefig(
            buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None}
        )
    plt.close(fig)
    svg = buffer.getvalue().decode("utf-8")
    points = re.search(r'<svg[^>]*\swidth="([\d.]+)pt"[^>]*\sheight="([\d.]+)pt"', svg)
    assert points is not None, "matplotlib SVG without a size in points"
    width, height = (round(float(v) / 72 * _PX_PER_INCH) for v in points.groups())
    display(
        SVG(data=svg), metadata={"image/svg+xml": {"alt": alt, "width": width, "height": height}}
    )
