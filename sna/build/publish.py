"""Publish executed notebooks as self-contained, safe, reproducible HTML.

A published report has no code, loads nothing from a network (images are embedded, there is no
require.js, MathJax or widget script), works offline and e-mailed on its own, and has a table of
contents. Markup that comes from data is sanitised: no ``<script>``, no ``on*`` attributes, no
``javascript:`` URLs, no external images or style sheets. Notebook metadata that changes from run
to run (papermill timestamps, random cell ids) is normalised first, so the same inputs give
byte-identical HTML.

Figures get alt text and a caption from their output metadata, for example
``display(fig, metadata={"alt": "Line chart of monthly crimes", "title": "Figure 1: ..."})``;
a figure without ``alt`` is described by the heading of its section.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

import bleach
import nbformat
from bleach.css_sanitizer import CSSSanitizer
from bs4 import BeautifulSoup, Tag
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from sna.report.display import anchor

__all__ = [
    "IndexEntry",
    "clean_html",
    "index_html",
    "normalise_notebook",
    "notebook_errors",
    "notebook_html",
]

TEMPLATES = Path(__file__).parent / "templates"
REMOVED_CELL_TAGS = frozenset({"parameters", "injected-parameters", "remove-cell", "remove_cell"})
_UNSAFE_MIMETYPES = (
    "application/javascript",
    "text/javascript",
    "application/vnd.jupyter.widget-view+json",
    "application/vnd.jupyter.widget-state+json",
)
_ALLOWED_TAGS = frozenset((
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp",
    "small", "span", "strong", "style", "sub", "summary", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "time", "tr", "u", "ul",
))  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "*": ["class", "id", "title", "lang", "dir", "style", "role", "aria-label", "aria-hidden"],
    "a": ["href", "title"],
    "img": ["src", "alt", "width", "height"],
    "table": ["border", "summary"],
    "td": ["colspan", "rowspan", "align", "valign"],
    "th": ["colspan", "rowspan", "align", "valign", "scope"],
    "col": ["span"],
    "colgroup": ["span"],
    "ol": ["start", "type"],
    "time": ["datetime"],
}
_ALLOWED_CSS = [
    "color", "background-color", "text-align", "vertical-align", "font-weight", "font-style",
    "font-size", "font-variant-numeric", "white-space", "width", "min-width", "max-width",
    "height", "border", "border-bottom", "border-top", "border-left", "border-right",
    "border-collapse", "padding", "margin", "display",
]  # fmt: skip
_UNSAFE_CSS = re.compile(
    r"url\s*\(|@import|expression\s*\(|javascript:|behavior|-moz-binding", re.IGNORECASE
)
_URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "background", "poster")
_STYLER_UUID = re.compile(r"\bT_([0-9a-f]{5})(?=[_\"' {])")
_HEADING = re.compile(r"^\s{0,3}(#{1,3})\s+(.+?)\s*#*\s*$", re.MULTILINE)


def clean_html(html: str) -> str:
    """Sanitise HTML that may carry text from data: keep formatting and tables, drop active markup.

    Tags outside an allow-list (``<script>``, ``<iframe>``, ``<object>``, forms...) are escaped,
    so their text shows but nothing runs; ``on*`` attributes are removed; links keep only
    ``http``, ``https``, ``mailto`` and in-page ``#`` targets; images keep only embedded
    ``data:`` sources (checked again by :func:`notebook_html`).
    """
    return bleach.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        protocols={"http", "https", "mailto", "data"},
        css_sanitizer=CSSSanitizer(allowed_css_properties=_ALLOWED_CSS),
        strip=False,
        strip_comments=True,
    )


def notebook_errors(nb: nbformat.NotebookNode) -> list[str]:
    """Error outputs in an executed notebook, as ``"cell N: Name: message"`` lines."""
    found = []
    for index, cell in enumerate(nb.cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                found.append(f"cell {index}: {output.get('ename')}: {output.get('evalue')}")
    return found


def normalise_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` without what changes from run to run or must not be published.

    Removes papermill and execution-timing metadata and widget state, numbers cell ids
    (``cell-0001``...), drops script and widget outputs and stderr streams (warnings, logs: they
    stay in the executed notebook for analysts), and renames the random ids of pandas
    Styler tables (``T_1a2b3``) to ``T_sna1``... in order of appearance.
    """
    nb = copy.deepcopy(nb)
    for key in ("papermill", "widgets"):
        nb.metadata.pop(key, None)
    styler_ids: dict[str, str] = {}
    for index, cell in enumerate(nb.cells, start=1):
        cell["id"] = f"cell-{index:04d}"
        for key in ("papermill", "execution", "collapsed", "scrolled"):
            cell.metadata.pop(key, None)
        outputs = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                continue  # warnings and logs are for analysts (kept in the .ipynb), not readers
            data = output.get("data", {})
            for mimetype in _UNSAFE_MIMETYPES:
                data.pop(mimetype, None)
            if "data" in output and not data:
                continue  # nothing left to show
            outputs.append(output)
            if "text/html" in data:
                data["text/html"] = _STYLER_UUID.sub(
                    lambda m: "T_" + styler_ids.setdefault(m[1], f"sna{len(styler_ids) + 1}"),
                    data["text/html"],
                )
        if "outputs" in cell:
            cell.outputs = outputs
    return nb


