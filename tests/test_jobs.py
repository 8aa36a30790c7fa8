"""One build job (sna.build.jobs.run_job): the executed notebook is written once, not per cell."""

from __future__ import annotations

import json
from pathlib import Path

import papermill.engines
import pytest
import zmq

from sna.build.jobs import ENGINE, KERNEL_ARGUMENTS, BuildJob, register_engine, run_job
from tests.conftest import probe_job


def job(tmp_path: Path, cells: list[str], *, timeout: int = 60) -> BuildJob:
    return probe_job(tmp_path, cells, timeout=timeout)


@pytest.fixture
def saves(monkeypatch) -> list[str]:
    """Every write of the executed notebook by papermill's execution manager."""
    written: list[str] = []
    real = papermill.engines.write_ipynb

    def counted(nb, path):
        written.append(str(path))
        return real(nb, path)

    monkeypatch.setattr(papermill.engines, "write_ipynb", counted)
    return written


def outputs(notebook: bytes | None) -> list[str]:
    assert notebook is not None
    cells = json.loads(notebook)["cells"]
    return ["".join(o.get("text", "")) for c in cells for o in c.get("outputs", [])]


def test_the_engine_is_papermills_nbclient_engine() -> None:
    register_engine()
    engine = papermill.engines.papermill_engines.get_engine(ENGINE)
    assert issubclass(engine, papermill.engines.NBClientEngine)


def test_the_executed_notebook_is_written_at_the_start_and_end_only(tmp_path, saves) -> None:
    cells = [f"print({i} * x)" for i in range(8)]
    result = run_job(job(tmp_path, cells), warm=False)
    assert result.status == "built", result.error
    assert outputs(result.notebook) == [f"{2 * i}\n" for i in range(8)]
    assert len(saves) == 2  # papermill saved it at the start and end of every cell: 18
    assert result.cpu_seconds is not None and result.cpu_seconds > 0  # worker and kernel


def test_a_failed_notebook_is_still_kept(tmp_path, saves) -> None:
    result = run_job(job(tmp_path, ["print('before')", "1 / 0", "print('after')"]), warm=False)
    assert result.status == "failed" and "ZeroDivisionError" in (result.error or "")
    assert outputs(result.notebook)[0] == "before\n"
    assert len(saves) == 2


@pytest.mark.slow
def test_a_timed_out_notebook_is_kept_up_to_the_cell_that_ran_over(tmp_path, saves) -> None:
    cells = ["print('before')", "import time; time.sleep(60)", "print('after')"]
    result = run_job(job(tmp_path, cells, timeout=4), warm=False)
    assert result.status == "failed" and "timed out" in (result.error or "")
    assert outputs(result.notebook)[0] == "before\n"
    assert "after\n" not in outputs(result.notebook)


def test_kernels_keep_no_history_database() -> None:
    assert "--HistoryManager.enabled=False" in KERNEL_ARGUMENTS


def test_a_kernel_is_ready_without_jupyter_clients_fixed_wait(tmp_path, monkeypatch) -> None:
    """The client asks again every 10 ms until IOPub works (jupyter_client waits 0.2 s once and
    asks again), and the first cell's output still arrives."""
    import jupyter_client.channels

    from sna.build import jobs

    waits: list[float | None] = []
    real = jupyter_client.channels.AsyncZMQSocketChannel.get_msg

    async def recorded(self, timeout=None):
        if self.socket is not None and self.socket.type == zmq.SUB:
            waits.append(timeout)
        return await real(self, timeout)

    monkeypatch.setattr(jupyter_client.channels.AsyncZMQSocketChannel, "get_msg", recorded)
    result = run_job(job(tmp_path, ["print('first')", "print(2 * x)"]), warm=False)
    assert result.status == "built", result.error
    assert outputs(result.notebook) == ["first\n", "4\n"]
    before_cells = [w for w in waits if w is not None and w < 1]
    assert before_cells and set(before_cells) == {jobs._IOPUB_POLL}
