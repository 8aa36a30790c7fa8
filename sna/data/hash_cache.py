"""Input files' SHA-256 remembered by their file status, so that an unchanged file is not read again.

``sna prepare`` keys everything it caches by the SHA-256 of the input files' content, which
means reading every input on every run: for a store of ten national years, gigabytes to find
that nothing changed. As git's index and DVC's state database do, a file's digest is kept with
its size, modification and status-change times (nanoseconds), inode and device, and used again
only while all five are unchanged. Writing a file changes its status-change time, which no
tool can set back, so a file changed in place is always read again. A digest taken while the
file could still have been changed within the clock's resolution (modified less than
:data:`RACY_SECONDS` before it was hashed) is not trusted, as git treats "racily clean" files.

The record lives in the processed folder's hidden cache folder; a damaged or unreadable record
is ignored (every file is hashed again), and ``sna prepare --force`` never uses it.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
from pathlib import Path

from sna.data.files import sha256_file

__all__ = ["RACY_SECONDS", "HashCache"]

RACY_SECONDS = 2
"""A file modified this close before its digest was taken is hashed again next time."""
_FORMAT = 1


class HashCache:
    """Digests of files by path, reused while the file's status is unchanged.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> data = folder / "a.csv"
    >>> _ = data.write_text("x")
    >>> cache = HashCache(folder / "hashes.json")
    >>> cache.sha256(data)[:12]
    '2d711642b726'
    >>> cache.save()
    >>> HashCache(folder / "hashes.json").known(data)  # modified just now: not trusted yet
    False
    """

    def __init__(self, path: Path, *, use: bool = True) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._old: dict[str, list[int | str]] = self._read() if use else {}
        self._new: dict[str, list[int | str]] = {}

    def _read(self) -> dict[str, list[int | str]]:
        try:
            record = json.loads(self.path.read_text(encoding="utf-8"))
            if record.get("format") == _FORMAT and isinstance(record.get("files"), dict):
                return dict(record["files"])
        except (OSError, ValueError, AttributeError):
            pass
        return {}

    @staticmethod
    def _status(path: Path) -> list[int]:
        st = path.stat()
        return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]

    def _trusted(self, path: Path) -> str | None:
        """The recorded digest of ``path`` if its status is unchanged and it was not racy."""
        entry = self._old.get(str(path))
        if not isinstance(entry, list) or len(entry) != 7:
            return None
        *status, hashed_at, digest = entry
        try:
            now = self._status(path)
        except OSError:
            return None
        racy = int(now[1]) >= int(hashed_at) - RACY_SECONDS * 1_000_000_000
        return str(digest) if status == now and not racy else None

    def known(self, path: Path) -> bool:
        """Whether ``path``'s digest would be taken from the record (not read again)."""
        return self._trusted(path) is not None

    def sha256(self, path: Path) -> str:
        """The file's SHA-256: from the record when trusted, else read (and recorded).

        Raises
        ------
        OSError
            If the file cannot be read.
        """
        digest = self._trusted(path)
        status = self._status(path)
        if digest is None:
            hashed_at = time.time_ns()
            digest = sha256_file(path)
            if self._status(path) != status:  # changed while being read: not recorded
                return digest
        else:
            hashed_at = int(self._old[str(path)][5])
        with self._lock:
            self._new[str(path)] = [*status, hashed_at, digest]
        return digest

    def save(self) -> None:
        """Write the digests taken in this run (those of files no longer read are dropped).

        Written to a temporary file renamed into place; a record that cannot be written (a full
        disk) is skipped: the next run hashes the files again.
        """
        with self._lock:
            files = dict(self._new)
        text = json.dumps({"format": _FORMAT, "files": files})
        tmp = self.path.with_name(f".{self.path.name}.sna-{secrets.token_hex(6)}.tmp")
        with contextlib.suppress(OSError):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                tmp.write_text(text, encoding="utf-8")
                tmp.replace(self.path)
            finally:
                tmp.unlink(missing_ok=True)
