"""One build job: execute a notebook with papermill and publish it, as a plain picklable function.

:func:`run_job` depends only on its :class:`BuildJob` and the files it names, so any worker can
run it: a local process pool today, a Dask cluster tomorrow. It writes nothing outside a private
temporary folder; the caller publishes the :class:`JobResult` (see :mod:`sna.build.plan`), so a worker
that is killed, or orphaned by a killed build, never touches the reports folder.

Importing this module is cheap (papermill and nbconvert load when a job runs).

Kernels talk to their worker over Unix sockets in the job's private temporary folder (ZeroMQ's
``ipc`` transport), not TCP: with TCP, jupyter_client picks free ports by binding port 0 and
closing the socket, and the kernel binds them a moment later, so on a busy machine another
process (a concurrent kernel, or any outgoing connection) can take a port in between and the
kernel dies with "Address already in use". A kernel that dies before it replies is started
once more all the same.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Generator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sna.build import kernels

__all__ = [
    "ENGINE",
    "BuildJob",
    "JobResult",
    "kernel_cpu_seconds",
    "register_engine",
    "run_job",
    "run_jobs",
]

_EXIT_GRACE = 3.0
START_TIMEOUT = 120
"""Seconds to wait for a kernel to start; start-up is slow when every core is busy."""

START_ATTEMPTS = 2
"""Kernel starts per job: a kernel that dies before it replies is started once more."""

_MAX_SOCKET_PATH = 90
"""Longer Unix socket paths (the limit is 107 bytes) fall back to TCP on the loopback."""

KERNEL_ARGUMENTS = (
    # Not the kernel's start-up chatter ("running over TCP without encryption") on the terminal;
    # what the notebook's code prints or warns goes into the notebook, not here.
    "--IPKernelApp.log_level=ERROR",
    # No IPython history database: nobody reads a report kernel's history, and opening it (an
    # SQLite write at start-up) cost every kernel about 0.06 s, one kernel at a time.
    "--HistoryManager.enabled=False",
)

ENGINE = "sna"
"""The papermill engine jobs run with: nbclient's, writing the executed notebook once at the end."""

_EXIT_POLL = 0.005
"""Seconds between checks that a stopped kernel has exited (jupyter_client's default: 0.1 s)."""

_IOPUB_POLL = 0.01
"""Seconds to wait for a first IOPub message before asking the kernel again (jupyter_client's: 0.2 s)."""


@dataclass(frozen=True)
class BuildJob:
    """Everything needed to build one report.

    Attributes
    ----------
    key
        The report's id, ``"<year>/<slug>"``, e.g. ``"2024/vale-of-white-horse"``.
    year
        The reporting year.
    title
        What the report is about, e.g. ``"Oxford"`` or ``"Area overview"``.
    page_title
        The HTML page title.
    notebook
        The notebook to execute; it runs with its folder as the working directory.
    parameters
        Values for the notebook's ``parameters`` cell, passed as Python values.
    html_path, ipynb_path, failed_path
        Where the caller publishes the report, the executed notebook and, on failure, the
        failed executed notebook.
    fingerprint
        Hash of everything the report depends on (for incremental builds).
    timeout
        Seconds the notebook's cells may run altogether (after the kernel has started).
    environment
        Environment variables for the kernel (a value of ``None`` unsets the variable).
    start_timeout
        Seconds to wait for the kernel to start.
    inputs
        What ``fingerprint`` hashes, one hash per input (``data``, ``config``, ``notebook``,
        ``parameters``, ``sna version``, ``sna code``, ...), saved with the report so that
        ``sna status`` can say which input changed since it was built.
    """

    key: str
    year: int
    title: str
    page_title: str
    notebook: Path
    parameters: Mapping[str, Any]
    html_path: Path
    ipynb_path: Path
    failed_path: Path
    fingerprint: str
    timeout: int
    environment: Mapping[str, str | None] = field(default_factory=dict)
    start_timeout: int = START_TIMEOUT
    inputs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class JobResult:
    """The outcome of :func:`run_job`.

    Attributes
    ----------
    job
        The job.
    status
        ``"built"`` or ``"failed"``.
    seconds
        Wall-clock time of the job.
    html
        The published HTML (UTF-8), when built.
    notebook
        The executed notebook (``.ipynb`` JSON), when the kernel got far enough to produce one;
        on failure it shows where the notebook stopped.
    error
        On failure, one line saying what went wrong.
    cpu_seconds
        CPU time the job used: the worker running it (papermill, conversion to HTML) and the
        report's kernel (its start-up and every cell), for benchmarks. None where the kernel's
        CPU time cannot be read (no ``/proc``, or the kernel had already exited).
    """

    job: BuildJob
    status: Literal["built", "failed"]
    seconds: float
    html: bytes | None = None
    notebook: bytes | None = None
    error: str | None = None
    cpu_seconds: float | None = None


