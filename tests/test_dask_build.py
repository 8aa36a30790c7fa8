"""``sna build --scheduler``: the report jobs on a Dask cluster (a LocalCluster of 3 workers)."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest

from sna.build.cli import main
from sna.build.plan import build
from sna.data.config import load_config
from sna.data.prepare import prepare
from sna.errors import ConfigError
from tests.conftest import ROOT, write_config
from tests.test_build import OXFORD, cli, make_project, set_control

distributed = pytest.importorskip("distributed")

DEMO_DISTRICTS = ["Oxford", "Cherwell"]
REPORTS = ["2024/cherwell.html", "2024/overview.html", "2024/oxford.html"]


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A LocalCluster of 3 single-threaded worker processes; its scheduler's address."""
    with distributed.LocalCluster(
        n_workers=3, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def free_port() -> int:
    """A port no one listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_difference(a: bytes, b: bytes) -> str:
    """Where two reports first differ, with some context (for the assertion message)."""
    at = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return f"differ at byte {at}: {a[at - 200 : at + 200]!r} != {b[at - 200 : at + 200]!r}"


@pytest.mark.slow
def test_demo_on_the_cluster_is_byte_identical_to_a_local_build(tmp_path, scheduler, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01
    monkeypatch.setattr("sna.build.plan._package_fingerprint", lambda: "pinned")
    (tmp_path / "notebooks").symlink_to(ROOT / "notebooks")
    config = load_config(write_config(tmp_path))
    prepare(config)

    local = build(config, years=[2024], districts=DEMO_DISTRICTS, jobs=2)
    assert [o.status for o in local] == ["built"] * 3, [o.error for o in local]
    reports = config.reports_dir
    local_html = {name: (reports / name).read_bytes() for name in REPORTS}

    on_cluster = build(
        config, years=[2024], districts=DEMO_DISTRICTS, force=True, scheduler=scheduler
    )
    assert [(o.key, o.status) for o in on_cluster] == [(o.key, "built") for o in local]
    for name, local_bytes in local_html.items():
        assert (reports / name).read_bytes() == local_bytes, first_difference(
            local_bytes, (reports / name).read_bytes()
        )
    # The report date is SOURCE_DATE_EPOCH's on both (the workers do not see the variable).
    assert re.search(r"2025-01-01|0?1 January 2025", (reports / "2024" / "oxford.html").read_text())


@pytest.mark.slow
def test_a_failing_notebook_on_the_cluster_does_not_stop_the_others(
    tmp_path, scheduler, capsys, monkeypatch
):
    monkeypatch.setattr("sna.build.plan._package_fingerprint", lambda: "pinned")
    config = make_project(tmp_path)
    assert cli(config, "--scheduler", scheduler) == 0
    reports = tmp_path / "reports"
    good = (reports / "2024" / "oxford.html").read_bytes()
    capsys.readouterr()

    set_control(tmp_path, {"fail": [OXFORD]})
    assert cli(config, "--scheduler", scheduler, "--force") == 1
    out = capsys.readouterr().out
    assert f"FAILED 2024 Oxford: RuntimeError: fixture failure for {OXFORD}" in out
    assert re.search(r"2024\s+Area overview\s+built", out)
    assert "1 built, 0 up to date, 1 failed" in out
    assert (reports / "2024" / "oxford.html").read_bytes() == good  # the last good report
    assert (reports / "2024" / "oxford.failed.ipynb").is_file()
    assert f"last good report left in place: {reports / '2024' / 'oxford.html'}" in out


@pytest.mark.parametrize("where", ["option", "config"])
def test_unreachable_scheduler_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch, where):
    monkeypatch.setattr("sna.build.cluster.CONNECT_TIMEOUT", 1)
    address = f"tcp://127.0.0.1:{free_port()}"
    if where == "option":
        config = make_project(tmp_path)
        args = ["--scheduler", address]
    else:
        setting = f'notebook_timeout = 600\nscheduler = "{address}"'
        config = make_project(tmp_path, replace={r"^notebook_timeout = 600": setting})
        args = []
    assert cli(config, *args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith(
        f"sna build: error: cannot reach the Dask scheduler at {address}"
    )
    assert not (tmp_path / "reports").exists() or not list((tmp_path / "reports").rglob("*.html"))


def test_scheduler_in_the_config_must_be_an_address(tmp_path):
    path = write_config(
        tmp_path, replace={r"^notebook_timeout = 600": 'notebook_timeout = 600\nscheduler = "x"'}
    )
    with pytest.raises(ConfigError, match=r"build\.scheduler: must be a Dask scheduler address"):
        load_config(path)


def test_build_help_names_the_scheduler_option(capsys):
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    assert "--scheduler ADDRESS" in capsys.readouterr().out


def test_cluster_module_does_not_import_dask_until_used():
    import subprocess
    import sys

    code = "import sys, sna.build.plan; print('distributed' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_scheduler_option_that_is_not_an_address(tmp_path, capsys):
    config = make_project(tmp_path)
    assert cli(config, "--scheduler", "nonsense") == 2
    assert capsys.readouterr().err == (
        "sna build: error: 'nonsense' is not a Dask scheduler address; give it as "
        "tcp://HOST:PORT (--scheduler or build.scheduler in the config), e.g. tcp://10.0.0.5:8786\n"
    )
