"""``sna prepare``: raw police.uk and area files to reconciled, analysis-ready Parquet.

Every data row of every street file is kept, counted out of area, or written to ``rejects.csv``
with its reason; ``manifest.json`` records per file the SHA-256 and those counts, which add up to
the rows read, and which months each year has. Outputs are written to temporary files and renamed
into place, the manifest last, so an interrupted run leaves the previous outputs whole.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from sna import __version__
from sna.data.areas import (
    assign_districts,
    check_districts,
    district_populations,
    lsoa_areas,
    lsoa_lookup,
)
from sna.data.config import Config, load_config
from sna.data.files import atomic_path, atomic_write_text, sha256_file
from sna.data.manifest import Manifest, format_months
from sna.data.policeuk import (
    STREET_COLUMNS,
    normalise_crime_type,
    parse_street_filename,
    read_street_file,
    validate_records,
)
from sna.errors import InputError

__all__ = [
    "FileResult",
    "discover_street_files",
    "prepare",
    "process_street_file",
    "run_prepare",
]

OUTPUTS = (
    "records.parquet",
    "counts.parquet",
    "lsoas.parquet",
    "populations.parquet",
    "rejects.csv",
)
REJECT_COLUMNS = ["source_file", "line", "reason", *STREET_COLUMNS, "raw"]
_RECORD_COLUMNS = {
    "Crime ID": "crime_id",
    "Reported by": "reported_by",
    "Falls within": "falls_within",
    "Location": "location",
    "LSOA code": "lsoa_code",
    "LSOA name": "lsoa_name",
    "Last outcome category": "last_outcome_category",
    "Context": "context",
}


@dataclass
class FileResult:
    """One street file processed: kept records, rejects and the file's row accounting."""

    path: str
    sha256: str
    month: str
    force: str
    rows_read: int
    rows_kept: int
    rows_out_of_area: int
    rows_rejected: dict[str, int]
    identical_rows_kept: int
    records: pd.DataFrame = field(repr=False)
    rejects: pd.DataFrame = field(repr=False)
    lsoa_name_mismatches: int = 0

    def manifest_entry(self) -> dict[str, Any]:
        """The file's entry in ``manifest.json``."""
        return {
            "path": self.path,
            "sha256": self.sha256,
            "month": self.month,
            "force": self.force,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "rows_out_of_area": self.rows_out_of_area,
            "rows_rejected": dict(sorted(self.rows_rejected.items())),
            "identical_rows_kept": self.identical_rows_kept,
            "lsoa_name_mismatches": self.lsoa_name_mismatches,
        }


def discover_street_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """police.uk street files under ``folder`` (any depth), and the other files found there.

    Street files are ``*-street.csv`` and ``*-street.csv.gz``; outcomes and stop-and-search
    files are listed as ignored.
    """
    street: list[Path] = []
    other: list[Path] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.name.startswith("."):
            continue
        (street if path.name.endswith(("-street.csv", "-street.csv.gz")) else other).append(path)
    return street, other


