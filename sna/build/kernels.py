"""Warm kernels: Jupyter kernels forked from a process that has already imported the libraries.

A report's kernel used to spend 2-3 s of CPU starting Python and importing IPython, pandas,
matplotlib, statsmodels and sna before it ran a cell; on a 2-core machine that was most of a
report's cost. A :class:`KernelServer` is a process started once per build worker (with the
kernels' environment, so ``PYTHONHASHSEED`` is the kernels'), which imports those libraries
(:data:`WARM_IMPORTS`; no data are loaded), does the first-time work every kernel would repeat
(:func:`warm_up`: fonts for the charts) and then waits. For each report it forks a child that
becomes the report's kernel: a new process with the modules already in memory, which runs one
notebook and is shut down, exactly as a kernel started from scratch would be. Reports stay
isolated from each other (nothing a notebook does reaches the server or another kernel) and
byte-identical to those of cold kernels (``tests/test_end_to_end.py``).

Only Linux has what this needs (``fork`` and process file descriptors to watch and signal a
kernel that is not our child); elsewhere, or if the server cannot start, kernels start cold.

Importing this module is cheap. Run as ``python -m sna.build.kernels`` it is the server.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

__all__ = [
    "NEEDS_SHELL",
    "WARM_IMPORTS",
    "ForkedKernel",
    "KernelServer",
    "apply_changes",
    "forget_shell_modules",
    "server_for",
    "supported",
    "warm_up",
]

WARM_IMPORTS = (
    "ipykernel.kernelapp",
    # What a kernel imports as it initialises (its debugger's debugpy alone took 0.1 s).
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",
    "IPython.core.completerlib",
    "IPython.extensions.storemagic",
    # ...and as its shell starts and runs the first cell (8 ms together).
    "IPython.core.oinspect",
    "IPython.core.debugger",
    "IPython.core.logger",
    "IPython.utils.wildcard",
    "tornado.platform.asyncio",
    "traitlets.config.argcomplete_config",
    "tornado.queues",
    "IPython",
    "numpy",
    "pandas",
    "pyarrow.parquet",
    "pyarrow.dataset",  # read_parquet
    "xml.dom.minidom",  # IPython's SVG display
    "matplotlib",
    "matplotlib.pyplot",
    "matplotlib.backends.backend_agg",  # what the inline backend draws with (PNG)
    "matplotlib.backends.backend_svg",
    "statsmodels.api",
    "sna.data.processed",
    "sna.assessment.district",
    "sna.assessment.area",
    "sna.report.district",
    "sna.report.overview",
)
"""Modules the server imports before it forks kernels (each optional: one that fails is skipped).

Never the inline plot backend (:data:`NEEDS_SHELL`): see :func:`forget_shell_modules`.
"""

NEEDS_SHELL = ("matplotlib_inline.backend_inline",)
"""Modules that set themselves up for the IPython shell running when they are first imported.

