"""``sna prepare``: raw police.uk and area files to reconciled, analysis-ready Parquet.

Every data row of every street file is kept, counted out of area, or rejected with its reason
(``rejects.csv`` lists up to :data:`REJECTS_PER_REASON` rows per file and reason; the manifest
counts them all); ``manifest.json`` records per file the SHA-256 and those counts, which add up
to the rows read, and which months each year has. A row repeating the Crime ID of an earlier
row, in its file or an earlier one, is rejected as a duplicate. Outputs are all written to
temporary files, then renamed into place, the manifest (with each output's size and SHA-256)
last, so an interrupted run or a full disk leaves the previous outputs whole; the run holds the
processed folder's lock throughout.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import hashlib
import json
import multiprocessing
import os
import shutil
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from tqdm import tqdm

from sna import __version__
from sna.data.archive import RawFile, archive_members, is_archive
from sna.data.areas import (
    AREA_CACHE_DIR,
    Placement,
    check_districts,
    district_populations,
    lsoa_areas,
    lsoa_lookup,
    place_lsoas,
)
from sna.data.cache import CACHE_DIR, FileCache
from sna.data.config import Config, load_config
from sna.data.files import (
    DATA_LOCK,
    FolderLocked,
    atomic_path,
    folder_lock,
    remove_stale_temp_files,
    sha256_file,
    write_spliced,
)
from sna.data.hash_cache import HashCache
from sna.data.lads import LsoaCounts, lad_lookup, lad_tables, lsoa_id_counts, sum_counts
from sna.data.manifest import Manifest, format_months
from sna.data.partners import partner_inputs, partner_outputs, partner_summary
from sna.data.peers import peer_inputs, peer_outputs
from sna.data.policeuk import (
    ASB,
    CRIME_TYPES,
    MALFORMED,
    STREET_COLUMNS,
    StreetFile,
    crime_type_ids,
    crime_type_names,
    force_key,
    parse_street_filename,
    read_street_file,
    record_reasons,
)
from sna.data.processed import damaged_outputs
from sna.data.rejects import (
    REJECTS_PER_REASON,
    RejectPart,
    header_text,
    reject_text,
)
from sna.data.store import (
    STORE_DIR,
    FileSpan,
    IdRun,
    StoreIndex,
    add_run,
    ids_held,
    read_index,
    read_runs,
    write_index,
)
from sna.errors import InputError, SnaError

__all__ = [
    "DUPLICATE_CRIME_ID",
    "EMPTY_ROW",
    "REJECTS_PER_REASON",
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
    "outcomes.parquet",
    "lad_counts.parquet",
    "lad_populations.parquet",
    "partners.parquet",
    "partner_checks.parquet",
    "peer_features.parquet",
    "rejects.csv",
)
DUPLICATE_CRIME_ID = "duplicate Crime ID"
EMPTY_ROW = "empty row"
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


_NO_COUNTS = lsoa_id_counts(
    np.empty(0, dtype=object),
    np.empty(0, np.int64),
    np.empty(0, np.int64),
    np.empty(0, np.int64),
    [],
)


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
    rejects: bytes = field(repr=False)
    """The file's lines of ``rejects.csv`` (UTF-8 CSV, no header; see :mod:`sna.data.rejects`)."""
    lsoa_name_mismatches: int = 0
    rejects_not_written: dict[str, int] = field(default_factory=dict)
    crime_ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64), repr=False)
    lsoa_counts: LsoaCounts = field(default_factory=lambda: _NO_COUNTS, repr=False)
    """Usable rows (kept or out of area) by LSOA and crime type, for ``lad_counts.parquet``."""

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
            "rejects_not_written": dict(sorted(self.rejects_not_written.items())),
        }


def discover_street_files(folder: Path) -> tuple[list[RawFile], list[Path]]:
    """police.uk street files under ``folder`` (any depth), and the other files found there.

    Street files are ``*-street.csv`` and ``*-street.csv.gz``, in any case (``.CSV``), as files
    or as members of zip archives (``*.zip``, police.uk's download: read without unpacking, a
    member's path is ``<archive>!<member>``); outcomes and stop-and-search files, and anything
    else, are listed as ignored. Hidden files are skipped. Folders that are symbolic links are
    followed (paths are kept as found, through the link), each real folder once, so a link back
    up the tree is no loop.

    Raises
    ------
    InputError
        For a ``.zip`` file that is not a zip archive, or is cut short.
    """
    street: list[RawFile] = []
    other: list[Path] = []
    for path in sorted(_walk_files(folder)):
        if path.name.startswith("."):
            continue
        members = archive_members(path) if is_archive(path) else [None]
        for member in members:
            source = RawFile(path, member)
            if source.name.startswith("."):
                continue
            is_street = source.name.lower().endswith(("-street.csv", "-street.csv.gz"))
            if is_street:
                street.append(source)
            else:
                other.append(path if member is None else source.path)
    return street, other


def _walk_files(folder: Path) -> Iterator[Path]:
    """Files under ``folder``, following linked folders, each real folder visited once."""
    visited: set[str] = set()
    for root, dirs, files in os.walk(folder, followlinks=True):
        real = os.path.realpath(root)
        if real in visited:
            dirs[:] = []
            continue
        visited.add(real)
        dirs.sort()
        for name in files:
            path = Path(root) / name
            if path.is_file():
                yield path


def process_street_file(
    path: Path | RawFile,
    *,
    relative_to: Path,
    sha256: str,
    lookup: pd.DataFrame,
    keep: tuple[str, ...],
    seen_ids: np.ndarray | None = None,
) -> FileResult:
    """Read, validate and place one street file. A plain function of its inputs.

    A row is rejected, with the first reason that applies: a reason of
    :func:`~sna.data.policeuk.validate_records`; an unknown LSOA code; an LSOA code of the other
    census than the file's (see :func:`~sna.data.areas.assign_districts`); a Crime ID already
    used by a usable row of this file or of ``seen_ids`` ("duplicate Crime ID": the first row is
    kept). Blank Crime IDs (anti-social behaviour) are never duplicates.

    Parameters
    ----------
    path
        The street file (or a member of a zip archive).
    relative_to
        Folder the file's path is recorded relative to (the raw folder).
    sha256
        The file's SHA-256 (already computed by the caller).
    lookup
        LSOA lookup from :func:`sna.data.areas.lsoa_lookup`.
    keep
        District codes whose records are kept; others count as out of area.
    seen_ids
        Hashed Crime IDs of usable rows in files read before (``FileResult.crime_ids``).

    Raises
    ------
    InputError
        If the file cannot be read, or no row falls within the force its name says.
    """
    street = read_street_file(path)
    records = street.records
    name = _rel(street.path, relative_to)
    type_ids = crime_type_ids(records["Crime type"])
    reasons = record_reasons(
        records, file_month=street.month, file_force=street.force, crime_types=type_ids
    )
    _check_force(street)
    # Placed per distinct (LSOA code, name) pair; rows take their pair's result as integers.
    placement = place_lsoas(records["LSOA code"], records["LSOA name"], lookup)
    pair_ids = placement.pair_ids
    unknown = (placement.district_code == "") & (placement.lsoa_vintage == 0)
    reasons.flag(unknown[pair_ids], "unknown LSOA code")
    vintage = placement.file_vintage
    if vintage:
        other = 2011 if vintage == 2021 else 2021
        reasons.flag(
            placement.other_vintage[pair_ids],
            f"LSOA code from the {other} census in a file using {vintage} codes",
        )
    duplicate, crime_ids = _mark_duplicate_ids(records["Crime ID"], reasons.usable(), seen_ids)
    reasons.flag(duplicate, DUPLICATE_CRIME_ID)
    usable = reasons.usable()
    wanted = set(keep)
    in_keep = np.array([code in wanted for code in placement.district_code], dtype=bool)
    in_area = usable & in_keep[pair_ids]
    out_of_area = int((usable & ~in_area).sum())
    used = pair_ids[usable]
    by_lsoa = lsoa_id_counts(
        placement.codes,
        placement.pair_code[used],
        placement.lsoa_vintage[used],
        type_ids[usable],
        CRIME_TYPES,
    )
    if in_area.any():
        kept = _rows(records, in_area)
        placed = placement.frame(pair_ids[in_area])
        placed.index = kept.index
        crime_type = crime_type_names(type_ids[in_area], kept.index)
        tidy, renamed, identical = _tidy_records(kept, placed, crime_type, name)
    else:  # most files of a national run: the same empty table each time
        tidy, renamed, identical = _empty_records(records, placement, type_ids).copy(), 0, 0
    rejected = ~usable
    counted = Counter(reasons.counts(rejected))
    if street.malformed_count:
        counted[MALFORMED] += street.malformed_count
    if len(street.blank_lines):
        counted[EMPTY_ROW] += len(street.blank_lines)
    rows = RejectPart(
        lines=records["line"].to_numpy()[rejected],
        reasons=reasons.arrow(rejected),
        values=_arrow_rows(records, rejected, STREET_COLUMNS),
    )
    rejects, not_written = reject_text([rows, *_unread_parts(street)], name, counted)
    return FileResult(
        path=name,
        sha256=sha256,
        month=street.month,
        force=street.force,
        rows_read=street.rows_read,
        rows_kept=int(in_area.sum()),
        rows_out_of_area=out_of_area,
        rows_rejected=dict(counted),
        identical_rows_kept=identical,
        lsoa_name_mismatches=renamed,
        records=tidy,
        rejects=rejects,
        rejects_not_written=not_written,
        crime_ids=crime_ids,
        lsoa_counts=by_lsoa,
    )


