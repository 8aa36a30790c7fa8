"""Generate a national-size year of police.uk street files from the real shipped ones, offline.

Usage: python benchmarks/generate_national.py OUT [--scale ROWS] [--vintage 2021|2011]
       [--year YYYY] [--years N] [--seed N] [--raw PATH]

Writes ``OUT/YYYY-MM/YYYY-MM-<force>-street.csv.gz`` (police.uk's download layout) for every
police force area of England and Wales, for the months of the real Thames Valley 2025 files
shipped in ``data/raw/police_uk`` (11 months: police.uk has no 2025-07 for the force), moved to
``--year`` (and the ``--years - 1`` years before it).

Each force-month resamples, with replacement, the real Thames Valley rows of the same calendar
month, so the crime-type mix, the outcome categories, the share of anti-social behaviour (blank
Crime ID) and of "No location" rows (blank coordinates and LSOA) are the real ones. Then:

- "Reported by" and "Falls within" are the force's name as police.uk writes it ("Thames Valley
  Police", "Avon and Somerset Constabulary", "Metropolitan Police Service"), and the file name's
  force is its police.uk id ("avon-and-somerset", "metropolitan", "city-of-london");
- every Crime ID that was not blank is a new random one (64 hex digits, unique);
- LSOA code and name are drawn from the force's own LSOAs: 2021 LSOAs (Census 2021 names, each
  placed in its district and force by its name) or, with ``--vintage 2011``, 2011 LSOAs (the ONS
  LSOA (2011) to LAD (2019) lookup); districts go to forces through the ONS district to CSP to
  police force area lookups shipped in ``data/raw/lookups``;
- longitude, latitude and location are the real row's (in the UK, not in the drawn LSOA).

A force's volume is proportional to its number of LSOAs; all forces together write about
``--scale`` rows a year (default 6.5 million). Deterministic for a seed; every file is drawn
from its own seeded generator, so two processes write them in parallel.
"""

from __future__ import annotations

import argparse
import gzip
import multiprocessing
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from sna.data.policeuk import STREET_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
COLUMNS = list(STREET_COLUMNS)  # police.uk street-file header, in its order
# Forces whose police.uk name ends in "Constabulary"; the others end in "Police".
CONSTABULARY = {
    "Avon and Somerset",
    "Cambridgeshire",
    "Cheshire",
    "Cumbria",
    "Derbyshire",
    "Durham",
    "Gloucestershire",
    "Hampshire",
    "Hertfordshire",
    "Lancashire",
    "Norfolk",
    "Suffolk",
}
# ONS police force area name -> (police.uk force name, police.uk file id).
SPECIAL = {
    "Metropolitan Police": ("Metropolitan Police Service", "metropolitan"),
    "London, City of": ("City of London Police", "city-of-london"),
}

# Only LSOA names from the ONS lookups can hold a comma ("Bournemouth, Christchurch and Poole
# 015A"): pyarrow would quote every value or none, so such names are written with these
# stand-ins, replaced in the bytes.
_OPEN, _CLOSE, _COMMA = "\x02", "\x03", "\x01"
_UNMARK = {_OPEN.encode(): b'"', _CLOSE.encode(): b'"', _COMMA.encode(): b","}


@dataclass(frozen=True)
class Force:
    """A police force area: its police.uk name and file id, and its LSOAs."""

    name: str
    slug: str
    lsoa_codes: pa.Array
    lsoa_names: pa.Array


def police_uk_name(pfa: str) -> tuple[str, str]:
    """The force's name in police.uk files and its file id, from the ONS PFA name."""
    if pfa in SPECIAL:
        return SPECIAL[pfa]
    name = f"{pfa} {'Constabulary' if pfa in CONSTABULARY else 'Police'}"
    slug = re.sub(r"[^a-z0-9]+", "-", pfa.casefold().replace("&", "and")).strip("-")
    return name, slug


def forces(raw: Path, vintage: int) -> list[Force]:
    """Every force of England and Wales with its LSOAs of one vintage."""
    lad19 = pd.read_csv(raw / "lookups" / "LAD19_CSP19_PFA19_lookup_EW_Dec2019.csv", dtype=str)
    pfa_of = dict(zip(lad19["LAD19NM"], lad19["PFA19NM"], strict=False))
    pfa_of |= {k.split(",")[0]: v for k, v in pfa_of.items()}  # "Bristol" in LSOA names
    lad24 = pd.read_csv(raw / "lookups" / "lad24_csp24_pfa24.csv", dtype=str)
    for name, pfa in zip(lad24["ltla24_name"], lad24["pfa24_name"], strict=True):
        pfa_of.setdefault(name, pfa)  # districts newer than 2019: Buckinghamshire, ...
    if vintage == 2011:
        lsoas = pd.read_csv(
            raw / "lookups" / "LSOA11_WD19_LAD19_lookup_EW_Dec2019.csv.gz",
            usecols=["LSOA11CD", "LSOA11NM", "LAD19NM"],
            dtype=str,
        ).drop_duplicates("LSOA11CD")
        lsoas.columns = ["code", "name", "district"]
    else:
        lsoas = pd.read_csv(
            raw / "population" / "census2021_usual_residents_lsoa21_by_age6.csv.gz",
            usecols=["lsoa21_code", "lsoa21_name"],
            dtype=str,
        ).drop_duplicates("lsoa21_code")
        lsoas.columns = ["code", "name"]
        lsoas["district"] = lsoas["name"].str.replace(r"\s+\d{3}[A-Z]$", "", regex=True)
    lsoas["pfa"] = lsoas["district"].map(pfa_of)
    missing = lsoas.loc[lsoas["pfa"].isna(), "district"].unique()
    if len(missing):
        sys.exit(f"no police force area for the districts {', '.join(missing)}")
    out = []
    for pfa, rows in lsoas.sort_values("code").groupby("pfa"):
        name, slug = police_uk_name(str(pfa))
        # A name with a comma is quoted, as police.uk does: marked here, quoted when written.
        names = rows["name"].where(~rows["name"].str.contains(","), _OPEN + rows["name"] + _CLOSE)
        names = names.str.replace(",", _COMMA, regex=False)
        out.append(Force(name, slug, pa.array(rows["code"]), pa.array(names)))
    return out


