"""Benchmark `sna prepare` against plain pandas and DuckDB on the same police.uk files.

Usage: python benchmarks/prepare.py [--repeat N] [--raw PATH]
       python benchmarks/prepare.py --national PATH [--scale ROWS] [--all-in-area] [--repeat N]

Three commands are run as fresh subprocesses, alternately, N times each (default 5):

- ``sna prepare --force`` with the demo config (the five Oxfordshire districts) pointed at the
  files: it reads, validates and places every row, and keeps Oxfordshire's (with
  ``--all-in-area``, every district the ONS lookups know is a benchmark district, so most rows
  are kept);
- ``pandas.read_csv`` of each file in turn (nothing kept between files): the floor for reading;
- DuckDB's ``read_csv`` over all the files with ``GROUP BY`` LSOA, month and crime type: the bare
  aggregate, with no validation, accounting or output files (DuckDB uses every core).

The files are every police.uk street file under ``data/raw/police_uk`` (the demo-size set), or, with
``--national``, a national-size year written by ``benchmarks/generate_national.py`` into PATH
(generated first if PATH has no street files). Reported: median wall time, peak resident memory
(of the command's largest process), rows per second, and sna prepare's time and memory as ratios of each
baseline's, all measured in this run; then the no-op re-run of sna prepare. Results are also
written to benchmarks/results/prepare.json (or prepare-national-<rows>.json).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PANDAS = """
import sys, pandas as pd
rows = 0
for path in sys.argv[1:]:
    rows += len(pd.read_csv(path))
print(rows)
"""

DUCKDB = """
import sys, duckdb
files = sys.argv[1:]
counts = duckdb.sql(
    'SELECT "LSOA code", "Month", "Crime type", count(*) AS n '
    "FROM read_csv($files, header = true, all_varchar = true) GROUP BY ALL",
    params={"files": files},
).fetchnumpy()
print(len(counts["n"]), int(counts["n"].sum()))
"""


def run(cmd: list[str], *, stdout: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one command: of its largest process.

    The child's ``ru_maxrss`` covers the processes it waited for; sna prepare's workers are
    forked from a server process it does not wait for, so every process of the command is also
    sampled 20 times a second (psutil) and the larger peak is reported. Its standard output is
    discarded, or written to ``stdout``.
    """
    start = time.perf_counter()
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(stdout.open("wb")) if stdout else subprocess.DEVNULL
        return _run(cmd, start, subprocess.Popen(cmd, stdout=out))


def _run(cmd: list[str], start: float, proc: subprocess.Popen) -> tuple[float, float]:
    sampled = 0
    try:
        import psutil
    except ImportError:
        psutil = None
    while True:
        done, status, usage = os.wait4(proc.pid, os.WNOHANG if psutil else 0)
        if done:
            break
        with contextlib.suppress(psutil.Error):
            parent = psutil.Process(proc.pid)
            tree = [parent, *parent.children(recursive=True)]
            sampled = max(sampled, *(p.memory_info().rss for p in tree))
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    if status != 0:
        sys.exit(f"benchmark command failed ({status}): {' '.join(cmd[:6])} ...")
    return elapsed, max(usage.ru_maxrss * 1024, sampled) / 2**20


def street_files(folder: Path) -> list[Path]:
    """police.uk street files under ``folder``, as ``sna prepare`` discovers them."""
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.name.lower().endswith(("-street.csv", "-street.csv.gz"))
    )


def all_districts() -> list[str]:
    """Codes of the lookup's districts whose names the 2021 LSOA names carry and that still exist
    in 2024 (so that every one has a mid-2022 population: Allerdale, merged into Cumberland in
    2023, has none)."""
    import pandas as pd

    raw = ROOT / "data" / "raw"
    lookup = pd.read_csv(
        raw / "lookups" / "LSOA11_WD19_LAD19_lookup_EW_Dec2019.csv.gz",
        usecols=["LAD19CD", "LAD19NM"],
    ).drop_duplicates()
    lsoa21 = pd.read_csv(
        raw / "population" / "census2021_usual_residents_lsoa21_by_age6.csv.gz",
        usecols=["lsoa21_name"],
    )
    named = set(lsoa21["lsoa21_name"].str.replace(r"\s+\d{3}[A-Z]$", "", regex=True))
    short = lookup["LAD19NM"].str.split(",").str[0]
    current = set(pd.read_csv(raw / "lookups" / "lad24_csp24_pfa24.csv")["ltla24_code"])
    kept = (lookup["LAD19NM"].isin(named) | short.isin(named)) & lookup["LAD19CD"].isin(current)
    return sorted(lookup.loc[kept, "LAD19CD"])


