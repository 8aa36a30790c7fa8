"""``sna build`` on tiny fixture notebooks (tests/data/notebooks).

The fixture notebooks take the real notebooks' parameters and read ``control.json`` beside them:
``{"fail": ["E07000178"], "sleep": {"overview": 30}}`` makes reports (by district code) fail or
run slowly.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

from sna.build.cli import main
from sna.build.plan import BuildJob, build, report_date, run_job
from sna.data.config import load_config
from sna.data.files import DATA_LOCK, FolderLocked, folder_lock
from sna.errors import SnaError
from tests.conftest import write_config

FIXTURES = Path(__file__).parent / "data" / "notebooks"
BUILD_ARGS = ["--districts", "Oxford", "--years", "2024", "--quiet"]
OXFORD = "E07000178"


def make_project(
    folder: Path,
    *,
    control: dict | None = None,
    timeout: int | None = None,
    replace: dict[str, str] | None = None,
) -> Path:
    """A project folder: config, fixture notebooks and a processed-data manifest (2024 only).

    ``replace`` edits the config as in :func:`tests.conftest.write_config`.
    """
    replace = dict(replace or {})
    if timeout:
        replace[r"^notebook_timeout = \d+"] = f"notebook_timeout = {timeout}"
    config = write_config(folder, replace=replace)
    shutil.copytree(FIXTURES, folder / "notebooks")
    processed = folder / "data" / "processed"
    processed.mkdir(parents=True)
    every = [f"2024-{m:02d}" for m in range(1, 13)]
    manifest = {  # as sna prepare writes it, so prepare and build recognise the folder as sna's
        "sna_version": "fixture", "fingerprint": "fixture", "inputs": {"fixture": "1"},
        "months": {"2024": {"present": every, "missing": []}},
    }  # fmt: skip
    (processed / "manifest.json").write_text(json.dumps(manifest) + "\n")
    set_control(folder, control or {})
    return config


def change_data(folder: Path, version: str) -> None:
    """Rewrite the fixture manifest (all of 2024 present) so that every report is rebuilt."""
    every = [f"2024-{m:02d}" for m in range(1, 13)]
    manifest = {
        "sna_version": "fixture", "fingerprint": version, "inputs": {"fixture": version},
        "months": {"2024": {"present": every}},
    }  # fmt: skip
    (folder / "data" / "processed" / "manifest.json").write_text(json.dumps(manifest) + "\n")


def wait_until(condition, *, timeout: float, what: str, every: float = 0.2) -> None:
    """Poll ``condition`` until it is true; generous timeouts keep a busy machine from failing."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(every)


def set_control(folder: Path, control: dict) -> None:
    (folder / "notebooks" / "control.json").write_text(json.dumps(control))


def hashes(reports: Path) -> dict[str, str]:
    return {
        p.relative_to(reports).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(reports.rglob("*"))
        if p.is_file() and p.name != ".sna-build.lock"
    }


def temp_files(reports: Path) -> list[Path]:
    return [p for p in reports.rglob(".*") if ".tmp" in p.name]


