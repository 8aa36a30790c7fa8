"""Benchmark `sna build` against sequential `papermill` + `jupyter nbconvert` CLI calls.

Usage: python benchmarks/build.py [--repeat N] [--year YEAR]

In a temporary folder (a copy of sna.toml reading data/raw, with its own processed data and
reports, and copies of notebooks/ and of the sna package taken at the start), after one untimed `sna prepare` and a short
untimed warm-up build, each of these runs N times (default 3), alternating, for one reporting
year (default 2025: one report per district plus the area overview):

- `sna build --jobs 1` and `sna build` (default jobs: one per core), each into a fresh, empty
  reports folder (a cold build);
- a no-change rebuild: the same `sna build` again straight after the default-jobs cold build;
- the baseline: for each notebook in turn, `papermill` (cwd: the notebooks folder, the same
  parameters) then `jupyter nbconvert --to html --no-input`, as fresh CLI processes.

Reported: median wall times, the baseline's papermill and nbconvert shares, the ratios
baseline / sna, and whether the targets are met (cold default-jobs build >= 1.8x faster than the
baseline; no-change rebuild < 3 s). Results are also written to benchmarks/results/build.json.

With ``--curve`` it measures the cost per report instead: through the jobs API
(:func:`sna.build.jobs.run_jobs`), batches of 1, 6, 30 and 100 jobs (``--sizes``; beyond the demo's
12 reports, the demo's notebooks again under other names), with cold kernels (Python started afresh
for each report) and warm ones (forked from a server that has done the imports,
:mod:`sna.build.kernels`), alternating, on 2 workers (``--curve-workers``) and, for 30 jobs
(``--scaling-jobs``), on 1 worker. Each batch starts without the decisions kept beside the processed
data (:mod:`sna.assessment.kept`: the area's suppression for each year, the partner figures'), as a
new build's data would: its first reports make them, the others read them. Reported per batch: wall
seconds, seconds per report, the marginal cost of a report (the slope between the two largest
batches), the warm / cold ratio, per report the median time in kernel start-up, papermill and
conversion to HTML ("start+conv"), in the notebook's setup cell (imports of sna, pandas, matplotlib,
statsmodels when the kernel is cold; loading the processed data; the assessment) and in the cells
that display the sections, and the mean CPU seconds of a report (its worker and its kernel,
:attr:`sna.build.jobs.JobResult.cpu_seconds`), which other work on the machine inflates far less
than wall time: divided by the workers, it is what a report would cost on that many idle cores.
Results go to benchmarks/results/build-curve.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
IGNORED = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")
SNA = [sys.executable, "-m", "sna.build.cli"]
PAPERMILL = [sys.executable, "-m", "papermill", "--no-progress-bar"]
NBCONVERT = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--no-input"]
BASE, DEFAULT, NOCHANGE = (
    "baseline (papermill+nbconvert)",
    "sna (default jobs)",
    "no-change rebuild",
)
SPEEDUP_TARGET = 1.8
NOCHANGE_TARGET_S = 3.0


def run(cmd: list[str]) -> tuple[float, str]:
    """Wall seconds and stdout of one child process; stop the benchmark if it fails."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(
            f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-3000:]}"
        )
    return elapsed, proc.stdout


def make_workspace(work: Path) -> Path:
    """The demo config reading the repo's raw data, with processed data and reports in ``work``.

    The notebooks (beside the config, where `sna build` looks) and the sna package (first on
    PYTHONPATH, for every child process and kernel) are copies taken now, so that edits made to
    the repo during the run cannot change the code measured or trigger a no-change rebuild.
    """
    text = (ROOT / "sna.toml").read_text()
    text = text.replace('raw = "data/raw"', f'raw = "{ROOT / "data" / "raw"}"')
    if str(ROOT / "data" / "raw") not in text:
        sys.exit("could not point the config's paths.raw at data/raw")
    config = work / "sna.toml"
    config.write_text(text)
    shutil.copytree(ROOT / "notebooks", work / "notebooks", ignore=IGNORED)
    shutil.copytree(ROOT / "sna", work / "src" / "sna", ignore=IGNORED)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(work / "src"), os.environ.get("PYTHONPATH")])
    )
    used = run([sys.executable, "-c", "import sna; print(sna.__file__)"])[1].strip()
    if not used.startswith(str(work)):
        sys.exit(f"the copy of sna is not the one imported ({used})")
    return config


def sna_build(config: Path, year: int, jobs: int | None, expect: int, status: str) -> float:
    """Wall seconds of one `sna build`; check that all ``expect`` reports got ``status``."""
    jobs_option = ["--jobs", str(jobs)] if jobs else []
    seconds, out = run(
        [*SNA, "build", "--quiet", "--config", str(config), "--years", str(year), *jobs_option]
    )
    counts = {s: int(n) for n, s in re.findall(r"(\d+) (built|up to date|failed)", out)}
    if counts.get(status) != expect:
        sys.exit(f"`sna build` did not report {expect} {status}:\n{out}")
    return seconds


