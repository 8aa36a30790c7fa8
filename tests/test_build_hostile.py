"""``sna build`` against hostile folders, a full disk, bad settings, races and stale state.

Every case ends in exit 0 with the right outcome, or in exit 2 with one line on stderr that names
the problem and the fix, and leaves every file that was there before as it was. Most tests run
the build with a stand-in for the notebooks (:func:`fake_run_jobs`), so they are fast; those
marked slow run real kernels.
"""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from sna.build.cli import main
from sna.build.jobs import BuildJob, JobResult
from sna.build.plan import report_date
from sna.data.files import DATA_LOCK, FolderLocked, folder_lock
from sna.errors import SnaError
from tests.test_build import OXFORD, hashes, make_project, temp_files


def fake_run_jobs(
    jobs: Sequence[BuildJob], *, workers: int, progress: bool = False
) -> Iterator[JobResult]:
    """Run no kernel: each report's HTML names its key."""
    for job in jobs:
        html = f"<html><title>{job.page_title}</title><p>{job.key}</p></html>".encode()
        yield JobResult(job, "built", 0.1, html=html, notebook=b'{"cells": []}')


@pytest.fixture(autouse=True)
def _fake_jobs(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sna.build.plan._package_fingerprint", lambda: "pinned")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    if "slow" not in request.keywords:
        monkeypatch.setattr("sna.build.plan.run_jobs", fake_run_jobs)


def sna_build(config: Path, *args: str) -> int:
    return main(["build", "--config", str(config), "--quiet", *args])


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    """The error printed by a refused build: one line, no traceback."""
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("sna build: error: "), err
    assert "Traceback" not in err
    return err


def index_rows(reports: Path) -> list[list[str]]:
    page = BeautifulSoup((reports / "index.html").read_text(), "html.parser")
    rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in page.tbody("tr")]
    return [row for row in rows if len(row) > 1]  # not the notes on missing months


def other_apps_files(folder: Path) -> dict[str, bytes]:
    """Files of another application: its temporary files and its own index page."""
    files = {
        "index.html": b"<html>the intranet's own index</html>",
        "upload.tmp": b"half an upload",
        ".cache.tmp": b"cache",
        ".index.html.0123456789ab.tmp": b"named like sna's temporary files once were",
        "2024/notes.txt": b"notes",
    }
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return files


def assert_untouched(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        assert (folder / name).read_bytes() == data, name


# --- 1. data loss: a reports folder holding other files -----------------------------------------


@pytest.mark.parametrize("where", ["relative", "absolute"])
def test_folder_of_another_application_is_refused(tmp_path: Path, capsys, where: str) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    files = other_apps_files(shared)
    reports = "../shared" if where == "relative" else shared.as_posix()
    config = make_project(
        tmp_path / "project", replace={'^reports = "reports"': f'reports = "{reports}"'}
    )
    assert sna_build(config) == 2
    err = one_line_error(capsys)
    assert f"the reports folder {shared} holds files sna did not write (.cache.tmp, " in err
    assert "--allow-foreign-files" in err
    assert_untouched(shared, files)
    assert sorted(p.relative_to(shared).as_posix() for p in shared.rglob("*")) == sorted(
        [*files, "2024"]
    )  # not even a lock file was created


def test_allow_foreign_files_keeps_them_all(tmp_path: Path, capsys) -> None:
    config = make_project(tmp_path)
    reports = tmp_path / "reports"
    reports.mkdir()
    files = other_apps_files(reports)
    del files["index.html"]
    (reports / "index.html").unlink()
    stale = reports / "2024" / ".oxford.html.sna-0123456789ab.tmp"  # left by a killed build
    stale.write_text("x")
    assert (
        sna_build(config, "--districts", "Oxford", "--years", "2024", "--allow-foreign-files") == 0
    )
    assert_untouched(reports, files)
    assert not stale.exists()
    assert (reports / "2024" / "oxford.html").read_text().endswith("<p>2024/oxford</p></html>")
    # The next build, without the flag, still refuses the folder.
    capsys.readouterr()
    assert sna_build(config, "--districts", "Oxford", "--years", "2024") == 2
    assert "holds files sna did not write" in one_line_error(capsys)


def test_foreign_index_is_never_replaced(tmp_path: Path, capsys) -> None:
    config = make_project(tmp_path)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "index.html").write_text("theirs")
    assert sna_build(config, "--years", "2024", "--allow-foreign-files") == 2
    err = one_line_error(capsys)
    assert f"{tmp_path / 'reports' / 'index.html'} was not written by sna" in err
    assert (tmp_path / "reports" / "index.html").read_text() == "theirs"
    assert not (tmp_path / "reports" / "2024").exists()