def notebook_html(nb: nbformat.NotebookNode, *, title: str, lang: str = "en") -> str:
    """Convert an executed notebook into a published HTML report.

    Parameters
    ----------
    nb
        The executed notebook (not modified).
    title
        The page title (``<title>``), e.g. ``"Oxford 2024 - Community Safety SNA"``.
    lang
        ISO 639-1 language code of the page.

    Returns
    -------
    str
        The HTML document: no code cells, images embedded as ``data:`` URIs, a ``<nav>`` table
        of contents of the h1-h3 headings, sanitised outputs, and nothing loaded from a network.

    Raises
    ------
    ValueError
        If the notebook contains an error output: a report is not published from a failed run.
    """
    errors = notebook_errors(nb)
    if errors:
        raise ValueError(f"the notebook has error outputs: {'; '.join(errors)}")
    nb = normalise_notebook(nb)
    nb.metadata["title"] = title
    _describe_figures(nb)
    exporter = HTMLExporter(
        template_file="sna_report.html.j2",
        extra_template_paths=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        embed_images=True,
        sanitize_html=True,
        language_code=lang,
        filters={"clean_html": clean_html},
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=set(REMOVED_CELL_TAGS), enabled=True), enabled=True
    )
    css = (TEMPLATES / "sna_report.css").read_text(encoding="utf-8")
    html, _ = exporter.from_notebook_node(nb, resources={"sna_css": css})
    soup = BeautifulSoup(html, "html.parser")
    _make_safe(soup)
    _add_contents(soup)
    return str(soup)


def _describe_figures(nb: nbformat.NotebookNode) -> None:
    """Give every image output without alt text one from the heading of its section."""
    section = ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            section = _last_heading(cell.source) or section
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            metadata = output.setdefault("metadata", {})
            for mimetype in ("image/png", "image/jpeg", "image/svg+xml"):
                if mimetype in data and not (
                    metadata.get("alt") or metadata.get(mimetype, {}).get("alt")
                ):
                    alt = f"Chart in the section {section}" if section else "Chart"
                    metadata.setdefault(mimetype, {})["alt"] = alt
            section = _last_heading(data.get("text/markdown", "")) or section


def _last_heading(markdown: str) -> str:
    headings = _HEADING.findall(markdown or "")
    return headings[-1][1] if headings else ""


def _make_safe(soup: BeautifulSoup) -> None:
    """Remove whatever could run code or reach a network, wherever it came from."""
    for tag in soup.find_all(["script", "iframe", "object", "embed", "base", "link", "form"]):
        tag.decompose()
    for tag in soup.find_all("meta", attrs={"http-equiv": True}):
        tag.decompose()
    for tag in soup.find_all("style"):
        if _UNSAFE_CSS.search(tag.get_text()):
            tag.decompose()
    for tag in soup.find_all(True):
        for name in list(tag.attrs):
            if _unsafe_attribute(tag.name, name.lower(), tag.attrs[name]):
                del tag.attrs[name]
        if tag.name == "img" and not tag.get("src"):
            tag.decompose()


def _unsafe_attribute(tag: str, name: str, value: str | list[str]) -> bool:
    text = " ".join(value) if isinstance(value, list) else str(value)
    if name.startswith("on"):
        return True
    if name == "style":
        return bool(_UNSAFE_CSS.search(text))
    return name in _URL_ATTRIBUTES and not _safe_url(tag, name, text)


def _safe_url(tag: str, attribute: str, url: str) -> bool:
    url = re.sub(r"[\s\x00-\x1f]", "", url).lower()
    if tag == "img" and attribute == "src":
        return bool(re.match(r"data:image/(png|jpeg|gif|svg\+xml)[;,]", url))
    if tag == "a" and attribute == "href":
        relative = not re.match(r"^([a-z][a-z0-9+.-]*:|//)", url)  # e.g. a sibling report
        return relative or url.startswith(("http://", "https://", "mailto:"))
    return False