def run_job(job: BuildJob, *, warm: bool = True) -> JobResult:
    """Execute a job's notebook with papermill and convert it to HTML.

    Never raises for a problem in the notebook: a failed cell, a timeout, a kernel that does not
    start or a notebook with error outputs give a ``"failed"`` result with the error.

    Parameters
    ----------
    job
        The job.
    warm
        Fork the kernel from this process's warm kernel server (:mod:`sna.build.kernels`,
        started on first use and kept for the next jobs) instead of starting Python afresh.
        The report is the same either way; a warm kernel saves the imports (2-3 s of CPU).

    Returns
    -------
    JobResult
    """
    import nbformat
    import papermill

    from sna.build.publish import notebook_html

    start, cpu = time.monotonic(), time.process_time()
    error = None
    executed = None
    kernel_cpu: list[float] = []
    server = kernels.server_for(job.environment) if warm else None
    register_engine()
    with tempfile.TemporaryDirectory(prefix="sna-job-") as tmp:
        output = Path(tmp) / job.ipynb_path.name
        for attempt in range(1, START_ATTEMPTS + 1):
            output.unlink(missing_ok=True)
            try:
                papermill.execute_notebook(
                    job.notebook,
                    output,
                    parameters=dict(job.parameters),
                    cwd=job.notebook.parent,
                    start_timeout=job.start_timeout,
                    progress_bar=False,
                    timeout_func=_Deadline(job.timeout),
                    engine_name=ENGINE,
                    extra_arguments=list(KERNEL_ARGUMENTS),
                    kernel_manager_class=_kernel_manager_class(
                        Path(tmp) / f"k{attempt}", job.environment, server, kernel_cpu
                    ),
                    # The outputs are in once the last cell has run: stop the kernel at once
                    # rather than interrupt it and wait (which logs a KeyboardInterrupt later).
                    shutdown_kernel="immediate",
                )
            except Exception as exc:  # noqa: BLE001 - any failure of the notebook is reported
                error = _describe(exc, job)
                if attempt < START_ATTEMPTS and _died_at_start(exc):
                    error = None
                    continue
            break
        if output.is_file():
            executed = nbformat.read(output, as_version=4)
    html = None
    if error is None and executed is None:
        error = "papermill produced no executed notebook"
    elif error is None and executed is not None:
        try:
            html = notebook_html(executed, title=job.page_title).encode("utf-8")
        except Exception as exc:  # noqa: BLE001
            error = f"not published: {exc}"
    kept = None
    if executed is not None:
        final = job.ipynb_path if error is None else job.failed_path
        executed.metadata.get("papermill", {})["output_path"] = str(final)
        kept = nbformat.writes(executed).encode("utf-8")
    return JobResult(
        job=job,
        status="failed" if error else "built",
        seconds=time.monotonic() - start,
        html=html,
        notebook=kept,
        error=error,
        cpu_seconds=time.process_time() - cpu + sum(kernel_cpu) if kernel_cpu else None,
    )


def register_engine() -> None:
    """Register papermill's nbclient engine as :data:`ENGINE`, minus its saves at every cell.

    papermill writes the executed notebook to its output path when each cell starts and when it
    ends, serialising the whole notebook (its charts included) about 80 times per report: about
    0.8 s of a worker's time for a demo district report. A job reads the notebook only when papermill is done, so the
    engine writes it when the run ends (also when it fails or times out: papermill's
    ``notebook_complete`` runs in a ``finally``), with the same content.

    Examples
    --------
    >>> register_engine()
    >>> from papermill.engines import papermill_engines
    >>> papermill_engines.get_engine(ENGINE).__name__
    'SaveAtEndEngine'
    """
    from papermill.engines import NBClientEngine, papermill_engines

    class SaveAtEndEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> Any:
            output_path, nb_man.output_path = nb_man.output_path, None  # no save per cell
            try:
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
            finally:
                nb_man.output_path = output_path  # notebook_complete() writes it, once

    papermill_engines.register(ENGINE, SaveAtEndEngine)


