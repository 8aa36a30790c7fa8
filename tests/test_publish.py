"""Publishing: safe, self-contained, reproducible HTML; the index; atomic writes and the lock.

These tests build executed notebooks by hand (no kernel), so they are fast.
"""

from __future__ import annotations

import base64
import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import (
    new_code_cell,
    new_markdown_cell,
    new_notebook,
    new_output,
)

from sna.build.publish import IndexEntry, clean_html, index_html, notebook_errors, notebook_html
from sna.data.files import (
    FolderLocked,
    atomic_path,
    atomic_write_bytes,
    atomic_write_text,
    folder_lock,
    is_temp_file,
    remove_stale_temp_files,
    sha256_file,
)

PAYLOAD_HTML = (
    '<p>From data: <script>alert("s1")</script><img src=x onerror=alert("s2")>'
    '<a href="javascript:alert(3)">js link</a><a href=" JaVaScRiPt:alert(4)">js2</a>'
    '<iframe src="https://evil.example/"></iframe><img src="https://evil.example/pixel.png">'
    '<style>@import url("https://evil.example/x.css");</style>'
    '<p style="background-image:url(https://evil.example/bg.png)" onclick="alert(5)">styled</p>'
    '<svg onload="alert(6)"></svg><object data="https://evil.example/x.swf"></object></p>'
)
CODE_MARKER = "SECRET_CODE_MARKER = 1"


def _png() -> str:
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([1, 2, 3])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def executed_notebook(*, seed: int = 0) -> nbformat.NotebookNode:
    """An executed notebook like papermill writes, with payloads from 'data' in its outputs."""
    frame = pd.DataFrame(
        {"Crime type": ["<script>alert(7)</script>", "<img src=y onerror=alert(8)>"]}
    )
    cells = [
        new_code_cell('district = "Oxford"', metadata={"tags": ["parameters"]}),
        new_markdown_cell("# Oxford 2024\n\nKey findings."),
        new_code_cell(
            CODE_MARKER,
            execution_count=1,
            outputs=[
                new_output("display_data", data={"text/html": PAYLOAD_HTML, "text/plain": "x"}),
                new_output(
                    "display_data",
                    data={"text/markdown": "## Section from output\n\n<script>alert(9)</script>"},
                ),
                new_output("display_data", data={"application/javascript": "alert(10)"}),
                new_output(
                    "display_data",
                    data={
                        "application/vnd.jupyter.widget-view+json": {"model_id": "abc"},
                        "text/plain": "w",
                    },
                ),
            ],
        ),
        new_markdown_cell("## Crime overview\n\n### Monthly trend"),
        new_code_cell(
            "plot()",
            execution_count=2,
            outputs=[
                new_output("display_data", data={"image/png": _png(), "text/plain": "<Figure>"}),
                new_output(
                    "display_data",
                    data={"image/png": _png()},
                    metadata={"alt": "Line chart of crimes by month", "title": "Figure 1: crimes"},
                ),
            ],
        ),
        new_code_cell(
            "table",
            execution_count=3,
            outputs=[
                new_output(
                    "execute_result", data={"text/html": frame.to_html()}, execution_count=3
                ),
                new_output(
                    "execute_result", data={"text/html": frame.style.to_html()}, execution_count=3
                ),
                new_output("stream", name="stdout", text="printed\n"),
            ],
        ),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["papermill"] = {
        "start_time": f"2025-01-0{seed + 1}T10:00:00",
        "duration": seed + 1.5,
    }
    for i, cell in enumerate(nb.cells):
        cell.id = f"random{seed}{i:03d}"
        cell.metadata["papermill"] = {"duration": seed + 0.1 * i, "start_time": f"t{seed}"}
        cell.metadata["execution"] = {"iopub.execute_input": f"2025-01-0{seed + 1}T10:00:0{i}Z"}
    return nb


@pytest.fixture(scope="module")
def soup() -> BeautifulSoup:
    return BeautifulSoup(notebook_html(executed_notebook(), title="Oxford 2024"), "html.parser")


def test_no_code_cells(soup: BeautifulSoup) -> None:
    assert CODE_MARKER not in str(soup)
    assert 'district = "Oxford"' not in str(soup)
    assert not soup.select(".jp-InputPrompt, .jp-OutputPrompt, .jp-CodeMirrorEditor")
    assert not soup.select(".jp-CodeCell .jp-InputArea")
    assert "printed" in soup.get_text()


def test_nothing_active_survives(soup: BeautifulSoup) -> None:
    assert not soup.find_all(["script", "iframe", "object", "embed", "link", "base", "svg"])
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), (tag.name, name)
            text = " ".join(value) if isinstance(value, list) else value
            assert "javascript:" not in text.lower().replace(" ", ""), (tag.name, name)
    # The payload text is visible as text, never as markup.
    assert "alert(7)" in soup.get_text()