def _add_contents(soup: BeautifulSoup) -> None:
    """Give h1-h3 headings unique ids (keeping those they have); add a ``<nav>`` linking to them."""
    main = soup.find("main")
    if not isinstance(main, Tag):
        return
    headings = [h for h in main.find_all(["h1", "h2", "h3"]) if isinstance(h, Tag)]
    if not headings:
        return
    used: set[str] = set()
    nav = soup.new_tag("nav", attrs={"class": "sna-toc", "aria-labelledby": "sna-toc-title"})
    heading = soup.new_tag("h2", attrs={"id": "sna-toc-title"})
    heading.string = "Contents"
    nav.append(heading)
    items = soup.new_tag("ol")
    nav.append(items)
    for h in headings:
        text = " ".join(h.get_text(" ").split())
        ident = base = str(h.get("id") or anchor(text))  # keep ids that links may point to
        n = 1
        while ident in used or ident == "sna-toc-title":
            n += 1
            ident = f"{base}-{n}"
        used.add(ident)
        h["id"] = ident
        item = soup.new_tag("li", attrs={"class": f"sna-toc-{h.name}"})
        link = soup.new_tag("a", attrs={"href": f"#{ident}"})
        link.string = text
        item.append(link)
        items.append(item)
    first = headings[0]
    cell = first.find_parent("div", class_="jp-Cell")
    if first.name == "h1" and isinstance(cell, Tag):
        cell.insert_after(nav)
    else:
        main.insert(0, nav)


@dataclass(frozen=True)
class IndexEntry:
    """One line of ``reports/index.html``.

    ``status`` is ``"built"``, ``"up to date"`` or ``"failed"``; ``href`` is the report's path
    relative to the index (``None`` if there is no report yet) and, for a failed report, the
    last good one (shown as stale). ``notebook_href`` is the executed (or failed) notebook.
    """

    year: int
    title: str
    status: str
    built_at: str | None
    href: str | None
    notebook_href: str | None = None
    error: str | None = None


def index_html(
    entries: Sequence[IndexEntry],
    *,
    title: str,
    updated: str,
    notes: Mapping[int, str] | None = None,
) -> str:
    """The reports index: a self-contained page listing every report with its status.

    Reports are grouped by year (latest first), the area overview before the districts; a
    year's note (e.g. missing months of data) is shown above its reports.
    """
    rows = []
    ordered = sorted(entries, key=lambda e: (-e.year, e.title != "Area overview", e.title))
    shown: set[int] = set()
    for e in ordered:
        if notes and e.year in notes and e.year not in shown:
            shown.add(e.year)
            rows.append(f'<tr><td colspan="5" class="note">{escape(notes[e.year])}</td></tr>')
        link = f'<a href="{escape(e.href)}">{escape(e.title)}</a>' if e.href else escape(e.title)
        status = escape(e.status)
        if e.status == "failed":
            status = '<strong class="failed">failed</strong>'
            if e.href:
                built = escape(e.built_at or "")
                status += f" &ndash; showing the last good report (stale, built {built})"
            else:
                status += " &ndash; no report yet"
            if e.error:
                status += f'<br><span class="error">{escape(e.error)}</span>'
        notebook = f'<a href="{escape(e.notebook_href)}">notebook</a>' if e.notebook_href else ""
        rows.append(
            f"<tr><td>{e.year}</td><td>{link}</td><td>{status}</td>"
            f"<td>{escape(e.built_at or '')}</td><td>{notebook}</td></tr>"
        )
    return _INDEX.format(
        title=escape(title), updated=escape(updated), rows="\n".join(rows), css=_INDEX_CSS
    )


_INDEX_CSS = """body { font-family: system-ui, sans-serif; max-width: 62rem; margin: 2rem auto;
  padding: 0 1rem; color: #1f2328; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.4rem 0.6rem; border-bottom: 1px solid #d0d7de;
  vertical-align: top; }
thead th { border-bottom: 2px solid #57606a; }
.failed { color: #b42318; }
.note { background: #fff8c5; border-left: 4px solid #bf8700; }
.error { font-family: monospace; font-size: 0.9em; }
@media print { a { color: inherit; text-decoration: none; } }"""

_INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{title}</title>
<style>
{css}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
<p>Reports index, updated {updated}.</p>
<table>
<thead><tr><th scope="col">Year</th><th scope="col">Report</th><th scope="col">Status</th>
<th scope="col">Built</th><th scope="col">For analysts</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</main>
</body>
</html>
"""