def progress_bar(total: int, desc: str, *, progress: bool) -> Any:
    """A tqdm bar of reports on stderr, shown only when ``progress`` and stderr is a terminal."""
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc=desc,
        unit="report",
        file=sys.stderr,
        disable=not (progress and sys.stderr.isatty()),
    )


def run_jobs(
    jobs: Sequence[BuildJob], *, workers: int, progress: bool = False, warm: bool = True
) -> Generator[JobResult, None, None]:
    """Run jobs in a pool of ``workers`` processes; yield each result as it finishes.

    With ``warm`` (the default) each worker starts a warm kernel server as it starts (see
    :mod:`sna.build.kernels`), which imports the libraries while the worker loads papermill, and
    forks each job's kernel from it; the first job of a worker waits for the imports, the next
    ones do not. Each kernel still runs one notebook only.

    A job that fails yields a failed result; the others go on. The workers are started with
    ``spawn`` (they inherit no open files, such as the build lock), ignore Ctrl-C (the caller
    gets ``KeyboardInterrupt`` and the workers are stopped with their kernels), and exit by
    themselves if the caller is killed. Closing the generator early (``contextlib.closing``)
    stops the running workers too. ``progress`` shows a bar on stderr if it is a terminal.
    """
    if not jobs:
        return
    bar = progress_bar(len(jobs), "sna build", progress=progress)
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(os.getpid(), jobs[0].environment if warm else None),
    )
    try:
        futures: dict[Future[JobResult], BuildJob] = {
            pool.submit(_run_in_worker, j, warm): j for j in jobs
        }
        for future in as_completed(futures):
            job = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - e.g. a worker killed by the OS
                result = JobResult(job, "failed", 0.0, error=f"worker failed: {exc!r}")
            bar.set_postfix_str(f"{job.key} {result.status}", refresh=False)
            bar.update(1)
            yield result
    except BaseException:
        _stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        bar.close()


def _init_worker(parent_pid: int, environment: Mapping[str, str | None] | None) -> None:
    """Workers leave Ctrl-C to the parent, exit cleanly on SIGTERM and when orphaned.

    With ``environment`` (the kernels'), the worker's warm kernel server starts now.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    if environment is not None:
        kernels.server_for(environment)


def _exit_on_signal(signum: int, frame: Any) -> None:
    """Unwind the running job (its kernel is shut down, its temporary files removed), then exit.

    The pool's worker loop catches exceptions from a job, so the exit is made certain by a timer.
    """
    timer = threading.Timer(_EXIT_GRACE, os._exit, args=(128 + signum,))
    timer.daemon = True
    timer.start()
    raise SystemExit(128 + signum)


def _run_in_worker(job: BuildJob, warm: bool = True) -> JobResult:
    try:
        return run_job(job, warm=warm)
    except SystemExit as stop:  # SIGTERM: the job has unwound; leave now
        os._exit(int(stop.code or 1))


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Stop running notebooks now (Ctrl-C); their kernels exit with their worker."""
    # The pool has no public way to stop running jobs (terminate_workers() is Python 3.14).
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()