def _tidy_records(
    kept: pd.DataFrame, placed: pd.DataFrame, crime_type: pd.Series, name: str
) -> tuple[pd.DataFrame, int, int]:
    """Kept rows as ``records.parquet`` rows; LSOA names the lookup renamed; identical rows.

    ``placed`` and ``crime_type`` are :func:`~sna.data.areas.assign_districts`' and the
    normalised crime types of the same rows.
    """
    tidy = kept.rename(columns=_RECORD_COLUMNS)[list(_RECORD_COLUMNS.values())].copy()
    tidy.insert(0, "month", pd.to_datetime(kept["Month"].str.strip(), format="%Y-%m"))
    tidy["longitude"] = pd.to_numeric(kept["Longitude"], errors="coerce")
    tidy["latitude"] = pd.to_numeric(kept["Latitude"], errors="coerce")
    tidy["crime_type"] = crime_type
    tidy["lsoa_code"] = tidy["lsoa_code"].str.strip()
    tidy["lsoa_name"] = placed["lsoa_name"]  # the lookup's name for the code
    renamed = int((kept["LSOA name"].str.strip() != tidy["lsoa_name"]).sum())
    tidy["lsoa_vintage"] = placed["lsoa_vintage"].astype("int16")
    tidy["district_code"] = placed["district_code"]
    tidy["district_name"] = placed["district_name"]
    tidy["source_file"] = name
    tidy["line"] = kept["line"]
    with_id = kept[kept["Crime ID"] != ""]
    identical = int(with_id.duplicated(subset=list(STREET_COLUMNS)).sum())
    return tidy.reset_index(drop=True), renamed, identical


def _rows(
    records: pd.DataFrame, mask: np.ndarray, columns: list[str] | None = None
) -> pd.DataFrame:
    """``records.loc[mask, columns]``, filtered by Arrow chunk by chunk (see :func:`_arrow_rows`).

    Examples
    --------
    >>> frame = pd.DataFrame({"line": [2, 3, 4], "Month": pd.Series(["a", "b", "c"], dtype="str")})
    >>> _rows(frame, np.array([True, False, True]))
       line Month
    0     2     a
    2     4     c
    """
    columns = list(records.columns) if columns is None else columns
    if not mask.any():
        return records[columns].iloc[:0]
    table = pa.table(_arrow_rows(records, mask, columns))
    out = table.combine_chunks().to_pandas()  # one chunk, as pandas makes
    out.index = records.index[mask]
    dtypes = records.dtypes[columns]
    return out if out.dtypes.equals(dtypes) else out.astype(dtypes.to_dict())


_EMPTY_RECORDS: dict[tuple[Any, ...], pd.DataFrame] = {}


def _empty_records(
    records: pd.DataFrame, placement: Placement, type_ids: np.ndarray
) -> pd.DataFrame:
    """:func:`_tidy_records` of none of ``records``, built once per set of column dtypes."""
    key = tuple(records.dtypes.items())
    if key not in _EMPTY_RECORDS:
        none = np.zeros(len(records), dtype=bool)
        kept = _rows(records, none)
        placed = placement.frame(placement.pair_ids[none])
        placed.index = kept.index
        _EMPTY_RECORDS[key] = _tidy_records(kept, placed, crime_type_names(type_ids[none]), "")[0]
    return _EMPTY_RECORDS[key]


def _check_force(street: StreetFile) -> None:
    """Refuse a file none of whose rows falls within the force its name says.

    Such a file is another force's month renamed or copied: rejecting its rows one by one would
    hide that a month of the named force is missing, so it is an error. Rows of other forces in
    a file that is otherwise right are rejected one by one instead.
    """
    column = street.records["Falls within"]
    _, values = pd.factorize(column)  # each distinct text stripped once, not each row
    names = [f for f in pd.Series(values, dtype=column.dtype).str.strip() if f != ""]
    if not names:
        return
    wanted = force_key(street.force)
    if any(force_key(f) == wanted for f in names):
        return
    given = column.str.strip()
    top = given[given != ""].value_counts().index[0]
    raise InputError(
        street.path,
        f"no row falls within the force of the file name ({street.force}): "
        f"'Falls within' says {top!r}",
        hint="the file looks renamed or copied from another force's download: name it "
        f"{street.month}-{force_key(top)}-street.csv after its force, or remove it",
    )


