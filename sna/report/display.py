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
    from matplotlib.figure import Figure

__all__ = [
    "anchor",
    "figure_svg",
    "show_figure",
    "show_findings",
    "show_heading",
    "show_links",
    "show_list",
    "show_note",
    "show_table",
    "show_text",
    "svg_element",
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


_SVG_PROLOG = (
    '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n'
    '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"\n'
    '  "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
)
"""What matplotlib's SVG writer puts before the ``<svg>`` element."""
_NOT_XML = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
"""Characters an XML parser rejects (or, ``\\r``, rewrites)."""
_REFERENCE = re.compile(r"&(?!(?:amp|lt|gt|quot|apos);)")
"""An ``&`` that does not start one of the entities matplotlib writes."""
_TAG_TO_NORMALISE = re.compile(r"<[^!<>\n\t'&][^<>\n\t'&]*[\n\t'&][^<>]*>")
"""A start tag with a newline or tab (in a value), an apostrophe or an entity (``&apos;``)."""
_TEXT_WITH_QUOTE = re.compile(r'>[^<>"]*"[^<>]*<')
"""Text between two tags (not a comment) with a ``"``, which minidom writes as ``&quot;``."""
_ATTRIBUTE = re.compile(r""" ([^\s="'<>/]+)=(?:"([^"]*)"|'([^']*)')""")
"""One attribute as matplotlib writes it: a space, the name, the value in either quotes."""
_APOSTROPHE = "'"
_SVG_TEXT_PLAIN = "<IPython.core.display.SVG object>"
"""The ``text/plain`` of an ``IPython.display.SVG``, kept in every chart's notebook output."""


class _NotMatplotlibSVG(ValueError):
    """SVG markup outside what matplotlib's writer emits: leave it to the XML parser."""


def _normalised_tag(tag: str) -> str:
    r"""A start tag as ``xml.dom.minidom`` writes it back after parsing.

    Values in double quotes, newlines and tabs in them as spaces (XML attribute-value
    normalisation), ``&apos;`` as ``'``, ``"`` as ``&quot;``, namespace declarations first.

    Examples
    --------
    >>> print(_normalised_tag('<g id=\'say "hi"\' class="a&apos;s" xmlns="u"/>'))
    <g xmlns="u" id="say &quot;hi&quot;" class="a's"/>
    """
    tag = tag.replace("\n", " ").replace("\t", " ")
    end = len(tag) - 2 if tag.endswith("/>") else len(tag) - 1
    at = tag.find(" ")
    if at < 0 or at > end:  # no attributes
        return tag
    name_end = at
    declarations: list[str] = []
    attributes: list[str] = []
    for match in _ATTRIBUTE.finditer(tag, name_end, end):
        if match.start() != at:
            raise _NotMatplotlibSVG(tag)
        at = match.end()
        name, double, single = match.groups()
        value = double if single is None else single.replace('"', "&quot;")
        attribute = f' {name}="{value.replace("&apos;", _APOSTROPHE)}"'
        is_namespace = name == "xmlns" or name.startswith("xmlns:")
        (declarations if is_namespace else attributes).append(attribute)
    if at != end:
        raise _NotMatplotlibSVG(tag)
    return tag[:name_end] + "".join(declarations) + "".join(attributes) + tag[end:]


def _namespaces_first(markup: str) -> str:
    """Every start tag with an ``xmlns`` attribute normalised (namespace declarations first)."""
    at = markup.find(" xmlns")
    while at >= 0:
        start, end = markup.rfind("<", 0, at), markup.find(">", at) + 1
        if markup.rfind(">", 0, at) < start and markup[start + 1] != "!":  # in a start tag
            tag = _normalised_tag(markup[start:end])
            markup = markup[:start] + tag + markup[end:]
            end = start + len(tag)
        at = markup.find(" xmlns", end)
    return markup


def svg_element(svg: str) -> str:
    r"""The ``<svg>`` element of a matplotlib SVG file, as ``IPython.display.SVG(data=svg).data``.

    IPython parses the whole file with ``xml.dom.minidom`` and writes the element back
    (``toxml()``). For what matplotlib's SVG writer emits this does the same by rewriting only
    what ``toxml()`` changes: the XML declaration and DOCTYPE before the element and the newline
    after it go; in start tags, values are double-quoted with newlines and tabs as spaces,
    ``&apos;`` becomes ``'`` and namespace declarations come first; in text between tags ``"``
    becomes ``&quot;``. Comments (matplotlib writes each drawn text as one) are kept as they are.
    It is meant for the files :func:`figure_svg` writes (its only caller) and relies on
    matplotlib's layout of them: one space before each attribute, values quoted, ``<``, ``>`` and
    ``&`` escaped everywhere, ``&apos;`` only in attribute values, no empty element written as a
    start and an end tag. Some of what matplotlib never writes is caught and goes through
    IPython's parser instead (other declarations, character or other references, processing
    instructions, characters XML forbids, a carriage return, anything around the element; the
    parser raises as before on what is not XML, e.g. a control character in a label); the rest
    is not (a review found 6 such hand-written files, e.g. ``<g></g>``, that IPython writes
    otherwise): do not pass it SVG from elsewhere.

    Examples
    --------
    >>> svg = _SVG_PROLOG + '<svg width="9pt" xmlns="http://www.w3.org/2000/svg">\n'
    >>> svg += ' <!-- "Oxford\'s" -->\n <path d="M 0 0 \nL 9 9 \nz\n"/>\n</svg>\n'
    >>> print(svg_element(svg))
    <svg xmlns="http://www.w3.org/2000/svg" width="9pt">
     <!-- "Oxford's" -->
     <path d="M 0 0  L 9 9  z "/>
    </svg>
    >>> svg_element(svg) == SVG(data=svg).data
    True
    """
    markup = svg.removeprefix(_SVG_PROLOG).removesuffix("\n")
    if (
        len(markup) + len(_SVG_PROLOG) + 1 != len(svg)
        or not markup.startswith("<svg ")
        or not markup.endswith("</svg>")
        or "<?" in markup
        or markup.count("<!") != markup.count("<!--")
        or _REFERENCE.search(markup)
        or _NOT_XML.search(markup)
    ):
        return cast(str, SVG(data=svg).data)
    try:
        markup = _TAG_TO_NORMALISE.sub(lambda tag: _normalised_tag(tag.group()), markup)
        markup = _namespaces_first(markup)
    except _NotMatplotlibSVG:
        return cast(str, SVG(data=svg).data)
    return _TEXT_WITH_QUOTE.sub(lambda text: text.group().replace('"', "&quot;"), markup)


def figure_svg(fig: Figure) -> str:
    """The SVG file of a chart as :func:`show_figure` draws it (before IPython's rewriting).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> figure_svg(Figure()).startswith(_SVG_PROLOG + "<svg xmlns:xlink=")
    True
    """
    import matplotlib as mpl

    buffer = io.BytesIO()
    with mpl.rc_context(cast(Any, SVG_SETTINGS)):  # "tight": nothing drawn is cut off
        fig.savefig(
            buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None}
        )
    return buffer.getvalue().decode("utf-8")


def show_figure(ax: Axes, *, alt: str) -> None:
    """Show a chart as SVG with alt text, then close its figure.

    The SVG has no date or software metadata and ids from a fixed salt, so the same chart always
    gives the same bytes; it is cropped to what is drawn (nothing cut off). Its display size
    (``width``, ``height`` metadata, pixels) is 1.2 CSS pixels per point of the SVG, and style
    sheets shrink it to fit a narrow screen. It is published as IPython's SVG display published
    it (``text/plain`` included) without that display's XML round trip (:func:`svg_element`).

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
    svg = figure_svg(fig)
    plt.close(fig)
    points = re.search(r'<svg[^>]*\swidth="([\d.]+)pt"[^>]*\sheight="([\d.]+)pt"', svg)
    assert points is not None, "matplotlib SVG without a size in points"
    width, height = (round(float(v) / 72 * _PX_PER_INCH) for v in points.groups())
    display(
        {"text/plain": _SVG_TEXT_PLAIN, "image/svg+xml": svg_element(svg)},
        raw=True,
        metadata={"image/svg+xml": {"alt": alt, "width": width, "height": height}},
    )
