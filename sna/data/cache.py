"""A per-file cache of ``sna prepare``'s work, so that unchanged street files are not read again.

An entry holds what processing one street file produced (frames, an array of IDs and a small
JSON of counts) under a key naming everything that result depends on: the file's SHA-256, its
path, and the processing fingerprint (code, lookups, districts). It lives in the processed
folder's hidden ``.sna-cache/`` folder, which ``sna prepare`` never counts as a foreign file.
An entry is written atomically (an sna temporary file renamed into place); its
JSON records each part's SHA-256 and size, and an entry whose parts do not match, or that
cannot be read, is ignored (and rebuilt by the caller), never trusted. An entry is one file:
a line of JSON, then Arrow IPC parts (frames) and raw array bytes whose dtype and shape the JSON
gives (no pickles, no object arrays): Arrow IPC rather than Parquet, and raw bytes rather than
``.npy``, because they are written and read without encoding or parsing (a national year
reads 473 entries, each of several arrays).
"""

from __future__ import annotations

import io
import json
import secrets
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sna.data.files import remove_stale_temp_files, sha256_bytes

__all__ = ["CACHE_DIR", "CacheEntry", "FileCache"]

CACHE_DIR = ".sna-cache"
"""Folder of the cache inside the processed folder (hidden: not an output, not foreign)."""
_FORMAT = 3  # 1: frames as Parquet; 2: arrays as .npy
_SUFFIX = ".sna-cache"


class CacheEntry(dict[str, Any]):
    """What one entry holds: ``frames`` (name → DataFrame), ``arrays`` (name → ndarray), ``meta``."""


class FileCache:
    """Entries in ``folder`` (created on first write), one per key (a hex digest).

    Examples
    --------
    >>> import tempfile
    >>> cache = FileCache(Path(tempfile.mkdtemp()))
    >>> cache.save("ab12", {"t": pd.DataFrame({"x": [1, 2]})}, {"ids": np.arange(3)}, {"n": 2})
    >>> entry = cache.load("ab12")
    >>> entry["frames"]["t"]["x"].tolist(), entry["arrays"]["ids"].tolist(), entry["meta"]["n"]
    ([1, 2], [0, 1, 2], 2)
    >>> cache.load("ffff") is None
    True
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}{_SUFFIX}"

    def save(
        self,
        key: str,
        frames: dict[str, pd.DataFrame],
        arrays: dict[str, np.ndarray],
        meta: dict[str, Any],
    ) -> None:
        """Write an entry as one file: a JSON line (parts, their sizes and SHA-256), then the parts.

        Written to an sna temporary file renamed into place, without ``fsync``: a cache entry
        cut short by a crash fails its checks and is rebuilt.
        """
        blobs: list[tuple[dict[str, Any], bytes]] = []
        for name, frame in frames.items():
            buffer = io.BytesIO()
            table = pa.Table.from_pandas(frame, preserve_index=False)
            with pa.ipc.new_stream(buffer, table.schema) as stream:
                stream.write_table(table)
            blobs.append(({"kind": "frame", "name": name}, buffer.getvalue()))
        for name, value in arrays.items():
            array = np.ascontiguousarray(value)
            if array.dtype.hasobject:
                raise TypeError(f"cache array {name!r} holds Python objects")
            shape = {"dtype": array.dtype.str, "shape": list(array.shape)}
            blobs.append(({"kind": "array", "name": name, **shape}, array.tobytes()))
        parts = [{**part, "size": len(data), "sha256": sha256_bytes(data)} for part, data in blobs]
        header = json.dumps({"format": _FORMAT, "key": key, "parts": parts, "meta": meta})
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._path(key)
        tmp = path.with_name(f".{path.name}.sna-{secrets.token_hex(6)}.tmp")
        try:
            with tmp.open("wb") as fh:
                fh.write(header.encode("utf-8") + b"\n")
                for _, data in blobs:
                    fh.write(data)
            tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def load(self, key: str) -> CacheEntry | None:
        """The entry for ``key``, or None if there is none or any part is damaged or missing."""
        try:
            data = self._path(key).read_bytes()
            end = data.index(b"\n")
            index = json.loads(data[:end])
            if index.get("format") != _FORMAT or index.get("key") != key:
                return None
            entry = CacheEntry(frames={}, arrays={}, meta=index["meta"])
            view = memoryview(data)
            at = end + 1
            for part in index["parts"]:
                blob = view[at : at + part["size"]]
                at += part["size"]
                if len(blob) != part["size"] or sha256_bytes(blob) != part["sha256"]:
                    return None
                if part["kind"] == "frame":
                    table = pa.ipc.open_stream(blob).read_all()
                    entry["frames"][part["name"]] = _frame(table)
                else:
                    dtype = np.dtype(part["dtype"])
                    if dtype.hasobject:
                        return None
                    array = np.frombuffer(blob, dtype=dtype).reshape(part["shape"])
                    entry["arrays"][part["name"]] = array
            return entry if at == len(data) else None
        except Exception:  # noqa: BLE001 - a damaged entry of any kind is rebuilt, never trusted
            return None

    def prune(self, keep: set[str]) -> None:
        """Remove entries whose key is not in ``keep``, and temporary files of killed writes."""
        if not self.folder.is_dir():
            return
        remove_stale_temp_files(self.folder, recursive=False)
        for path in self.folder.iterdir():
            if path.name.endswith(_SUFFIX) and path.name[: -len(_SUFFIX)] not in keep:
                path.unlink(missing_ok=True)


_EMPTY_FRAMES: dict[pa.Schema, pd.DataFrame] = {}


def _frame(table: pa.Table) -> pd.DataFrame:
    """``table.to_pandas()``; a table of no rows (most of a national run's) converted once."""
    if table.num_rows:
        return table.to_pandas()
    if table.schema not in _EMPTY_FRAMES:
        _EMPTY_FRAMES[table.schema] = table.to_pandas()
    return _EMPTY_FRAMES[table.schema].copy()