@pytest.mark.parametrize("kind", ["empty", "missing", "gitkeep"])
def test_empty_or_missing_folder_is_fine(tmp_path: Path, kind: str) -> None:
    """Also a folder holding only the placeholder a fresh clone has (reports/.gitkeep)."""
    config = make_project(tmp_path)
    if kind != "missing":
        (tmp_path / "reports").mkdir()
    if kind == "gitkeep":
        (tmp_path / "reports" / ".gitkeep").touch()
    assert sna_build(config, "--years", "2024") == 0
    assert (tmp_path / "reports" / "index.html").is_file()


def test_own_files_are_recognised_after_failures_and_kills(tmp_path: Path, monkeypatch) -> None:
    """A failed report (both notebooks kept) or a build killed before recording a report."""
    config = make_project(tmp_path)
    reports = tmp_path / "reports"
    assert sna_build(config, "--years", "2024") == 0

    def failing(jobs, *, workers, progress=False):
        for job in jobs:
            yield JobResult(job, "failed", 0.1, notebook=b"{}", error="RuntimeError: boom")

    monkeypatch.setattr("sna.build.plan.run_jobs", failing)
    assert sna_build(config, "--years", "2024", "--force") == 1
    assert (reports / "2024" / "oxford.ipynb").is_file()
    assert (reports / "2024" / "oxford.failed.ipynb").is_file()
    monkeypatch.setattr("sna.build.plan.run_jobs", fake_run_jobs)
    # As if killed after writing reports but before recording them: only the claim is left.
    state = json.loads((reports / ".sna-build.json").read_text())
    state["reports"] = {}
    (reports / ".sna-build.json").write_text(json.dumps(state))
    assert sna_build(config, "--years", "2024") == 0
    assert not (reports / "2024" / "oxford.failed.ipynb").exists()


def test_symlink_and_file_as_reports_folder_are_refused(tmp_path: Path, capsys) -> None:
    config = make_project(tmp_path)
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "index.html").symlink_to(tmp_path / "sna.toml")
    assert sna_build(config, "--years", "2024") == 2
    assert "holds files sna did not write (index.html)" in one_line_error(capsys)
    (reports / "index.html").unlink()
    reports.rmdir()
    reports.write_text("a file")
    assert sna_build(config, "--years", "2024") == 2
    assert f"the reports folder {reports} is not a folder" in one_line_error(capsys)
    assert reports.read_text() == "a file"


def test_state_naming_files_outside_the_folder_is_not_trusted(tmp_path: Path) -> None:
    config = make_project(tmp_path)
    reports = tmp_path / "reports"
    outside = tmp_path / "victim.html"
    outside.write_text("keep me")
    reports.mkdir()
    state = {
        "reports": {"2024/x": {"year": 2024, "title": "X", "html": "../victim.html"}},
        "files": ["../victim.html", "/etc/passwd"],
    }
    (reports / ".sna-build.json").write_text(json.dumps(state))
    assert sna_build(config, "--years", "2024") == 0
    assert outside.read_text() == "keep me"
    assert "victim.html" not in (reports / "index.html").read_text()


# --- 2. one-line errors: a full disk, SOURCE_DATE_EPOCH --------------------------------------


