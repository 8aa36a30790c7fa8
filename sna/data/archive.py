"""Raw files as downloaded: files on disk, and members of zip archives read without unpacking.

police.uk's bulk download (data.police.uk/data) is a zip archive of
``YYYY-MM/YYYY-MM-<force>-street.csv`` files, with outcomes and stop-and-search files beside
them. ``sna prepare`` reads the members of such an archive where it lies, as if they were files:
a :class:`RawFile` is either, and is shown as ``archive.zip!2024-01/2024-01-thames-valley-street.csv``
for a member. Reading a member checks it against the archive's checksum (CRC-32), so a damaged
or cut-short archive is an :class:`~sna.errors.InputError` naming the archive and the member.
"""

from __future__ import annotations

import hashlib
import mmap
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sna.data.files import sha256_file
from sna.errors import InputError

__all__ = ["MEMBER_SEPARATOR", "RawFile", "archive_members", "is_archive"]

MEMBER_SEPARATOR = "!"
"""Between an archive's path and a member's name: ``archive.zip!2024-01/x-street.csv``."""

_CHUNK = 1 << 20
_LOCAL_HEADER = b"PK\x03\x04"
_DOWNLOAD_AGAIN = "the archive is damaged or was cut short: download it again"


@dataclass(frozen=True)
class RawFile:
    """A raw input file: a file on disk, or a member of a zip archive on disk.

    Attributes
    ----------
    file
        The file on disk: the input file itself, or the zip archive holding it.
    member
        The member's name in the archive (``2024-01/2024-01-thames-valley-street.csv``), or
        None for a file on disk.

    Examples
    --------
    >>> RawFile(Path("police_uk/2024-01-thames-valley-street.csv")).path.as_posix()
    'police_uk/2024-01-thames-valley-street.csv'
    >>> member = RawFile(Path("police_uk/a.zip"), "2024-01/2024-01-thames-valley-street.csv")
    >>> member.path.as_posix(), member.name
    ('police_uk/a.zip!2024-01/2024-01-thames-valley-street.csv', '2024-01-thames-valley-street.csv')
    """

    file: Path
    member: str | None = None

    @property
    def path(self) -> Path:
        """Where the file is, as messages and the manifest show it (``a.zip!<member>``)."""
        if self.member is None:
            return self.file
        return Path(f"{self.file}{MEMBER_SEPARATOR}{self.member}")

    @property
    def name(self) -> str:
        """The file's own name, without its folder (or its archive and folder in the archive)."""
        return self.file.name if self.member is None else PurePosixPath(self.member).name

    def read_bytes(self) -> bytes:
        """The file's bytes as stored (a ``.gz`` file's compressed bytes).

        Raises
        ------
        OSError
            If the file or the archive cannot be read (missing, no permission).
        InputError
            If the archive or the member is damaged (bad CRC-32, cut short, not a zip).
        """
        if self.member is None:
            return self.file.read_bytes()
        try:
            with zipfile.ZipFile(self.file) as archive:
                return archive.read(self.member)
        except _DAMAGE as exc:
            raise _damaged(self, exc) from None

    def sha256(self) -> str:
        """Hex SHA-256 of the file's bytes (a member's bytes, uncompressed from the archive).

        Raises
        ------
        OSError, InputError
            As :meth:`read_bytes`.
        """
        if self.member is None:
            return sha256_file(self.file)
        digest = hashlib.sha256()
        try:
            with zipfile.ZipFile(self.file) as archive, archive.open(self.member) as member:
                while chunk := member.read(_CHUNK):
                    digest.update(chunk)
        except _DAMAGE as exc:
            raise _damaged(self, exc) from None
        return digest.hexdigest()


_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)
"""What zipfile raises for a damaged member (BadZipFile: bad CRC-32 or header; zlib.error,
EOFError: bad or cut-short data) or one it cannot read (NotImplementedError: an unsupported
compression method; RuntimeError: an encrypted member)."""


def _damaged(raw: RawFile, exc: Exception) -> InputError:
    """One error naming the archive and the member, for what zipfile raised reading it."""
    if isinstance(exc, zipfile.BadZipFile) and "not a zip file" in str(exc):
        return _not_a_zip(raw.file)
    if isinstance(exc, NotImplementedError | RuntimeError):
        return InputError(
            raw.path,
            f"cannot be read from the zip archive ({exc})",
            hint="unpack the archive with another tool and put its files in the folder",
        )
    if "CRC" in str(exc):
        problem = "is damaged in the zip archive: its bytes do not match the archive's CRC-32"
    elif isinstance(exc, zlib.error):
        problem = f"is damaged in the zip archive: its data cannot be decompressed ({exc})"
    elif isinstance(exc, EOFError):
        problem = "is cut short in the zip archive"
    else:
        problem = f"is damaged in the zip archive ({exc})"
    return InputError(raw.path, problem, hint=_DOWNLOAD_AGAIN)