def cli(config: Path, *args: str) -> int:
    return main(["build", "--config", str(config), *BUILD_ARGS, *args])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A project built once (overview and Oxford, 2024), shared by the read-only tests.

    The sna source is part of every report's fingerprint; it is pinned here so that someone
    editing the package while the tests run does not make the incremental test rebuild.
    """
    folder = tmp_path_factory.mktemp("built")
    config = make_project(folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sna.build.plan._package_fingerprint", lambda: "pinned")
        assert cli(config) == 0
        yield folder


# --- one job ------------------------------------------------------------------------------


def test_parameters_are_passed_as_python_values(tmp_path: Path) -> None:
    """papermill's CLI would turn '0123' into 123; its Python API keeps the string."""
    config = load_config(make_project(tmp_path))
    job = BuildJob(
        key="2024/x",
        year=2024,
        title="x",
        page_title="x",
        notebook=tmp_path / "notebooks" / "district_assessment.ipynb",
        parameters={"config_path": str(config.path), "district": "0123", "year": 2024},
        html_path=tmp_path / "x.html",
        ipynb_path=tmp_path / "x.ipynb",
        failed_path=tmp_path / "x.failed.ipynb",
        fingerprint="f",
        timeout=60,
    )
    result = run_job(job)
    assert result.status == "built", result.error
    nb = nbformat.reads(result.notebook.decode(), as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "district='0123' type=str" in printed
    assert "0123 2024" in result.html.decode()
    assert not (tmp_path / "x.html").exists()  # the caller publishes, not the job


def test_district_slug() -> None:
    from sna.data.config import District

    assert District("E07000180", "Vale of White Horse").slug == "vale-of-white-horse"
    assert District("X", "  King's Lynn & West Norfolk ").slug == "king-s-lynn-west-norfolk"


def test_report_date_honours_source_date_epoch(monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert report_date().isoformat() == "2023-11-14"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(SnaError, match="SOURCE_DATE_EPOCH"):
        report_date()


def test_report_date_and_district_code_are_notebook_parameters(tmp_path, monkeypatch) -> None:
    """The kernel is told the date and the district's code; the date alone does not rebuild."""
    from sna.build.plan import _plan

    config = load_config(write_config(tmp_path))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01
    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    jobs = _plan(config, years=None, districts=None, notebooks=notebooks, data="x")
    district = next(j for j in jobs if "district" in j.parameters)
    assert district.parameters["district"] == config.districts[0].code
    assert district.parameters["report_date"] == "2025-01-01"
    assert "SOURCE_DATE_EPOCH" not in district.environment


# --- user errors (exit 2) -------------------------------------------------------------------


def test_missing_processed_data_says_run_prepare(tmp_path: Path, capsys) -> None:
    config = make_project(tmp_path)
    (tmp_path / "data" / "processed" / "manifest.json").unlink()
    assert cli(config) == 2
    assert "run `sna prepare` first" in capsys.readouterr().err


def test_unknown_district_and_year_are_user_errors(tmp_path: Path, capsys) -> None:
    config = make_project(tmp_path)
    assert main(["build", "--config", str(config), "--districts", "Oxfrod", "--quiet"]) == 2
    assert "no district 'Oxfrod'" in capsys.readouterr().err
    assert main(["build", "--config", str(config), "--years", "2019", "--quiet"]) == 2
    assert "2019 is not a reporting year" in capsys.readouterr().err
    assert main(["build", "--config", str(config), "--jobs", "0", "--quiet"]) == 2
    assert "--jobs must be 1 or more" in capsys.readouterr().err


def test_missing_notebook_is_a_user_error(tmp_path: Path) -> None:
    config = load_config(make_project(tmp_path))
    with pytest.raises(SnaError, match=r"notebook .*area_overview.ipynb not found"):
        build(config, notebooks_dir=tmp_path / "elsewhere")


def test_second_build_on_same_folder_is_refused(tmp_path: Path, capsys) -> None:
    config = make_project(tmp_path)
    with folder_lock(tmp_path / "reports" / ".sna-build.lock"):
        assert cli(config) == 2
    err = capsys.readouterr().err
    assert f"another sna build is running on {tmp_path / 'reports'} (pid {os.getpid()})" in err
    assert "remove" in err and ".sna-build.lock if it is stale" in err


# --- a build --------------------------------------------------------------------------------


def test_build_publishes_reports_notebooks_and_index(built: Path) -> None:
    reports = built / "reports"
    assert sorted(p.relative_to(reports).as_posix() for p in reports.rglob("*") if p.is_file()) == [
        ".sna-build.json",
        ".sna-build.lock",
        "2024/overview.html",
        "2024/overview.ipynb",
        "2024/oxford.html",
        "2024/oxford.ipynb",
        "index.html",
    ]
    index = BeautifulSoup((reports / "index.html").read_text(), "html.parser")
    rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in index.tbody("tr")]
    assert [r[:3] for r in rows] == [
        ["2024", "Area overview", "built"],
        ["2024", "Oxford", "built"],
    ]
    assert {a["href"] for a in index.find_all("a")} >= {"2024/overview.html", "2024/oxford.html"}
    kept = nbformat.read(reports / "2024" / "oxford.ipynb", as_version=4)
    assert kept.metadata.papermill.parameters["district"] == OXFORD


def test_published_report_is_safe_and_self_contained(built: Path) -> None:
    html = (built / "reports" / "2024" / "oxford.html").read_text()
    soup = BeautifulSoup(html, "html.parser")
    assert "control.json" not in html  # code is not published
    assert not soup.select(".jp-InputPrompt, .jp-CodeMirrorEditor, .jp-CodeCell .jp-InputArea")
    assert not soup.find_all(["script", "link", "iframe"])
    for tag in soup.find_all(True):
        assert not any(name.startswith("on") for name in tag.attrs), tag.name
    for tag in soup.find_all(src=True):
        assert tag["src"].startswith("data:image/")
    for tag in soup.find_all(href=True):
        assert tag["href"].startswith("#")
    assert "@import" not in html
    assert "alert(1)" in soup.get_text()  # the payload shows as text
    figures = soup.find_all("img")
    assert len(figures) == 2 and all(img["alt"] for img in figures)
    assert soup.find("nav").find("a")["href"] == "#e07000178-2024"
    assert "Traceback" not in html and "Warning" not in soup.get_text()


def test_second_build_with_nothing_changed_builds_nothing(built: Path, capsys) -> None:
    before = hashes(built / "reports" / "2024")
    started = time.monotonic()
    assert cli(built / "sna.toml") == 0
    assert time.monotonic() - started < 30  # no notebook runs (a busy machine is slow to import)
    out = capsys.readouterr().out
    assert "0 built, 2 up to date, 0 failed" in out
    assert hashes(built / "reports" / "2024") == before


@pytest.mark.slow
def test_failure_keeps_last_good_report_and_does_not_stop_others(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setattr("sna.build.plan._package_fingerprint", lambda: "pinned")  # see `built`
    config = make_project(tmp_path)
    assert cli(config) == 0
    reports = tmp_path / "reports"
    good = (reports / "2024" / "oxford.html").read_bytes()
    capsys.readouterr()

    set_control(tmp_path, {"fail": [OXFORD]})
    assert cli(config, "--force") == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and f"RuntimeError: fixture failure for {OXFORD}" in out
    assert str(reports / "2024" / "oxford.failed.ipynb") in out
    assert re.search(r"2024\s+Area overview\s+built", out)
    assert (reports / "2024" / "oxford.html").read_bytes() == good
    failed = nbformat.read(reports / "2024" / "oxford.failed.ipynb", as_version=4)
    assert any(o.output_type == "error" for c in failed.cells for o in c.get("outputs", []))
    index = (reports / "index.html").read_text()
    assert "stale" in index and "oxford.failed.ipynb" in index

    # A failed report is retried even though nothing changed; fixed, it is published again.
    set_control(tmp_path, {})
    assert cli(config) == 0
    assert "1 built, 1 up to date, 0 failed" in capsys.readouterr().out
    assert not (reports / "2024" / "oxford.failed.ipynb").exists()


@pytest.mark.slow
def test_notebook_timeout(tmp_path: Path) -> None:
    config = load_config(make_project(tmp_path, control={"sleep": {"overview": 900}}, timeout=8))
    started = time.monotonic()
    outcomes = build(config, districts=["Oxford"], years=[2024])
    assert time.monotonic() - started < 300  # not the 900 s the notebook would sleep
    assert [o.status for o in outcomes] == ["failed", "built"], outcomes
    assert "timed out: ran longer than 8 s" in outcomes[0].error


@pytest.mark.slow
def test_two_builds_give_byte_identical_html(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01
    config = make_project(tmp_path)
    assert cli(config, "--force") == 0
    first = hashes(tmp_path / "reports")
    assert cli(config, "--force") == 0
    second = hashes(tmp_path / "reports")
    html = [k for k in first if k.endswith(".html")]
    assert html == ["2024/overview.html", "2024/oxford.html", "index.html"]
    assert {k: first[k] for k in html} == {k: second[k] for k in html}
    assert "Report date: 2025-01-01" in (tmp_path / "reports" / "2024" / "oxford.html").read_text()


# --- killed builds --------------------------------------------------------------------------


def start_build(config: Path, marker: str) -> subprocess.Popen:
    """``python -m sna.build.cli build`` in its own session; every process it starts carries marker."""
    env = {**os.environ, "SNA_TEST_MARKER": marker}
    return subprocess.Popen(
        [sys.executable, "-m", "sna.build.cli", "build", "--config", str(config), *BUILD_ARGS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )


def wait_for_kernels(marker: str, *, at_least: int, timeout: float = 300) -> None:
    """Wait until the build's kernels run their (sleeping) notebooks."""
    wait_until(
        lambda: len(processes_with(marker, "ipykernel")) >= at_least,
        timeout=timeout,
        what="the build did not start its kernels",
    )


def processes_with(marker: str, command: str = "") -> list[int]:
    """Pids of live processes started by a test build (found by their environment)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            environ = (proc / "environ").read_bytes()
            cmdline = (proc / "cmdline").read_bytes()
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        mine = f"SNA_TEST_MARKER={marker}".encode() in environ
        if mine and command.encode() in cmdline and state != "Z":
            found.append(int(proc.name))
    return found


def kill_all(marker: str) -> None:
    for pid in processes_with(marker):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_killed_build_leaves_reports_intact(tmp_path: Path, how: signal.Signals, capsys) -> None:
    config = make_project(tmp_path)
    assert cli(config) == 0
    reports = tmp_path / "reports"
    before = hashes(reports)

    # Change the data so that every report is rebuilt, slowly; kill the build mid-way.
    change_data(tmp_path, "2")
    set_control(tmp_path, {"sleep": {"overview": 900, OXFORD: 900}})
    marker = uuid.uuid4().hex
    proc = start_build(config, marker)
    try:
        wait_for_kernels(marker, at_least=2)
        # A second build on the same folder meanwhile is refused, naming the running one.
        assert main(["build", "--config", str(config), "--quiet"]) == 2
        assert (
            f"another sna build is running on {reports} (pid {proc.pid})" in capsys.readouterr().err
        )
        # It holds the processed data too: `sna prepare` (which takes this lock) is refused.
        with (
            pytest.raises(FolderLocked) as held,
            folder_lock(tmp_path / "data/processed" / DATA_LOCK),
        ):
            pass
        assert held.value.pid == proc.pid
        proc.send_signal(how)
        _, err = proc.communicate(timeout=180)
        if how == signal.SIGINT:
            assert proc.returncode == 130, err
            assert b"interrupted" in err
            # Ctrl-C stops the workers and their kernels too.
            wait_until(lambda: not processes_with(marker), timeout=120, what="workers still run")
        else:
            assert proc.returncode == -signal.SIGKILL
        assert hashes(reports) == before
        assert temp_files(reports) == []

        # The next build is not blocked by the dead one and completes.
        set_control(tmp_path, {})
        assert cli(config) == 0
        after = hashes(reports)
        assert after.keys() == before.keys()
        assert temp_files(reports) == []
    finally:
        kill_all(marker)
        proc.kill()
        proc.communicate(timeout=120)


@pytest.mark.slow
def test_orphaned_workers_stop_after_the_build_is_killed(tmp_path: Path) -> None:
    """Workers of a SIGKILLed build exit (and their kernels with them) instead of running on."""
    config = make_project(tmp_path, control={"sleep": {"overview": 900, OXFORD: 900}})
    marker = uuid.uuid4().hex
    proc = start_build(config, marker)
    try:
        wait_for_kernels(marker, at_least=2)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        wait_until(lambda: not processes_with(marker), timeout=120, what="orphans still run")
    finally:
        kill_all(marker)
        proc.kill()
        proc.communicate(timeout=120)


def test_build_jobs_are_picklable(tmp_path: Path) -> None:
    """A job can be shipped to any worker (a process pool today, a Dask cluster tomorrow)."""
    import pickle

    config = load_config(make_project(tmp_path))
    from sna.build.plan import _plan

    jobs = _plan(config, years=None, districts=None, notebooks=tmp_path / "notebooks", data="d")
    assert len(jobs) == 2 * (1 + len(config.districts))
    assert pickle.loads(pickle.dumps(jobs)) == jobs
    assert jobs[1].parameters == {
        "config_path": str(config.path),
        "district": "E07000177",
        "year": 2024,
        "report_date": jobs[1].parameters["report_date"],
    }
    changed = dataclasses.replace(jobs[1], fingerprint="other")
    assert changed != jobs[1]
