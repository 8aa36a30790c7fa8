"""The reports' nbconvert exporter (sna.build.publish): one per thread, the same HTML as a new one,
and one parse of each page, with the HTML nbconvert and the former two-parse conversion wrote."""

from __future__ import annotations

import threading

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from sna.build import publish
from sna.build.publish import ReportExporter, notebook_html, report_exporter
from tests.test_publish import executed_notebook

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'


def report(name: str, *, lexer: str = "ipython3") -> nbformat.NotebookNode:
    """An executed notebook with a heading, a table, a figure and printed text."""
    nb = new_notebook(
        cells=[
            new_markdown_cell(f"# {name}\n\n## Crime overview"),
            new_code_cell(
                "table",
                outputs=[
                    new_output(
                        "execute_result",
                        {"text/html": f"<table><tr><td>{name}</td><td>12</td></tr></table>"},
                        execution_count=1,
                    )
                ],
            ),
            new_code_cell(
                "chart",
                outputs=[
                    new_output(
                        "display_data",
                        {"image/svg+xml": SVG, "text/plain": "<Figure>"},
                        metadata={"alt": f"Chart of {name}", "title": "Figure 1: crimes"},
                    )
                ],
            ),
            new_code_cell("print(1)", outputs=[new_output("stream", name="stdout", text=name)]),
        ]
    )
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": lexer}
    return nb


def new_exporters_html(nb: nbformat.NotebookNode, title: str) -> str:
    """``notebook_html`` with an exporter made for this conversion alone (in a new thread)."""
    html: list[str] = []
    thread = threading.Thread(target=lambda: html.append(notebook_html(nb, title=title)))
    thread.start()
    thread.join()
    return html[0]


def test_a_reused_exporter_writes_the_same_html_as_a_new_one() -> None:
    notebooks = [report("Oxford"), report("Cherwell", lexer="python"), report("Oxford")]
    expected = [new_exporters_html(nb, f"Report {i}") for i, nb in enumerate(notebooks)]
    for _ in range(2):  # in turn, and each after the others, with one exporter
        assert [
            notebook_html(nb, title=f"Report {i}") for i, nb in enumerate(notebooks)
        ] == expected
    assert "Cherwell" not in expected[2] and "Oxford" in expected[2]


def test_each_thread_and_language_has_its_own_exporter() -> None:
    mine = report_exporter("en")
    assert report_exporter("en") is mine and report_exporter("cy") is not mine
    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(report_exporter("en")))
    thread.start()
    thread.join()
    assert other[0] is not mine
    assert isinstance(publish._exporters, threading.local)


def two_parse_html(nb: nbformat.NotebookNode, *, title: str) -> str:
    """``notebook_html`` as it was: nbconvert's ``HTMLExporter`` HTML, parsed a second time."""
    nb = publish.normalise_notebook(nb)
    nb.metadata["title"] = title
    publish._describe_figures(nb)
    css = (publish.TEMPLATES / "sna_report.css").read_text(encoding="utf-8")
    exporter = publish._new_exporter("en", HTMLExporter)
    html, _ = exporter.from_notebook_node(nb, resources={"sna_css": css})
    soup = BeautifulSoup(html, "html.parser")
    publish._make_safe(soup)
    publish._add_sections(soup)
    publish._add_contents(soup)
    publish._fit_tables(soup)
    return str(soup)


def test_a_report_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    nb = report("Oxford")
    notebook_html(nb, title="Warm")  # the exporter is made (and its templates read) before
    parsed: list[int] = []
    construct = BeautifulSoup.__init__

    def counting(self: BeautifulSoup, markup: object = "", *args: object, **kw: object) -> None:
        if markup:  # nbconvert's own pass is handed "" (publish._KeptPage)
            parsed.append(len(markup))  # type: ignore[arg-type]
        construct(self, markup, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(BeautifulSoup, "__init__", counting)
    html = notebook_html(nb, title="Oxford 2024")
    assert len(parsed) == 1 and parsed[0] > len(html) / 2, parsed


def test_the_exporter_writes_nbconvert_s_html() -> None:
    """Alt text and focusable cells as nbconvert's: with the reports' settings and with inputs."""
    css = (publish.TEMPLATES / "sna_report.css").read_text(encoding="utf-8")
    for nb in (report("Oxford"), executed_notebook()):
        nb = publish.normalise_notebook(nb)
        ours, _ = report_exporter().from_notebook_node(nb, resources={"sna_css": css})
        theirs, _ = publish._new_exporter("en", HTMLExporter).from_notebook_node(
            nb, resources={"sna_css": css}
        )
        assert ours == theirs
    shown = new_notebook(
        cells=[
            new_markdown_cell('# Chart\n\n<img src="data:image/png;base64,iVBORw0KGgo=">'),
            new_code_cell(
                "chart",
                outputs=[new_output("display_data", {"text/html": '<img src="x.png">'})],
            ),
        ]
    )
    ours, resources = ReportExporter(template_name="lab").from_notebook_node(shown)
    theirs, expected = HTMLExporter(template_name="lab").from_notebook_node(shown)
    assert ours == theirs and resources.keys() == expected.keys()
    page = BeautifulSoup(ours, "html.parser")
    assert len(page.find_all(alt=publish._NO_ALT)) == 2
    assert page.find("div", class_="jp-Cell-inputWrapper", tabindex="0")
    assert page.find("div", class_="jp-OutputArea-output", tabindex="0")


def test_the_same_html_as_with_two_parses() -> None:
    nb = executed_notebook()
    assert notebook_html(nb, title="Oxford 2024") == two_parse_html(nb, title="Oxford 2024")


@pytest.mark.slow
def test_the_demo_reports_are_the_same_as_with_two_parses_and_css_selectors(built) -> None:
    config, _ = built
    notebooks = sorted(config.reports_dir.rglob("*.ipynb"))
    assert len(notebooks) == 2
    for path in notebooks:
        built_html = path.with_suffix(".html").read_text(encoding="utf-8")
        title = BeautifulSoup(built_html, "html.parser").title.get_text()  # type: ignore[union-attr]
        nb = nbformat.read(path, as_version=4)
        html = notebook_html(nb, title=title)
        assert html == built_html == two_parse_html(nb, title=title)
        page = BeautifulSoup(html, "html.parser")  # the rows and tables CSS selectors found
        tables = [t for t in page.find_all("table") if t.find_parent("main") is not None]
        assert tables == page.select("main table") and len(tables) > 3
        for table in tables:
            assert publish._body_rows(table) == table.select("tbody tr")
