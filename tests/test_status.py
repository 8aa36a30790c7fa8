"""``sna status`` after real builds (tiny fixture notebooks, see tests/test_build.py)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from sna.build.cli import main
from sna.build.status import report_status
from sna.data.config import load_config
from tests.test_build import OXFORD, change_data, make_project, set_control

ARGS = ["--districts", "Oxford", "--years", "2024"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose overview and Oxford 2024 reports were just built."""
    # Pinned: someone editing sna while the tests run must not make the reports stale.
    monkeypatch.setattr("sna.build.plan._package_fingerprint", lambda: "pinned")
    config = make_project(tmp_path)
    assert main(["build", "--config", str(config), *ARGS, "--quiet"]) == 0
    return config


def statuses(config: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {s.key: (s.status, s.reasons) for s in report_status(load_config(config), years=[2024])}


@pytest.mark.slow  # each builds two reports
def test_fresh_build_is_built_and_the_rest_not_built(project: Path, capsys) -> None:
    got = statuses(project)
    assert got["2024/overview"] == ("built", ())
    assert got["2024/oxford"] == ("built", ())
    assert got["2024/cherwell"] == ("not built", ())
    assert len(got) == 6  # the overview and the five districts of the demo config
    assert main(["status", "--config", str(project), "--years", "2024"]) == 0
    out = capsys.readouterr().out
    assert "2 built, 0 stale, 0 failed, 4 not built" in out
    assert out.splitlines()[0].split() == ["year", "report", "status", "details"]


@pytest.mark.slow  # each builds two reports
def test_stale_says_which_input_changed(project: Path, monkeypatch) -> None:
    change_data(project.parent, "v2")
    assert statuses(project)["2024/oxford"] == (
        "stale",
        ("data changed (sna prepare was run on other input files)",),
    )
    notebook = project.parent / "notebooks" / "district_assessment.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A new paragraph."))
    nbformat.write(nb, notebook)
    monkeypatch.setattr("sna.build.plan._package_fingerprint", lambda: "edited")
    oxford, overview = statuses(project)["2024/oxford"], statuses(project)["2024/overview"]
    assert oxford[0] == "stale"
    assert set(oxford[1]) == {
        "data changed (sna prepare was run on other input files)",
        "notebook changed",
        "sna code changed",
    }
    assert "notebook changed" not in overview[1]  # the overview has its own notebook


@pytest.mark.slow  # each builds two reports
def test_config_change_is_named(project: Path) -> None:
    text = project.read_text().replace("suppression_threshold = 4", "suppression_threshold = 5")
    project.write_text(text)
    status, reasons = statuses(project)["2024/oxford"]
    assert status == "stale" and "config changed" in reasons


@pytest.mark.slow  # each builds two reports
def test_failed_report_shows_error_and_log(project: Path, capsys) -> None:
    set_control(project.parent, {"fail": [OXFORD]})
    change_data(project.parent, "v3")  # so that the next build runs the notebooks again
    assert main(["build", "--config", str(project), *ARGS, "--quiet"]) == 1
    capsys.readouterr()
    (oxford,) = [
        s for s in report_status(load_config(project), years=[2024]) if s.title == "Oxford"
    ]
    assert oxford.status == "failed"
    assert oxford.log == project.parent / "reports" / "2024" / "oxford.failed.ipynb"
    assert oxford.log.is_file()
    state = json.loads((project.parent / "reports" / ".sna-build.json").read_text())
    assert oxford.error == state["reports"]["2024/oxford"]["error"].splitlines()[0]
    assert main(["status", "--config", str(project), "--years", "2024"]) == 0
    out = capsys.readouterr().out
    assert "FAILED" in out and str(oxford.log) in out


@pytest.mark.slow  # each builds two reports
def test_status_writes_nothing_and_unknown_year_is_exit_2(project: Path, capsys) -> None:
    reports = project.parent / "reports"
    before = sorted((p.as_posix(), p.stat().st_mtime_ns) for p in reports.rglob("*"))
    assert main(["status", "--config", str(project)]) == 0
    assert sorted((p.as_posix(), p.stat().st_mtime_ns) for p in reports.rglob("*")) == before
    assert main(["status", "--config", str(project), "--years", "1999"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sna status: error: 1999 is not a reporting year")
    assert len(err.strip().splitlines()) == 1


def test_help_explains_the_states(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["status", "--help"])
    assert exit_.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    for word in ("built", "stale", "FAILED", "not built", "which input changed"):
        assert word in out