def is_archive(path: Path) -> bool:
    """Whether ``path`` is named as a zip archive (``.zip``, any case).

    Examples
    --------
    >>> is_archive(Path("police.uk-2024.ZIP")), is_archive(Path("x-street.csv"))
    (True, False)
    """
    return path.name.lower().endswith(".zip")


def archive_members(path: Path) -> list[str]:
    """Names of the files in a zip archive (folders left out), in the archive's order.

    Raises
    ------
    InputError
        If the file is not a zip archive, is cut short (naming the last member it begins), or
        cannot be read; or if a member's name leaves the archive (``..``, an absolute path),
        is given twice, or declares more than :data:`MAX_MEMBER_SIZE` bytes.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
    except zipfile.BadZipFile:
        raise _not_a_zip(path) from None
    except OSError as exc:
        raise InputError(
            path,
            f"cannot be read ({exc.strerror or exc})",
            hint="check that the file exists and that you may read it (its permissions)",
        ) from None
    seen: set[str] = set()
    for info in infos:
        _check_member(path, info, seen)
    return [info.filename for info in infos]


MAX_MEMBER_SIZE = 1 << 29
"""The largest member read (bytes, uncompressed; 512 MiB): a police.uk street file of the
largest force for a month is some tens of MB, so a member declaring more is damaged or a
"zip bomb", and is refused before it is read into memory."""


def _check_member(path: Path, info: zipfile.ZipInfo, seen: set[str]) -> None:
    """Refuse a member name that leaves the archive, or is given twice, or a huge member.

    A name like ``../x-street.csv`` or ``/x-street.csv`` would be shown (and named in the
    manifest) as another file; of two members with one name, zipfile reads only the last, so the
    first would be lost without a word.
    """
    name = info.filename
    where = Path(f"{path}{MEMBER_SEPARATOR}{name}")
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or (parts and parts[0].endswith(":")):
        raise InputError(
            where,
            "the zip archive names a member outside itself (an absolute path or '..')",
            hint="this is not a police.uk download: download the archive again",
        )
    if name in seen:
        raise InputError(
            where,
            "the zip archive holds two members of this name (only the last could be read)",
            hint="download the archive again, or unpack both copies under different names",
        )
    seen.add(name)
    if info.file_size > MAX_MEMBER_SIZE:
        raise InputError(
            where,
            f"too large to read: {info.file_size:,} bytes uncompressed (at most "
            f"{MAX_MEMBER_SIZE:,}); a police.uk street file is far smaller",
            hint=_DOWNLOAD_AGAIN,
        )


def _not_a_zip(path: Path) -> InputError:
    """The error for a file named ``.zip`` that zipfile cannot open: cut short, or not a zip."""
    member = _last_member_begun(path)
    if member is None:
        return InputError(
            path,
            "is not a zip archive (it does not begin like one)",
            hint="download the police.uk archive again, or rename the file if it is not a zip",
        )
    return InputError(
        Path(f"{path}{MEMBER_SEPARATOR}{member}"),
        "the zip archive is cut short at or after this member (its list of members, at the "
        "end, is missing)",
        hint=_DOWNLOAD_AGAIN,
    )


def _last_member_begun(path: Path) -> str | None:
    """The name of the last member whose header a zip archive holds; None if it has none.

    Walks the local file headers from the start of the file, as an archive cut short keeps them
    (its central directory, at the end, is what is lost).
    """
    try:
        with path.open("rb") as fh:
            if fh.read(4) != _LOCAL_HEADER:
                return None
            data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None
    name = None
    offset = 0
    with data:
        while offset + 30 <= len(data) and data[offset : offset + 4] == _LOCAL_HEADER:
            (flags,) = struct.unpack_from("<H", data, offset + 6)
            (size,) = struct.unpack_from("<I", data, offset + 18)
            name_length, extra_length = struct.unpack_from("<HH", data, offset + 26)
            raw_name = data[offset + 30 : offset + 30 + name_length]
            name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", errors="replace")
            start = offset + 30 + name_length + extra_length
            if flags & 0x08:  # sizes follow the data: find the next header instead
                offset = data.find(_LOCAL_HEADER, start)
                if offset < 0:
                    break
            else:
                offset = start + size
    return name