def _commit() -> str | None:
    """The commit of the code measured (with "+" if the working tree differs), if in git."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "sna"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+" if dirty else "")  # fmt: skip


def make_config(
    files: list[Path], work: Path, *, folder: Path | None = None, all_in_area: bool = False
) -> Path:
    """The demo config with its street files linked in and outputs in ``work``.

    With ``folder``, raw/police_uk is a link to it; otherwise each file is linked.
    """
    raw = work / "raw"
    raw.mkdir(parents=True)
    if folder is not None:
        (raw / "police_uk").symlink_to(folder.resolve(), target_is_directory=True)
    else:
        (raw / "police_uk").mkdir()
        for path in files:
            (raw / "police_uk" / path.name).symlink_to(path)
    for entry in sorted((ROOT / "data" / "raw").iterdir()):
        if entry.is_dir() and entry.name != "police_uk":
            (raw / entry.name).symlink_to(entry)
    text = (ROOT / "sna.toml").read_text().replace('raw = "data/raw"', f'raw = "{raw}"')
    if all_in_area:
        codes = ", ".join(f'"{c}"' for c in all_districts())
        text = text.replace(
            '[benchmark]\nname = "Oxfordshire"',
            f'[benchmark]\nname = "Oxfordshire"\ndistricts = [{codes}]',
        )
    config = work / "sna.toml"
    config.write_text(text)
    return config


def new_month_timings(files: list[Path], work: Path, repeat: int) -> dict[str, object]:
    """Seconds to add the last month's files to a store prepared without them.

    The store is prepared without the month (untimed), then, ``repeat`` times: the month's
    files linked in and ``sna prepare`` run (timed: the new files are read and merged into the
    previous outputs; the run must say so), then unlinked and prepared again (their cache
    entries are dropped, so the next addition reads them again). Also timed, in the same
    rounds: the no-op re-run; a re-run with the manifest removed (every output rebuilt from
    every file's cache entry, as before the store index); and, for "one file's time", the
    month's files prepared alone and one file of the month prepared alone (in stores of their
    own, read afresh: no manifest, per-file cache or store index, the area tables cached). What the month costs beyond the no-op is ``adding - no-op``.
    """
    month = max(p.name[:7] for p in files)
    added = [p for p in files if p.name.startswith(month)]
    # one file: the month's file of the demo's force (its rows are in the assessed districts)
    one = next((p for p in added if "thames-valley" in p.name), added[0])
    config = make_config([p for p in files if p not in added], work / "store")
    alone = [make_config(added, work / "month"), make_config([one], work / "one")]
    police_uk = work / "store" / "raw" / "police_uk"
    prepare = [sys.executable, "-m", "sna.build.cli", "prepare", "--config", str(config)]
    run(prepare)
    for path in alone:  # their area tables cached
        run([sys.executable, "-m", "sna.build.cli", "prepare", "--config", str(path), "--quiet"])
    adding, cached, noop, month_alone, one_alone = [], [], [], [], []
    said = work / "adding.txt"
    for i in range(repeat):
        for path in added:
            (police_uk / path.name).symlink_to(path)
        adding.append(run(prepare, stdout=said)[0])
        if "merged into the outputs" not in said.read_text():
            sys.exit(f"adding {month} did not merge the new files:\n{said.read_text()}")
        noop.append(run([*prepare, "--quiet"])[0])
        (work / "store" / "data" / "processed" / "manifest.json").unlink()
        cached.append(run([*prepare, "--quiet", "--allow-foreign-files"])[0])
        for path, times in zip(alone, (month_alone, one_alone), strict=True):
            # read afresh (no manifest, no per-file cache or store index); the area tables
            # come from their own cache, as they do when adding the month
            cmd = [sys.executable, "-m", "sna.build.cli", "prepare", "--config", str(path)]
            processed = path.parent / "data" / "processed"
            (processed / "manifest.json").unlink(missing_ok=True)
            shutil.rmtree(processed / ".sna-cache", ignore_errors=True)
            times.append(run([*cmd, "--quiet", "--allow-foreign-files"])[0])
        print(
            f"  run {i + 1}: adding {month} {adding[-1]:.2f} s, no-op {noop[-1]:.2f} s, every "
            f"file from the cache {cached[-1]:.2f} s, the month alone {month_alone[-1]:.2f} s, "
            f"one file alone {one_alone[-1]:.2f} s",
            flush=True,
        )
        for path in added:
            (police_uk / path.name).unlink()
        run(prepare)
    result = {
        "month": month,
        "files_added": len(added),
        "store_files": len(files) - len(added),
        "one_file": one.name,
        "adding_median_s": round(statistics.median(adding), 3),
        "noop_median_s": round(statistics.median(noop), 3),
        "cached_median_s": round(statistics.median(cached), 3),
        "month_alone_median_s": round(statistics.median(month_alone), 3),
        "one_file_alone_median_s": round(statistics.median(one_alone), 3),
        "adding_s": [round(t, 3) for t in adding],
    }
    print(
        f"adding {month} ({len(added)} files) to a store of {result['store_files']}: median "
        f"{result['adding_median_s']:.2f} s (no-op {result['noop_median_s']:.2f} s, so the month "
        f"costs {result['adding_median_s'] - result['noop_median_s']:.2f} s); every file from "
        f"the cache {result['cached_median_s']:.2f} s; the month's files alone "
        f"{result['month_alone_median_s']:.2f} s; one file alone "
        f"{result['one_file_alone_median_s']:.2f} s"
    )
    return result


def summarise(name: str, runs: list[tuple[float, float]], rows: int) -> dict[str, float]:
    wall = statistics.median(t for t, _ in runs)
    peak = statistics.median(m for _, m in runs)
    print(f"{name:18}{wall:9.2f}{peak:10.0f}{rows / wall:12,.0f}")
    return {
        "median_s": round(wall, 3),
        "peak_mib": round(peak, 1),
        "rows_per_s": round(rows / wall),
        "runs_s": [round(t, 3) for t, _ in runs],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each (default 5)")
    parser.add_argument(
        "--raw",
        type=Path,
        default=ROOT / "data" / "raw",
        help="folder whose police_uk/ holds the demo-size files (default: the shipped data/raw)",
    )
    parser.add_argument(
        "--national",
        type=Path,
        help="folder of national-size files (generated there by generate_national.py if empty)",
    )
    parser.add_argument(
        "--scale", type=int, default=6_500_000, help="rows a year when generating (6,500,000)"
    )
    parser.add_argument(
        "--all-in-area",
        action="store_true",
        help="make every district a benchmark district, so that most rows are kept",
    )
    parser.add_argument("--no-duckdb", action="store_true", help="skip the DuckDB baseline")
    parser.add_argument(
        "--no-warmup",
        action="store_true",
        help="skip the first, untimed sna prepare run (for long national runs)",
    )
    parser.add_argument("--no-noop", action="store_true", help="skip timing the no-op re-run")
    parser.add_argument(
        "--new-month",
        action="store_true",
        help="instead: time adding the last month's files to a store prepared without them "
        "(with --repeat runs), against the store from the cache and one file alone",
    )
    args = parser.parse_args()
    load_before = os.getloadavg()  # the machine's state, saved with the results
    if args.national is not None:
        folder = args.national
        if not street_files(folder) if folder.is_dir() else True:
            print(f"generating national-size street files into {folder} ...", flush=True)
            subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "benchmarks" / "generate_national.py"),
                    str(folder),
                    "--scale",
                    str(args.scale),
                ],
                check=True,
            )
        files = street_files(folder)
    else:
        folder = None
        files = street_files(args.raw / "police_uk")
    if not files:
        sys.exit(f"no police.uk street files under {folder or args.raw / 'police_uk'}")
    if args.new_month:
        with tempfile.TemporaryDirectory() as tmp:
            added = new_month_timings(files, Path(tmp), args.repeat)
        added.update(
            load_average_before=load_before, load_average_after=os.getloadavg(), commit=_commit()
        )
        out = ROOT / "benchmarks" / "results"
        out.mkdir(exist_ok=True)
        (out / f"prepare-new-month-{len(files)}.json").write_text(
            json.dumps(added, indent=2) + "\n"
        )
        return
    with tempfile.TemporaryDirectory() as tmp:
        config = make_config(files, Path(tmp), folder=folder, all_in_area=args.all_in_area)
        commands = {
            "sna prepare": [
                sys.executable,
                "-m",
                "sna.build.cli",
                "prepare",
                "--config",
                str(config),
                "--quiet",
                "--force",
            ],
            "pandas.read_csv": [sys.executable, "-c", PANDAS, *map(str, files)],
            "duckdb group by": [sys.executable, "-c", DUCKDB, *map(str, files)],
        }
        if args.no_duckdb:
            del commands["duckdb group by"]
        if not args.no_warmup:
            run(commands["sna prepare"])  # warm the file cache and check it works
        timings: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for i in range(args.repeat):
            for name, cmd in commands.items():
                timings[name].append(run(cmd))
                wall, peak = timings[name][-1]
                print(f"  run {i + 1}: {name} {wall:.1f} s, {peak:.0f} MiB", flush=True)
        manifest = json.loads((Path(tmp) / "data" / "processed" / "manifest.json").read_text())
        # A no-op only if sna's code is unchanged since the timed runs (it is part of the
        # fingerprint): on a tree being edited, it is a full re-run.
        noop = [] if args.no_noop else [run(commands["sna prepare"][:-1])[0] for _ in range(3)]
        # Every file from the per-file cache (--force reads every file): the manifest removed,
        # so the outputs are rebuilt from cached per-file results.
        cached = []
        for _ in range(0 if args.no_noop else 3):
            (Path(tmp) / "data" / "processed" / "manifest.json").unlink()
            cached.append(run([*commands["sna prepare"][:-1], "--allow-foreign-files"]))
    totals = manifest["totals"]
    rows = totals["rows_read"]
    result: dict[str, object] = {
        "mode": "national" if folder is not None else "demo",
        "all_in_area": args.all_in_area,
        "files": len(files),
        "gzip_mb": round(sum(p.stat().st_size for p in files) / 1e6, 1),
        "rows": rows,
        "rows_kept": totals["rows_kept"],
        "repeat": args.repeat,
        "warmup": not args.no_warmup,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "commit": _commit(),
    }
    print(
        f"{len(files)} police.uk street files ({result['gzip_mb']} MB), {rows:,} rows, "
        f"{totals['rows_kept']:,} kept; median of {args.repeat} runs each\n"
    )
    print(f"{'':18}{'wall s':>9}{'peak MiB':>10}{'rows/s':>12}")
    for name, runs in timings.items():
        result[name] = summarise(name, runs, rows)
    sna = result["sna prepare"]
    assert isinstance(sna, dict)
    print()
    for name in timings:
        if name == "sna prepare":
            continue
        base = result[name]
        assert isinstance(base, dict)
        time_ratio = sna["median_s"] / base["median_s"]
        mem_ratio = sna["peak_mib"] / base["peak_mib"]
        result[f"ratio_vs_{name.split()[0].split('.')[0]}"] = {
            "time": round(time_ratio, 2),
            "peak_memory": round(mem_ratio, 2),
        }
        print(f"sna prepare / {name}: {time_ratio:.2f}x the time, {mem_ratio:.2f}x the memory")
    if noop:
        result["noop_median_s"] = round(statistics.median(noop), 3)
        print(f"no-op re-run (inputs unchanged): median {statistics.median(noop):.2f} s")
    if cached:
        result["cached_median_s"] = round(statistics.median(c[0] for c in cached), 3)
        result["cached_peak_mib"] = round(statistics.median(c[1] for c in cached), 1)
        print(
            f"re-run with every file from the cache: median {result['cached_median_s']:.2f} s, "
            f"{result['cached_peak_mib']:.0f} MiB"
        )
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    name = f"prepare-national-{rows}.json" if folder is not None else "prepare.json"
    (out / name).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