def _mark_duplicate_ids(
    ids: pd.Series, usable: np.ndarray, seen_ids: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Usable rows whose non-blank Crime ID an earlier usable row already has.

    IDs are compared by a 64-bit hash, stripped of spaces and case-folded (police.uk IDs are
    hexadecimal: ``AB12`` is ``ab12``): cheap to keep across files, and a chance collision among
    a million IDs is about one in 10^7.

    Returns
    -------
    tuple
        Which rows are duplicates (a mask), and the sorted hashes of the IDs of the rows left
        usable, for the files read next.
    """
    block = _plain_ids(ids)
    if block is not None:  # every real file: no string made
        given = block.given
        candidate = usable & given
        hashed = _splitmix_rows(block.rows[candidate[given]])
    else:
        stripped = ids.str.strip().str.lower()
        candidate = usable & stripped.ne("").to_numpy()
        hashed = hash_ids(stripped[candidate])
    # One stable sort: an ID equal to the one before it in sorted order is a repeat, and the
    # first row of equal IDs stays first.
    order = np.argsort(hashed, kind="stable")
    ordered = hashed[order]
    again = np.zeros(len(hashed), dtype=bool)
    again[1:] = ordered[1:] == ordered[:-1]
    repeat = np.zeros(len(hashed), dtype=bool)
    repeat[order[again]] = True
    distinct = ordered[~again]
    if seen_ids is not None and len(seen_ids):
        before = _in_sorted(hashed, seen_ids)
        repeat |= before
        distinct = distinct[~_in_sorted(distinct, seen_ids)]
    duplicate = np.zeros(len(ids), dtype=bool)
    duplicate[np.flatnonzero(candidate)[repeat]] = True
    return duplicate, distinct


ID_WIDTH = 64
"""Characters in a police.uk Crime ID (hexadecimal): IDs of up to this many ASCII characters are
hashed by :func:`hash_ids` with numpy, longer or non-ASCII ones by pandas."""
_MIX = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def hash_ids(ids: pd.Series) -> np.ndarray:
    """A 64-bit hash of each Crime ID, the same for the same text in every file.

    IDs of up to :data:`ID_WIDTH` ASCII characters (every real one) are padded with spaces to
    that width and hashed eight bytes at a time with the splitmix64 mixer, on the whole column
    at once; others by :func:`pandas.util.hash_array`. Trailing spaces are not part of an ID
    (IDs are stripped), so padding cannot make two IDs equal.

    Parameters
    ----------
    ids
        Stripped, case-folded Crime IDs, none blank.

    Returns
    -------
    numpy.ndarray
        ``uint64``, one per ID.

    Examples
    --------
    >>> a = hash_ids(pd.Series(["ab12", "ab12", "ab13", "é" * 70]))
    >>> bool(a[0] == a[1]), bool(a[0] != a[2]), a.dtype.name
    (True, True, 'uint64')
    """
    out = np.empty(len(ids), dtype=np.uint64)
    if not len(ids):
        return out
    bounds, data, _ = _text_bytes(ids)
    lengths = np.diff(bounds)
    fast = lengths <= ID_WIDTH
    if len(data) and data.max() >= 0x80:  # a row with a byte outside ASCII
        wide_rows = np.searchsorted(bounds, np.flatnonzero(data >= 0x80), "right")
        fast[np.unique(wide_rows - 1)] = False
    if fast.any():
        if fast.all() and (lengths == ID_WIDTH).all():  # every real file: no copy
            block = data.reshape(len(lengths), ID_WIDTH)
        else:  # pad with spaces: the bytes of the rows kept fill each row's first cells
            block = np.full((int(fast.sum()), ID_WIDTH), ord(" "), dtype=np.uint8)
            block[np.arange(ID_WIDTH) < lengths[fast][:, None]] = data[np.repeat(fast, lengths)]
        out[fast] = _splitmix_rows(block)
    if not fast.all():
        out[~fast] = pd.util.hash_array(ids.to_numpy(dtype=object)[~fast])
    return out


def _text_bytes(values: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """Texts as Arrow holds them: where each starts, their bytes, and how many are missing.

    The offsets (``int64``, one more than the texts) count from the first text's start; the
    bytes (``uint8``) are Arrow's buffer, not a copy.

    Examples
    --------
    >>> bounds, data, nulls = _text_bytes(pd.Series(["ab", "", "c"]))
    >>> bounds.tolist(), data.tobytes(), nulls
    ([0, 2, 2, 3], b'abc', 0)
    """
    text = pa.array(values, type=pa.large_string())
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    bounds = np.frombuffer(text.buffers()[1], dtype=np.int64)
    bounds = bounds[text.offset : text.offset + len(text) + 1]
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8)[bounds[0] : bounds[-1]]
    return bounds - bounds[0], data, text.null_count


def _splitmix_rows(block: np.ndarray) -> np.ndarray:
    """:func:`hash_ids` of IDs given as rows of :data:`ID_WIDTH` bytes (``uint8``)."""
    h = np.full(len(block), _MIX[0], dtype=np.uint64)
    for column in np.ascontiguousarray(block).view(np.uint64).T:  # splitmix64 of (h xor word)
        z = (h ^ column) + _MIX[0]
        z = (z ^ (z >> np.uint64(30))) * _MIX[1]
        z = (z ^ (z >> np.uint64(27))) * _MIX[2]
        h = z ^ (z >> np.uint64(31))
    return h


@dataclass(frozen=True)
class _IdBlock:
    given: np.ndarray
    """Rows with a Crime ID."""
    rows: np.ndarray
    """The IDs of those rows, one row of :data:`ID_WIDTH` bytes each."""


def _plain_ids(ids: pd.Series) -> _IdBlock | None:
    """A file's Crime IDs as rows of bytes, if each is blank or plain; else None.

    A plain ID is :data:`ID_WIDTH` lower-case letters and digits, which stripping and
    case-folding leave as they are (every real one).

    Examples
    --------
    >>> block = _plain_ids(pd.Series(["", "a" * 64]))
    >>> block.given.tolist(), block.rows.shape
    ([False, True], (1, 64))
    >>> _plain_ids(pd.Series(["A" * 64])) is None
    True
    """
    bounds, data, nulls = _text_bytes(ids)
    lengths = np.diff(bounds)
    given = lengths > 0
    if not ((lengths == 0) | (lengths == ID_WIDTH)).all() or nulls:
        return None
    if len(data) and (data.min() < ord("0") or data.max() > ord("z")):
        return None
    if ((data - np.uint8(ord(":"))) <= np.uint8(ord("`") - ord(":"))).any():  # ":" to "`"
        return None  # punctuation or an upper-case letter between the digits and "a"
    return _IdBlock(given, data.reshape(-1, ID_WIDTH))


def _in_sorted(values: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """Which ``values`` are in ``sorted_values`` (sorted): a binary search each, no re-sort."""
    position = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return sorted_values[position] == values


PARALLEL_MIN_FILES = 24
"""Street files to read before they are read in :data:`WORKERS` worker processes; fewer are read
in this process, where starting the workers (importing pandas in each) would cost more."""
WORKERS = 2


def _process_street_files(
    street: list[RawFile],
    *,
    config: Config,
    hashes: dict[str, str],
    lookup: pd.DataFrame,
    keep: tuple[str, ...],
    force: bool,
    bar: Any,
) -> tuple[list[FileResult], set[str], np.ndarray]:
    """Every street file processed, in order, the cache keys used, and every Crime ID (hashed).

    A file's result is taken from the per-file cache (:mod:`sna.data.cache`) when its content,
    path and the processing fingerprint are unchanged (not with ``force``), else computed, in
    worker processes when there are many files, and cached. Results are computed as if no other
    file had been read; the cross-file duplicate Crime ID check is then made in file order, and
    the rare file holding a Crime ID of an earlier file is processed again with the IDs seen so
    far, so the outcome is that of reading the files one after another. An error in a worker is
    raised by processing that file again here, in order, so the first failing file is named.
    """
    raw = config.raw_dir
    tasks: list[tuple[RawFile, str, tuple[RawFile, str] | None] | InputError] = []
    seen: dict[tuple[str, str], tuple[RawFile, str]] = {}
    for source in street:
        rel = _rel(source.path, raw)
        try:
            month, force_id = parse_street_filename(source.path)
        except InputError as exc:
            tasks.append(exc)  # raised in order, after the files before it
            break
        # One month of one force, however its file is named (thames-valley-police is
        # thames-valley): a second file for it is a copy, or a different download.
        key = (month, force_key(force_id))
        tasks.append((source, rel, seen.get(key)))
        seen.setdefault(key, (source, hashes[rel]))

    cache = FileCache(config.processed_dir / CACHE_DIR)
    processing = _processing_fingerprint(config, hashes)
    keys: dict[int, str] = {}
    cached: dict[int, FileResult] = {}
    for i, task in enumerate(tasks):
        if isinstance(task, tuple) and task[2] is None:
            keys[i] = _cache_key(processing, task[1], hashes[task[1]])
            hit = None if force else _load_result(cache, keys[i])
            if hit is not None:
                cached[i] = hit
    todo = [i for i in keys if i not in cached]
    results: list[FileResult] = []
    read: list[tuple[int, RawFile, str]] = []  # results of files read (not copies), in order
    with contextlib.ExitStack() as stack:
        futures: dict[int, Any] = {}
        if len(todo) >= PARALLEL_MIN_FILES and (os.cpu_count() or 1) > 1:
            pool = stack.enter_context(
                ProcessPoolExecutor(
                    max_workers=WORKERS,
                    mp_context=_worker_context(),
                    initializer=_start_worker,
                    initargs=(lookup, keep, cache.folder),
                )
            )
            stack.callback(pool.shutdown, wait=True, cancel_futures=True)
            for i in sorted(todo, key=lambda i: -_size(tasks[i][0])):  # type: ignore[index]
                # Largest first: no worker left alone with a big file at the end.
                source, rel, _ = tasks[i]  # type: ignore[misc]
                futures[i] = pool.submit(_worker_process, source, raw, hashes[rel], keys[i])
        for i, task in enumerate(tasks):
            if isinstance(task, InputError):
                raise task
            source, rel, first = task
            bar.set_postfix_str(source.path.name)
            if first is not None:
                first_source, first_hash = first
                if first_hash != hashes[rel] and _content_sha(first_source) != _content_sha(source):
                    month, force_id = parse_street_filename(source.path)
                    raise InputError(
                        source.path,
                        f"a second, different file for {force_key(force_id)} {month} "
                        f"(the first is {first_source.path})",
                        hint="keep one of them: police.uk revises past months, so keep the "
                        "newer download",
                    )
                original = _rel(first_source.path, raw)
                results.append(_duplicate_file_result(source, raw, hashes[rel], original))
                bar.update(1)
                continue
            result = cached.pop(i, None)
            if result is None:
                future = futures.pop(i, None)
                result = future.result() if future is not None else None  # cached by the worker
                if result is None:  # not sent to a worker, or the worker failed: raise here
                    result = process_street_file(
                        source, relative_to=raw, sha256=hashes[rel], lookup=lookup, keep=keep
                    )
                    _save_result(cache, keys[i], result)
            read.append((len(results), source, rel))
            results.append(result)
            bar.update(1)
    # Crime IDs used in an earlier file: the rare file holding one is processed again, with
    # those IDs as seen before it (the result of reading the files one after another).
    earlier, distinct = _ids_seen_before([results[at].crime_ids for at, _, _ in read])
    for (at, source, rel), seen_ids in zip(read, earlier, strict=True):
        if len(seen_ids):
            results[at] = process_street_file(
                source, relative_to=raw, sha256=hashes[rel], lookup=lookup, keep=keep,
                seen_ids=seen_ids,
            )  # fmt: skip
    return results, set(keys.values()), distinct


def _size(source: RawFile) -> int:
    """Bytes of a file on disk (0 for a zip member, or a file that cannot be read)."""
    try:
        return source.file.stat().st_size if source.member is None else 0
    except OSError:
        return 0


def ids_seen_before(ids: list[np.ndarray]) -> list[np.ndarray]:
    """For each file's Crime IDs (hashed, distinct), those an earlier file has, sorted.

    One sort of every file's IDs together finds the IDs held more than once (nearly always
    none); only those are then sorted stably with their files, so that an ID's copies sit in
    file order and each copy after the first belongs to a file that holds an ID of an earlier
    one. Linear in files (the IDs seen so far are never merged file by file) and exact for the
    IDs as hashed.

    Examples
    --------
    >>> a, b, c = np.array([1, 5], np.uint64), np.array([2, 5], np.uint64), np.array([1, 2, 9], np.uint64)
    >>> [x.tolist() for x in ids_seen_before([a, b, c])]
    [[], [5], [1, 2]]
    """
    return _ids_seen_before(ids)[0]


def _ids_seen_before(ids: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """:func:`ids_seen_before`, and every file's IDs together, sorted and distinct."""
    found = [np.empty(0, dtype=np.uint64) for _ in ids]
    if not ids:
        return found, np.empty(0, dtype=np.uint64)
    values = np.concatenate(ids)
    ordered = np.sort(values)
    same = ordered[1:] == ordered[:-1]
    repeated = np.unique(ordered[1:][same])
    distinct = ordered[np.r_[True, ~same]] if len(repeated) else ordered
    del ordered
    if not len(repeated):
        return found, distinct
    owner = np.repeat(np.arange(len(ids), dtype=np.int32), [len(x) for x in ids])
    held = _in_sorted(values, repeated)
    values, owner = values[held], owner[held]
    order = np.argsort(values, kind="stable")
    values, owner = values[order], owner[order]
    again = np.flatnonzero(values[1:] == values[:-1]) + 1
    files = owner[again]
    grouped = np.argsort(files, kind="stable")
    bounds = np.flatnonzero(np.diff(files[grouped])) + 1
    for part in np.split(grouped, bounds):
        found[int(files[part[0]])] = np.unique(values[again[part]])
    return found, distinct