@pytest.mark.parametrize(
    ("fail_at", "failing"),
    [(1, "2024/overview.html"), (4, "2024/oxford.html"), (7, "index.html")],
    ids=["first-report", "second-report", "index"],
)
@pytest.mark.parametrize(
    "error",
    [OSError(errno.ENOSPC), OSError(errno.ENOSPC, "No space left on device")],
    ids=["bare", "with-message"],
)
def test_disk_full_is_one_line_and_keeps_earlier_outputs(
    tmp_path: Path, capsys, monkeypatch, fail_at: int, failing: str, error: OSError
) -> None:
    config = make_project(tmp_path)
    reports = tmp_path / "reports"
    assert sna_build(config, "--districts", "Oxford", "--years", "2024") == 0
    before = hashes(reports)
    capsys.readouterr()

    from sna.data import files

    writes = []
    real = files.atomic_write_bytes

    def full_disk(path, data):
        writes.append(Path(path))
        if len(writes) >= fail_at:
            raise error
        real(path, data)

    monkeypatch.setattr("sna.build.plan.atomic_write_bytes", full_disk)
    assert sna_build(config, "--districts", "Oxford", "--years", "2024", "--force") == 2
    err = one_line_error(capsys)
    assert writes[-1] == reports / failing
    assert f"cannot write {reports / failing}: No space left on device; free some space" in err
    assert temp_files(reports) == []
    after = hashes(reports)
    assert after.keys() == before.keys()
    if fail_at == 1:  # nothing was replaced
        assert after == before
    for name in after:  # whole files, old or new
        if name.endswith(".html"):
            assert (reports / name).read_text().rstrip().endswith("</html>")
    json.loads((reports / ".sna-build.json").read_text())
    monkeypatch.undo()
    monkeypatch.setattr("sna.build.plan.run_jobs", fake_run_jobs)
    monkeypatch.setattr("sna.build.plan._package_fingerprint", lambda: "pinned")
    assert sna_build(config, "--districts", "Oxford", "--years", "2024") == 0


