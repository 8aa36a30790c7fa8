"""``sna build``: execute the assessment notebooks per district and year and publish the reports.

The recipe (:func:`build`):

1. fingerprint the processed data (``manifest.json``, written by ``sna prepare``) and config;
2. take the build lock on the reports folder and clear temporary files a killed build left;
3. plan one :class:`~sna.build.jobs.BuildJob` per (notebook, district, year) and skip those whose
   notebook, parameters, data and package are unchanged since they were last built;
4. run the rest with :func:`~sna.build.jobs.run_job` in a process pool, one job per core;
5. publish each result as it arrives (atomic renames: a failure keeps the last good report);
6. write ``reports/index.html``.

Each notebook gets its parameters from papermill: the config path, the district's ONS code, the
reporting year and the report date (``SOURCE_DATE_EPOCH`` when set, else today, in UTC).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from sna import __version__
from sna.build.jobs import BuildJob, JobResult, run_job, run_jobs
from sna.data.config import Config, load_config
from sna.data.files import (
    FolderLocked,
    atomic_write_bytes,
    atomic_write_text,
    folder_lock,
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
    "run_build",
    "run_job",
    "run_jobs",
]

DISTRICT_NOTEBOOK = "district_assessment.ipynb"
OVERVIEW_NOTEBOOK = "area_overview.ipynb"
LOCK_FILE = ".sna-build.lock"
STATE_FILE = ".sna-build.json"
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

    Returns
    -------
    list of ReportOutcome
        One per planned report, in plan order. A failed notebook does not stop the others.

    Raises
    ------
    SnaError
        If the processed data are missing (run ``sna prepare``), a year or district is not in
        the config, a notebook is missing, or another build holds the reports folder.

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
    data = _data_fingerprint(config)
    reports = config.reports_dir
    try:
        with folder_lock(reports / LOCK_FILE):
            remove_stale_temp_files(reports)
            state = _load_state(reports)
            planned = _plan(
                config, years=years, districts=districts, notebooks=notebooks, data=data
            )
            outcomes: dict[str, ReportOutcome] = {}
            pending = []
            for job in planned:
                if not force and _up_to_date(job, state, reports):
                    outcomes[job.key] = _outcome(job, "up to date")
                else:
                    pending.append(job)
            for result in run_jobs(pending, workers=workers, progress=progress):
                outcomes[result.job.key] = _publish(result, state, reports)
            _write_index(config, state, outcomes)
            return [outcomes[job.key] for job in planned]
    except FolderLocked as exc:
        raise SnaError(
            f"another sna build is running on {reports} (pid {exc.pid or 'unknown'}); "
            f"wait for it or remove {exc.lock_path} if it is stale"
        ) from None


def run_build(
    config_path: str | Path,
    *,
    years: Sequence[int] | None = None,
    districts: Sequence[str] | None = None,
    jobs: int | None = None,
    force: bool = False,
    progress: bool = True,
) -> int:
    """``sna build``: build, print a summary table, return the exit status (0 ok, 1 failures)."""
    config = load_config(config_path)
    outcomes = build(
        config, years=years, districts=districts, jobs=jobs, force=force, progress=progress
    )
    print(format_summary(outcomes, reports=config.reports_dir))
    for line in coverage_warnings(config, sorted({o.year for o in outcomes})):
        print(line)
    return 1 if any(o.status == "failed" for o in outcomes) else 0


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
    if not value.isdigit():
        raise SnaError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970-01-01; got {value!r}")
    return int(value)


def _now() -> str:
    """Build time for the index: SOURCE_DATE_EPOCH when set, so builds are reproducible."""
    epoch = _source_date_epoch()
    moment = dt.datetime.now(dt.UTC) if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _kernel_environment() -> dict[str, str | None]:
    """Environment for the notebooks' kernels: a fixed hash seed and the default plot backend."""
    return {"PYTHONHASHSEED": "0", "MPLBACKEND": None}


def _data_fingerprint(config: Config) -> str:
    manifest = config.processed_dir / "manifest.json"
    if not manifest.is_file():
        raise SnaError(f"no processed data: {manifest} not found; run `sna prepare` first")
    content = manifest.read_bytes()
    check_prepared_with(config, Manifest.from_json(json.loads(content)))
    return sha256_bytes(content + config.fingerprint().encode())


def _package_fingerprint() -> str:
    """The sna version and source: a report is rebuilt when the code that made it changes."""
    digest = hashlib.sha256(__version__.encode())
    files = [*_PACKAGE.rglob("*.py"), *(_PACKAGE / "build" / "templates").rglob("*")]
    for path in sorted(p for p in files if p.is_file()):
        digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _plan(
    config: Config,
    *,
    years: Sequence[int] | None,
    districts: Sequence[str] | None,
    notebooks: Path,
    data: str,
) -> list[BuildJob]:
    """One job per year for the overview and per (district, year) for the assessment."""
    chosen_years = sorted(set(years)) if years else list(config.reporting_years)
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
    if len(set(slugs)) < len(slugs) or "overview" in slugs:
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
                )
            )
    return jobs


def _load_state(reports: Path) -> dict[str, Any]:
    path = reports / STATE_FILE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"reports": {}}
    return state if isinstance(state.get("reports"), dict) else {"reports": {}}


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
    """``reports/index.html``: every report ever built here, with its latest status."""
    from sna.build.publish import IndexEntry, index_html

    entries = []
    for key, entry in state["reports"].items():
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
        entries, title=config.name, updated=_now(), notes=coverage_notes(config, years)
    )
    atomic_write_text(config.reports_dir / "index.html", page)


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
        atomic_write_bytes(job.html_path, result.html)
        if result.notebook is not None:
            atomic_write_bytes(job.ipynb_path, result.notebook)
        job.failed_path.unlink(missing_ok=True)
        entry.update(
            status="built",
            fingerprint=job.fingerprint,
            html_sha256=sha256_bytes(result.html),
            built_at=_now(),
            error=None,
            notebook=job.ipynb_path.relative_to(reports).as_posix(),
        )
        outcome = replace(_outcome(job, "built"), seconds=result.seconds)
    else:
        failed = None
        if result.notebook is not None:
            atomic_write_bytes(job.failed_path, result.notebook)
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
    atomic_write_text(reports / STATE_FILE, json.dumps(state, indent=1, sort_keys=True) + "\n")
    return outcome
