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

Two cell tags shape a report: the section that starts at a markdown cell tagged
``sna-key-findings`` is set in a box, and the one tagged ``sna-appendix`` (data quality and
provenance) becomes a collapsed ``<details>`` appendix at the end. Every table scrolls inside its
own box on a narrow screen, and long hashes wrap.
"""

from __future__ import annotations

import copy
import functools
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any, TypeVar

import bleach
import nbformat
from bleach.css_sanitizer import CSSSanitizer
from bs4 import BeautifulSoup, Tag
from nbconvert import HTMLExporter
from nbconvert.exporters import TemplateExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from sna.report.display import anchor

__all__ = [
    "IndexEntry",
    "Landing",
    "ReportExporter",
    "area_findings",
    "clean_html",
    "index_html",
    "landing_page",
    "methods_html",
    "normalise_notebook",
    "notebook_errors",
    "notebook_html",
]

TEMPLATES = Path(__file__).parent / "templates"
REMOVED_CELL_TAGS = frozenset({"parameters", "injected-parameters", "remove-cell", "remove_cell"})
KEY_FINDINGS_TAG = "sna-key-findings"
APPENDIX_TAG = "sna-appendix"
_HASH = re.compile(r"^[0-9a-f]{40,}$")
_SHORT = 14  # a cell of at most this many characters (a number, "crime type") is not wrapped
_KEEP_ROWS = 20  # a printed table of at most this many rows is kept on one page with its caption
_WIDE_COLUMNS = 6  # a table of at least this many columns ...
_WIDE_CHARACTERS = 105  # ... whose longest cells (+3 per column for padding) add up to more is wide
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
    "a": ["href", "title", "download"],
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
    ``http``, ``https``, ``mailto``, in-page ``#`` targets and tables' CSV downloads
    (``data:text/csv``, checked again by :func:`notebook_html`); images keep only embedded
    ``data:`` sources (checked again by :func:`notebook_html`).

    The same HTML gives the same result, so results for HTML up to :data:`_KEPT_CHARACTERS`
    long are kept for the worker's next reports (the last :data:`_CLEANED` of them):
    headings, notes and captions repeat from one district's report to the next, and bleach's
    parser takes about 0.1 s of a report. Longer HTML (large tables) is sanitised every time.

    Examples
    --------
    >>> clean_html('<p onclick="x()">Rate <b>per 1,000</b></p><script>alert(1)</script>')
    '<p>Rate <b>per 1,000</b></p>&lt;script&gt;alert(1)&lt;/script&gt;'
    """
    return _kept_clean_html(html) if len(html) <= _KEPT_CHARACTERS else _clean_html(html)


_CLEANED = 1024
"""Sanitised outputs kept per process by :func:`clean_html`."""
_KEPT_CHARACTERS = 32_000
"""Longest HTML whose sanitised result is kept: the cache holds at most about 64 MB."""


def _clean_html(html: str) -> str:
    return bleach.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        protocols={"http", "https", "mailto", "data"},
        css_sanitizer=CSSSanitizer(allowed_css_properties=_ALLOWED_CSS),
        strip=False,
        strip_comments=True,
    )


_kept_clean_html = functools.lru_cache(maxsize=_CLEANED)(_clean_html)


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
    exporter = report_exporter(lang)
    css = (TEMPLATES / "sna_report.css").read_text(encoding="utf-8")
    soup, _ = exporter.page_soup(nb, resources={"sna_css": css})
    _make_safe(soup)
    _add_sections(soup)
    _add_contents(soup)
    _fit_tables(soup)
    return str(soup)


_PAGE = "sna_page"  # the key under which _KeptPage hands the rendered page to ReportExporter
_NO_ALT = "No description has been provided for this image"  # nbconvert's alt text


