"""One nbconvert exporter per thread (sna.build.publish.report_exporter): the same HTML as a new one."""

from __future__ import annotations

import threading

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from sna.build import publish
from sna.build.publish import notebook_html, report_exporter

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'


def report(name: str, *, lexer: str = "ipython3") -> object:
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


def new_exporters_html(nb: object, title: str) -> str:
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
