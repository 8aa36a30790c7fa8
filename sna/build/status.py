"""``sna status``: which reports are built, stale or failed, and why, without building anything.

For each report the config lists (the area overview and each district, per reporting year),
:func:`report_status` plans the jobs exactly as ``sna build`` would (:mod:`sna.build.plan`) and
asks the build's own question, "is this report up to date?", of the build state
(``.sna-build.json``). A report that is not up to date is explained by comparing the inputs
saved when it was built (data, config, notebook, parameters, sna version and code) with the
current ones. It takes no lock and writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from sna.build.jobs import BuildJob
from sna.build.plan import _data_fingerprint, _load_state, _plan, _up_to_date
from sna.data.config import Config, load_config
from sna.data.files import sha256_file
from sna.errors import SnaError

__all__ = ["ReportStatus", "format_status", "report_status", "run_status"]

Status = Literal["built", "stale", "failed", "not built"]

_INPUTS = {  # input saved with a report -> how a reader names its change
    "data": "data changed (sna prepare was run on other input files)",
    "config": "config changed",
    "notebook": "notebook changed",
    "parameters": "notebook parameters changed",
    "sna version": "sna version changed",
    "sna code": "sna code changed",
    "SOURCE_DATE_EPOCH": "SOURCE_DATE_EPOCH changed",
}


@dataclass(frozen=True)
class ReportStatus:
    """The state of one report, as ``sna status`` shows it.

    Attributes
    ----------
    key
        The report's id, ``"<year>/<slug>"``.
    year
        The reporting year.
    title
        ``"Area overview"`` or the district's name.
    status
        ``"built"`` (up to date), ``"stale"`` (``sna build`` would rebuild it), ``"failed"``
        (its last build failed) or ``"not built"``.
    reasons
        Why it is stale: which inputs changed since it was built.
    error
        First line of the error of a failed build.
    log
        The executed notebook kept from a failed build (its cells show the traceback).
    html_path
        Where the report is (or will be) published.
    built_at
        When the published report was built (UTC), if it exists.
    """

    key: str
    year: int
    title: str
    status: Status
    html_path: Path
    reasons: tuple[str, ...] = ()
    error: str | None = None
    log: Path | None = None
    built_at: str | None = None


def report_status(
    config: Config,
    *,
    years: Sequence[int] | None = None,
    districts: Sequence[str] | None = None,
    notebooks_dir: str | Path | None = None,
) -> list[ReportStatus]:
    """The status of each report ``sna build`` would make, in build order.

    Parameters
    ----------
    config
        The assessment.
    years
        Reporting years (default: the config's ``reporting_years``).
    districts
        District names or ONS codes (default: every district in the config).
    notebooks_dir
        Folder of the report notebooks (default: ``notebooks`` beside the config file).

    Returns
    -------
    list of ReportStatus
        One per report: the overview and each district, for each year.

    Raises
    ------
    SnaError
        If a year or district is not in the config, or a notebook is missing.

    Examples
    --------
    >>> for s in report_status(load_config("sna.toml")):  # doctest: +SKIP
    ...     print(s.key, s.status, *s.reasons)
    2025/overview built
    2025/oxford stale notebook changed
    """
    notebooks = Path(notebooks_dir) if notebooks_dir else config.path.parent / "notebooks"
    reports = config.reports_dir
    state = _load_state(reports)
    try:
        data, _ = _data_fingerprint(config)
        data_problem = None
    except SnaError as exc:  # no processed data, or prepared with another config
        data, data_problem = "", str(exc)
    jobs = _plan(config, years=years, districts=districts, notebooks=notebooks, data=data)
    return [_status(job, state, reports, data_problem) for job in jobs]


def _status(
    job: BuildJob, state: Mapping[str, Any], reports: Path, data_problem: str | None
) -> ReportStatus:
    entry = state["reports"].get(job.key) or {}
    html = job.html_path.is_file()
    base = ReportStatus(
        key=job.key,
        year=job.year,
        title=job.title,
        status="not built",
        html_path=job.html_path,
        built_at=entry.get("built_at") if html else None,
    )
    if entry.get("status") == "failed":
        error = str(entry.get("error") or "unknown error").strip().splitlines() or [""]
        log = entry.get("notebook")
        return replace(base, status="failed", error=error[0], log=reports / log if log else None)
    if not html or entry.get("status") != "built":
        return base
    if data_problem is None and _up_to_date(job, state, reports):
        return replace(base, status="built")
    return replace(base, status="stale", reasons=_reasons(job, entry, data_problem))


def _reasons(job: BuildJob, entry: Mapping[str, Any], data_problem: str | None) -> tuple[str, ...]:
    """Which inputs differ between the report's last build and now, in words."""
    reasons = [f"data: {data_problem}"] if data_problem else []
    saved = entry.get("inputs")
    if isinstance(saved, Mapping):
        for name, words in _INPUTS.items():
            if name == "data" and data_problem:
                continue
            if saved.get(name) != job.inputs.get(name):
                if name == "sna version":
                    words += f" ({saved.get(name)} -> {job.inputs.get(name)})"
                reasons.append(words)
    elif not data_problem:
        reasons.append("built by an older sna that did not record its inputs")
    if entry.get("html_sha256") != sha256_file(job.html_path):
        reasons.append(f"{job.html_path.name} was changed after it was built")
    if "sna version changed" in " ".join(reasons):  # the version is part of the code
        reasons = [r for r in reasons if r != _INPUTS["sna code"]]
    return tuple(reasons) or ("inputs changed",)


def format_status(statuses: Sequence[ReportStatus]) -> str:
    """The table ``sna status`` prints: one line per report, then the failures' details."""
    rows = [("year", "report", "status", "details")]
    for s in statuses:
        if s.status == "stale":
            details = "; ".join(s.reasons)
        elif s.status == "failed":
            details = s.error or ""
        elif s.status == "built":
            details = f"built {s.built_at}" if s.built_at else ""
        else:
            details = ""
        rows.append(
            (str(s.year), s.title, s.status.upper() if s.status == "failed" else s.status, details)
        )
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [
        f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}".rstrip()
        for r in rows
    ]
    counts = {
        k: sum(s.status == k for s in statuses) for k in ("built", "stale", "failed", "not built")
    }
    lines.append("")
    lines.append(", ".join(f"{n} {k}" for k, n in counts.items()))
    for s in statuses:
        if s.status == "failed" and s.log:
            lines.append(f"FAILED {s.year} {s.title}: executed notebook (log): {s.log}")
    if counts["stale"] or counts["failed"] or counts["not built"]:
        lines.append("Run `sna build` to build the stale, failed and missing reports.")
    return "\n".join(lines)


def run_status(
    config_path: str | Path,
    *,
    years: Sequence[int] | None = None,
    districts: Sequence[str] | None = None,
) -> int:
    """``sna status``: print the status table; the exit status is 0 whatever the reports' state."""
    config = load_config(config_path)
    print(format_status(report_status(config, years=years, districts=districts)))
    return 0