def process_street_file(
    path: Path, *, relative_to: Path, sha256: str, lookup: pd.DataFrame, keep: tuple[str, ...]
) -> FileResult:
    """Read, validate and place one street file. A plain function of its inputs.

    Parameters
    ----------
    path
        The street file.
    relative_to
        Folder the file's path is recorded relative to (the raw folder).
    sha256
        The file's SHA-256 (already computed by the caller).
    lookup
        LSOA lookup from :func:`sna.data.areas.lsoa_lookup`.
    keep
        District codes whose records are kept; others count as out of area.
    """
    street = read_street_file(path)
    records = street.records
    name = path.relative_to(relative_to).as_posix()
    reason = validate_records(records, file_month=street.month)
    placed = assign_districts(records["LSOA code"], records["LSOA name"], lookup)
    unknown = reason.isna() & placed["district_code"].eq("") & placed["lsoa_vintage"].eq(0)
    reason = reason.mask(unknown, "unknown LSOA code")
    usable = reason.isna()
    in_area = usable & placed["district_code"].isin(keep)
    out_of_area = int((usable & ~in_area).sum())

    kept = records.loc[in_area]
    tidy = kept.rename(columns=_RECORD_COLUMNS)[list(_RECORD_COLUMNS.values())].copy()
    tidy.insert(0, "month", pd.to_datetime(kept["Month"].str.strip(), format="%Y-%m"))
    tidy["longitude"] = pd.to_numeric(kept["Longitude"], errors="coerce")
    tidy["latitude"] = pd.to_numeric(kept["Latitude"], errors="coerce")
    tidy["crime_type"] = normalise_crime_type(kept["Crime type"])
    tidy["lsoa_code"] = tidy["lsoa_code"].str.strip()
    tidy["lsoa_name"] = placed.loc[in_area, "lsoa_name"]  # the lookup's name for the code
    renamed = int((kept["LSOA name"].str.strip() != tidy["lsoa_name"]).sum())
    tidy["lsoa_vintage"] = placed.loc[in_area, "lsoa_vintage"].astype("int16")
    tidy["district_code"] = placed.loc[in_area, "district_code"]
    tidy["district_name"] = placed.loc[in_area, "district_name"]
    tidy["source_file"] = name
    tidy["line"] = kept["line"]
    with_id = kept[kept["Crime ID"] != ""]
    identical = int(with_id.duplicated(subset=list(STREET_COLUMNS)).sum())

    rejected = records.loc[~usable, ["line", *STREET_COLUMNS]].assign(
        reason=reason[~usable], raw=""
    )
    malformed = street.malformed.assign(**dict.fromkeys(STREET_COLUMNS, ""))
    rejects = pd.concat([rejected, malformed], ignore_index=True).assign(source_file=name)
    rejects = rejects[REJECT_COLUMNS].sort_values("line", ignore_index=True)
    return FileResult(
        path=name,
        sha256=sha256,
        month=street.month,
        force=street.force,
        rows_read=street.rows_read,
        rows_kept=int(in_area.sum()),
        rows_out_of_area=out_of_area,
        rows_rejected=dict(Counter(rejects["reason"])),
        identical_rows_kept=identical,
        lsoa_name_mismatches=renamed,
        records=tidy.reset_index(drop=True),
        rejects=rejects,
    )


def _duplicate_file_result(path: Path, relative_to: Path, sha256: str, original: str) -> FileResult:
    """A byte-identical second copy of a month: every row is rejected as a duplicate."""
    street = read_street_file(path)
    name = path.relative_to(relative_to).as_posix()
    reason = f"duplicate record (file is a copy of {original})"
    rejects = street.records.assign(reason=reason, raw="", source_file=name)
    rejects = pd.concat([rejects, street.malformed.assign(reason=reason, source_file=name)])
    rejects = rejects.reindex(columns=REJECT_COLUMNS).fillna("")
    return FileResult(
        path=name, sha256=sha256, month=street.month, force=street.force,
        rows_read=street.rows_read, rows_kept=0, rows_out_of_area=0,
        rows_rejected={reason: street.rows_read}, identical_rows_kept=0,
        records=pd.DataFrame(), rejects=rejects,
    )  # fmt: skip


def months_by_year(months: list[str]) -> dict[str, dict[str, list[str]]]:
    """Months present and missing in each calendar year that has any data.

    Examples
    --------
    >>> months_by_year(["2025-01", "2025-03"])["2025"]["missing"][:2]
    ['2025-02', '2025-04']
    """
    out: dict[str, dict[str, list[str]]] = {}
    present = set(months)
    for year in sorted({m[:4] for m in months}):
        every = [f"{year}-{m:02d}" for m in range(1, 13)]
        out[year] = {
            "present": [m for m in every if m in present],
            "missing": [m for m in every if m not in present],
        }
    return out


def _count_table(records: pd.DataFrame) -> pd.DataFrame:
    keys = [
        "month",
        "district_code",
        "district_name",
        "lsoa_code",
        "lsoa_name",
        "lsoa_vintage",
        "crime_type",
    ]
    if records.empty:
        return pd.DataFrame(columns=[*keys, "count"])
    return (
        records.groupby(keys, observed=True, sort=True)
        .size()
        .rename("count")
        .astype("int64")
        .reset_index()
    )


def _fingerprint(config: Config, hashes: dict[str, str]) -> str:
    """What the outputs depend on: inputs, config, and the data layer's code (not just its version)."""
    package = Path(__file__).parent
    code = {
        m: sha256_file(package / m) for m in ("policeuk.py", "areas.py", "prepare.py", "config.py")
    }
    payload = json.dumps(
        {"sna": __version__, "code": code, "config": config.fingerprint(), "inputs": hashes},
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)


