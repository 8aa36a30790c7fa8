"""Input files' SHA-256 remembered by their file status, so that an unchanged file is not read again.

``sna prepare`` keys everything it caches by the SHA-256 of the input files' content, which
means reading every input on every run: for a store of ten national years, gigabytes to find
that nothing changed. As git's index and DVC's state database do, a file's digest is kept with
its size, modification and status-change times (nanoseconds), inode and device, and used again
only while all five are unchanged. Writing a file, replacing it (``cp``, ``mv``, a new
download) or setting its times back all change at least one of them: the status-change time
cannot be set back. A digest taken while the file could still have been changed within the
clock's resolution (modified less than :data:`RACY_SECONDS` before it was hashed) is not
trusted, as git treats "racily clean" files.

The limit, as for git and DVC: a program that changes a file's bytes without the kernel
updating its times (writing again through a memory map whose page is already dirty) is not
noticed. ``sna prepare --force`` never uses the record and hashes every file again. The record
lives in the processed folder's hidden cache folder; a damaged, unreadable or foreign record, or
any entry of it that is not exactly what this module writes, is ignored (the file is hashed).
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import threading
import time
from pathlib import Path

from sna.data.files import sha256_file

__all__ = ["RACY_SECONDS", "HashCache"]

RACY_SECONDS = 2
"""A file modified this close before its digest was taken is hashed again next time."""
_FORMAT = 1
_DIGEST = re.compile(r"[0-9a-f]{64}")


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
                return {k: v for k, v in record["files"].items() if _well_formed(v)}
        except Exception:  # noqa: BLE001 - any damage (even JSON nested too deep) means rehash
            return {}
        return {}

    @staticmethod
    def _status(path: Path) -> list[int]:
        st = path.stat()
        return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]

    def _trusted(self, path: Path) -> tuple[list[int], int, str] | None:
        """``path``'s recorded status, time hashed and digest, if still good.

        Good: the status is unchanged (one ``stat``), and the digest was not taken while the
        file could still change.
        """
        entry = self._old.get(str(path))
        if entry is None:
            return None
        *status, hashed_at, digest = entry
        try:
            now = self._status(path)
        except OSError:
            return None
        racy = now[1] >= int(hashed_at) - RACY_SECONDS * 1_000_000_000
        return (now, int(hashed_at), str(digest)) if status == now and not racy else None

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
        trusted = self._trusted(path)
        if trusted is not None:  # the status recorded again is the one just checked
            status, hashed_at, digest = trusted
        else:
            status = self._status(path)
            hashed_at = time.time_ns()
            digest = sha256_file(path)
            if self._status(path) != status:  # changed while being read: not recorded
                return digest
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


def _well_formed(entry: object) -> bool:
    """An entry as :meth:`HashCache.sha256` records it: six integers and a hex digest.

    Examples
    --------
    >>> _well_formed([10, 1, 2, 3, 4, 5, "0" * 64]), _well_formed([10, 1, 2, 3, 4, None, "x"])
    (True, False)
    """
    return (
        isinstance(entry, list)
        and len(entry) == 7
        and all(type(v) is int for v in entry[:6])
        and isinstance(entry[6], str)
        and _DIGEST.fullmatch(entry[6]) is not None
    )
