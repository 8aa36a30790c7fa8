"""Benchmark `sna prepare` against a plain `pandas.read_csv` of the same police.uk files.

Usage: python benchmarks/prepare.py [--repeat N] [--shared PATH]

Both are run as fresh subprocesses, alternately, N times each (default 5), over every police.uk
street file in ../shared/data (the larger set). Reported: median wall time, peak resident memory
(ru_maxrss of the child), rows per second, and the ratio of sna prepare to the baseline, all
measured in this run. Results are also written to benchmarks/results/prepare.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BASELINE = """
import sys, pandas as pd
frames = [pd.read_csv(p) for p in sys.argv[1:]]
print(sum(len(f) for f in frames))
"""


def run(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        sys.exit(f"benchmark command failed ({status}): {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss / 1024


def make_config(shared: Path, work: Path) -> Path:
    """The demo config with raw street files from shared/ and outputs in ``work``."""
    raw = work / "raw"
    (raw / "police_uk").mkdir(parents=True)
    for path in sorted((shared / "police_uk").rglob("*-street.csv*")):
        (raw / "police_uk" / path.name).symlink_to(path)
    for folder in ("lookups", "population", "imd2019"):
        (raw / folder).symlink_to(ROOT / "data" / "raw" / folder)
    text = (ROOT / "sna.toml").read_text().replace('raw = "data/raw"', f'raw = "{raw}"')
    config = work / "sna.toml"
    config.write_text(text)
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each (default 5)")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    files = sorted((args.shared / "police_uk").rglob("*-street.csv*"))
    if not files:
        sys.exit(f"no police.uk street files under {args.shared / 'police_uk'}")
    with tempfile.TemporaryDirectory() as tmp:
        config = make_config(args.shared, Path(tmp))
        sna = [
            sys.executable,
            "-m",
            "sna.build.cli",
            "prepare",
            "--config",
            str(config),
            "--quiet",
            "--force",
        ]
        base = [sys.executable, "-c", BASELINE, *map(str, files)]
        run(sna)  # warm the file cache and check it works
        timings: dict[str, list[tuple[float, float]]] = {"sna prepare": [], "pandas.read_csv": []}
        for _ in range(args.repeat):
            timings["sna prepare"].append(run(sna))
            timings["pandas.read_csv"].append(run(base))
        manifest = json.loads((Path(tmp) / "data" / "processed" / "manifest.json").read_text())
        noop = [run(sna[:-1])[0] for _ in range(args.repeat)]
    rows = manifest["totals"]["rows_read"]
    result = {"files": len(files), "rows": rows, "repeat": args.repeat}
    print(
        f"{len(files)} police.uk street files, {rows:,} rows; median of {args.repeat} runs each\n"
    )
    print(f"{'':18}{'wall s':>9}{'peak MiB':>10}{'rows/s':>12}")
    for name, runs in timings.items():
        wall = statistics.median(t for t, _ in runs)
        peak = statistics.median(m for _, m in runs)
        result[name] = {
            "median_s": round(wall, 3),
            "peak_mib": round(peak, 1),
            "rows_per_s": round(rows / wall),
        }
        print(f"{name:18}{wall:9.2f}{peak:10.0f}{rows / wall:12,.0f}")
    ratio = result["sna prepare"]["median_s"] / result["pandas.read_csv"]["median_s"]
    result["ratio_vs_baseline"] = round(ratio, 2)
    result["noop_median_s"] = round(statistics.median(noop), 3)
    print(f"\nsna prepare / pandas.read_csv: {ratio:.2f}x the baseline's time")
    print(f"no-op re-run (inputs unchanged): median {statistics.median(noop):.2f} s")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "prepare.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