def prepare(config: Config, *, force: bool = False, progress: bool = False) -> dict[str, Any]:
    """Prepare the processed data for an assessment; return the manifest.

    Parameters
    ----------
    config
        The assessment config.
    force
        Rebuild even if the inputs are unchanged.
    progress
        Show a progress bar on stderr.

    Returns
    -------
    dict
        The manifest (also written to ``<processed>/manifest.json``), with ``"up_to_date": True``
        when nothing had to be done.

    Raises
    ------
    InputError
        For a file that cannot be read as what it should be, or two different files for one
        force and month.
    """
    out = config.processed_dir
    raw = config.raw_dir
    street, ignored = discover_street_files(config.sources.police_uk)
    if not street:
        raise InputError(
            config.sources.police_uk,
            "no police.uk street files (YYYY-MM-<force>-street.csv[.gz]) found",
            hint="download them from data.police.uk into this folder",
        )
    area_files = {
        "lsoa11_lookup": config.sources.lsoa11_lookup,
        "lsoa21_names": config.sources.lsoa21_names,
        "lsoa11_population": config.sources.lsoa11_population,
        "imd": config.sources.imd,
        "iod_domains": config.sources.iod_domains,
        **{f"population:{k}": s.file for k, s in config.population_sources.items()},
    }
    bar = tqdm(
        total=len(street) + 2,
        desc="sna prepare",
        unit="file",
        disable=not progress,
        file=sys.stderr,
    )
    hashes = {_rel(p, raw): sha256_file(p) for p in [*street, *area_files.values()]}
    fingerprint = _fingerprint(config, hashes)
    manifest_path = out / "manifest.json"
    if not force and manifest_path.is_file() and all((out / o).is_file() for o in OUTPUTS):
        previous = json.loads(manifest_path.read_text())
        if previous.get("fingerprint") == fingerprint:
            bar.close()
            return {**previous, "up_to_date": True}

    bar.set_postfix_str("area data")
    lookup = lsoa_lookup(config)
    check_districts(config, lookup)
    keep = config.kept_district_codes
    bar.update(1)
    results: list[FileResult] = []
    seen: dict[tuple[str, str], tuple[Path, str]] = {}
    for path in street:
        bar.set_postfix_str(path.name)
        rel = _rel(path, raw)
        key = parse_street_filename(path)
        if key in seen:
            first, first_hash = seen[key]
            if first_hash != hashes[rel] and _content_sha(first) != _content_sha(path):
                raise InputError(
                    path,
                    f"a second, different file for {key[1]} {key[0]} (the first is {first})",
                    hint="keep one of them: police.uk revises past months, so keep the newer download",
                )
            results.append(_duplicate_file_result(path, raw, hashes[rel], _rel(first, raw)))
        else:
            seen[key] = (path, hashes[rel])
            results.append(
                process_street_file(
                    path, relative_to=raw, sha256=hashes[rel], lookup=lookup, keep=keep
                )
            )
        bar.update(1)

    bar.set_postfix_str("writing")
    kept = [r.records for r in results if len(r.records)]
    if not kept:
        raise InputError(
            config.sources.police_uk,
            f"no record in any street file belongs to the districts {', '.join(keep)}",
            hint="check that the folder holds the police.uk files of your force",
        )
    records = pd.concat(kept, ignore_index=True)
    names = {d.code: d.name for d in config.districts}
    for code in keep:  # benchmark-only districts take their ONS name
        names.setdefault(
            code, lookup.loc[lookup["district_code"] == code, "district_name"].iloc[-1]
        )
    records["district_name"] = records["district_code"].map(names)
    months = sorted({r.month for r in results})
    years = sorted({int(m[:4]) for m in months} | set(config.reporting_years))
    populations = district_populations(config, years, {c: names[c] for c in keep})
    areas = lsoa_areas(config, lookup, keep)
    rejects = pd.concat([r.rejects for r in results], ignore_index=True)
    rejects["line"] = pd.to_numeric(rejects["line"]).astype("Int64")

    out.mkdir(parents=True, exist_ok=True)
    _write_parquet(records, out / "records.parquet")
    _write_parquet(_count_table(records), out / "counts.parquet")
    _write_parquet(areas, out / "lsoas.parquet")
    _write_parquet(populations, out / "populations.parquet")
    with atomic_path(out / "rejects.csv") as tmp:
        rejects.to_csv(tmp, index=False)
    manifest = _manifest(
        config, results, ignored, area_files, hashes, fingerprint, areas, populations
    )
    atomic_write_text(manifest_path, json.dumps(manifest, indent=2) + "\n")
    bar.update(1)
    bar.close()
    return {**manifest, "up_to_date": False}


def _content_sha(path: Path) -> str:
    """SHA-256 of a file's text, decompressed: ``x.csv`` and ``x.csv.gz`` of one download match."""
    data = path.read_bytes()
    return hashlib.sha256(gzip.decompress(data) if path.suffix == ".gz" else data).hexdigest()