def _worker_context() -> multiprocessing.context.BaseContext:
    """How worker processes start: forked from a server process that has imported sna.

    The server is started afresh (it inherits no open file, such as the processed folder's
    lock) and has one thread, so forking it is safe; each worker then starts without paying
    for the imports again. Where there is no fork (Windows, macOS by default), spawn.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _start_worker_server() -> None:
    """Start the workers' server now, so that it imports sna while this process hashes files."""
    context = _worker_context()
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


_WORKER: dict[str, Any] = {}


def _start_worker(lookup: pd.DataFrame, keep: tuple[str, ...], cache: Path) -> None:
    """Worker process set-up: the LSOA lookup, kept districts and cache, sent once per worker."""
    _WORKER.update(lookup=lookup, keep=keep, cache=FileCache(cache))


def _worker_process(source: RawFile, raw: Path, sha256: str, key: str) -> FileResult | None:
    """One street file processed and cached in a worker; None if it fails (then redone in order)."""
    try:
        result = process_street_file(
            source, relative_to=raw, sha256=sha256, lookup=_WORKER["lookup"], keep=_WORKER["keep"]
        )
    except Exception:  # noqa: BLE001 - the main process processes the file again and raises
        return None
    _save_result(_WORKER["cache"], key, result)
    return result


HASHES = "hashes.json"
"""The inputs' digests by file status, in the cache folder (:mod:`sna.data.hash_cache`)."""
_CACHED_FIELDS = (
    "path",
    "sha256",
    "month",
    "force",
    "rows_read",
    "rows_kept",
    "rows_out_of_area",
    "rows_rejected",
    "identical_rows_kept",
    "lsoa_name_mismatches",
    "rejects_not_written",
)
_CACHED_FRAMES = ("records",)
_MONTH_DTYPE = pd.to_datetime(pd.Series(["2025-01"]), format="%Y-%m").dtype


