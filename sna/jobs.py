"""One build job: execute a notebook with papermill and publish it, as a plain picklable function.

:func:`run_job` depends only on its :class:`BuildJob` and the files it names, so any worker can
run it: a local process pool today, a Dask cluster tomorrow. It writes nothing outside a private
temporary folder; the caller publishes the :class:`JobResult` (see :mod:`sna.build`), so a worker
that is killed, or orphaned by a killed build, never touches the reports folder.

Importing this module is cheap (papermill and nbconvert load when a job runs).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = ["BuildJob", "JobResult", "run_job"]

START_TIMEOUT = 120
"""Seconds to wait for a kernel to start; start-up is slow when every core is busy."""

KERNEL_ARGUMENTS = (
    # Matplotlib SVGs get random element ids unless the hash salt is fixed.
    "--IPKernelApp.exec_lines=__import__('matplotlib').rcParams.__setitem__('svg.hashsalt', 'sna')",
    # Not the kernel's start-up chatter ("running over TCP without encryption") on the terminal;
    # what the notebook's code prints or warns goes into the notebook, not here.
    "--IPKernelApp.log_level=ERROR",
)


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
        Seconds the whole notebook may run.
    environment
        Environment variables for the kernel (a value of ``None`` unsets the variable).
    start_timeout
        Seconds to wait for the kernel to start.
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
    """

    job: BuildJob
    status: Literal["built", "failed"]
    seconds: float
    html: bytes | None = None
    notebook: bytes | None = None
    error: str | None = None


def run_job(job: BuildJob) -> JobResult:
    """Execute a job's notebook with papermill and convert it to HTML.

    Never raises for a problem in the notebook: a failed cell, a timeout, a kernel that does not
    start or a notebook with error outputs give a ``"failed"`` result with the error.

    Parameters
    ----------
    job
        The job.

    Returns
    -------
    JobResult
    """
    import nbformat
    import papermill

    from sna.publish import notebook_html

    start = time.monotonic()
    error = None
    executed = None
    with tempfile.TemporaryDirectory(prefix="sna-job-") as tmp, _environment(job.environment):
        output = Path(tmp) / job.ipynb_path.name
        try:
            papermill.execute_notebook(
                job.notebook,
                output,
                parameters=dict(job.parameters),
                cwd=job.notebook.parent,
                start_timeout=job.start_timeout,
                progress_bar=False,
                timeout_func=_Deadline(start + job.timeout),
                extra_arguments=list(KERNEL_ARGUMENTS),
                # The outputs are in once the last cell has run: stop the kernel at once rather
                # than interrupt it and wait (which logs a KeyboardInterrupt after we return).
                shutdown_kernel="immediate",
            )
        except Exception as exc:  # noqa: BLE001 - any failure of the notebook is reported
            error = _describe(exc, job)
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
    )


class _Deadline:
    """nbclient ``timeout_func``: each cell may run until the notebook's deadline."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def __call__(self, cell: Any) -> int:
        return max(1, round(self.deadline - time.monotonic()))


def _describe(exc: Exception, job: BuildJob) -> str:
    """One line for the summary; the kept notebook has the full traceback."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return f"{exc.ename}: {exc.evalue} (In [{exc.exec_count}])"
    if isinstance(exc, TimeoutError):
        return (
            f"timed out: ran longer than {job.timeout} s "
            "(raise build.notebook_timeout in sna.toml if it needs longer)"
        )
    first = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {first[0] if first else ''}"


@contextlib.contextmanager
def _environment(changes: Mapping[str, str | None]) -> Iterator[None]:
    """Set environment variables for the kernel (it inherits them), and restore them after."""
    saved = {name: os.environ.get(name) for name in changes}
    try:
        for name, value in changes.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
