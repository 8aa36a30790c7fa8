"""Build jobs on a Dask cluster: ``sna build --scheduler tcp://HOST:PORT``.

The same :func:`~sna.build.jobs.run_job` as a local build runs on the cluster's workers, one
call per report, submitted with ``Client.submit`` and gathered as they finish; the results come
back to the machine running ``sna build``, which publishes them (so the workers never write to
the reports folder). A notebook that fails, or a worker that dies, gives a failed result and the
other reports go on, as in a local build.

The workers read the notebooks, the config and the processed data at the paths the build names:
those must be on storage shared with the workers, at the same paths, and the workers need the
same ``sna`` installed. Each job runs one Jupyter kernel: start workers with one thread each
(``dask worker --nthreads 1``) and as many workers per machine as it has cores.

Importing this module is cheap: ``dask.distributed`` loads when a build uses a cluster.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING, Any

from sna.build.jobs import BuildJob, JobResult, progress_bar, run_job
from sna.errors import SnaError

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["CONNECT_TIMEOUT", "connect", "run_jobs_on_cluster"]

CONNECT_TIMEOUT = 10
"""Seconds to wait for the scheduler to answer before the build gives up."""
_ADDRESS = re.compile(r"^(tcp|tls)://(\[[0-9a-fA-F:.]+\]|[^\s:/\[\]]+):\d{1,5}/?$")


def connect(address: str) -> Client:
    """A client of the Dask scheduler at ``address`` (``tcp://HOST:PORT``).

    Raises
    ------
    SnaError
        If ``dask.distributed`` is not installed, the address is not a scheduler address, or
        no scheduler answers there within :data:`CONNECT_TIMEOUT` seconds.
    """
    try:
        from distributed import Client
    except ImportError:
        raise SnaError(
            f"building on the Dask cluster at {address} needs dask.distributed: install it "
            "with `pip install 'sna[dask]'`, or build locally without --scheduler"
        ) from None
    if not _ADDRESS.match(address):
        # Checked here: a client made with a bad address hangs at exit.
        raise SnaError(
            f"{address!r} is not a Dask scheduler address; give it as tcp://HOST:PORT "
            "(--scheduler or build.scheduler in the config), e.g. tcp://10.0.0.5:8786"
        )
    try:
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        first = str(exc).strip().splitlines()
        raise SnaError(
            f"cannot reach the Dask scheduler at {address} ({first[0] if first else exc}); "
            "check that it runs (`dask scheduler`) and the address (tcp://HOST:PORT, "
            "--scheduler or build.scheduler in the config), or build locally without it"
        ) from None


def run_jobs_on_cluster(
    jobs: Sequence[BuildJob], *, client: Client, progress: bool = False
) -> Generator[JobResult, None, None]:
    """Run jobs on a Dask cluster; yield each result as it finishes.

    A job that fails yields a failed result; the others go on. Closing the generator early
    (``contextlib.closing``, Ctrl-C) cancels the jobs not yet finished. ``progress`` shows a
    bar on stderr if it is a terminal.
    """
    if not jobs:
        return
    from distributed import as_completed

    bar = progress_bar(len(jobs), "sna build (dask)", progress=progress)
    # A key of its own for every submission, naming the report (as the cluster's dashboard
    # shows it): a result held on the cluster from another build is never taken for this one.
    futures: dict[Any, BuildJob] = {
        client.submit(run_job, job, key=f"sna-build-{job.key}-{uuid.uuid4().hex}"): job
        for job in jobs
    }
    try:
        for future in as_completed(futures, loop=client.loop):
            job = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - e.g. a worker killed, or lost
                first = str(exc).strip().splitlines()
                error = f"{type(exc).__name__}: {first[0] if first else ''}"
                result = JobResult(job, "failed", 0.0, error=f"worker failed: {error}")
            bar.set_postfix_str(f"{job.key} {result.status}", refresh=False)
            bar.update(1)
            yield result
    finally:
        client.cancel([f for f in futures if not f.done()])
        bar.close()