def _processing_fingerprint(config: Config, hashes: dict[str, str]) -> str:
    """What processing one street file depends on besides the file: code, lookups, districts."""
    package = Path(__file__).parent
    raw = config.raw_dir
    payload = {
        "sna": __version__,
        "code": {
            m: sha256_file(package / m)
            for m in (
                "policeuk.py",
                "areas.py",
                "prepare.py",
                "archive.py",
                "lads.py",
                "cache.py",
                "rejects.py",
            )
        },
        "lookups": [
            hashes.get(_rel(config.sources.lsoa11_lookup, raw)),
            hashes.get(_rel(config.sources.lsoa21_names, raw)),
        ],
        "districts": [[d.code, d.name] for d in config.districts],
        "keep": list(config.kept_district_codes),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _cache_key(processing: str, rel: str, sha256: str) -> str:
    """Cache key of one street file: its content, its path (in its rows) and the processing."""
    return hashlib.sha256(f"{processing}\0{rel}\0{sha256}".encode()).hexdigest()


def _save_result(cache: FileCache, key: str, result: FileResult) -> None:
    """Cache a file's result; a cache that cannot be written (a full disk) is skipped."""
    with contextlib.suppress(OSError):
        cache.save(
            key,
            {name: getattr(result, name) for name in _CACHED_FRAMES},
            {
                "crime_ids": result.crime_ids,
                "rejects": np.frombuffer(result.rejects, dtype=np.uint8),
                **{f"lsoa_{k}": v for k, v in result.lsoa_counts.arrays().items()},
            },
            {name: getattr(result, name) for name in _CACHED_FIELDS},
        )


def _load_result(cache: FileCache, key: str) -> FileResult | None:
    """A cached result as :func:`process_street_file` returned it, or None (missing, damaged)."""
    entry = cache.load(key)
    if entry is None:
        return None
    try:
        frames = entry["frames"]
        records = frames["records"]
        # As process_street_file makes it (Parquet may store another unit of time).
        records["month"] = records["month"].astype(_MONTH_DTYPE)
        return FileResult(
            **{name: entry["meta"][name] for name in _CACHED_FIELDS},
            records=records,
            rejects=entry["arrays"]["rejects"].tobytes(),
            lsoa_counts=LsoaCounts(**{k: entry["arrays"][f"lsoa_{k}"] for k in LsoaCounts.FIELDS}),
            crime_ids=entry["arrays"]["crime_ids"].astype(np.uint64),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _arrow_rows(
    records: pd.DataFrame, mask: np.ndarray | None, columns: Sequence[str]
) -> dict[str, pa.ChunkedArray]:
    """``records.loc[mask, columns]`` (every row if ``mask`` is None) as Arrow columns.

    Filtered chunk by chunk: a file's text columns come in many Arrow chunks, and pandas joins
    them all before taking a few rows, which for a file's kept or rejected rows costs more than
    reading them.
    """
    table = pa.table({c: pa.array(records[c].array) for c in columns})
    if mask is not None:
        table = table.filter(pa.array(mask))
    return {c: table.column(c) for c in columns}


def _unread_parts(street: StreetFile, reason: str | None = None) -> list[RejectPart]:
    """A file's malformed rows (those kept) and blank rows (up to the cap) as reject parts.

    With ``reason``, every row takes it instead of its own.
    """
    malformed = street.malformed
    return [
        RejectPart(
            lines=malformed["line"].to_numpy(dtype=np.int64),
            reasons=reason or pa.array(malformed["reason"].array),
            raw=pa.array(malformed["raw"].array),
        ),
        RejectPart(lines=street.blank_lines[:REJECTS_PER_REASON], reasons=reason or EMPTY_ROW),
    ]


def _duplicate_file_result(
    path: RawFile, relative_to: Path, sha256: str, original: str
) -> FileResult:
    """A byte-identical second copy of a month: every row is rejected as a duplicate."""
    street = read_street_file(path)
    name = _rel(street.path, relative_to)
    reason = f"duplicate record (file is a copy of {original})"
    rows = RejectPart(
        lines=street.records["line"].to_numpy(dtype=np.int64),
        reasons=reason,
        values=_arrow_rows(street.records, None, STREET_COLUMNS),
    )
    parts = [rows, *_unread_parts(street, reason)]
    rejects, not_written = reject_text(parts, name, {reason: street.rows_read})
    return FileResult(
        path=name, sha256=sha256, month=street.month, force=street.force,
        rows_read=street.rows_read, rows_kept=0, rows_out_of_area=0,
        rows_rejected={reason: street.rows_read}, identical_rows_kept=0,
        records=pd.DataFrame(), rejects=rejects, rejects_not_written=not_written,
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


_COUNT_KEYS = [
    "month",
    "district_code",
    "district_name",
    "lsoa_code",
    "lsoa_name",
    "lsoa_vintage",
    "crime_type",
]
_OUTCOME_KEYS = ["month", "district_code", "district_name", "crime_type", "last_outcome_category"]


def _count_table(records: pd.DataFrame) -> pd.DataFrame:
    keys = _COUNT_KEYS
    if records.empty:
        return pd.DataFrame(columns=[*keys, "count"])
    return (
        records.groupby(keys, observed=True, sort=True)
        .size()
        .rename("count")
        .astype("int64")
        .reset_index()
    )


def _outcome_table(records: pd.DataFrame) -> pd.DataFrame:
    """Crimes by month, district, crime type and police.uk "Last outcome category" (blank kept).

    Anti-social behaviour has no outcomes and is left out; a crime with a blank outcome is kept
    with ``last_outcome_category == ""``.
    """
    keys = _OUTCOME_KEYS
    crimes = records.loc[(records["crime_type"] != ASB).to_numpy(), keys].assign(
        last_outcome_category=lambda r: r["last_outcome_category"].fillna("").str.strip()
    )
    if crimes.empty:
        return pd.DataFrame({k: pd.Series(dtype=records[k].dtype) for k in keys}).assign(
            count=pd.Series(dtype="int64")
        )
    return (
        crimes.groupby(keys, observed=True, sort=True)
        .size()
        .rename("count")
        .astype("int64")
        .reset_index()
    )


def _fingerprint(config: Config, hashes: dict[str, str]) -> str:
    """What the outputs depend on: inputs, config, and the data layer's code (not just its version)."""
    package = Path(__file__).parent
    code = {
        m: sha256_file(package / m)
        for m in (
            "policeuk.py",
            "areas.py",
            "prepare.py",
            "config.py",
            "archive.py",
            "cache.py",
            "lads.py",
            "rejects.py",
            "store.py",
            "partners.py",
            "partner_checks.py",
            "peers.py",
            "peer_config.py",
        )
    }
    payload = json.dumps(
        {"sna": __version__, "code": code, "config": config.fingerprint(), "inputs": hashes},
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def prepare(
    config: Config,
    *,
    force: bool = False,
    progress: bool = False,
    allow_foreign_files: bool = False,
) -> dict[str, Any]:
    """Prepare the processed data for an assessment; return the manifest.

    Holds the processed folder's lock (:data:`~sna.data.files.DATA_LOCK`) for the whole run, so
    that no build reads the data while they change and no two runs write at once.

    Parameters
    ----------
    config
        The assessment config.
    force
        Rebuild even if the inputs are unchanged.
    progress
        Show a progress bar on stderr.
    allow_foreign_files
        Write into a processed folder holding files sna did not write (see
        :func:`_check_processed_folder`); sna replaces only its own output names there.

    Returns
    -------
    dict
        The manifest (also written to ``<processed>/manifest.json``), with ``"up_to_date": True``
        when nothing had to be done: inputs, config and code unchanged, and every output as
        written (size and SHA-256). Otherwise ``"files_added"`` is the number of new street
        files merged into the previous outputs without reading the others again (see
        :mod:`sna.data.store`: the outputs are those a full run makes) and ``"rows_added"``
        their rows, both None after a full run; ``"merge_refused"`` says why, when a street
        file stopped the merge (a file of the outputs removed or changed, a second file for a
        month, a Crime ID of an earlier file), else None.

    Raises
    ------
    InputError
        For a file that cannot be read as what it should be, or two different files for one
        force and month.
    SnaError
        If another ``sna prepare`` or ``sna build`` holds the folder, or an output cannot be
        written (a full disk); the previous outputs are then left whole.
    """
    out = config.processed_dir
    if not allow_foreign_files:
        _check_processed_folder(config)
    with contextlib.ExitStack() as stack:
        try:
            out.mkdir(parents=True, exist_ok=True)
            stack.enter_context(folder_lock(out / DATA_LOCK))
        except FolderLocked as exc:
            raise SnaError(
                f"{out} is in use by another sna prepare or sna build "
                f"(pid {exc.pid or 'unknown'}); wait for it to finish, or remove "
                f"{exc.lock_path} if it is stale"
            ) from None
        except OSError as exc:
            raise SnaError(
                f"cannot write to {exc.filename or out} ({exc.strerror or exc}); check the "
                "processed folder (paths.processed in the config) and its permissions"
            ) from None
        remove_stale_temp_files(out, recursive=False)
        return _prepare(config, force=force, progress=progress)


def _check_processed_folder(config: Config) -> None:
    """Refuse a processed folder holding files sna did not write, which prepare could replace.

    sna's files there are its lock, its ``manifest.json`` (it carries ``sna_version`` and
    ``fingerprint``) and the outputs that manifest lists. Hidden files (``.gitkeep``) and
    temporary files of an interrupted run are not counted.
    """
    out = config.processed_dir
    if not out.is_dir():
        return
    owned = {DATA_LOCK}
    manifest = out / "manifest.json"
    if manifest.is_file():
        previous = _read_json(manifest)
        if "sna_version" in previous and "fingerprint" in previous:
            owned.add("manifest.json")
            outputs = previous.get("outputs")
            owned.update(outputs if isinstance(outputs, dict) else ())
    try:
        names = sorted(p.name for p in out.iterdir())
    except OSError:
        return  # reported when the folder is locked or written
    foreign = [n for n in names if n not in owned and not n.startswith(".")]
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise SnaError(
            f"the processed folder {out} holds files sna did not write ({shown}); set "
            f"paths.processed in {config.path} to a new or empty folder, or pass "
            "--allow-foreign-files to prepare there anyway (sna then replaces its output "
            f"names: {', '.join(OUTPUTS)}, manifest.json)"
        )


def _prepare(config: Config, *, force: bool, progress: bool) -> dict[str, Any]:
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
        "lsoa_lookup_2011_2021": config.sources.lsoa_lookup_2011_2021,
        "iod2025": config.sources.iod2025,
        "wards": config.sources.wards,
        "boundaries": config.sources.boundaries,
        **{f"population:{k}": s.file for k, s in config.population_sources.items()},
        **partner_inputs(config),
        **peer_inputs(config),
    }
    bar = tqdm(
        total=len(street) + 2,
        desc="sna prepare",
        unit="file",
        disable=not progress,
        file=sys.stderr,
    )
    if len(street) >= PARALLEL_MIN_FILES and (os.cpu_count() or 1) > 1:
        _start_worker_server()
    inputs = [*street, *(RawFile(p) for p in area_files.values())]
    manifest_path = out / "manifest.json"
    may_be_up_to_date = not force and manifest_path.is_file()
    # Hashed two at a time: hashlib lets go of the interpreter while it reads a large file.
    # When no previous output can be up to date (--force, or none), the area data are made
    # meanwhile; their errors are raised after any unreadable input's, as when made after.
    early: tuple[pd.DataFrame, dict[str, pd.DataFrame]] | Exception | None = None
    known = HashCache(out / CACHE_DIR / HASHES, use=not force)
    with ThreadPoolExecutor(max_workers=WORKERS) as hashing:
        hashed = [hashing.submit(_hash_input, source, known) for source in inputs]
        if not may_be_up_to_date:
            try:
                early = _area_data(config, force=force)
            except Exception as exc:  # noqa: BLE001 - raised below, after the hashing's errors
                early = exc
        digests = [h.result() for h in hashed]  # the first unreadable file is raised
    known.save()
    rels = [_rel(f.path, raw) for f in inputs]
    hashes = dict(zip(rels, digests, strict=True))
    fingerprint = _fingerprint(config, hashes)
    base = _fingerprint(config, {rel: hashes[rel] for rel in rels[len(street) :]})
    addition: _Addition | None = None
    refused: str | None = None  # why new files were not merged, for the summary
    if may_be_up_to_date:
        manifest_text = _read_bytes(manifest_path)
        previous = _json_object(manifest_text)
        intact = bool(previous.get("outputs")) and not damaged_outputs(out, previous["outputs"])
        if previous.get("fingerprint") == fingerprint and intact:
            bar.close()
            unmerged = {"files_added": None, "rows_added": None, "merge_refused": None}
            return {**previous, "up_to_date": True, **unmerged}
        if intact:
            plan = _plan_addition(
                out, street, rels[: len(street)], hashes, base, previous, manifest_text
            )
            addition, refused = (None, plan) if isinstance(plan, str) else (plan, None)

    bar.set_postfix_str("area data")
    if isinstance(early, Exception):
        raise early
    lookup, partners = early if early is not None else _area_data(config, force=force)
    keep = config.kept_district_codes
    bar.update(1)
    # The area tables that need no street file are made in a thread while the workers read
    # the street files; an error in one is raised where the table was made before (after the
    # street files', the districts' and the populations' errors).
    with ThreadPoolExecutor(max_workers=1) as side:
        areas_made = side.submit(lsoa_areas, config, lookup, keep)
        peers_made = side.submit(peer_outputs, config)
        lads_made = side.submit(lad_lookup, config)
        options = {"config": config, "hashes": hashes, "lookup": lookup, "keep": keep}
        if addition is not None:
            bar.update(len(addition.previous))
            added, used, ids = _process_street_files(
                addition.files, **options, force=force, bar=bar
            )
            if ids_held(addition.runs, ids):  # a Crime ID of an earlier file: read in full
                holder = next(
                    r.path for r in added if ids_held(addition.runs, np.sort(r.crime_ids))
                )
                addition = None
                refused = f"{holder} holds a Crime ID of a file prepared before"
                bar.reset(total=len(street) + 2)
                bar.update(1)
        if addition is None:
            results, used, ids = _process_street_files(street, **options, force=force, bar=bar)
            parts = [r.records for r in results]
            reject_parts: list[bytes | tuple[int, int]] = [r.rejects for r in results]
            spans = [FileSpan(r.path, r.sha256, len(r.records), len(r.rejects)) for r in results]
        else:
            used |= addition.cache_keys(_processing_fingerprint(config, hashes))
            results, parts, reject_parts, spans = addition.merged(added)
        # Written beside the outputs (hashing and writing let go of the interpreter); the IDs
        # (0.5 GB for ten national years) are not kept once written.
        runs_made = side.submit(_write_runs, out, addition, ids)
        del ids
        bar.set_postfix_str("writing")
        kept = [p for p in parts if len(p)]
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
        areas = areas_made.result()

        if addition is None:
            counts, outcomes = _count_table(records), _outcome_table(records)
        else:  # the previous tables, and the new files' records counted
            fresh = [r.records for r in added if len(r.records)]
            new = pd.concat(fresh, ignore_index=True) if fresh else records.iloc[:0]
            new["district_name"] = new["district_code"].map(names)
            counts = sum_counts([addition.counts, _count_table(new)], _COUNT_KEYS)
            outcomes = sum_counts([addition.outcomes, _outcome_table(new)], _OUTCOME_KEYS)
        frames = {
            "records.parquet": records,
            "counts.parquet": counts,
            "lsoas.parquet": areas,
            "populations.parquet": populations,
            "outcomes.parquet": outcomes,
            **lad_tables(
                config,
                [(r.month, r.force, r.lsoa_counts) for r in results],
                years,
                lookup=lads_made.result(),
                previous=None if addition is None else addition.lad_counts,
            ),
            **partners,
            **peers_made.result(),  # features of every district of England, for the peers
        }

    with _writing(out) as target, contextlib.ExitStack() as stack:
        # Every output goes to a temporary file first; they are renamed into place together
        # when all are written, the manifest (entered first, so renamed last) after the data.
        # A failure part-way (a full disk) removes the temporary files and leaves the previous
        # outputs whole; the manifest records each output's size and SHA-256.
        manifest_tmp = stack.enter_context(atomic_path(manifest_path))
        outputs = {}
        for name in OUTPUTS:
            target.path = out / name
            tmp = stack.enter_context(atomic_path(out / name))
            if name == "rejects.csv":  # hashed as written, not read back
                digest = write_spliced(tmp, [header_text(), *reject_parts], out / name)
                outputs[name] = {"sha256": digest, "size": tmp.stat().st_size}
            else:
                frames[name].to_parquet(tmp, index=False)
                outputs[name] = {"sha256": sha256_file(tmp), "size": tmp.stat().st_size}
        manifest = _manifest(
            config, results, ignored, area_files, hashes, fingerprint, areas, populations
        )
        manifest["outputs"] = outputs
        target.path = manifest_path
        manifest_text = (json.dumps(manifest, indent=2) + "\n").encode("utf-8")
        manifest_tmp.write_bytes(manifest_text)
    FileCache(out / CACHE_DIR).prune(used)  # entries of files no longer there, or stale
    runs = runs_made.result()
    if runs is not None:
        index = StoreIndex(
            fingerprint=fingerprint,
            manifest_sha256=hashlib.sha256(manifest_text).hexdigest(),
            base=base,
            files=tuple(spans),
            runs=runs,
        )
        write_index(out / CACHE_DIR / STORE_DIR, index)
    bar.update(1)
    bar.close()
    return {
        **manifest,
        "up_to_date": False,
        "files_added": None if addition is None else len(addition.files),
        "rows_added": None if addition is None else sum(r.rows_read for r in added),
        "merge_refused": refused,
    }


@dataclass
class _Addition:
    """New street files to merge into the previous outputs (see :mod:`sna.data.store`)."""

    index: StoreIndex
    runs: list[np.ndarray]
    previous: list[FileResult]
    """The outputs' files as the manifest lists them (no records, rejects or counts)."""
    slots: list[int]
    """Each street file, in order: its place in ``previous``, or -1 for a new file."""
    files: list[RawFile]
    """The new files, in order."""
    records: pd.DataFrame
    rejects: int
    """Where the files' lines start in the previous ``rejects.csv`` (after its header)."""
    lad_counts: pd.DataFrame
    counts: pd.DataFrame
    outcomes: pd.DataFrame

    def cache_keys(self, processing: str) -> set[str]:
        """The per-file cache keys of the previous files (kept when the cache is pruned)."""
        return {_cache_key(processing, f.path, f.sha256) for f in self.index.files}

    def merged(
        self, added: list[FileResult]
    ) -> tuple[list[FileResult], list[pd.DataFrame], list[bytes | tuple[int, int]], list[FileSpan]]:
        """Every file's result, records, rejects and span, in order, ``added`` the new files'.

        The previous files' records are slices of the previous ``records.parquet``, one per
        file; their rejects, for each run of them between new files, a byte range (start,
        length) of the previous ``rejects.csv``, copied from it when it is written again.
        """
        spans = self.index.files
        record_at = np.cumsum([0, *(f.records for f in spans)])
        reject_at = self.rejects + np.cumsum([0, *(f.rejects for f in spans)])
        results: list[FileResult] = []
        parts: list[pd.DataFrame] = []
        reject_parts: list[bytes | tuple[int, int]] = []
        kept: list[FileSpan] = []
        new = iter(added)
        i = 0
        while i < len(self.slots):
            if self.slots[i] < 0:
                r = next(new)
                results.append(r)
                parts.append(r.records)
                reject_parts.append(r.rejects)
                kept.append(FileSpan(r.path, r.sha256, len(r.records), len(r.rejects)))
                i += 1
                continue
            j = i
            while j < len(self.slots) and self.slots[j] >= 0:
                j += 1
            a, b = self.slots[i], self.slots[j - 1] + 1  # previous files a to b-1, in order
            results.extend(self.previous[a:b])
            kept.extend(spans[a:b])
            # A frame per file with records, as a full run concatenates them: the column
            # chunks, and so the pages Parquet writes, are the same.
            parts.extend(
                self.records.iloc[record_at[k] : record_at[k + 1]]
                for k in range(a, b)
                if spans[k].records
            )
            reject_parts.append((int(reject_at[a]), int(reject_at[b] - reject_at[a])))
            i = j
        return results, parts, reject_parts, kept


_ENTRY_COUNTS = ("rows_read", "rows_kept", "rows_out_of_area", "identical_rows_kept")


def _plan_addition(
    out: Path,
    street: list[RawFile],
    rels: list[str],
    hashes: dict[str, str],
    base: str,
    manifest: dict[str, Any],
    manifest_text: bytes,
) -> _Addition | str | None:
    """The new street files and what is kept of the others, when merging gives a full run's outputs.

    That is when the store index (:mod:`sna.data.store`) belongs to the manifest in ``out``
    (``manifest``, parsed from ``manifest_text``; ``rels`` are the street files' paths as the
    manifest gives them) and to the same config, area inputs and code (``base``); every file of the outputs is
    still there, unchanged, and no new file is a second file for one of their forces and
    months. (Whether a new file holds a Crime ID of theirs is checked once it is read.) The
    outputs themselves are checked against the manifest by the caller. Otherwise the outputs
    are made in full: this returns why, for the summary, when a street file stopped the merge
    (one removed, changed, or a second file for a month), else None (no index, or one of other
    outputs, config or code).
    """
    folder = out / CACHE_DIR / STORE_DIR
    index = read_index(folder)
    if index is None or index.base != base:
        return None
    if (
        hashlib.sha256(manifest_text).hexdigest() != index.manifest_sha256
        or manifest.get("fingerprint") != index.fingerprint
        or not isinstance(manifest.get("files"), list)
        or len(manifest["files"]) != len(index.files)
    ):
        return None
    position = {f.path: k for k, f in enumerate(index.files)}
    slots = [position.get(rel, -1) for rel in rels]
    present = set(rels)
    gone = [f.path for f in index.files if f.path not in present]
    if gone:
        return f"{gone[0]} was prepared before and is no longer there"
    if len(position) != len(index.files) or [k for k in slots if k >= 0] != list(position.values()):
        return None  # (a path named twice, or files found in another order)
    changed = [
        rel
        for rel, k in zip(rels, slots, strict=True)
        if k >= 0 and hashes[rel] != index.files[k].sha256
    ]
    if changed:
        return f"{changed[0]} changed since it was prepared"
    if all(k >= 0 for k in slots):
        return None  # nothing new: what changed is not a street file
    try:
        keys = [(m, force_key(f)) for m, f in (parse_street_filename(s.path) for s in street)]
    except InputError:
        return None  # raised, in order, by the full run
    known = {key for key, k in zip(keys, slots, strict=True) if k >= 0}
    for rel, key, k in zip(rels, keys, slots, strict=True):
        if k < 0 and key in known:
            return f"{rel} is a second file for {key[1]} {key[0]}"
    previous: list[FileResult] = []
    for entry, span in zip(manifest["files"], index.files, strict=True):
        result = _entry_result(entry, span)
        if result is None or result.rows_kept != span.records:
            return None  # (a file's kept rows are its rows in records.parquet)
        previous.append(result)
    runs = read_runs(folder, index.runs)
    if runs is None:
        return None
    try:
        records = pd.read_parquet(out / "records.parquet")
        header = header_text()
        with (out / "rejects.csv").open("rb") as fh:
            rejects_header, rejects_size = fh.read(len(header)), os.fstat(fh.fileno()).st_size
        lad_counts = pd.read_parquet(out / "lad_counts.parquet")
        counts = pd.read_parquet(out / "counts.parquet")
        outcomes = pd.read_parquet(out / "outcomes.parquet")
    except (OSError, ValueError, pa.ArrowException):
        return None
    if (
        len(records) != sum(f.records for f in index.files)
        or rejects_header != header
        or rejects_size - len(header) != sum(f.rejects for f in index.files)
    ):
        return None
    for table in (records, lad_counts, counts, outcomes):
        if len(table):  # as made (Parquet may store another unit of time)
            table["month"] = table["month"].astype(_MONTH_DTYPE)
    return _Addition(
        index=index,
        runs=runs,
        previous=previous,
        slots=slots,
        files=[s for s, k in zip(street, slots, strict=True) if k < 0],
        records=records,
        rejects=len(header),
        lad_counts=lad_counts,
        counts=counts,
        outcomes=outcomes,
    )


def _entry_result(entry: object, span: FileSpan) -> FileResult | None:
    """A file's result as its manifest entry gives it, or None if not well formed.

    For the manifest and the months only: its records, rejects and counts are empty (they are
    in the previous outputs, which :meth:`_Addition.merged` takes them from).
    """
    fields = {
        "path", "sha256", "month", "force", *_ENTRY_COUNTS, "rows_rejected",
        "lsoa_name_mismatches", "rejects_not_written",
    }  # fmt: skip
    if not (
        isinstance(entry, dict)
        and set(entry) == fields
        and entry["path"] == span.path
        and entry["sha256"] == span.sha256
        and isinstance(entry["month"], str)
        and isinstance(entry["force"], str)
        and all(type(entry[k]) is int for k in (*_ENTRY_COUNTS, "lsoa_name_mismatches"))
        and all(
            isinstance(entry[k], dict)
            and all(isinstance(r, str) and type(n) is int for r, n in entry[k].items())
            for k in ("rows_rejected", "rejects_not_written")
        )
    ):
        return None
    return FileResult(**entry, records=_NO_RECORDS, rejects=b"")


_NO_RECORDS = pd.DataFrame()


def _write_runs(out: Path, addition: _Addition | None, ids: np.ndarray) -> tuple[IdRun, ...] | None:
    """The store's Crime ID runs with the files' IDs just read (all of them, or the new ones).

    Written before the outputs; the index naming them after (:func:`sna.data.store.write_index`,
    which removes runs no index names). None if the cache folder cannot be written: the next
    run then finds an index of older outputs, and runs in full.
    """
    folder = out / CACHE_DIR / STORE_DIR
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if addition is None:
            return add_run(folder, (), None, ids)
        if len(ids):
            return add_run(folder, addition.index.runs, addition.runs, ids)
    except OSError:
        return None
    return addition.index.runs


def _area_data(config: Config, *, force: bool) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The LSOA lookup (districts checked against it) and the partner outputs.

    Made before the street files are read: a bad partner row stops the run early. With
    ``force`` every area table is built again from its files (and cached again).
    """
    if force:
        shutil.rmtree(config.processed_dir / AREA_CACHE_DIR, ignore_errors=True)
    lookup = lsoa_lookup(config)
    check_districts(config, lookup)
    return lookup, partner_outputs(config)


class _Target:
    """The output being written, for the message when writing fails."""

    path: Path | None = None


@contextlib.contextmanager
def _writing(out: Path) -> Iterator[_Target]:
    """Turn a full disk (or another write error) into one line naming the file."""
    target = _Target()
    try:
        yield target
    except OSError as exc:
        where = target.path or out
        full = exc.errno in (errno.ENOSPC, errno.EDQUOT) or "No space left on device" in str(exc)
        if full:
            raise SnaError(
                f"no space left on device writing {where}; free space and run again "
                "(the previous outputs are unchanged)"
            ) from None
        raise SnaError(
            f"cannot write {where} ({exc.strerror or exc}); the previous outputs are unchanged"
        ) from None


def _hash_input(source: RawFile, known: HashCache | None = None) -> str:
    """SHA-256 of an input file (or archive member); an unreadable file is an error naming it.

    A plain file's digest is taken from ``known`` when the file is unchanged since it was hashed.
    """
    try:
        if known is not None and source.member is None:
            return known.sha256(source.file)
        return source.sha256()
    except OSError as exc:
        raise InputError(
            source.path,
            f"cannot be read ({exc.strerror or exc})",
            hint="check that the file exists and that you may read it (its permissions)",
        ) from None


def _read_json(path: Path) -> dict[str, Any]:
    """The previous manifest, or an empty dict if it is unreadable (it is then rebuilt)."""
    return _json_object(_read_bytes(path))


def _read_bytes(path: Path) -> bytes:
    """A file's bytes, or none if it cannot be read."""
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _json_object(text: bytes) -> dict[str, Any]:
    """``text`` as a JSON object (UTF-8), or an empty dict if it is not one."""
    try:
        data = json.loads(text.decode("utf-8"))
    except ValueError:  # (UnicodeDecodeError and JSONDecodeError are ValueErrors)
        return {}
    return data if isinstance(data, dict) else {}


def _content_sha(source: RawFile) -> str:
    """SHA-256 of a file's text, decompressed: ``x.csv`` and ``x.csv.gz`` of one download match."""
    data = source.read_bytes()
    gz = source.name.lower().endswith(".gz")
    return hashlib.sha256(gzip.decompress(data) if gz else data).hexdigest()


def _rel(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` as given, symbolic links kept; else absolute.

    >>> _rel(Path("/data/raw/police_uk/a.csv"), Path("/data/raw/")), _rel(Path("/b"), Path("/data"))
    ('police_uk/a.csv', '/b')
    """
    # normalised, not resolved: symbolic links kept
    absolute, root = os.path.abspath(path), os.path.abspath(base)  # noqa: PTH100
    if os.sep == "/":  # as Path.relative_to, on strings (a store's thousands of files)
        if absolute == root:
            return "."
        return absolute.removeprefix(root.rstrip("/") + "/")
    try:
        return Path(absolute).relative_to(root).as_posix()
    except ValueError:
        return Path(absolute).as_posix()


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
    unmatched = {
        v: areas.loc[(areas["lsoa_vintage"] == v) & ~areas["deprivation_matched"], "lsoa_code"]
        .astype(str)
        .tolist()
        for v in (2011, 2021)
    }
    units = areas.drop_duplicates("unit_code")
    index = areas.groupby("lsoa_vintage")["deprivation_index"].first()
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
            "rejects_not_written": sum(sum(r.rejects_not_written.values()) for r in results),
        },
        "rejects_per_reason_written": REJECTS_PER_REASON,
        "months": months_by_year(sorted({r.month for r in usable})),
        "months_by_force": {f: months_by_year(sorted(set(m))) for f, m in sorted(by_force.items())},
        "ignored_files": [_rel(p, raw) for p in ignored],
        "area_files": [
            {"role": role, "path": _rel(p, raw), "sha256": hashes[_rel(p, raw)]}
            for role, p in area_files.items()
        ],
        "lsoas": {
            "lsoa_count": {str(k): int(v) for k, v in areas.groupby("lsoa_vintage").size().items()},
            "deprivation_index": {str(k): str(v) for k, v in index.items()},
            "lsoa21_without_deprivation": len(unmatched[2021]),
            "lsoa21_without_deprivation_codes": unmatched[2021],
            "lsoa11_without_deprivation": len(unmatched[2011]),
            "lsoa11_without_deprivation_codes": unmatched[2011],
            "units": len(units),
            "units_by_change": {
                str(k): int(v) for k, v in units["unit_change"].value_counts().sort_index().items()
            },
            "note": (
                "2021 LSOAs take the English Indices of Deprivation 2025 (published for 2021 "
                "LSOAs), 2011 LSOAs the IoD2019 (2011 LSOAs). Counts compared across years use "
                "units of the ONS LSOA (2011) to LSOA (2021) lookup: an LSOA split in 2021 is "
                "its 2011 area (its 2021 parts together), LSOAs merged in 2021 are the 2021 LSOA."
            ),
        },
        "populations": populations.to_dict(orient="records"),
    }


SUMMARY_REASONS = 10
"""Reject reasons named in the CLI summary; the rest are counted as "and N more"."""


def _summarise_reasons(rejected: dict[str, int]) -> str:
    """``reason n, ...`` for every reason, or the :data:`SUMMARY_REASONS` most frequent and the rest.

    >>> _summarise_reasons({"a": 1, "b": 5})
    'a 1, b 5'
    """
    if not rejected:
        return "none"
    ranked = list(rejected.items())
    if len(ranked) > SUMMARY_REASONS:
        ranked.sort(key=lambda kv: (-kv[1], kv[0]))
    shown = ", ".join(f"{k} {v:,}" for k, v in ranked[:SUMMARY_REASONS])
    rest = ranked[SUMMARY_REASONS:]
    if rest:
        shown += f", and {len(rest):,} more reasons ({sum(v for _, v in rest):,} rows)"
    return shown


def run_prepare(
    config_path: Path,
    *,
    force: bool = False,
    progress: bool = True,
    allow_foreign_files: bool = False,
) -> int:
    """CLI body of ``sna prepare``: prepare and print a summary. Returns the exit status."""
    config = load_config(config_path)
    progress = progress and sys.stderr.isatty()
    manifest = prepare(
        config, force=force, progress=progress, allow_foreign_files=allow_foreign_files
    )
    out = config.processed_dir
    if manifest["up_to_date"]:
        print(f"sna prepare: {out} is up to date (inputs unchanged; use --force to rebuild)")
        return 0
    t = manifest["totals"]
    rejected = sum(t["rows_rejected"].values())
    reasons = _summarise_reasons(t["rows_rejected"])
    added = manifest.get("files_added")
    if added:
        files = "1 new file" if added == 1 else f"{added:,} new files"
        print(
            f"sna prepare: {t['files']} street files, {t['rows_read']:,} rows "
            f"({manifest['rows_added']:,} of them in the {files}, read now)"
        )
        print(
            f"  new files      {added:,} merged into the outputs of the other "
            f"{t['files'] - added:,} (not read again)"
        )
    else:
        print(f"sna prepare: {t['files']} street files, {t['rows_read']:,} rows read")
    if manifest.get("merge_refused"):
        print(
            "  not merged     every output made again (unchanged files from the cache): "
            f"{manifest['merge_refused']}"
        )
    print(
        f"  kept           {t['rows_kept']:,} (districts: {', '.join(config.kept_district_codes)})"
    )
    print(f"  out of area    {t['rows_out_of_area']:,}")
    print(f"  rejected       {rejected:,} ({reasons}) -> {out / 'rejects.csv'}")
    duplicates = {
        k: v for k, v in t["rows_rejected"].items() if k == DUPLICATE_CRIME_ID or "copy of" in k
    }
    if duplicates:
        print(
            f"  duplicates     {sum(duplicates.values()):,} rows quarantined, not counted ("
            + ", ".join(f"{k} {v:,}" for k, v in duplicates.items())
            + ")"
        )
    if t.get("rejects_not_written"):
        print(
            f"  not written    {t['rejects_not_written']:,} rejected rows counted but not written "
            f"to rejects.csv (at most {REJECTS_PER_REASON:,} per file and reason)"
        )
    if manifest["ignored_files"]:
        names = [p.rsplit("/", 1)[-1] for p in manifest["ignored_files"]]
        more = f", and {len(names) - 5:,} more" if len(names) > 5 else ""
        print(f"  ignored: {len(names):,} files (not street files): {', '.join(names[:5])}{more}")
    typed = Manifest.from_json(manifest)
    for year in sorted(set(config.reporting_years) - set(typed.years)):
        print(f"  WARNING: no police.uk data for {year}, a reporting year in {config.path.name}")
    for year in typed.years:
        cover = typed.coverage(year)
        if not cover.complete:
            flag = "  <- reporting year" if year in config.reporting_years else ""
            print(
                f"  {year}: {len(cover.present)} of 12 months; "
                f"missing {format_months(cover.missing, 'iso')}{flag}"
            )
    print(
        "  LSOAs without deprivation: "
        f"{manifest['lsoas']['lsoa21_without_deprivation']} 2021 LSOAs (IoD2025), "
        f"{manifest['lsoas']['lsoa11_without_deprivation']} 2011 LSOAs (IoD2019)"
    )
    if t["lsoa_name_mismatches"]:
        print(
            f"  LSOA names not matching their code (kept; the ONS name is used): "
            f"{t['lsoa_name_mismatches']:,}"
        )
    if partner_summary(out):
        print(partner_summary(out))
    print(f"  wrote {', '.join(OUTPUTS)} and manifest.json to {out}")
    return 0
