"""``sna build``: execute the assessment notebooks per district and year and publish the reports.

The recipe (:func:`build`):

1. refuse a reports folder that holds files sna did not write (unless allowed), then take the
   build lock on the reports folder and the data lock on the processed-data folder (so that
   ``sna prepare`` cannot rewrite the data while the notebooks read them) and clear the
   temporary files a killed build left (only sna's own, recognised by their ``sna-`` marker);
2. fingerprint the processed data (``manifest.json``, written by ``sna prepare``) and config,
   and refuse a reporting year with no police.uk data;
3. plan one :class:`~sna.build.jobs.BuildJob` per (notebook, district, year) and skip those whose
   notebook, parameters, data and package are unchanged since they were last built;
4. record in the build state (``.sna-build.json``) every file the build may write, so that sna
   recognises its own files later, even after a build was killed;
5. run the rest with :func:`~sna.build.jobs.run_job` in a process pool, one job per core;
6. publish each result as it arrives (atomic renames: a failure keeps the last good report);
7. write ``reports/index.html``, listing the reports of the districts and years in the config.

sna only ever writes, replaces or removes files it wrote itself: the reports and notebooks listed
in its build state, ``index.html``, its state and lock files and its temporary files.

Each notebook gets its parameters from papermill: the config path, the district's ONS code, the
reporting year and the report date (``SOURCE_DATE_EPOCH`` when set, else today, in UTC).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from sna import __version__
from sna.build.cluster import connect, run_jobs_on_cluster
from sna.build.jobs import BuildJob, JobResult, run_job, run_jobs
from sna.data.config import Config, load_config
from sna.data.files import (
    DATA_LOCK,
    FolderLocked,
    atomic_write_bytes,
    folder_lock,
    is_temp_file,
    remove_stale_temp_files,
    sha256_bytes,
    sha256_file,
)
from sna.data.manifest import Manifest, format_months
from sna.data.processed import check_prepared_with
from sna.errors import SnaError

__all__ = [
    "BuildJob",
    "JobResult",
    "ReportOutcome",
    "build",
    "report_date",
    "retired_reports",
    "run_build",
    "run_job",
    "run_jobs",
]

DISTRICT_NOTEBOOK = "district_assessment.ipynb"
OVERVIEW_NOTEBOOK = "area_overview.ipynb"
LOCK_FILE = ".sna-build.lock"
STATE_FILE = ".sna-build.json"
INDEX_FILE = "index.html"
_LAST_EPOCH = 253402300799  # 9999-12-31T23:59:59Z, the last second a date can show
_PACKAGE = Path(__file__).parents[1]  # the whole sna package


@dataclass(frozen=True)
class ReportOutcome:
    """What happened to one report in a build.

    ``status`` is ``"built"``, ``"up to date"`` (unchanged, not rebuilt) or ``"failed"``; on
    failure ``error`` says why, ``failed_notebook`` is the kept executed notebook and
    ``html_path`` still holds the last good report if ``stale`` is true.
    """

    key: str
    year: int
    title: str
    status: Literal["built", "up to date", "failed"]
    seconds: float | None
    html_path: Path
    failed_notebook: Path | None = None
    error: str | None = None
    stale: bool = False


def report_date() -> dt.date:
    """The date printed on reports: ``SOURCE_DATE_EPOCH`` (UTC) when set, else today (UTC).

    Set ``SOURCE_DATE_EPOCH`` to reproduce an earlier build byte for byte.
    """
    epoch = _source_date_epoch()
    if epoch is None:
        return dt.datetime.now(dt.UTC).date()
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC).date()


def build(
    config: Config,
    *,
    years: Sequence[int] | None = None,
    districts: Sequence[str] | None = None,
    jobs: int | None = None,
    force: bool = False,
    progress: bool = False,
    notebooks_dir: str | Path | None = None,
    allow_foreign_files: bool = False,
    scheduler: str | None = None,
) -> list[ReportOutcome]:
    """Build the reports of an assessment; return what happened to each.

    Parameters
    ----------
    config
        The assessment.
    years
        Reporting years to build (default: the config's ``reporting_years``).
    districts
        District names or ONS codes (default: every district in the config).
    jobs
        Notebooks run at once (default: one per available core).
    force
        Rebuild reports even if nothing they depend on changed.
    progress
        Show a progress bar on stderr (only when it is a terminal).
    notebooks_dir
        Folder with ``district_assessment.ipynb`` and ``area_overview.ipynb`` (default: the
        ``notebooks`` folder beside the config file).
    allow_foreign_files
        Build into a reports folder that also holds files sna did not write. sna still never
        removes or replaces them: a report or ``index.html`` it would overwrite is refused.
    scheduler
        Address of a Dask scheduler (``tcp://HOST:PORT``) to run the notebooks on, instead of
        processes on this machine (default: the config's ``build.scheduler``, if any); ``jobs``
        is then the cluster's. See :mod:`sna.build.cluster` for what must be shared storage.

    Returns
    -------
    list of ReportOutcome
        One per planned report, in plan order. A failed notebook does not stop the others.

    Raises
    ------
    SnaError
        If the processed data are missing (run ``sna prepare``) or have no police.uk data for a
        year, a year or district is not in the config, a notebook is missing, the reports folder
        holds files sna did not write, another build holds the reports folder, ``sna prepare``
        (or another build) holds the processed data, ``SOURCE_DATE_EPOCH`` is invalid, or a file
        cannot be written (a full disk): the reports published before are then left whole; or
        if the Dask scheduler cannot be reached (checked before anything is touched).

    Notes
    -----
    Jobs run in worker processes started with ``spawn`` (they inherit no open files, such as
    the build lock). A script that calls :func:`build` therefore needs the usual
    ``if __name__ == "__main__":`` guard; the ``sna`` command and notebooks need nothing.

    Two builds from the same inputs give byte-identical HTML: cell ids and papermill metadata
    are normalised, the kernels get ``PYTHONHASHSEED=0``, and the report date is a notebook
    parameter (``SOURCE_DATE_EPOCH`` when set, else today).
    """
    notebooks = Path(notebooks_dir) if notebooks_dir else config.path.parent / "notebooks"
    workers = _job_count(jobs)
    _source_date_epoch()  # refuse a bad SOURCE_DATE_EPOCH before touching anything
    address = scheduler or config.scheduler
    client = connect(address) if address else None  # an unreachable one: before anything
    reports = config.reports_dir
    try:
        # Checked before the lock file is created in the folder, and again under the lock.
        _check_reports_folder(config, _load_state(reports), allow_foreign_files)
        with (
            _lock(reports / LOCK_FILE, config),
            _lock(config.processed_dir / DATA_LOCK, config),
        ):
            state = _load_state(reports)
            _check_reports_folder(config, state, allow_foreign_files)
            data, manifest = _data_fingerprint(config)
            planned = _plan(
                config, years=years, districts=districts, notebooks=notebooks, data=data
            )
            _check_coverage(config, manifest, sorted({job.year for job in planned}))
            _check_overwrites(config, planned, state)
            for folder in {reports, *(job.html_path.parent for job in planned)}:
                remove_stale_temp_files(folder, recursive=False)
            _claim_files(config, planned, state)
            outcomes: dict[str, ReportOutcome] = {}
            pending = []
            for job in planned:
                if not force and _up_to_date(job, state, reports):
                    outcomes[job.key] = _outcome(job, "up to date")
                else:
                    pending.append(job)
            runner = (
                run_jobs(pending, workers=workers, progress=progress)
                if client is None
                else run_jobs_on_cluster(pending, client=client, progress=progress)
            )
            # closing(): if publishing fails, the workers are stopped at once.
            with contextlib.closing(runner) as done:
                for result in done:
                    outcomes[result.job.key] = _publish(result, state, reports)
            _write_index(config, state, outcomes)
            return [outcomes[job.key] for job in planned]
    except OSError as exc:  # e.g. the reports folder cannot be read
        raise SnaError(_os_error_message(Path(exc.filename or reports), exc, "use")) from None
    finally:
        if client is not None:
            client.close()


def run_build(
    config_path: str | Path,
    *,
    years: Sequence[int] | None = None,
    districts: Sequence[str] | None = None,
    jobs: int | None = None,
    force: bool = False,
    progress: bool = True,
    allow_foreign_files: bool = False,
    scheduler: str | None = None,
) -> int:
    """``sna build``: build, print a summary table, return the exit status (0 ok, 1 failures)."""
    config = load_config(config_path)
    outcomes = build(
        config,
        years=years,
        districts=districts,
        jobs=jobs,
        force=force,
        progress=progress,
        allow_foreign_files=allow_foreign_files,
        scheduler=scheduler,
    )
    print(format_summary(outcomes, reports=config.reports_dir))
    for line in coverage_warnings(config, sorted({o.year for o in outcomes})):
        print(line)
    retired = retired_reports(config)
    if retired:
        shown = ", ".join(str(p) for p in retired[:5]) + (", ..." if len(retired) > 5 else "")
        print(
            f"NOTE: {len(retired)} report(s) of districts or years no longer in {config.path} "
            f"are kept but no longer listed in index.html: {shown}; delete them if unwanted."
        )
    return 1 if any(o.status == "failed" for o in outcomes) else 0


def retired_reports(config: Config) -> list[Path]:
    """Published reports of districts or years no longer in the config, in the reports folder.

    sna keeps them (it does not delete published reports silently) but no longer lists them in
    ``index.html``; the build summary names them.
    """
    state = _load_state(config.reports_dir)
    current = _config_keys(config)
    return sorted(
        config.reports_dir / entry["html"]
        for key, entry in state["reports"].items()
        if key not in current and (config.reports_dir / entry["html"]).is_file()
    )


def coverage_warnings(config: Config, years: Sequence[int]) -> list[str]:
    """One line per reporting year with missing months of police.uk data, for the build summary."""
    return [f"WARNING: {note}" for note in coverage_notes(config, years).values()]


def coverage_notes(config: Config, years: Sequence[int]) -> dict[int, str]:
    """For each year with missing months of police.uk data, a sentence saying so."""
    manifest = Manifest.read(config.processed_dir / "manifest.json")
    notes = {}
    for year in years:
        cover = manifest.coverage(year)
        if not cover.complete:
            notes[year] = (
                f"{year} has police.uk data for {len(cover.present)} of 12 months "
                f"(missing: {format_months(cover.missing, 'iso')}); its reports flag this and "
                "compare with the previous year on the months both have."
            )
    return notes


def format_summary(outcomes: Sequence[ReportOutcome], *, reports: Path) -> str:
    """The table printed at the end of ``sna build``: one line per report, then the failures."""
    rows = [("year", "report", "status", "seconds")]
    for o in outcomes:
        seconds = f"{o.seconds:.1f}" if o.seconds is not None else "-"
        rows.append((str(o.year), o.title, "FAILED" if o.status == "failed" else o.status, seconds))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [
        f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]:>{widths[3]}}"
        for r in rows
    ]
    failed = [o for o in outcomes if o.status == "failed"]
    counts = {s: sum(o.status == s for o in outcomes) for s in ("built", "up to date", "failed")}
    lines.append("")
    lines.append(
        ", ".join(f"{n} {s}" for s, n in counts.items()) + f"; index: {reports / 'index.html'}"
    )
    for o in failed:
        lines.append(f"FAILED {o.year} {o.title}: {o.error}")
        if o.failed_notebook:
            lines.append(f"  executed notebook kept for debugging: {o.failed_notebook}")
        if o.stale:
            lines.append(f"  last good report left in place: {o.html_path}")
    return "\n".join(lines)


def _job_count(jobs: int | None) -> int:
    if jobs is not None and jobs < 1:
        raise SnaError(f"--jobs must be 1 or more; got {jobs}")
    if jobs is not None:
        return jobs
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _source_date_epoch() -> int | None:
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    digits = value.isascii() and value.isdigit() and len(value.lstrip("0")) <= 12
    if not digits or int(value) > _LAST_EPOCH:
        shown = value if len(value) <= 40 else value[:40] + "..."
        raise SnaError(
            f"SOURCE_DATE_EPOCH must be whole seconds since 1970-01-01 UTC, at most "
            f"{_LAST_EPOCH} (9999-12-31); got {shown!r}: unset it or set it to e.g. `date +%s`"
        )
    return int(value)


def _now() -> str:
    """Build time for the index: SOURCE_DATE_EPOCH when set, so builds are reproducible."""
    epoch = _source_date_epoch()
    moment = dt.datetime.now(dt.UTC) if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _kernel_environment() -> dict[str, str | None]:
    """Environment for the notebooks' kernels: a fixed hash seed and the default plot backend."""
    return {"PYTHONHASHSEED": "0", "MPLBACKEND": None}


def _data_fingerprint(config: Config) -> tuple[str, Manifest]:
    path = config.processed_dir / "manifest.json"
    if not path.is_file():
        raise SnaError(f"no processed data: {path} not found; run `sna prepare` first")
    content = path.read_bytes()
    try:
        manifest = Manifest.from_json(json.loads(content))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise SnaError(
            f"{path} is not a manifest written by sna prepare ({type(exc).__name__}: {exc}); "
            "run `sna prepare --force`"
        ) from None
    check_prepared_with(config, manifest)
    return sha256_bytes(content + config.fingerprint().encode()), manifest


def _check_coverage(config: Config, manifest: Manifest, years: Sequence[int]) -> None:
    """Refuse a year without police.uk data: its reports would show 0 crimes as a finding."""
    for year in years:
        if not manifest.coverage(year).present:
            raise SnaError(
                f"no police.uk data for {year} in {config.processed_dir / 'manifest.json'}; "
                f"remove {year} from reporting_years or add its files and run sna prepare"
            )


@contextlib.contextmanager
def _lock(lock_path: Path, config: Config) -> Iterator[None]:
    """Hold the build lock (reports folder) or the data lock (processed folder)."""
    try:
        with folder_lock(lock_path):
            yield
    except FolderLocked as exc:
        pid = exc.pid or "unknown"
        if lock_path.name == DATA_LOCK:
            raise SnaError(
                f"the processed data in {config.processed_dir} are in use by pid {pid} (sna "
                "prepare writing them, or another sna build reading them); wait for it to "
                f"finish and run sna build again, or remove {exc.lock_path} if it is stale"
            ) from None
        raise SnaError(
            f"another sna build is running on {config.reports_dir} (pid {pid}); "
            f"wait for it or remove {exc.lock_path} if it is stale"
        ) from None


def _os_error_message(path: Path, exc: OSError, verb: str = "write") -> str:
    """One line: which file, what went wrong, how to fix it."""
    code = exc.errno
    if code is None and exc.args and isinstance(exc.args[0], int):
        code = exc.args[0]  # OSError(errno.ENOSPC)
    reason = exc.strerror or (os.strerror(code) if code is not None else str(exc) or "error")
    if code in (errno.ENOSPC, errno.EDQUOT):
        fix = f"free some space on the disk holding {path.parent} and run sna build again"
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = f"make {path.parent} writable by you, or set paths.reports to a folder that is"
    else:
        fix = "fix that and run sna build again"
    return f"cannot {verb} {path}: {reason}; {fix} (reports published before are left whole)"


def _write(path: Path, data: bytes) -> None:
    """Write a file of the reports folder atomically; a failure is one line naming the file."""
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise SnaError(_os_error_message(path, exc)) from None


def _config_keys(config: Config) -> set[str]:
    """The report keys (``"<year>/<slug>"``) of the districts and years in the config."""
    slugs = ["overview", *(d.slug for d in config.districts)]
    return {f"{year}/{slug}" for year in config.reporting_years for slug in slugs}


PLACEHOLDERS = frozenset({".gitkeep", ".keep"})
"""Empty files that keep a folder in version control (the project ships ``reports/.gitkeep``):
never sna's to touch, and no reason to refuse the folder."""


def _sna_files(state: Mapping[str, Any]) -> set[str]:
    """Paths (relative, POSIX) in the reports folder that sna wrote or claimed for writing."""
    owned = {STATE_FILE, LOCK_FILE, *PLACEHOLDERS}
    if state.get("exists"):
        owned.add(INDEX_FILE)
    owned.update(state.get("files", []))
    for entry in state["reports"].values():
        stem = entry["html"].removesuffix(".html")
        owned.update({entry["html"], f"{stem}.ipynb", f"{stem}.failed.ipynb"})
    return owned


def _foreign_files(reports: Path, owned: set[str], *, limit: int = 4) -> list[str]:
    """Up to ``limit`` entries of the reports folder that sna did not write (folders end in /).

    Symbolic links are never sna's; a folder is looked into only if sna wrote files in it.
    """
    folders = {part for path in owned for part in _parents(path)}
    found: list[str] = []

    def walk(folder: Path, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if len(found) >= limit:
                    return
                name = prefix + entry.name
                if entry.is_symlink():
                    found.append(name)
                elif entry.is_dir():
                    if name in folders:
                        walk(Path(entry.path), name + "/")
                    else:
                        found.append(name + "/")
                elif name not in owned and not is_temp_file(entry.name):
                    found.append(name)

    walk(reports, "")
    return found


def _parents(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _check_reports_folder(config: Config, state: Mapping[str, Any], allow_foreign: bool) -> None:
    """Refuse a reports folder holding files sna did not write, unless the user allows it."""
    reports = config.reports_dir
    if not reports.exists() and not reports.is_symlink():
        return
    if not reports.is_dir():
        raise SnaError(
            f"the reports folder {reports} is not a folder; set paths.reports in {config.path} "
            "to a new or empty folder"
        )
    if allow_foreign:
        return
    foreign = _foreign_files(reports, _sna_files(state))
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise SnaError(
            f"the reports folder {reports} holds files sna did not write ({shown}); set "
            f"paths.reports in {config.path} to a new or empty folder, or pass "
            "--allow-foreign-files to build there anyway (sna never removes or replaces them)"
        )


def _check_overwrites(config: Config, jobs: Sequence[BuildJob], state: Mapping[str, Any]) -> None:
    """Refuse to replace a file sna did not write, such as someone else's ``index.html``."""
    reports = config.reports_dir
    owned = _sna_files(state)
    targets = [reports / INDEX_FILE]
    for job in jobs:
        targets += [job.html_path, job.ipynb_path, job.failed_path]
    for path in targets:
        name = path.relative_to(reports).as_posix()
        if (path.exists() or path.is_symlink()) and name not in owned:
            raise SnaError(
                f"{path} was not written by sna and sna build would replace it; move it out "
                f"of {reports} or set paths.reports in {config.path} to another folder"
            )


def _claim_files(config: Config, jobs: Sequence[BuildJob], state: dict[str, Any]) -> None:
    """Record in the state every file this build may write, before writing any.

    A build killed between writing a report and recording it still leaves only files that the
    next build recognises as its own.
    """
    reports = config.reports_dir
    claimed = set(state.get("files", [])) | {INDEX_FILE}
    for job in jobs:
        for path in (job.html_path, job.ipynb_path, job.failed_path):
            claimed.add(path.relative_to(reports).as_posix())
    if claimed != set(state.get("files", [])) or not state.get("exists"):
        state["files"] = sorted(claimed)
        _save_state(reports, state)


def _save_state(reports: Path, state: Mapping[str, Any]) -> None:
    saved = {k: v for k, v in state.items() if k != "exists"}
    _write(reports / STATE_FILE, (json.dumps(saved, indent=1, sort_keys=True) + "\n").encode())


def _package_fingerprint() -> str:
    """The sna version and source: a report is rebuilt when the code that made it changes."""
    digest = hashlib.sha256(__version__.encode())
    files = [*_PACKAGE.rglob("*.py"), *(_PACKAGE / "build" / "templates").rglob("*")]
    for path in sorted(p for p in files if p.is_file()):
        digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def input_hashes(config: Config) -> dict[str, str]:
    """The inputs every report depends on, one hash each (the sna version as it is).

    Their combination is part of each job's ``fingerprint``; saved one by one with each built
    report, they let ``sna status`` say which input changed. ``data`` is empty when the
    processed data are missing.
    """
    manifest = config.processed_dir / "manifest.json"
    return {
        "data": sha256_file(manifest) if manifest.is_file() else "",
        "config": sha256_bytes(config.fingerprint().encode()),
        "sna version": __version__,
    }


def _plan(
    config: Config,
    *,
    years: Sequence[int] | None,
    districts: Sequence[str] | None,
    notebooks: Path,
    data: str,
) -> list[BuildJob]:
    """One job per year for the overview and per (district, year) for the assessment."""
    chosen_years = sorted(set(years) if years else set(config.reporting_years))  # each once
    for year in chosen_years:
        if year not in config.reporting_years:
            known = ", ".join(map(str, config.reporting_years))
            raise SnaError(
                f"{year} is not a reporting year in {config.path} (reporting_years: {known})"
            )
    keys = list(districts) if districts else [d.code for d in config.districts]
    wanted = {config.district(k) for k in keys}
    chosen = [d for d in config.districts if d in wanted]
    slugs = [d.slug for d in chosen]
    if len(set(slugs)) < len(slugs) or "overview" in slugs or "" in slugs:
        raise SnaError(f"district names must give distinct report file names; got {slugs}")
    sources = {}
    for name in (OVERVIEW_NOTEBOOK, DISTRICT_NOTEBOOK):
        path = (notebooks / name).resolve()
        if not path.is_file():
            raise SnaError(f"notebook {path} not found; sna build runs {name} from {notebooks}")
        sources[name] = (path, sha256_file(path))
    base = {
        "data": data,
        "package": _package_fingerprint(),
        "source_date_epoch": _source_date_epoch(),
    }
    inputs = {
        **input_hashes(config),
        "sna code": str(base["package"]),
        "SOURCE_DATE_EPOCH": str(base["source_date_epoch"]),
    }
    environment = _kernel_environment()
    date = report_date().isoformat()
    jobs = []
    for year in chosen_years:
        reports = config.reports_dir / str(year)
        items: list[tuple[str, str, str, dict[str, Any]]] = [
            ("overview", "Area overview", OVERVIEW_NOTEBOOK, {})
        ]
        items += [
            (s, d.name, DISTRICT_NOTEBOOK, {"district": d.code})
            for s, d in zip(slugs, chosen, strict=True)
        ]
        for slug, title, name, extra in items:
            notebook, notebook_hash = sources[name]
            parameters = {"config_path": str(config.path), **extra, "year": year}
            # The date alone does not make a report stale: a report built yesterday from the
            # same inputs stays (unless SOURCE_DATE_EPOCH, part of ``base``, was changed).
            payload = {**base, "notebook": notebook_hash, "parameters": parameters}
            parameters = {**parameters, "report_date": date}
            jobs.append(
                BuildJob(
                    key=f"{year}/{slug}",
                    year=year,
                    title=title,
                    page_title=f"{title} {year} - {config.name}",
                    notebook=notebook,
                    parameters=parameters,
                    html_path=reports / f"{slug}.html",
                    ipynb_path=reports / f"{slug}.ipynb",
                    failed_path=reports / f"{slug}.failed.ipynb",
                    fingerprint=sha256_bytes(json.dumps(payload, sort_keys=True).encode()),
                    timeout=config.notebook_timeout,
                    environment=environment,
                    inputs={
                        **inputs,
                        "notebook": notebook_hash,
                        "parameters": json.dumps(payload["parameters"], sort_keys=True),
                    },
                )
            )
    return jobs


def _load_state(reports: Path) -> dict[str, Any]:
    """The build state: ``reports`` (per key: year, title, html, status, ...) and ``files``.

    ``exists`` (not saved) says whether the state file was there. Entries naming paths outside
    the reports folder are dropped: sna only ever writes inside it.
    """
    path = reports / STATE_FILE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"reports": {}, "files": [], "exists": path.is_file()}
    if not isinstance(state, dict) or not isinstance(state.get("reports"), dict):
        return {"reports": {}, "files": [], "exists": True}
    entries = {
        key: entry
        for key, entry in state["reports"].items()
        if isinstance(entry, dict)
        and _inside(entry.get("html"))
        and entry["html"].endswith(".html")
        and isinstance(entry.get("year"), int)
    }
    files = state.get("files")
    files = [f for f in files if _inside(f)] if isinstance(files, list) else []
    return {**state, "reports": entries, "files": files, "exists": True}


def _inside(name: Any) -> bool:
    """Whether a path from the state file is a plain relative path inside the reports folder."""
    if not isinstance(name, str) or not name or name.startswith("/") or "\\" in name:
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def _up_to_date(job: BuildJob, state: Mapping[str, Any], reports: Path) -> bool:
    entry = state["reports"].get(job.key)
    return bool(
        entry
        and entry.get("status") == "built"
        and entry.get("fingerprint") == job.fingerprint
        and job.html_path.is_file()
        and entry.get("html_sha256") == sha256_file(job.html_path)
    )


def _outcome(job: BuildJob, status: Literal["built", "up to date", "failed"]) -> ReportOutcome:
    return ReportOutcome(job.key, job.year, job.title, status, None, job.html_path)


def _write_index(
    config: Config, state: Mapping[str, Any], outcomes: Mapping[str, ReportOutcome]
) -> None:
    """``reports/index.html``: the reports of the config's districts and years, with status.

    Reports of districts or years since removed from the config stay on disk but are not listed
    (the build summary names them, see :func:`retired_reports`).
    """
    from sna.build.publish import IndexEntry, index_html, landing_page

    entries = []
    current = _config_keys(config)
    for key, entry in state["reports"].items():
        if key not in current:
            continue
        html = config.reports_dir / entry["html"]
        notebook = entry.get("notebook")
        outcome = outcomes.get(key)
        entries.append(
            IndexEntry(
                year=int(entry["year"]),
                title=str(entry["title"]),
                status=outcome.status if outcome else entry["status"],
                built_at=entry.get("built_at") if html.is_file() else None,
                href=entry["html"] if html.is_file() else None,
                notebook_href=notebook,
                error=entry.get("error") if entry["status"] == "failed" else None,
            )
        )
    years = sorted({e.year for e in entries})
    page = index_html(
        entries,
        title=config.name,
        updated=_now(),
        notes=coverage_notes(config, years),
        landing=landing_page(config.area_name, config.reports_dir, entries),
    )
    _write(config.reports_dir / INDEX_FILE, page.encode("utf-8"))


def _publish(result: JobResult, state: dict[str, Any], reports: Path) -> ReportOutcome:
    """Write a job's files into the reports folder and record it in the build state."""
    job = result.job
    entry = state["reports"].setdefault(job.key, {})
    entry.update(
        year=job.year,
        title=job.title,
        html=job.html_path.relative_to(reports).as_posix(),
        seconds=round(result.seconds, 1),
    )
    if result.status == "built" and result.html is not None:
        _write(job.html_path, result.html)
        if result.notebook is not None:
            _write(job.ipynb_path, result.notebook)
        job.failed_path.unlink(missing_ok=True)
        entry.update(
            status="built",
            fingerprint=job.fingerprint,
            html_sha256=sha256_bytes(result.html),
            built_at=_now(),
            error=None,
            inputs=dict(job.inputs),
            notebook=job.ipynb_path.relative_to(reports).as_posix(),
        )
        outcome = replace(_outcome(job, "built"), seconds=result.seconds)
    else:
        failed = None
        if result.notebook is not None:
            _write(job.failed_path, result.notebook)
            failed = job.failed_path
        entry.update(
            status="failed",
            error=result.error,
            notebook=failed.relative_to(reports).as_posix() if failed else None,
        )
        outcome = replace(
            _outcome(job, "failed"),
            seconds=result.seconds,
            failed_notebook=failed,
            error=result.error,
            stale=job.html_path.is_file(),
        )
    _save_state(reports, state)
    return outcome