class _KeptPage(TemplateExporter):
    """Puts the page the template rendered in the resources (under ``_PAGE``); returns ``""``.

    :class:`ReportExporter` puts it between nbconvert's ``HTMLExporter`` and
    ``TemplateExporter`` in its method order, so ``HTMLExporter.from_notebook_node`` does all it
    does before its soup pass (the code lexer, the widget filter, the resources, the
    preprocessors and the template) and then parses and writes an empty string, not the page.
    """

    def from_notebook_node(  # type: ignore[override]
        self, nb: nbformat.NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        page, resources = super().from_notebook_node(nb, resources, **kw)
        resources[_PAGE] = page
        return "", resources


class ReportExporter(HTMLExporter, _KeptPage):
    """nbconvert's HTML exporter, handing the page over parsed: one parse per report.

    nbconvert's ``HTMLExporter.from_notebook_node`` renders the page, parses it to give images
    alt text and make cells focusable, and writes it out again as text, which
    :func:`notebook_html` then parsed once more (that parse and write were 0.12 s of a demo
    report's 0.47 s of CPU). :meth:`page_soup` runs nbconvert's method with
    the page kept aside (:class:`_KeptPage`), parses the page once, makes nbconvert's two edits
    and returns the soup; ``from_notebook_node`` writes it out: nbconvert's HTML byte for byte
    (``tests/test_report_exporter.py``).

    Examples
    --------
    >>> from nbformat.v4 import new_markdown_cell, new_notebook
    >>> nb = new_notebook(cells=[new_markdown_cell("# Crime in Oxford")])
    >>> soup, _ = ReportExporter(template_name="lab").page_soup(nb)
    >>> soup.h1.get_text()
    'Crime in Oxford¶'
    """

    def page_soup(
        self, nb: nbformat.NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[BeautifulSoup, dict[str, Any]]:
        """The page of ``nb`` parsed, as ``HTMLExporter.from_notebook_node`` makes it."""
        _, resources = HTMLExporter.from_notebook_node(self, nb, resources, **kw)
        soup = BeautifulSoup(resources.pop(_PAGE), "html.parser")
        missing_alt = _nbconvert_edits(soup)
        if missing_alt:
            self.log.warning("Alternative text is missing on %s image(s).", missing_alt)
        return soup, resources

    def from_notebook_node(  # type: ignore[override]
        self, nb: nbformat.NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        """The page of ``nb`` as text: what nbconvert's ``HTMLExporter`` returns."""
        soup, resources = self.page_soup(nb, resources, **kw)
        return str(soup), resources


def _nbconvert_edits(soup: BeautifulSoup) -> int:
    """Make nbconvert's two edits of a page; return how many images had no alt text.

    As nbconvert 7's ``HTMLExporter.from_notebook_node``: ``img:not([alt])`` get a placeholder
    alt text, and ``.jp-Notebook div.jp-Cell-inputWrapper`` and
    ``.jp-Notebook div.jp-OutputArea-output`` get ``tabindex="0"``, in that order; found by
    walking the tree, not by CSS matching (which took 0.02 s a report).

    Examples
    --------
    >>> page = BeautifulSoup('<div class="jp-Notebook"><div class="jp-OutputArea-output">'
    ...                      '<img src="x.png"></div></div>', "html.parser")
    >>> _nbconvert_edits(page), page.img["alt"], page.find(tabindex="0")["class"]
    (1, 'No description has been provided for this image', ['jp-OutputArea-output'])
    """
    missing_alt = [img for img in soup.find_all("img") if "alt" not in img.attrs]
    for img in missing_alt:
        img["alt"] = _NO_ALT
    divs = soup.find_all("div")
    for name in ("jp-Cell-inputWrapper", "jp-OutputArea-output"):
        for div in [div for div in divs if name in div.get_attribute_list("class")]:
            if any("jp-Notebook" in parent.get_attribute_list("class") for parent in div.parents):
                div["tabindex"] = "0"
    return len(missing_alt)


def report_exporter(lang: str = "en") -> ReportExporter:
    """The nbconvert exporter of the reports in ``lang``: one per thread, made when first needed.

    Making one compiles its templates again (0.1-0.2 s of a report's conversion). Reusing it is
    safe: each conversion starts from the same settings, filters and preprocessors, and what a
    conversion records (the notebook's metadata, its lexer) is replaced by the next before the
    page is written, so the HTML is the same as with a new exporter
    (``tests/test_report_exporter.py``). It is not shared between threads (a Dask worker's run
    conversions at the same time), as a conversion registers filters on it.

    Examples
    --------
    >>> report_exporter("en") is report_exporter("en") is not report_exporter("cy")
    True
    """
    made: dict[str, ReportExporter] | None = getattr(_exporters, "by_lang", None)
    if made is None:
        made = _exporters.by_lang = {}
    if lang not in made:
        made[lang] = _new_exporter(lang, ReportExporter)
    return made[lang]


_exporters = threading.local()
_Exporter = TypeVar("_Exporter", bound=HTMLExporter)


def _new_exporter(lang: str, kind: type[_Exporter]) -> _Exporter:
    """A new exporter of ``kind`` with the reports' settings.

    ``kind`` is :class:`ReportExporter`, or nbconvert's own ``HTMLExporter`` for the tests to
    compare with (``tests/test_report_exporter.py``).
    """
    exporter = kind(
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
    return exporter


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
    url = _url_start(url)
    if tag == "img" and attribute == "src":
        return bool(re.match(r"data:image/(png|jpeg|gif|svg\+xml)[;,]", url))
    if tag == "a" and attribute == "href":
        relative = not re.match(r"^([a-z][a-z0-9+.-]*:|//)", url)  # e.g. a sibling report
        # data:text/csv: a table's CSV download (sna.report.downloads); no other data: link
        csv = url.startswith("data:text/csv;charset=utf-8,")
        return relative or csv or url.startswith(("http://", "https://", "mailto:"))
    return False


_IGNORED_IN_URLS = re.compile(r"[\s\x00-\x1f]")
_URL_START = 64  # characters of a URL that tell :func:`_safe_url` all it checks ...
_SCHEME_CHARACTERS = re.compile(r"[a-z0-9+.-]*")  # ... unless they could all be a scheme's


def _url_start(url: str) -> str:
    """The start of ``url`` as a browser reads it: no whitespace or control characters, lowercase.

    :func:`_safe_url` reads a URL's scheme and at most its first 28 characters, so the first
    ``2 * _URL_START`` characters tell it the same as the whole URL when at least
    ``_URL_START`` of them are left and not all could be in a scheme's name; else the whole URL
    is returned. An embedded image's ``data:`` URL is 100 KB and more: cleaning all of them
    took 2% of a report's conversion.

    Examples
    --------
    >>> _url_start(" JaVa ScRiPt:alert(1)")
    'javascript:alert(1)'
    >>> start = _url_start("data:image/PNG;base64," + "A" * 100_000)
    >>> start[:30], len(start)
    ('data:image/png;base64,aaaaaaaa', 128)
    """
    start = _IGNORED_IN_URLS.sub("", url[: 2 * _URL_START]).lower()
    if len(start) < _URL_START or _SCHEME_CHARACTERS.fullmatch(start):
        return _IGNORED_IN_URLS.sub("", url).lower()
    return start


def _tagged_section(main: Tag, tag: str) -> list[Tag]:
    """The cell tagged ``tag`` and the cells after it up to the next one with an h1 or h2."""
    marked = main.find(class_=f"celltag_{tag}")
    if not isinstance(marked, Tag):
        return []
    first = marked if "jp-Cell" in marked.get_attribute_list("class") else None
    first = first or marked.find_parent("div", class_="jp-Cell")
    if not isinstance(first, Tag) or first.parent is not main:
        return []
    cells = [first]
    for sibling in first.find_next_siblings():
        if isinstance(sibling, Tag) and sibling.find(["h1", "h2"]):
            break
        if isinstance(sibling, Tag):
            cells.append(sibling)
    return cells


def _add_sections(soup: BeautifulSoup) -> None:
    """Box the key findings; move the appendix to the end of the report, collapsed."""
    main = soup.find("main")
    if not isinstance(main, Tag):
        return
    cells = _tagged_section(main, KEY_FINDINGS_TAG)
    if cells:
        section = soup.new_tag("section", attrs={"class": "sna-key-findings"})
        cells[0].insert_before(section)
        for cell in cells:
            section.append(cell.extract())
    cells = _tagged_section(main, APPENDIX_TAG)
    heading = cells[0].find("h2") if cells else None
    if not isinstance(heading, Tag):
        return
    details = soup.new_tag("details", attrs={"class": "sna-appendix"})
    summary = soup.new_tag("summary")
    summary.append(heading.extract())
    hint = soup.new_tag("span", attrs={"class": "sna-summary-hint"})
    hint.string = "Appendix: sources, software versions and file hashes. Select to open."
    summary.append(hint)
    details.append(summary)
    for cell in cells:
        details.append(cell.extract())
    main.append(details)


def _fit_tables(soup: BeautifulSoup) -> None:
    """Let each table scroll inside its own box; keep short cells on one line, wrap hashes.

    A figure whose table has at most ``_KEEP_ROWS`` rows is marked ``sna-keep``: printed, it is
    not split across pages, so its caption and notes stay with it.
    """
    for table in [t for t in soup.find_all("table") if _inside(t, "main")]:
        if table.parent is not None and "sna-table-scroll" in (table.parent.get("class") or []):
            continue
        figure = table.find_parent("figure")
        if isinstance(figure, Tag) and len(_body_rows(table)) <= _KEEP_ROWS:
            figure["class"] = " ".join([*(figure.get("class") or []), "sna-keep"])
        caption = figure.find("figcaption") if isinstance(figure, Tag) else None
        label = " ".join(caption.get_text(" ").split()) if isinstance(caption, Tag) else "Table"
        box = soup.new_tag(
            "div",
            attrs={
                "class": "sna-table-scroll",
                "role": "region",
                "aria-label": label,
                "tabindex": "0",
            },
        )
        table.wrap(box)
        columns, characters = _body_width(table)
        if columns >= _WIDE_COLUMNS and characters > _WIDE_CHARACTERS:  # may use the margins
            box["class"] = "sna-table-scroll sna-wide"
        for cell in table.find_all("td"):
            text = cell.get_text(strip=True)
            if _HASH.match(text):
                cell["class"] = " ".join([*(cell.get("class") or []), "sna-hash"])
            elif len(text) <= _SHORT and _follows_a_td(cell):
                cell["class"] = " ".join([*(cell.get("class") or []), "sna-short"])


def _follows_a_td(cell: Tag) -> bool:
    """Whether a ``<td>`` comes before ``cell`` in its row: ``cell.find_previous_sibling("td")``.

    Examples
    --------
    >>> row = BeautifulSoup("<tr><th>Burglary</th><td>12</td><td>9</td></tr>", "html.parser").tr
    >>> [_follows_a_td(cell) for cell in row.find_all("td")]
    [False, True]
    """
    return any(isinstance(s, Tag) and s.name == "td" for s in cell.previous_siblings)


def _body_width(table: Tag) -> tuple[int, int]:
    """A table's columns, and the characters of its longest body cells plus 3 per column.

    Long cells in many columns (a comparison's "Significantly higher (rate ratio ...)") make a
    table wider than the text; a few columns of prose (4 columns of sources) wrap well in it.
    """
    longest: dict[int, int] = {}
    for row in _body_rows(table):
        cells = [tag for tag in row.find_all(True) if tag.name in ("th", "td")]
        for column, cell in enumerate(cells):
            longest[column] = max(longest.get(column, 0), len(cell.get_text(strip=True)))
    return len(longest), sum(longest.values()) + 3 * len(longest)


def _body_rows(table: Tag) -> list[Tag]:
    """The rows of ``table`` under a ``<tbody>``: ``table.select("tbody tr")`` without CSS matching.

    As with ``select``, the ``<tbody>`` may be outside the table (a table in a table's cell).

    Examples
    --------
    >>> page = BeautifulSoup("<table><thead><tr><th>Crime</th></tr></thead>"
    ...                      "<tbody><tr><td>Burglary</td></tr></tbody></table>", "html.parser")
    >>> [row.get_text() for row in _body_rows(page.table)]
    ['Burglary']
    """
    return [row for row in table.find_all("tr") if _inside(row, "tbody")]


def _inside(tag: Tag, name: str) -> bool:
    """Whether a ``name`` tag contains ``tag``: ``tag.find_parent(name) is not None``, faster.

    bs4's ``find_*`` methods build a matcher each call (10-20 µs); a report's tables make
    thousands of such calls.

    Examples
    --------
    >>> page = BeautifulSoup("<main><table><tr><td>12</td></tr></table></main>", "html.parser")
    >>> _inside(page.td, "main"), _inside(page.td, "tbody")
    (True, False)
    """
    return any(parent.name == name for parent in tag.parents)


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
        appendix = h.find_parent("details", class_="sna-appendix") is not None
        item = soup.new_tag(
            "li", attrs={"class": f"sna-toc-{h.name}" + (" sna-toc-appendix" if appendix else "")}
        )
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


@dataclass(frozen=True)
class Landing:
    """What the reports index opens with: the area, its latest key findings and the methods.

    ``findings`` are the area overview's key findings for ``year`` (plain text); ``methods`` is
    ``docs/methods.md`` as HTML (empty when the docs are not beside the package).
    """

    area: str
    year: int | None = None
    findings: tuple[str, ...] = ()
    methods: str = ""


METHODS = Path(__file__).resolve().parents[2] / "docs" / "methods.md"


def area_findings(notebook: Path) -> list[str]:
    """The key findings an executed notebook showed with ``display.show_findings`` ([] if none).

    Read from the output metadata (``{"sna": {"findings": [...]}}``) of the first output that
    has it, so the index quotes the overview without computing anything again.
    """
    try:
        nb = nbformat.read(notebook, as_version=4)
    except (OSError, ValueError, nbformat.ValidationError):  # not a notebook: quote nothing
        return []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            findings = output.get("metadata", {}).get("sna", {}).get("findings")
            if isinstance(findings, list) and all(isinstance(f, str) for f in findings):
                return list(findings)
    return []


def methods_html(markdown: str) -> str:
    """The methods document (Markdown with tables) as sanitised HTML.

    Examples
    --------
    >>> print(methods_html("**Rates** per 1,000 <script>x</script>"))
    <p><strong>Rates</strong> per 1,000 &lt;script&gt;x&lt;/script&gt;</p>
    <BLANKLINE>
    """
    import mistune  # nbconvert's Markdown renderer

    render = mistune.create_markdown(plugins=["table"])
    return clean_html(str(render(markdown)))


def landing_page(area: str, reports: Path, entries: Sequence[IndexEntry]) -> Landing:
    """The landing part of the index: the latest area overview's findings and the methods.

    Parameters
    ----------
    area
        The assessment area's name (``area_name`` in ``sna.toml``).
    reports
        The reports folder; the executed overview notebooks are read from it.
    entries
        The index's reports: the latest year with an area overview notebook is quoted.
    """
    overviews = sorted(
        (e for e in entries if e.title == "Area overview" and e.href and e.notebook_href),
        key=lambda e: -e.year,
    )
    year, findings = None, []
    for entry in overviews:
        findings = area_findings(reports / str(entry.notebook_href))
        if findings:
            year = entry.year
            break
    methods = methods_html(METHODS.read_text(encoding="utf-8")) if METHODS.is_file() else ""
    return Landing(area=area, year=year, findings=tuple(findings), methods=methods)


def index_html(
    entries: Sequence[IndexEntry],
    *,
    title: str,
    updated: str,
    notes: Mapping[int, str] | None = None,
    landing: Landing | None = None,
) -> str:
    """The reports index: the area's key findings, then every report by year, then the methods.

    Reports are grouped by year (latest first), the area overview before the districts; a
    year's note (e.g. missing months of data) is shown above its reports. Each report's build
    status, date and notebook are on a detail line under its link.
    """
    rows = []
    ordered = sorted(entries, key=lambda e: (-e.year, e.title != "Area overview", e.title))
    shown: set[int] = set()
    seen_years: set[int] = set()
    for e in ordered:
        if notes and e.year in notes and e.year not in shown:
            shown.add(e.year)
            rows.append(f'<tr><td colspan="5" class="note">{escape(notes[e.year])}</td></tr>')
        first = e.year not in seen_years
        seen_years.add(e.year)
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
        notebook = (
            f'<a href="{escape(e.notebook_href)}">notebook for analysts</a>'
            if e.notebook_href
            else ""
        )
        built_at = escape(e.built_at or "")
        rows.append(
            f'<tr class="{"first" if first else "same-year"}"><td class="year">{e.year}</td>'
            f'<td class="report">{link}</td><td class="detail">{status}</td>'
            f'<td class="detail">{built_at}</td><td class="detail">{notebook}</td></tr>'
        )
    return _INDEX.format(
        title=escape(title),
        updated=escape(updated),
        rows="\n".join(rows),
        css=_INDEX_CSS,
        intro=_landing_intro(landing),
        methods=_landing_methods(landing),
    )


def _landing_intro(landing: Landing | None) -> str:
    if landing is None:
        return ""
    parts = []
    if landing.findings:
        items = "".join(f"<li>{escape(f)}</li>" for f in landing.findings)
        parts.append(
            f'<section class="summary" aria-labelledby="summary"><h2 id="summary">'
            f"{escape(landing.area)} in {landing.year}: key findings</h2><ul>{items}</ul>"
            f'<p><a href="{landing.year}/overview.html">Read the {landing.year} area overview'
            "</a></p></section>"
        )
    if landing.methods:
        parts.append('<p>How every figure is made, and why: <a href="#methods">methods</a>.</p>')
    return "\n".join(parts)


def _landing_methods(landing: Landing | None) -> str:
    if landing is None or not landing.methods:
        return ""
    return (
        '<details id="methods" class="methods"><summary><h2>Methods</h2>'
        '<span class="hint">How every figure is made. Select to open.</span></summary>'
        f"{landing.methods}</details>"
    )


_INDEX_CSS = """:root { --accent: #0072b2; --muted: #57606a; --rule: #d0d7de; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  "Noto Sans", "Liberation Sans", sans-serif; line-height: 1.5; color: #1f2328; margin: 0; }
main { max-width: 48rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; overflow-wrap: break-word; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 0.5rem 0; }
h2 { font-size: 1.35rem; margin: 2rem 0 0.5rem; }
a { color: #0b5cad; }
.updated { color: var(--muted); margin-top: 0; }
.summary { border: 2px solid var(--accent); border-radius: 6px; background: #eef6fc;
  padding: 0 1.25rem 0.25rem; margin: 1.5rem 0; }
.summary h2 { margin-top: 1rem; }
table.reports { border-collapse: collapse; width: 100%; }
table.reports thead { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip-path: inset(50%); }
table.reports, table.reports tbody { display: block; }
table.reports tr { display: block; position: relative; padding: 0.4rem 0 0.4rem 4.5rem; }
table.reports tr.first { border-top: 2px solid var(--muted); margin-top: 0.75rem; }
table.reports tr.same-year td.year { visibility: hidden; }
table.reports td { padding: 0; }
table.reports td.year { position: absolute; left: 0; font-weight: 700; font-size: 1.15rem; }
table.reports td.report { display: block; font-size: 1.1rem; font-weight: 600; }
table.reports td.detail { display: inline; font-size: 0.875rem; color: var(--muted); }
table.reports td.detail:empty { display: none; }
table.reports td.detail + td.detail:not(:empty)::before { content: " \\00b7  "; }
table.reports tr:has(td.note) { padding-left: 0; }
table.reports td.note { display: block; background: #fff8c5;
  border-left: 4px solid #bf8700; padding: 0.5rem 0.75rem; }
.summary ul { padding-left: 1.25rem; }
.failed { color: #b42318; }
.error { font-family: monospace; font-size: 0.9em; }
details.methods { border: 1px solid var(--rule); border-radius: 6px; padding: 0 1.25rem;
  margin: 2.5rem 0 1rem; }
details.methods > summary { cursor: pointer; padding: 0.75rem 0; }
details.methods > summary h2 { display: inline; margin: 0; font-size: 1.2rem; }
details.methods .hint { display: block; font-size: 0.875rem; color: var(--muted); }
details.methods table { display: block; overflow-x: auto; border-collapse: collapse;
  font-size: 0.85rem; }
details.methods th, details.methods td { border-bottom: 1px solid var(--rule);
  padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
details.methods pre, details.methods code { white-space: pre-wrap; font-size: 0.85rem; }
@page { size: A4; margin: 16mm 14mm 18mm; }
@media print { a { color: inherit; text-decoration: none; }
  .summary { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }"""

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
<p class="updated">Reports updated {updated}.</p>
{intro}
<h2 id="reports">Reports by year</h2>
<table class="reports">
<thead><tr><th scope="col">Year</th><th scope="col">Report</th><th scope="col">Status</th>
<th scope="col">Built</th><th scope="col">For analysts</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
{methods}
</main>
</body>
</html>
"""