@pytest.mark.slow
def test_disk_full_stops_the_running_notebooks(tmp_path: Path, capsys, monkeypatch) -> None:
    """A publish that fails does not wait for the other notebooks: their workers are stopped."""
    config = make_project(tmp_path, control={"sleep": {OXFORD: 900}})

    def full_disk(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("sna.build.plan.atomic_write_bytes", full_disk)
    (tmp_path / "reports").mkdir()
    started = time.monotonic()
    assert sna_build(config, "--districts", "Oxford", "--years", "2024", "--jobs", "2") == 2
    assert time.monotonic() - started < 300
    assert "No space left on device" in one_line_error(capsys)
    deadline = time.monotonic() + 60
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize(
    "value", ["99999999999999999", "253402300800", "-1", "1e9", "²", "１２３", "yesterday"]
)
def test_bad_source_date_epoch_is_one_line(tmp_path: Path, capsys, monkeypatch, value) -> None:
    config = make_project(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    assert sna_build(config, "--years", "2024") == 2
    assert "SOURCE_DATE_EPOCH must be whole seconds since 1970-01-01 UTC" in one_line_error(capsys)
    assert not (tmp_path / "reports").exists()


def test_source_date_epoch_at_the_limits(monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", " 253402300799 ")
    assert report_date().isoformat() == "9999-12-31"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert report_date().isoformat() == "1970-01-01"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "9" * 5000)
    with pytest.raises(SnaError, match=r"at most 253402300799"):
        report_date()


# --- 3. races and stale state -------------------------------------------------------------


def test_build_during_prepare_is_refused(tmp_path: Path, capsys) -> None:
    """``sna prepare`` holds the data lock while it writes: a build then is refused."""
    config = make_project(tmp_path)
    processed = tmp_path / "data" / "processed"
    with folder_lock(processed / DATA_LOCK):
        assert sna_build(config, "--years", "2024") == 2
    err = one_line_error(capsys)
    assert f"the processed data in {processed} are in use by pid {os.getpid()}" in err
    assert not (tmp_path / "reports" / "index.html").exists()
    assert sna_build(config, "--years", "2024") == 0  # released


def test_prepare_during_build_is_refused(tmp_path: Path, capsys, monkeypatch) -> None:
    """The build holds the data lock from planning to the index: ``sna prepare`` is refused."""
    config = make_project(tmp_path)
    seen = []

    def probing(jobs, *, workers, progress=False):
        with (
            pytest.raises(FolderLocked) as held,
            folder_lock(tmp_path / "data/processed" / DATA_LOCK),
        ):
            pass
        seen.append(held.value.pid)
        seen.append(main(["prepare", "--config", str(config), "--quiet"]))
        seen.append(capsys.readouterr().err)
        yield from fake_run_jobs(jobs, workers=workers)

    monkeypatch.setattr("sna.build.plan.run_jobs", probing)
    assert sna_build(config, "--years", "2024") == 0
    assert seen[:2] == [os.getpid(), 2]
    assert seen[2].count("\n") == 1 and f"(pid {os.getpid()})" in seen[2]


def test_removed_district_leaves_the_index_but_not_the_disk(tmp_path: Path, capsys) -> None:
    config = make_project(tmp_path)
    reports = tmp_path / "reports"
    assert sna_build(config, "--years", "2024", "--districts", "Oxford", "Cherwell") == 0
    assert [r[1] for r in index_rows(reports)] == ["Area overview", "Cherwell", "Oxford"]
    capsys.readouterr()

    text = config.read_text()
    config.write_text(
        text.replace('code = "E07000177"\nname = "Cherwell"\n', "").replace(
            "[[districts]]\n\n[[districts]]", "[[districts]]"
        )
    )
    assert "Cherwell" not in config.read_text()
    assert sna_build(config, "--years", "2024", "--districts", "Oxford") == 0
    out = capsys.readouterr().out
    assert [r[1] for r in index_rows(reports)] == ["Area overview", "Oxford"]
    assert (reports / "2024" / "cherwell.html").is_file()  # published reports are not deleted
    assert "1 report(s) of districts or years no longer in" in out
    assert str(reports / "2024" / "cherwell.html") in out


def test_removed_year_leaves_the_index(tmp_path: Path, capsys) -> None:
    config = make_project(tmp_path)
    manifest_path = tmp_path / "data" / "processed" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["months"]["2025"] = {"present": ["2025-01"]}
    manifest_path.write_text(json.dumps(manifest))
    reports = tmp_path / "reports"
    assert sna_build(config, "--districts", "Oxford") == 0
    assert {r[0] for r in index_rows(reports)} == {"2024", "2025"}
    config.write_text(
        config.read_text().replace("reporting_years = [2024, 2025]", "reporting_years = [2024]")
    )
    capsys.readouterr()
    assert sna_build(config, "--districts", "Oxford") == 0
    assert {r[0] for r in index_rows(reports)} == {"2024"}
    assert (reports / "2025" / "overview.html").is_file()
    assert "2 report(s) of districts or years no longer in" in capsys.readouterr().out


# --- 4. wrong but quiet: a year without data ------------------------------------------------


def test_year_without_police_data_is_refused(tmp_path: Path, capsys) -> None:
    config = make_project(
        tmp_path, replace={r"^reporting_years = .*": "reporting_years = [2024, 2026]"}
    )
    processed = tmp_path / "data" / "processed"
    assert sna_build(config) == 2
    err = one_line_error(capsys)
    assert (
        f"no police.uk data for 2026 in {processed / 'manifest.json'}; remove 2026 from "
        "reporting_years or add its files and run sna prepare"
    ) in err
    assert not (tmp_path / "reports" / "2024").exists()
    assert sna_build(config, "--years", "2024") == 0  # the year with data still builds


def test_corrupt_manifest_is_one_line(tmp_path: Path, capsys) -> None:
    config = make_project(tmp_path)
    (tmp_path / "data" / "processed" / "manifest.json").write_text('{"months": {"2024": 7}')
    assert sna_build(config, "--years", "2024") == 2
    assert "is not a manifest written by sna prepare" in one_line_error(capsys)