``matplotlib_inline.backend_inline`` registers the kernel's figure formatters (PNG) and the hook
that shows a cell's open figures only if a shell exists as it is imported; imported in the
server, where there is none, it would be found already imported by a kernel, which would then
show ``plt.show()``'s chart as the text ``<Figure size 400x300 with 1 Axes>``. A kernel imports
them itself, once its shell is running (about 2 ms).
"""

_LAUNCHER = ("-m", "ipykernel_launcher")
_servers: dict[tuple[str, ...], KernelServer] = {}
_servers_lock = threading.Lock()


def supported() -> bool:
    """Whether warm kernels can be used here (Linux: ``fork`` and ``pidfd_open``)."""
    return (
        hasattr(os, "fork") and hasattr(os, "pidfd_open") and hasattr(signal, "pidfd_send_signal")
    )


def server_for(environment: Mapping[str, str | None]) -> KernelServer | None:
    """The running server for kernels with these environment changes, started if need be.

    One server per environment and process (threads share it, e.g. a Dask worker's). ``None``
    when warm kernels are not supported or the server has failed.
    """
    if not supported():
        return None
    key = (sys.executable, *sorted(f"{k}={v}" for k, v in environment.items()))
    with _servers_lock:
        if not _servers:
            atexit.register(close_all)
        server = _servers.get(key)
        if server is None or not server.alive():
            if server is not None:
                server.close()
            server = _servers[key] = KernelServer(environment)
        return server


def close_all() -> None:
    """Stop this process's kernel servers (at exit, or when a pool of workers is done)."""
    with _servers_lock:
        servers = list(_servers.values())
        _servers.clear()
    for server in servers:
        server.close()


class KernelServer:
    """A process that imports :data:`WARM_IMPORTS` once and forks one kernel per request.

    Parameters
    ----------
    environment
        Changes to this process's environment for the server and its kernels (``None`` unsets).

    Notes
    -----
    The server stops when its standard input closes: when :meth:`close` is called or when the
    process that started it exits, however it exits.
    """

    def __init__(self, environment: Mapping[str, str | None]) -> None:
        env = apply_changes(os.environ, environment)
        self._lock = threading.Lock()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "sna.build.kernels"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,  # Ctrl-C at the terminal is for the build, not the server
        )

    def alive(self) -> bool:
        """Whether the server is running."""
        return self._process.poll() is None

    def launch(self, cmd: Sequence[str], env: Mapping[str, str], cwd: str) -> ForkedKernel | None:
        """Fork a kernel for ``cmd`` (``python -m ipykernel_launcher ...``); ``None`` if not possible.

        ``env`` is the kernel's whole environment and ``cwd`` its working directory.
        """
        if list(cmd[:3]) != [sys.executable, *_LAUNCHER]:
            return None
        request = json.dumps({"argv": list(cmd[3:]), "env": dict(env), "cwd": str(cwd)})
        with self._lock:
            stdin, stdout = self._process.stdin, self._process.stdout
            assert stdin is not None and stdout is not None
            try:
                stdin.write(request.encode() + b"\n")
                stdin.flush()
                line = stdout.readline()  # waits for the imports on the first request
            except (OSError, ValueError):
                return None
        if not line.strip().isdigit():
            return None
        return ForkedKernel(int(line))

    def close(self) -> None:
        """Stop the server (kernels it forked are shut down by their managers)."""
        with contextlib.suppress(OSError, ValueError):
            if self._process.stdin is not None:
                self._process.stdin.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()


class ForkedKernel:
    """A forked kernel process as ``jupyter_client``'s local provisioner sees a ``Popen``.

    It is the server's child, not ours: it is watched and signalled through a process file
    descriptor (so a reused process id is never signalled). Its exit status is not known: 0.
    """

    stdin = stdout = stderr = None
    returncode: int | None = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        try:
            self._fd: int | None = os.pidfd_open(pid)
        except ProcessLookupError:  # already gone
            self._fd = None
            self.returncode = 0

    def poll(self) -> int | None:
        """The exit status (0) if the kernel has exited, else ``None``."""
        if self.returncode is None and self._fd is not None and self._exited(0):
            self._done()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the kernel to exit (``subprocess.TimeoutExpired`` after ``timeout`` s)."""
        if self.returncode is None and self._fd is not None:
            if not self._exited(timeout):
                raise subprocess.TimeoutExpired("kernel", timeout or 0)
            self._done()
        return self.returncode or 0

    def send_signal(self, signum: int) -> None:
        """Send a signal to the kernel, if it is still running."""
        if self.poll() is None and self._fd is not None:
            signal.pidfd_send_signal(self._fd, signum)

    def terminate(self) -> None:
        """Ask the kernel to stop (``SIGTERM``)."""
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """Stop the kernel now (``SIGKILL``)."""
        self.send_signal(signal.SIGKILL)

    def _exited(self, timeout: float | None) -> bool:
        assert self._fd is not None
        return bool(select.select([self._fd], [], [], timeout)[0])

    def _done(self) -> None:
        self.returncode = 0
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __del__(self) -> None:
        """Close the process file descriptor."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)


def apply_changes(base: Mapping[str, str], changes: Mapping[str, str | None]) -> dict[str, str]:
    """A copy of the environment ``base`` with ``changes`` applied (a value of ``None`` unsets).

    Examples
    --------
    >>> apply_changes({"A": "1", "B": "2"}, {"A": None, "C": "3"})
    {'B': '2', 'C': '3'}
    """
    env = {k: v for k, v in base.items() if k not in changes}
    env.update({k: v for k, v in changes.items() if v is not None})
    return env