class _Deadline:
    """The nbclient ``timeout_func``: the cells together may run ``seconds``.

    The clock starts at the first cell; kernel start-up has its own limit, ``start_timeout``.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline: float | None = None

    def __call__(self, cell: Any) -> int:
        if self.deadline is None:
            self.deadline = time.monotonic() + self.seconds
        return max(1, round(self.deadline - time.monotonic()))


def _kernel_manager_class(
    socket_prefix: Path,
    environment: Mapping[str, str | None],
    server: kernels.KernelServer | None = None,
    cpu: list[float] | None = None,
) -> type:
    """A kernel manager for one job's kernel.

    The kernel listens on Unix sockets ``<socket_prefix>-<n>`` (no TCP port is chosen, so none
    can be taken by another process before the kernel binds it), gets this process's
    environment with ``environment`` applied (``os.environ`` is left alone: threads of a Dask
    worker share it), and is forked from ``server`` when given (a cold start if that fails).
    The CPU seconds the kernel used are appended to ``cpu`` as it is stopped.
    """
    from jupyter_client.manager import AsyncKernelManager

    ipc = len(str(socket_prefix).encode()) <= _MAX_SOCKET_PATH

    class _JobKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.client_factory = _ready_client_class()
            if ipc:
                self.transport = "ipc"
                self.ip = str(socket_prefix)

        async def _async_pre_start_kernel(self, **kw: Any) -> Any:
            kw.setdefault("env", kernels.apply_changes(os.environ, environment))
            return await super()._async_pre_start_kernel(**kw)

        async def _async_kill_kernel(self, restart: bool = False) -> None:
            seconds = kernel_cpu_seconds(getattr(self.provisioner, "pid", None))
            if cpu is not None and seconds is not None:
                cpu.append(seconds)
            await super()._async_kill_kernel(restart=restart)

        async def _async_wait(self, pollinterval: float = 0.1) -> None:
            # A stopped kernel is gone within milliseconds: do not sleep 0.1 s per report.
            await super()._async_wait(pollinterval=min(pollinterval, _EXIT_POLL))

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            provisioner: Any = self.provisioner  # the local one, unless configured otherwise
            cwd = str(kw.get("cwd") or Path.cwd())
            forked = None
            if server is not None and hasattr(provisioner, "pgid"):
                forked = server.launch(kernel_cmd, kw["env"], cwd)
            if forked is None:
                await super()._async_launch_kernel(kernel_cmd, **kw)
                return
            provisioner.process = forked
            provisioner.pid = provisioner.pgid = forked.pid
            provisioner.cwd = cwd
            self._reconcile_connection_info(provisioner.connection_info)

    return _JobKernelManager


def _ready_client_class() -> type:
    """The kernel client of a job: jupyter_client's, less a fixed 0.2 s wait at every start.

    Before the first cell runs, a client waits for the kernel's reply to ``kernel_info`` and then
    for a message on IOPub, which shows that the channel the outputs come by is connected. The
    kernel's first IOPub messages are often sent before that channel has connected, and
    jupyter_client then waits 0.2 s before asking again (every report, about a tenth of its
    cost). This client asks again every 10 ms (:data:`_IOPUB_POLL`) and, like jupyter_client's,
    starts the notebook only once an IOPub message has arrived, so no output can be lost.
    """
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient

    class _ReadyClient(AsyncKernelClient):
        async def wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.monotonic() + (timeout if timeout is not None else float("inf"))
            while True:
                self.kernel_info()
                try:
                    reply = await self.shell_channel.get_msg(timeout=1)
                except Empty:
                    reply = None
                if reply is not None and reply["msg_type"] == "kernel_info_reply":
                    try:
                        await self.iopub_channel.get_msg(timeout=_IOPUB_POLL)
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(reply)
                        return
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

    return _ReadyClient


def kernel_cpu_seconds(pid: int | None) -> float | None:
    """CPU seconds (user and system) a running process has used, from ``/proc``; None if unknown.

    Examples
    --------
    >>> kernel_cpu_seconds(os.getpid()) is None or kernel_cpu_seconds(os.getpid()) >= 0
    True
    """
    if pid is None:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        # After "pid (name) ", as the name may hold spaces: state, ppid, ..., utime, stime.
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _died_at_start(exc: Exception) -> bool:
    """Whether the kernel died before it ran a cell (e.g. a port taken: started once more)."""
    return isinstance(exc, RuntimeError) and "died before replying to kernel_info" in str(exc)


def _describe(exc: Exception, job: BuildJob) -> str:
    """One line for the summary; the kept notebook has the full traceback."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        message = str(exc.evalue).strip().splitlines()
        return f"{exc.ename}: {message[0] if message else ''} (In [{exc.exec_count}])"
    if isinstance(exc, TimeoutError):
        return (
            f"timed out: ran longer than {job.timeout} s "
            "(raise build.notebook_timeout in sna.toml if it needs longer)"
        )
    first = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {first[0] if first else ''}"