def _rel(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def _manifest(
    config: Config,
    results: list[FileResult],
    ignored: list[Path],
    area_files: dict[str, Path],
    hashes: dict[str, str],
    fingerprint: str,
    areas: pd.DataFrame,
    populations: pd.DataFrame,
) -> dict[str, Any]:
    files = [r.manifest_entry() for r in results]
    rejected: Counter[str] = Counter()
    for r in results:
        rejected.update(r.rows_rejected)
    # A month is present when its file has at least one usable row (kept or out of area): a file
    # whose every row was rejected does not make a month of zero crimes.
    usable = [r for r in results if r.rows_kept + r.rows_out_of_area > 0]
    by_force: dict[str, list[str]] = {}
    for r in usable:
        by_force.setdefault(r.force, []).append(r.month)
    recent = areas[areas["lsoa_vintage"] == 2021]
    unmatched = recent.loc[~recent["deprivation_matched"], "lsoa_code"].tolist()
    raw = config.raw_dir
    return {
        "sna_version": __version__,
        "config": config.path.name,
        "config_fingerprint": config.fingerprint(),
        "fingerprint": fingerprint,
        "files": files,
        "totals": {
            "files": len(files),
            "rows_read": sum(r.rows_read for r in results),
            "rows_kept": sum(r.rows_kept for r in results),
            "rows_out_of_area": sum(r.rows_out_of_area for r in results),
            "rows_rejected": dict(sorted(rejected.items())),
            "identical_rows_kept": sum(r.identical_rows_kept for r in results),
            "lsoa_name_mismatches": sum(r.lsoa_name_mismatches for r in results),
        },
        "months": months_by_year(sorted({r.month for r in usable})),
        "months_by_force": {f: months_by_year(sorted(set(m))) for f, m in sorted(by_force.items())},
        "ignored_files": [_rel(p, raw) for p in ignored],
        "area_files": [
            {"role": role, "path": _rel(p, raw), "sha256": hashes[_rel(p, raw)]}
            for role, p in area_files.items()
        ],
        "lsoas": {
            "lsoa_count": {str(k): int(v) for k, v in areas.groupby("lsoa_vintage").size().items()},
            "lsoa21_without_deprivation": len(unmatched),
            "lsoa21_without_deprivation_codes": unmatched,
            "note": (
                "IoD2019 is published for 2011 LSOAs; 2021 LSOAs whose code changed in the 2021 "
                "revision cannot be matched without a crosswalk and are left out of deprivation analysis."
            ),
        },
        "populations": populations.to_dict(orient="records"),
    }


def run_prepare(config_path: Path, *, force: bool = False, progress: bool = True) -> int:
    """CLI body of ``sna prepare``: prepare and print a summary. Returns the exit status."""
    config = load_config(config_path)
    progress = progress and sys.stderr.isatty()
    manifest = prepare(config, force=force, progress=progress)
    out = config.processed_dir
    if manifest["up_to_date"]:
        print(f"sna prepare: {out} is up to date (inputs unchanged; use --force to rebuild)")
        return 0
    t = manifest["totals"]
    rejected = sum(t["rows_rejected"].values())
    reasons = ", ".join(f"{k} {v:,}" for k, v in t["rows_rejected"].items()) or "none"
    print(f"sna prepare: {t['files']} street files, {t['rows_read']:,} rows read")
    print(
        f"  kept           {t['rows_kept']:,} (districts: {', '.join(config.kept_district_codes)})"
    )
    print(f"  out of area    {t['rows_out_of_area']:,}")
    print(f"  rejected       {rejected:,} ({reasons}) -> {out / 'rejects.csv'}")
    typed = Manifest.from_json(manifest)
    for year in typed.years:
        cover = typed.coverage(year)
        if not cover.complete:
            flag = "  <- reporting year" if year in config.reporting_years else ""
            print(
                f"  {year}: {len(cover.present)} of 12 months; "
                f"missing {format_months(cover.missing, 'iso')}{flag}"
            )
    print(
        f"  LSOA 2021 codes without IoD2019 deprivation: {manifest['lsoas']['lsoa21_without_deprivation']}"
    )
    if t["lsoa_name_mismatches"]:
        print(
            f"  LSOA names not matching their code (kept; the ONS name is used): "
            f"{t['lsoa_name_mismatches']:,}"
        )
    print(f"  wrote {', '.join(OUTPUTS)} and manifest.json to {out}")
    return 0