def cold_build(config: Path, year: int, jobs: int | None, expect: int) -> float:
    """`sna build` into a fresh, empty reports folder."""
    shutil.rmtree(config.parent / "reports", ignore_errors=True)
    return sna_build(config, year, jobs, expect, "built")


def baseline(config: Path, year: int, districts: list[str]) -> tuple[float, float]:
    """Papermill and nbconvert wall seconds of sequential CLI runs of every notebook."""
    out, notebooks = config.parent / "baseline", config.parent / "notebooks"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    runs: list[tuple[str, str, list[str]]] = [("overview", "area_overview.ipynb", [])]
    runs += [(d, "district_assessment.ipynb", ["-p", "district", d]) for d in districts]
    papermill = nbconvert = 0.0
    for name, notebook, extra in runs:
        executed = str(out / f"{name.replace(' ', '-').lower()}.ipynb")
        params = ["-p", "config_path", str(config), *extra, "-p", "year", str(year)]
        papermill += run(
            [*PAPERMILL, str(notebooks / notebook), executed, *params, "--cwd", str(notebooks)]
        )[0]
        nbconvert += run([*NBCONVERT, "--output-dir", str(out), executed])[0]
    if len(list(out.glob("*.html"))) != len(runs):
        sys.exit(f"the baseline did not write {len(runs)} HTML files into {out}")
    return papermill, nbconvert


def curve_jobs(config: Path, count: int, out: Path) -> list[Any]:
    """``count`` jobs: the demo's reports (every reporting year), then again under other names."""
    from dataclasses import replace

    from sna.build import plan
    from sna.data.config import load_config

    cfg = load_config(config)
    data, _ = plan._data_fingerprint(cfg)
    demo = plan._plan(
        cfg, years=None, districts=None, notebooks=config.parent / "notebooks", data=data
    )
    jobs = []
    for i in range(count):
        job, copy = demo[i % len(demo)], i // len(demo)
        name = f"{job.key.replace('/', '-')}-{copy}"
        paths = {k: out / f"{name}{ext}" for k, ext in _SUFFIXES.items()}
        jobs.append(replace(job, key=f"{job.key}#{copy}", **paths))
    return jobs


_SUFFIXES = {"html_path": ".html", "ipynb_path": ".ipynb", "failed_path": ".failed.ipynb"}


def cell_seconds(notebook: bytes | None) -> tuple[float, float]:
    """Seconds the executed notebook's cells ran (papermill's durations): setup, then the rest.

    The setup cell imports sna (with pandas, matplotlib, statsmodels), loads the processed data
    and computes the assessment; the other cells display its sections.
    """
    if notebook is None:
        return float("nan"), float("nan")
    setup = rest = 0.0
    for cell in json.loads(notebook)["cells"]:
        seconds = cell.get("metadata", {}).get("papermill", {}).get("duration") or 0.0
        if "load_processed(" in "".join(cell.get("source", "")):
            setup += seconds
        else:
            rest += seconds
    return setup, rest


def forget_decisions(config: Path) -> None:
    """Remove the decisions kept beside the processed data (made again by the next report)."""
    from sna.assessment.kept import DECISIONS_DIR
    from sna.data.config import load_config

    shutil.rmtree(load_config(config).processed_dir / DECISIONS_DIR, ignore_errors=True)


def run_batch(jobs: list[Any], workers: int, warm: bool) -> dict[str, Any]:
    """Run jobs through the jobs API; wall seconds and, per report, cells against the rest."""
    from sna.build.jobs import run_jobs

    start = time.perf_counter()
    results = list(run_jobs(jobs, workers=workers, warm=warm))
    wall = time.perf_counter() - start
    failed = [r for r in results if r.status != "built"]
    if failed:
        sys.exit(f"{len(failed)} job(s) failed, e.g. {failed[0].job.key}: {failed[0].error}")
    cells = [cell_seconds(r.notebook) for r in results]
    rest = [r.seconds - a - b for r, (a, b) in zip(results, cells, strict=True)]
    cpu = [r.cpu_seconds for r in results if getattr(r, "cpu_seconds", None) is not None]
    return {
        "wall_s": round(wall, 2),
        "per_report_s": round(wall / len(jobs), 2),
        "job_median_s": round(statistics.median(r.seconds for r in results), 2),
        "startup_and_conversion_median_s": round(statistics.median(rest), 2),
        "setup_cell_median_s": round(statistics.median(a for a, _ in cells), 2),
        "display_cells_median_s": round(statistics.median(b for _, b in cells), 2),
        # CPU of each job's worker and kernel (sna.build.jobs.JobResult.cpu_seconds): what a
        # report costs whatever else the machine is doing.
        "cpu_mean_s": round(statistics.fmean(cpu), 2) if cpu else float("nan"),
    }