def real_rows(raw: Path) -> dict[int, pa.Table]:
    """The real Thames Valley 2025 rows, by calendar month, every column as text."""
    out = {}
    for path in sorted((raw / "police_uk").rglob("2025-??-thames-valley-street.csv*")):
        options = pacsv.ConvertOptions(
            column_types=dict.fromkeys(COLUMNS, pa.string()), strings_can_be_null=False
        )
        table = pacsv.read_csv(path, convert_options=options)
        out[int(path.name[5:7])] = table.select(COLUMNS)
    if not out:
        sys.exit(f"no 2025 Thames Valley street files under {raw / 'police_uk'}")
    return out


# Set in the parent before the worker processes fork, so each worker reads them once.
_POOL: dict[int, pa.Table] = {}
_FORCES: list[Force] = []


def write_file(task: tuple[Path, int, int, int, int, int]) -> tuple[int, int]:
    """Write one force-month; returns (rows, bytes written)."""
    out, force_index, year, month, rows, seed = task
    force = _FORCES[force_index]
    rng = np.random.default_rng([seed, force_index, year, month])
    real = _POOL[month]
    sample = real.take(pa.array(rng.integers(0, real.num_rows, rows)))
    ids = np.frombuffer(rng.bytes(32 * rows).hex().encode(), dtype="S64")
    has_id = pc.not_equal(sample["Crime ID"], "")
    has_lsoa = pc.not_equal(sample["LSOA code"], "")
    pick = pa.array(rng.integers(0, len(force.lsoa_codes), rows))
    constant = pa.array([force.name] * rows) if rows else pa.array([], pa.string())
    columns = {
        "Crime ID": pc.if_else(has_id, pa.array(ids).cast(pa.string()), ""),
        "Month": pa.array([f"{year}-{month:02d}"] * rows, pa.string()),
        "Reported by": constant,
        "Falls within": constant,
        "LSOA code": pc.if_else(has_lsoa, force.lsoa_codes.take(pick), ""),
        "LSOA name": pc.if_else(has_lsoa, force.lsoa_names.take(pick), ""),
    }
    table = pa.table([columns.get(c, sample[c]) for c in COLUMNS], names=COLUMNS)
    sink = pa.BufferOutputStream()
    sink.write((",".join(COLUMNS) + "\n").encode())
    pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    path = out / f"{year}-{month:02d}" / f"{year}-{month:02d}-{force.slug}-street.csv.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = sink.getvalue().to_pybytes()
    for mark, byte in _UNMARK.items():
        text = text.replace(mark, byte)
    data = gzip.compress(text, compresslevel=6, mtime=0)
    path.write_bytes(data)
    return rows, len(data)


def generate(
    out: Path,
    *,
    scale: int = 6_500_000,
    vintage: int = 2021,
    year: int | None = None,
    years: int = 1,
    seed: int = 2025,
    raw: Path = RAW,
    jobs: int = 2,
) -> dict[str, int]:
    """Write the files; returns the number of files, rows and gzipped bytes."""
    global _POOL, _FORCES
    _POOL, _FORCES = real_rows(raw), forces(raw, vintage)
    last = year if year is not None else (2025 if vintage == 2021 else 2019)
    months = sorted(_POOL)
    total_lsoas = sum(len(f.lsoa_codes) for f in _FORCES)
    tasks = [
        (out, i, y, m, round(scale * len(f.lsoa_codes) / total_lsoas / len(months)), seed)
        for y in range(last - years + 1, last + 1)
        for m in months
        for i, f in enumerate(_FORCES)
    ]
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        written = pool.map(write_file, tasks, chunksize=4)
    return {
        "files": len(tasks),
        "rows": sum(r for r, _ in written),
        "bytes": sum(b for _, b in written),
        "forces": len(_FORCES),
        "lsoas": total_lsoas,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write the street files into")
    parser.add_argument("--scale", type=int, default=6_500_000, help="rows a year (6,500,000)")
    parser.add_argument("--vintage", type=int, choices=(2021, 2011), default=2021)
    parser.add_argument("--year", type=int, help="last year written (2025; 2019 for 2011 LSOAs)")
    parser.add_argument("--years", type=int, default=1, help="years written (default 1)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--raw", type=Path, default=RAW, help="the shipped raw data folder")
    parser.add_argument("--jobs", type=int, default=2, help="writing processes (default 2)")
    args = parser.parse_args()
    start = time.perf_counter()
    stats = generate(
        args.out,
        scale=args.scale,
        vintage=args.vintage,
        year=args.year,
        years=args.years,
        seed=args.seed,
        raw=args.raw,
        jobs=args.jobs,
    )
    print(
        f"{stats['files']} files, {stats['rows']:,} rows, {stats['bytes'] / 1e6:,.0f} MB "
        f"gzipped; {stats['forces']} forces, {stats['lsoas']:,} {args.vintage} LSOAs; "
        f"{time.perf_counter() - start:.0f} s -> {args.out}"
    )


if __name__ == "__main__":
    main()
