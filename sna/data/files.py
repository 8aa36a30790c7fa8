"""Safe file writing: atomic replace, content hashes and an exclusive lock on a folder.

A reader (a browser, an analyst, the next build) never sees a half-written file: every write goes
to a hidden temporary file beside the target, is flushed to disk, then renamed over the target in
one step. A process killed part-way leaves the old file intact and, at worst, a stray
``.<name>.sna-<random>.tmp[.<suffix>]`` file that :func:`remove_stale_temp_files` clears. The
``sna-`` marker makes sna's temporary files recognisable: no other application's file is ever
taken for one (see :func:`is_temp_file`).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import mmap
import os
import re
import secrets
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "DATA_LOCK",
    "FolderLocked",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "folder_lock",
    "is_temp_file",
    "remove_stale_temp_files",
    "sha256_bytes",
    "sha256_file",
    "write_spliced",
]

DATA_LOCK = ".sna-data.lock"
"""Lock file in the processed-data folder: ``sna prepare`` holds it while it writes, ``sna build``
while its notebooks read, so a build never publishes reports from half-written data."""

_CHUNK = 1 << 20
_TEMP_NAME = re.compile(r"^\..+\.sna-[0-9a-f]{12}\.tmp(\.[^.]+){0,2}$")


def _temp_path(path: Path) -> Path:
    """A hidden, unique name beside ``path`` that keeps its suffixes (``.csv.gz``).

    Writers that infer the format from the name (pandas ``compression="infer"``) still do.
    """
    suffixes = "".join(path.suffixes[-2:])
    return path.with_name(f".{path.name}.sna-{secrets.token_hex(6)}.tmp{suffixes}")


def is_temp_file(path: str | Path) -> bool:
    """Whether ``path`` is named like a temporary file of sna's atomic writes.

    Examples
    --------
    >>> is_temp_file(".index.html.sna-0123456789ab.tmp"), is_temp_file(".index.html.tmp")
    (True, False)
    """
    return bool(_TEMP_NAME.match(Path(path).name))


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it is renamed over ``path`` in one step.

    For writers that want a file name rather than bytes (``frame.to_parquet(tmp)``). If the
    ``with`` block raises, the temporary file is removed and ``path`` is untouched.

    Examples
    --------
    >>> with atomic_path("data/processed/counts.parquet") as tmp:  # doctest: +SKIP
    ...     counts.to_parquet(tmp, index=False)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_path(path)
    try:
        yield tmp
        _fsync_file(tmp)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def atomic_write_bytes(path: str | Path, data: bytes | memoryview) -> None:
    """Write ``data`` to ``path`` atomically: readers see the old file or the new, never a mix.

    The bytes go to a hidden temporary file in the same folder (created with the usual
    permissions, i.e. ``0o666`` minus the umask), are flushed to disk with ``fsync``, then the
    file is renamed over ``path``. If anything fails, the temporary file is removed and ``path``
    is untouched. The parent folder is created if needed.

    Parameters
    ----------
    path
        The file to write.
    data
        Its new content.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_path(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def atomic_write_text(path: str | Path, text: str, *, encoding: str = "utf-8") -> None:
    r"""Write ``text`` to ``path`` atomically (see :func:`atomic_write_bytes`).

    Newlines are written as given (``"\n"``), whatever the platform, so the bytes are the same
    everywhere.
    """
    atomic_write_bytes(path, text.encode(encoding))


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable; not every file system supports syncing a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temp_files(folder: str | Path, *, recursive: bool = True) -> list[Path]:
    """Delete temporary files left by sna writers killed part-way; returns what was removed.

    Only files named by sna's atomic writes (``.<name>.sna-<12 hex>.tmp[.<suffix>]``, see
    :func:`is_temp_file`) are removed, and only regular files (not symbolic links): another
    application's ``*.tmp`` files are never touched. Folders reached through symbolic links are
    not searched. Only call this while holding the folder's lock (:func:`folder_lock`), so that
    no live writer's temporary file is removed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = folder.rglob(".*") if recursive else folder.glob(".*")
    removed = []
    for path in sorted(found):
        if is_temp_file(path) and not path.is_symlink() and path.is_file():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def sha256_bytes(data: bytes | memoryview) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's content, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_spliced(
    path: Path, pieces: Sequence[bytes | tuple[int, int]], source: Path | None = None
) -> str:
    """Write ``pieces`` one after another to ``path``; return the SHA-256 of what was written.

    A piece is bytes, or ``(start, length)``: that byte range of ``source``, copied by the
    kernel (``os.copy_file_range``: not read into Python) where it can, and hashed from a memory
    map of ``source``. For outputs made of a previous output's ranges and new bytes.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "old").write_bytes(b"header,a,b,c")
    >>> digest = write_spliced(folder / "new", [b"x", (7, 3), b"y"], folder / "old")
    >>> (folder / "new").read_bytes(), digest == sha256_bytes(b"xa,by")
    (b'xa,by', True)
    """
    digest = hashlib.sha256()
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(Path(path).open("wb"))
        old = view = None
        for piece in pieces:
            if isinstance(piece, bytes):
                out.write(piece)
                digest.update(piece)
                continue
            start, length = piece
            if not length:
                continue
            if view is None:
                if source is None:
                    raise ValueError("a byte range needs a source file")
                old = stack.enter_context(Path(source).open("rb"))
                view = memoryview(
                    stack.enter_context(mmap.mmap(old.fileno(), 0, prot=mmap.PROT_READ))
                )
                stack.callback(view.release)
            assert old is not None
            with view[start : start + length] as chunk:
                if len(chunk) != length:
                    raise ValueError(f"{source} has no bytes {start} to {start + length}")
                digest.update(chunk)
                out.flush()
                _copy_range(old.fileno(), out, start, chunk)
    return digest.hexdigest()


def _copy_range(source: int, out: BinaryIO, start: int, chunk: memoryview) -> None:
    """Append ``chunk`` (bytes ``start`` on of file ``source``) to ``out`` (flushed)."""
    done = 0
    with contextlib.suppress(AttributeError, OSError):  # no copy_file_range: write it
        while done < len(chunk):
            n = os.copy_file_range(source, out.fileno(), len(chunk) - done, start + done)
            if n == 0:
                break
            done += n
    out.seek(0, os.SEEK_END)
    out.write(chunk[done:])


class FolderLocked(Exception):
    """Another process holds the lock; ``pid`` is its process id when known."""

    def __init__(self, lock_path: Path, pid: int | None) -> None:
        self.lock_path = lock_path
        self.pid = pid
        super().__init__(f"{lock_path} is held by pid {pid if pid is not None else 'unknown'}")


@contextlib.contextmanager
def folder_lock(lock_path: str | Path) -> Iterator[Path]:
    """Hold an exclusive, non-blocking lock on ``lock_path`` for the ``with`` block.

    The lock is an ``fcntl.flock`` on the file, so the operating system releases it when the
    holder exits, even if it is killed (SIGKILL): a stale lock file never blocks anyone. The
    holder's pid is written into the file for the message another process shows. The file
    descriptor is not inherited by child processes started with ``exec`` (spawn, subprocess).

    Raises
    ------
    FolderLocked
        If another process holds the lock.
    """
    lock_path = Path(lock_path)
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EACCES, errno.EAGAIN):
                raise
            raise FolderLocked(lock_path, _read_pid(fd)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield lock_path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read_pid(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None
