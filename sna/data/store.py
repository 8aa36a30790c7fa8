"""What ``sna prepare`` keeps so that new street files join its outputs without reading the others.

A store of police.uk files grows by a month at a time. Rebuilding every output from every
file's cached result costs time in proportion to the store (seconds a year of national data),
though the month's files are all that changed. So each run also keeps, in the processed folder's
hidden cache folder, a *store index*: the files in the outputs, in order, with the rows each
has in ``records.parquet`` and the bytes it has in ``rejects.csv``, and every Crime ID of the
store (hashed, as :func:`sna.data.prepare.hash_ids` makes them) in sorted *runs* of 64-bit
integers. With it, new files are merged into the previous outputs (:mod:`sna.data.prepare`
decides when that gives exactly the outputs of a full run, and otherwise runs in full).

Runs are kept size-tiered, as a log-structured merge tree keeps them: a new run is merged with
the run before it while that one is not more than twice its size, so that a month added to ten
years re-sorts only a month's IDs, and there are never more than about log2(store / month)
runs to search.

The index names the manifest it was written with (its SHA-256) and each run's size and SHA-256,
and carries a checksum of its own content; an index or run that is damaged, edited, foreign, or
not exactly what this module writes is not used (the outputs are then built in full from the
per-file cache). The runs take 8 bytes a Crime ID: about 50 MB for a national year.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sna.data.files import atomic_write_bytes

__all__ = [
    "STORE_DIR",
    "FileSpan",
    "IdRun",
    "StoreIndex",
    "add_run",
    "ids_held",
    "read_index",
    "read_runs",
    "write_index",
]

STORE_DIR = "store"
"""Folder of the index and its runs, inside the processed folder's ``.sna-cache``."""
INDEX = "index.json"
_FORMAT = 2
_DIGEST = re.compile(r"[0-9a-f]{64}")
_RUN_NAME = re.compile(r"ids-[0-9a-f]{32}\.u64")
_ID_DTYPE = np.dtype("<u8")


@dataclass(frozen=True)
class FileSpan:
    """One street file of the outputs: its path and SHA-256, rows in records, bytes in rejects."""

    path: str
    sha256: str
    records: int
    rejects: int


@dataclass(frozen=True)
class IdRun:
    """A file of distinct Crime IDs (hashed, sorted, little-endian uint64): name, count, SHA-256."""

    name: str
    count: int
    sha256: str


@dataclass(frozen=True)
class StoreIndex:
    """The files of a processed folder's outputs and the runs holding their Crime IDs.

    ``fingerprint`` and ``manifest_sha256`` are those of the ``manifest.json`` written with the
    outputs; ``base`` is the fingerprint of everything the outputs depend on but the street
    files (config, area inputs, code).
    """

    fingerprint: str
    manifest_sha256: str
    base: str
    files: tuple[FileSpan, ...]
    runs: tuple[IdRun, ...]


def read_index(folder: Path) -> StoreIndex | None:
    """The store index in ``folder`` (``<processed>/.sna-cache/store``), or None.

    None when there is none, or it cannot be read, or anything in it is not exactly as
    :func:`write_index` writes it.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> index = StoreIndex("a" * 64, "b" * 64, "c" * 64, (FileSpan("x.csv", "d" * 64, 3, 10),), ())
    >>> write_index(folder, index)
    >>> read_index(folder) == index
    True
    """
    try:
        record = json.loads((folder / INDEX).read_text(encoding="utf-8"))
        return _parse(record)
    except Exception:  # noqa: BLE001 - any damage (even JSON nested too deep) means "no index"
        return None


