"""Warm kernels (sna.build.kernels): forked per report, isolated, the same output as cold ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sna.build import kernels
from sna.build.jobs import BuildJob, run_job
from tests.conftest import probe_job

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
    return probe_job(tmp_path, [CODE], name=name)


def images(result) -> list[list[str]]:
    """The types of the images each chart cell (one that calls ``plt``) shows."""
    assert result.status == "built", result.error
    cells = [c for c in json.loads(result.notebook)["cells"] if "plt." in "".join(c["source"])]
    return [[k for o in c["outputs"] for k in o.get("data", {}) if "image" in k] for c in cells]


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


def test_warm_up_leaves_no_figure_and_no_setting_behind() -> None:
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from sna.assessment.kept import code_fingerprint

    settings, figures = dict(mpl.rcParams), plt.get_fignums()
    code_fingerprint.cache_clear()
    kernels.warm_up()
    assert plt.get_fignums() == figures and dict(mpl.rcParams) == settings
    assert code_fingerprint.cache_info().currsize == 1  # computed before any kernel is forked


# An analyst's charts: shown with plt.show(), and left open for the kernel to show at the cell's end.
CHARTS = [
    "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()",
    "plt.figure(figsize=(2, 2))\nplt.bar(['a', 'b'], [3, 5])",
]


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_pyplot_charts_are_kept_in_warm_and_cold_kernels(tmp_path: Path, warm: bool) -> None:
    # A warm kernel used to show them as "<Figure size 640x480 with 1 Axes>" and no image: the
    # server had imported the inline backend before any shell existed (kernels.NEEDS_SHELL).
    result = run_job(probe_job(tmp_path, CHARTS, name="charts"), warm=warm)
    assert images(result) == [["image/png"], ["image/png"]]
    kernels.close_all()


def test_modules_that_need_the_kernels_shell_are_left_for_the_kernel() -> None:
    assert not set(kernels.NEEDS_SHELL) & set(kernels.WARM_IMPORTS)
    loaded = {"numpy": 1, "matplotlib_inline.backend_inline": 2}
    assert kernels.forget_shell_modules(loaded) == ["matplotlib_inline.backend_inline"]
    assert loaded == {"numpy": 1}


def test_warm_kernels_leave_the_servers_objects_to_no_garbage_collection(tmp_path: Path) -> None:
    """The server freezes what its imports made (gc.freeze): a kernel's collections skip it."""
    code = (
        "import gc, json; print(json.dumps({'seen': gc.get_freeze_count(), 'on': gc.isenabled()}))"
    )
    warm = printed(run_job(probe_job(tmp_path, [code], name="gc-warm"), warm=True))
    cold = printed(run_job(probe_job(tmp_path, [code], name="gc-cold"), warm=False))
    assert warm["seen"] > 50_000 and cold["seen"] == 0
    assert warm["on"] and cold["on"]
    kernels.close_all()