def test_self_contained(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(src=True):
        assert tag["src"].startswith("data:"), tag
    for tag in soup.find_all(href=True):
        assert tag["href"].startswith("#"), tag
    for style in [*soup.find_all("style"), *soup.find_all(style=True)]:
        css = style.get_text() if style.name == "style" else style["style"]
        assert "@import" not in css
        assert not re.search(r"url\(\s*['\"]?(?!data:)", css), css[:200]
    assert "mathjax" not in str(soup).lower()
    assert "require.js" not in str(soup).lower()


def test_images_embedded_with_alt_text_and_caption(soup: BeautifulSoup) -> None:
    images = soup.find_all("img")
    assert len(images) == 2
    assert all(img["src"].startswith("data:image/png;base64,") for img in images)
    assert images[0]["alt"] == "Chart in the section Monthly trend"
    assert images[1]["alt"] == "Line chart of crimes by month"
    assert [c.get_text() for c in soup.find_all("figcaption")] == ["Figure 1: crimes"]


def test_table_of_contents(soup: BeautifulSoup) -> None:
    nav = soup.find("nav", class_="sna-toc")
    links = [(a.get_text(), a["href"]) for a in nav.find_all("a")]
    assert links == [
        ("Oxford 2024", "#oxford-2024"),
        ("Section from output", "#section-from-output"),
        ("Crime overview", "#crime-overview"),
        ("Monthly trend", "#monthly-trend"),
    ]
    for _, href in links:
        assert soup.find(id=href[1:]).name in ("h1", "h2", "h3")
    # The contents follow the title.
    assert nav.find_previous("h1").get_text() == "Oxford 2024"


def test_tables_readable(soup: BeautifulSoup) -> None:
    tables = soup.find_all("table")
    assert len(tables) == 2
    assert tables[0].find("th") is not None
    assert soup.title.get_text() == "Oxford 2024"


def test_same_content_gives_identical_html() -> None:
    """Random cell ids, papermill timestamps and Styler ids do not leak into the HTML."""
    first = notebook_html(executed_notebook(seed=0), title="t")
    second = notebook_html(executed_notebook(seed=1), title="t")
    assert first == second
    assert "random0" not in first
    assert "2025-01-01" not in first


def test_links_notes_and_heading_ids_from_display_helpers_survive() -> None:
    """What sna.report.display emits: relative links to sibling reports, notes, headings with ids."""
    shown = (
        '<h2 id="places">Places</h2><div class="sna-note sna-warning" role="note"><p>July is'
        ' missing</p></div><ul><li><a href="oxford.html">Oxford</a></li>'
        '<li><a href="//evil.example/x">protocol-relative</a></li>'
        '<li><a href="data:text/html,x">data</a></li></ul><h2 id="places">Places again</h2>'
    )
    nb = new_notebook(
        cells=[new_code_cell("x", outputs=[new_output("display_data", data={"text/html": shown})])]
    )
    page = BeautifulSoup(notebook_html(nb, title="t"), "html.parser")
    assert [a.get("href") for a in page.main.find_all("a") if a.parent.name == "li"][-3:] == [
        "oxford.html",
        None,
        None,
    ]
    assert page.find("div", class_="sna-note")["role"] == "note"
    assert [h["id"] for h in page.main.find_all("h2") if h.get("id") != "sna-toc-title"] == [
        "places",
        "places-2",
    ]


def test_refuses_notebook_with_error_output() -> None:
    nb = executed_notebook()
    nb.cells[2].outputs.append(
        new_output("error", ename="ValueError", evalue="bad rate", traceback=["Traceback..."])
    )
    assert notebook_errors(nb) == ["cell 3: ValueError: bad rate"]
    with pytest.raises(ValueError, match="error outputs: cell 3: ValueError: bad rate"):
        notebook_html(nb, title="t")


def test_clean_html_keeps_formatting_drops_active_markup() -> None:
    html = clean_html(
        '<h2 id="a">T</h2><table><tr><td style="text-align:right">1</td></tr></table>'
    )
    assert "<h2" in html and "text-align:right" in html.replace(" ", "")
    assert "&lt;script&gt;" in clean_html("<script>x</script>")
    assert "onerror" not in clean_html("<img src=x onerror=alert(1)>")


def test_clean_html_sanitises_each_html_once_per_process(monkeypatch) -> None:
    import bleach

    calls = []
    real = bleach.clean
    monkeypatch.setattr(bleach, "clean", lambda html, **kw: calls.append(html) or real(html, **kw))
    hostile = '<p onmouseover="steal()">Oxford <a href="javascript:x()">link</a></p>'
    first = clean_html(hostile + " (kept once)")
    assert clean_html(hostile + " (kept once)") == first
    assert calls == [hostile + " (kept once)"]  # the second report's copy is not parsed again
    assert "onmouseover" not in first and "javascript" not in first
    assert clean_html(hostile + " (another)") != first and len(calls) == 2
    table = "<table>" + "<tr><td>Oxford</td><td>1,234</td></tr>" * 2_000 + "</table>"
    assert clean_html(table) == clean_html(table)
    assert len(calls) == 4  # a long table is not kept: memory stays bounded


def test_index_lists_reports_with_status() -> None:
    entries = [
        IndexEntry(2024, "Oxford", "built", "2025-01-01 10:00 UTC", "2024/oxford.html", "2024/oxford.ipynb"),
        IndexEntry(
            2024, "Cherwell", "failed", "2024-12-01 09:00 UTC", "2024/cherwell.html",
            "2024/cherwell.failed.ipynb", error="RuntimeError: <boom>",
        ),
        IndexEntry(2024, "West Oxfordshire", "failed", None, None, None, error="timed out"),
        IndexEntry(2024, "Area overview", "up to date", "2025-01-01 10:00 UTC", "2024/overview.html"),
        IndexEntry(2025, "Oxford", "built", "2025-01-01 10:00 UTC", "2025/oxford.html"),
    ]  # fmt: skip
    page = BeautifulSoup(index_html(entries, title="SNA <Oxon>", updated="today"), "html.parser")
    assert page.title.get_text() == "SNA <Oxon>"
    rows = [
        [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        for tr in page.tbody.find_all("tr")
    ]
    assert [r[:2] for r in rows] == [
        ["2025", "Oxford"],
        ["2024", "Area overview"],
        ["2024", "Cherwell"],
        ["2024", "Oxford"],
        ["2024", "West Oxfordshire"],
    ]
    assert rows[1][2] == "up to date"
    assert "stale" in rows[2][2] and "RuntimeError: <boom>" in rows[2][2]
    assert "no report yet" in rows[4][2]
    links = [a["href"] for a in page.find_all("a")]
    assert "2024/cherwell.html" in links and "2024/cherwell.failed.ipynb" in links
    assert not page.find_all(["script", "link"])


# --- atomic writes and the lock (sna.data.files) -------------------------------------------------


def test_atomic_write_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "report.html"
    atomic_write_text(target, "old")
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)


def test_failed_write_leaves_old_file_and_no_temp(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "report.html"
    atomic_write_text(target, "old")

    def broken_replace(self, other):
        raise OSError("disk full")

    monkeypatch.setattr(Path, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(target, "new")
    with pytest.raises(OSError, match="disk full"), atomic_path(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_atomic_path_keeps_suffix_for_format_inference(tmp_path: Path) -> None:
    target = tmp_path / "rejects.csv.gz"
    with atomic_path(target) as tmp:
        assert tmp.name.endswith(".csv.gz") and tmp.name.startswith(".")
        pd.DataFrame({"a": [1]}).to_csv(tmp, index=False)
    assert pd.read_csv(target)["a"].tolist() == [1]


def test_remove_stale_temp_files(tmp_path: Path) -> None:
    """Only sna's own temporary files (with the ``sna-`` marker) go; nobody else's ``*.tmp``."""
    (tmp_path / "2024").mkdir()
    stale = [
        tmp_path / ".index.html.sna-0123456789ab.tmp",
        tmp_path / "2024" / ".x.csv.gz.sna-abcdef012345.tmp.csv.gz",
    ]
    keep = [
        tmp_path / ".sna-build.json",
        tmp_path / "2024" / "oxford.html",
        tmp_path / ".hidden.tmp",
        tmp_path / "download.tmp",
        tmp_path / ".index.html.0123456789ab.tmp",  # another program's, named like sna's once were
        tmp_path / ".x.sna-0123456789ab.tmp.a.b.c",
    ]
    for path in stale + keep:
        path.write_text("x")
    target = tmp_path / "elsewhere.txt"
    target.write_text("x")
    (tmp_path / ".link.sna-0123456789ab.tmp").symlink_to(target)
    assert sorted(remove_stale_temp_files(tmp_path)) == sorted(stale)
    assert all(p.exists() for p in keep)
    assert target.exists() and (tmp_path / ".link.sna-0123456789ab.tmp").is_symlink()
    assert remove_stale_temp_files(tmp_path / "missing") == []


def test_temp_file_names_carry_the_sna_marker(tmp_path: Path) -> None:
    with atomic_path(tmp_path / "counts.parquet") as tmp:
        assert is_temp_file(tmp) and ".sna-" in tmp.name
        tmp.write_text("x")
    assert not is_temp_file(tmp_path / "counts.parquet")


def test_lock_refuses_second_holder_and_names_pid(tmp_path: Path) -> None:
    lock = tmp_path / ".lock"
    with folder_lock(lock):
        with pytest.raises(FolderLocked) as info, folder_lock(lock):
            pass
        assert info.value.pid == os.getpid()
    with folder_lock(lock):  # released
        pass


def test_lock_released_when_holder_is_killed(tmp_path: Path) -> None:
    lock = tmp_path / ".lock"
    code = (
        "import sys, time; from sna.data.files import folder_lock\n"
        f"with folder_lock({str(lock)!r}):\n    print('locked', flush=True); time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(FolderLocked) as info, folder_lock(lock):
            pass
        assert info.value.pid == holder.pid
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        deadline = time.monotonic() + 5
        with folder_lock(lock):
            assert time.monotonic() < deadline
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_sha256_file(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"abc")
    assert sha256_file(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_stderr_warnings_are_not_published():
    nb = new_notebook(
        cells=[
            new_code_cell(
                "import warnings",
                outputs=[
                    new_output("stream", name="stderr", text="UserWarning: something internal\n"),
                    new_output("stream", name="stdout", text="shown\n"),
                ],
            )
        ]
    )
    page = notebook_html(nb, title="T")
    assert "UserWarning" not in page
    assert "shown" in page