def _checksum(record: dict[str, object]) -> str:
    """SHA-256 of the index's content (every key but the checksum), as JSON with sorted keys."""
    body = {k: v for k, v in record.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _parse(record: object) -> StoreIndex | None:
    keys = {"format", "fingerprint", "manifest_sha256", "base", "files", "runs", "checksum"}
    if not isinstance(record, dict) or set(record) != keys or record["format"] != _FORMAT:
        return None
    if record["checksum"] != _checksum(record):  # edited, or damaged, since it was written
        return None
    digests = [record["fingerprint"], record["manifest_sha256"], record["base"]]
    if not all(isinstance(d, str) and _DIGEST.fullmatch(d) for d in digests):
        return None
    files, runs = record["files"], record["runs"]
    if not isinstance(files, list) or not isinstance(runs, list):
        return None
    spans = []
    for f in files:
        if not (
            isinstance(f, list)
            and len(f) == 4
            and isinstance(f[0], str)
            and isinstance(f[1], str)
            and _DIGEST.fullmatch(f[1])
            and all(_count(v) for v in f[2:])
        ):
            return None
        spans.append(FileSpan(*f))
    kept = []
    for r in runs:
        if not (
            isinstance(r, list)
            and len(r) == 3
            and isinstance(r[0], str)
            and _RUN_NAME.fullmatch(r[0])
            and _count(r[1])
            and isinstance(r[2], str)
            and _DIGEST.fullmatch(r[2])
        ):
            return None
        kept.append(IdRun(*r))
    return StoreIndex(
        fingerprint=record["fingerprint"],
        manifest_sha256=record["manifest_sha256"],
        base=record["base"],
        files=tuple(spans),
        runs=tuple(kept),
    )


def _count(value: object) -> bool:
    return type(value) is int and value >= 0


def write_index(folder: Path, index: StoreIndex) -> None:
    """Write the index atomically, then remove the runs it does not name.

    Its runs must be written already (:func:`add_run`). A folder that cannot be written is no
    error: the next run finds no index, or an index of older outputs, and builds in full.
    """
    record = {
        "format": _FORMAT,
        "fingerprint": index.fingerprint,
        "manifest_sha256": index.manifest_sha256,
        "base": index.base,
        "files": [[f.path, f.sha256, f.records, f.rejects] for f in index.files],
        "runs": [[r.name, r.count, r.sha256] for r in index.runs],
    }
    record["checksum"] = _checksum(record)
    with contextlib.suppress(OSError):
        atomic_write_bytes(folder / INDEX, json.dumps(record).encode())
        named = {r.name for r in index.runs}
        for path in folder.glob("ids-*.u64"):
            if path.name not in named:
                path.unlink(missing_ok=True)


def read_runs(folder: Path, runs: tuple[IdRun, ...]) -> list[np.ndarray] | None:
    """Each run's IDs, or None if any run is missing or not as its entry says."""
    arrays = []
    try:
        for run in runs:
            data = (folder / run.name).read_bytes()
            if len(data) != run.count * 8 or hashlib.sha256(data).hexdigest() != run.sha256:
                return None
            arrays.append(np.frombuffer(data, dtype=_ID_DTYPE).astype(np.uint64, copy=False))
    except OSError:
        return None
    return arrays


def ids_held(runs: list[np.ndarray], ids: np.ndarray) -> bool:
    """Whether any of ``ids`` (sorted, distinct) is in any of the runs.

    Examples
    --------
    >>> runs = [np.array([2, 8, 9], np.uint64), np.array([4], np.uint64)]
    >>> ids_held(runs, np.array([3, 5], np.uint64)), ids_held(runs, np.array([3, 8], np.uint64))
    (False, True)
    """
    if not len(ids):
        return False
    for run in runs:
        if not len(run):
            continue
        at = np.searchsorted(run, ids)  # sorted needles: one pass through the run's memory
        inside = at < len(run)
        if np.any(run[at[inside]] == ids[inside]):
            return True
    return False


def add_run(
    folder: Path, runs: tuple[IdRun, ...], arrays: list[np.ndarray] | None, ids: np.ndarray
) -> tuple[IdRun, ...]:
    """The runs with ``ids`` (sorted, distinct, held by none) added, merged size-tiered, written.

    ``arrays`` are the runs' IDs (:func:`read_runs`), needed only when a merge reads them; with
    None (a store made anew), ``ids`` are the store's only run. The new runs are written to
    ``folder``; runs no longer named are removed by :func:`write_index`.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> one = add_run(folder, (), None, np.arange(10, dtype=np.uint64))
    >>> two = add_run(folder, one, read_runs(folder, one), np.array([20, 21], np.uint64))
    >>> [r.count for r in two]
    [10, 2]
    >>> [r.count for r in add_run(folder, two, read_runs(folder, two), np.array([30], np.uint64))]
    [10, 3]
    """
    kept = list(zip(runs, arrays, strict=True)) if arrays is not None else []
    new = ids
    while kept and kept[-1][0].count <= 2 * len(new):
        _, last = kept.pop()
        new = np.union1d(last, new)  # distinct already: the union is the merge
    return (*(r for r, _ in kept), _write_run(folder, new))


def _write_run(folder: Path, ids: np.ndarray) -> IdRun:
    data = np.ascontiguousarray(ids, dtype=_ID_DTYPE).data.cast("B")  # not copied
    digest = hashlib.sha256(data).hexdigest()
    run = IdRun(f"ids-{digest[:32]}.u64", len(ids), digest)
    atomic_write_bytes(folder / run.name, data)
    return run
