"""Warm kernels (sna.build.kernels): forked per report, isolated, the same output as cold ones."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from sna.build import kernels
from sna.build.jobs import BuildJob, run_job

pytestmark = pytest.mark.skipif(not kernels.supported(), reason="warm kernels need Linux")

# Leaves a mark in a module the server imported: a later kernel must not see it.
CODE = """\
import json, os, sys
import sna.build.kernels as k
seen = getattr(k, "_mark", None)
k._mark = "set by an earlier report"
print(json.dumps({"seen": seen, "pid": os.getpid(), "seed": os.environ.get("PYTHONHASHSEED"),
                  "hash": hash("sna"), "backend": os.environ.get("MPLBACKEND"),
                  "cwd": os.getcwd(), "path0": sys.path[0]}))
"""


def job(tmp_path: Path, name: str) -> BuildJob:
    notebook = tmp_path / "probe.ipynb"
    if not notebook.exists():
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]})]
        nb.cells.append(nbformat.v4.new_code_cell(CODE))
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nbformat.write(nb, notebook)
    out = tmp_path / "out"
    return BuildJob(
        key=f"2025/{name}", year=2025, title=name, page_title=name, notebook=notebook,
        parameters={"x": 2}, html_path=out / f"{name}.html", ipynb_path=out / f"{name}.ipynb",
        failed_path=out / f"{name}.failed.ipynb", fingerprint="", timeout=60,
        environment={"PYTHONHASHSEED": "0", "MPLBACKEND": None},
    )  # fmt: skip


def printed(result) -> dict:
    assert result.status == "built", result.error
    cells = json.loads(result.notebook)["cells"]
    text = cells[-1]["outputs"][0]["text"]
    return json.loads("".join(text) if isinstance(text, list) else text)


@pytest.mark.slow
def test_warm_kernels_are_isolated_and_like_cold_ones(tmp_path: Path) -> None:
    cold = printed(run_job(job(tmp_path, "cold"), warm=False))
    first = printed(run_job(job(tmp_path, "first"), warm=True))
    second = printed(run_job(job(tmp_path, "second"), warm=True))
    # Each report has a kernel process of its own, which starts with no trace of the others.
    assert len({cold["pid"], first["pid"], second["pid"]}) == 3
    assert cold["seen"] is first["seen"] is second["seen"] is None
    # The same environment, hash seed, plot backend, folder and sys.path as a cold kernel.
    for warm in (first, second):
        assert {k: warm[k] for k in warm if k != "pid"} == {k: cold[k] for k in cold if k != "pid"}
    assert cold["seed"] == "0" and cold["backend"] == "module://matplotlib_inline.backend_inline"
    assert cold["cwd"] == str(tmp_path)
    kernels.close_all()


def test_environment_changes_leave_os_environ_alone(monkeypatch) -> None:
    monkeypatch.setenv("SNA_KEEP", "1")
    env = kernels.apply_changes({"SNA_KEEP": "1", "MPLBACKEND": "agg"}, {"MPLBACKEND": None})
    assert env == {"SNA_KEEP": "1"}