def _serve(requests: IO[bytes], replies: IO[bytes]) -> None:
    """The server: import the libraries, then fork a kernel per request line until end of input."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped as they exit
    # As ipykernel does at start-up, before matplotlib reads its configuration.
    if not os.environ.get("MPLBACKEND"):
        os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    # As ipykernel's kernel spec does: debugpy's import-time warning about frozen modules.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    for name in WARM_IMPORTS:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    warm_up()
    forget_shell_modules(sys.modules)
    # What the imports made lives as long as any kernel: out of the garbage collector's sight, a
    # kernel's full collections skip it (0.1 s of CPU a report) and do not copy the server's
    # memory pages into the kernel by writing to them (Python's advice for fork without exec).
    gc.collect()
    gc.freeze()
    for line in requests:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the kernel
            _kernel(request, requests, replies)
        replies.write(f"{pid}\n".encode())
        replies.flush()


def forget_shell_modules(modules: dict[str, Any]) -> list[str]:
    """Drop the :data:`NEEDS_SHELL` modules from ``modules``, so that a kernel imports them itself.

    Applied to ``sys.modules`` in the server after the warm imports, in case one of them
    imported such a module on the way. Returns the names dropped.

    Examples
    --------
    >>> loaded = {"numpy": 1, "matplotlib_inline.backend_inline": 2}
    >>> forget_shell_modules(loaded), loaded
    (['matplotlib_inline.backend_inline'], {'numpy': 1})
    """
    dropped = [name for name in NEEDS_SHELL if name in modules]
    for name in dropped:
        del modules[name]
    return dropped


def warm_up() -> None:
    """Do once, in the server, the first-time work every report's kernel would repeat.

    Draws a small chart to SVG as the reports draw theirs (:func:`sna.report.display.figure_svg`,
    on a bare ``Figure``: no pyplot state is touched), which loads the fonts and fills
    matplotlib's font caches (about 0.07 s a report), and computes the fingerprint of the code
    the kept decisions are made by (:func:`sna.assessment.kept.code_fingerprint`), so that it
    describes the code the kernels run. Each step is optional: one that fails is skipped.
    """
    with contextlib.suppress(Exception):
        from matplotlib.figure import Figure

        from sna.report.display import figure_svg

        figure = Figure(figsize=(4, 2), layout="constrained")
        axes = figure.subplots()
        axes.bar(["Jan", "Feb"], [1200, 950], label="Crimes")
        axes.set_title("Crimes per month, 2025 (rate per 1,000)")
        axes.legend()
        figure_svg(figure)
    with contextlib.suppress(Exception):
        from sna.assessment.kept import code_fingerprint

        code_fingerprint()


def _kernel(request: Mapping[str, Any], requests: IO[bytes], replies: IO[bytes]) -> None:
    """In the forked child: become ``python -m ipykernel_launcher <argv>``; never return."""
    status = 1
    try:
        os.setsid()  # its own process group, signalled as a whole like a launched kernel
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        requests.close()
        replies.close()
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(2, 1)  # never the reply pipe
        # Seen in ps as what it is, as far as the server's command line has room: the
        # environment as the process started (/proc/PID/environ) is left in place.
        os.environ["SPT_NOENV"] = "1"
        with contextlib.suppress(ImportError):
            from setproctitle import setproctitle

            setproctitle(" ".join(["python", *_LAUNCHER, *request["argv"]]))
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # The kernel exits if the server goes (which goes with the process that started it).
        parent = str(os.getppid())
        os.environ["JPY_PARENT_PID"] = parent
        handle = f"--IPKernelApp.parent_handle={parent}"  # its default was read at import
        sys.argv = ["ipykernel_launcher", *request["argv"], handle]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        status = 0
    except SystemExit as stop:
        status = stop.code if isinstance(stop.code, int) else 0
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(status)


if __name__ == "__main__":
    # As ipykernel_launcher: not the working directory on sys.path while loading (the kernel
    # puts it back once in the notebook's folder).
    if sys.path and sys.path[0] in ("", str(Path.cwd())):
        del sys.path[0]
    # Replies go to a copy of standard output; what imports print goes to standard error.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    _serve(sys.stdin.buffer, replies)