def curve(args: argparse.Namespace) -> None:
    """The cost per report: cold against warm kernels, for growing batches and 1-2 workers."""
    sizes, workers = args.sizes, args.curve_workers
    runs: list[tuple[int, int]] = [(n, workers) for n in sizes]
    if workers != 1 and args.scaling_jobs:
        runs.append((args.scaling_jobs, 1))
    load_before = os.getloadavg()
    rows: list[dict[str, Any]] = []
    tmp = tempfile.TemporaryDirectory(prefix="sna-bench-curve-")
    with tmp, contextlib.chdir(tmp.name):
        config = make_workspace(Path(tmp.name))
        sys.path.insert(0, str(Path(tmp.name) / "src"))  # the copy, for this process too
        import sna

        if not sna.__file__ or not sna.__file__.startswith(tmp.name):
            sys.exit(f"the copy of sna is not the one imported ({sna.__file__})")
        run([*SNA, "prepare", "--quiet", "--config", str(config)])
        out = Path(tmp.name) / "curve"
        run_batch(curve_jobs(config, 2, out), 2, True)  # untimed: file cache, checks it works
        for i in range(args.repeat):
            for n, w in runs:
                jobs = curve_jobs(config, n, out)
                modes = ("cold", "warm") if i % 2 == 0 else ("warm", "cold")
                for mode in modes:
                    row = {"jobs": n, "workers": w, "kernels": mode, "run": i + 1}
                    forget_decisions(config)  # as in a new build: decided once, then read
                    row.update(run_batch(jobs, w, mode == "warm"))
                    rows.append(row)
                    print(f"  {row}", file=sys.stderr)
    load_after = os.getloadavg()
    print(f"\ncost per report, {', '.join(map(str, sizes))} jobs; median of {args.repeat} run(s)")
    print(f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f}\n")
    head = f"{'jobs':>5}{'workers':>8}{'kernels':>8}{'wall s':>9}{'s/report':>10}"
    head += f"{'job s':>8}{'start+conv':>11}{'setup':>7}{'display':>8}{'cpu s':>7}"
    print(head + f"{'warm/cold':>11}")
    med: dict[tuple[int, int, str], dict[str, float]] = {}
    for n, w in runs:
        for mode in ("cold", "warm"):
            mine = [r for r in rows if (r["jobs"], r["workers"], r["kernels"]) == (n, w, mode)]
            med[n, w, mode] = {
                k: statistics.median(r[k] for r in mine) for k in mine[0] if k.endswith("_s")
            }
        for mode in ("cold", "warm"):
            m = med[n, w, mode]
            ratio = m["wall_s"] / med[n, w, "cold"]["wall_s"]
            print(
                f"{n:5}{w:8}{mode:>8}{m['wall_s']:9.1f}{m['per_report_s']:10.2f}"
                f"{m['job_median_s']:8.2f}{m['startup_and_conversion_median_s']:11.2f}"
                f"{m['setup_cell_median_s']:7.2f}{m['display_cells_median_s']:8.2f}"
                f"{m['cpu_mean_s']:7.2f}{ratio:10.2f}x"
            )
    marginal = {}
    if len(sizes) >= 2:
        small, large = sorted(sizes)[-2:]
        for mode in ("cold", "warm"):
            a, b = med[small, workers, mode]["wall_s"], med[large, workers, mode]["wall_s"]
            marginal[mode] = round((b - a) / (large - small), 2)
        print(
            f"\nmarginal cost of a report ({small} to {large} jobs, {workers} workers): "
            f"cold {marginal['cold']:.2f} s, warm {marginal['warm']:.2f} s "
            f"(target < 1.5 s: {'MET' if marginal['warm'] < 1.5 else 'MISSED'})"
        )
        cores = min(workers, len(os.sched_getaffinity(0)))
        for mode in ("cold", "warm"):
            cpu = med[large, workers, mode]["cpu_mean_s"]
            marginal[f"{mode}_cpu_bound"] = round(cpu / cores, 2)
            print(
                f"  {mode}: {cpu:.2f} CPU s per report ({large} jobs), so {cpu / cores:.2f} s a "
                f"report on {cores} idle cores"
            )
    result = {
        "cores": len(os.sched_getaffinity(0)), "repeat": args.repeat,
        "load_average_before": load_before, "load_average_after": load_after,
        "runs": rows, "marginal_s_per_report": marginal,
    }  # fmt: skip
    dest = ROOT / "benchmarks" / "results"
    dest.mkdir(exist_ok=True)
    (dest / "build-curve.json").write_text(json.dumps(result, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each variant (default 3)")
    parser.add_argument("--year", type=int, default=2025, help="reporting year (default 2025)")
    parser.add_argument("--curve", action="store_true", help="cost per report, cold and warm")
    parser.add_argument(
        "--sizes",
        type=lambda s: [int(n) for n in s.split(",")],
        default=[1, 6, 30, 100],
        help="--curve: jobs per batch (default 1,6,30,100)",
    )
    parser.add_argument(
        "--curve-workers", type=int, default=2, help="--curve: workers (default 2; 30 jobs: 1 too)"
    )
    parser.add_argument(
        "--scaling-jobs", type=int, default=30, help="--curve: jobs run on 1 worker too (0: none)"
    )
    args = parser.parse_args()
    if args.curve:
        curve(args)
        return
    cores = len(os.sched_getaffinity(0))
    districts = [d["name"] for d in tomllib.loads((ROOT / "sna.toml").read_text())["districts"]]
    n = len(districts) + 1
    times: dict[str, list[float]] = {BASE: [], "sna --jobs 1": [], DEFAULT: [], NOCHANGE: []}
    shares: list[tuple[float, float]] = []
    tmp = tempfile.TemporaryDirectory(prefix="sna-bench-build-")
    with tmp, contextlib.chdir(tmp.name):  # not the repo: its sna/ would come first on sys.path
        config = make_workspace(Path(tmp.name))
        run([*SNA, "prepare", "--quiet", "--config", str(config)])
        # Untimed warm-up: checks that the build works and brings the libraries into the file cache.
        warm_up = ["--years", str(args.year), "--districts", districts[0]]
        run([*SNA, "build", "--quiet", "--config", str(config), *warm_up])

        def base() -> None:
            shares.append(baseline(config, args.year, districts))
            times[BASE].append(sum(shares[-1]))

        def jobs1() -> None:
            times["sna --jobs 1"].append(cold_build(config, args.year, 1, n))

        def default() -> None:
            times[DEFAULT].append(cold_build(config, args.year, None, n))
            times[NOCHANGE].append(sna_build(config, args.year, None, n, "up to date"))

        variants = [default, base, jobs1]
        for i in range(args.repeat):  # rotate the order so that drift hits every variant alike
            for variant in variants[i % 3 :] + variants[: i % 3]:
                variant()
                print(f"  run {i + 1}/{args.repeat}: {variant.__name__} done", file=sys.stderr)
    med = {name: statistics.median(runs) for name, runs in times.items()}
    pm, nc = (statistics.median(s[k] for s in shares) for k in (0, 1))
    speedup = {name: med[BASE] / med[name] for name in (BASE, "sna --jobs 1", DEFAULT)}
    cold_ok, nochange_ok = speedup[DEFAULT] >= SPEEDUP_TARGET, med[NOCHANGE] < NOCHANGE_TARGET_S
    print(
        f"\nsna build, year {args.year}: {n} reports on {cores} cores; median of {args.repeat} runs\n"
    )
    print(f"{'':34}{'wall s':>8}{'s/report':>10}{'baseline/this':>15}")
    for name, ratio in speedup.items():
        print(f"{name:34}{med[name]:8.1f}{med[name] / n:10.1f}{ratio:14.2f}x")
    print(f"{'  baseline: papermill / nbconvert':34}{pm:8.1f} / {nc:.1f}")
    print(f"{NOCHANGE:34}{med[NOCHANGE]:8.2f}")
    print(
        f"\ntarget: cold build (default jobs) >= {SPEEDUP_TARGET}x faster than the baseline: ",
        end="",
    )
    print(f"{'MET' if cold_ok else 'MISSED'} ({speedup[DEFAULT]:.2f}x)")
    print(f"target: no-change rebuild < {NOCHANGE_TARGET_S:.0f} s: ", end="")
    print(f"{'MET' if nochange_ok else 'MISSED'} ({med[NOCHANGE]:.2f} s)")
    result = {
        "year": args.year, "reports": n, "cores": cores, "repeat": args.repeat,
        "runs_s": {name: [round(t, 2) for t in runs] for name, runs in times.items()},
        "median_s": {name: round(t, 2) for name, t in med.items()},
        "baseline_papermill_median_s": round(pm, 2), "baseline_nbconvert_median_s": round(nc, 2),
        "speedup_vs_baseline": {name: round(r, 2) for name, r in speedup.items() if name != BASE},
        "targets_met": {f"cold >= {SPEEDUP_TARGET}x": cold_ok, f"no-change < {NOCHANGE_TARGET_S} s": nochange_ok},
    }  # fmt: skip
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "build.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
