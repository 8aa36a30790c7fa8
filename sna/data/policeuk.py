"""police.uk street-level crime files: their schema, and reading one file into kept and rejected rows.

A file is ``YYYY-MM-<force>-street.csv`` (optionally ``.gz``) with the columns in
:data:`STREET_COLUMNS`. Reading never drops a row silently: every data row ends up in the records
frame or in the rejects frame with a reason, and :class:`FileCounts` reconciles the two.
"""

from __future__ import annotations

CRIME_TYPES: tuple[str, ...] = (
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)
"""The 14 police.uk crime types (2013 onwards). "Anti-social behaviour" is not a crime."""

ASB = "Anti-social behaviour"
FORCE_MISMATCH = "force does not match file name"
MALFORMED = "malformed row (wrong number of fields)"
MALFORMED_KEPT = 10_000
"""Malformed rows whose text is kept (the first ones); the rest are counted, not kept, so that a
file of millions of bad rows costs a few bytes per row."""
RAW_TEXT_LIMIT = 2_000
"""Characters of a malformed row's text kept (a police.uk row has about 300)."""
QUOTED_LINES_LIMIT = 5
QUOTED_CHARS_LIMIT = 10_000
"""A row spanning more lines, or with a value longer, holds an unclosed quote: police.uk values
never hold a newline, so a quoted value running over many lines has swallowed the rows after it."""
REPEAT_RUN_LIMIT = 25
"""Rows repeating earlier rows of the file, in a row, that make a file refused as pasted twice.

Counted as the lines in an unbroken run of lines each equal to an earlier line, not counting a
line equal to the one just before it: a real month repeats identical anti-social behaviour rows
(one snap point, up to 271 in a row in the demo data) but never a run of more than 10 different
earlier rows (demo data, 2018-2025)."""

STREET_COLUMNS: tuple[str, ...] = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)

import codecs
import csv
import datetime
import functools
import gzip
import io
import re
import zlib
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

try:  # ISA-L: gzip at about twice zlib's speed (wheels for the usual platforms)
    from isal import igzip
except ImportError:  # pragma: no cover - zlib, through the standard library
    igzip = None  # type: ignore[assignment]

from sna.data.archive import RawFile
from sna.errors import InputError

__all__ = [
    "ASB",
    "CRIME_TYPES",
    "FORCE_MISMATCH",
    "MALFORMED",
    "STREET_COLUMNS",
    "Reasons",
    "StreetFile",
    "crime_type_ids",
    "crime_type_names",
    "current_month",
    "force_key",
    "normalise_crime_type",
    "parse_street_filename",
    "read_street_file",
    "record_reasons",
    "validate_records",
]

_FILENAME = re.compile(
    r"^(?P<month>\d{4}-\d{2})-(?P<force>[a-z0-9-]+?)-street\.(?i:csv)(?:\.(?i:gz))?$"
)
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_CRIME_TYPE_IDS = {
    " ".join(t.casefold().replace("-", " ").split()): i for i, t in enumerate(CRIME_TYPES)
}
_CRIME_TYPE_NAMES = np.array([*CRIME_TYPES, None], dtype=object)  # id -1 (unknown) is missing
# Bounding box of the UK with a margin (degrees); police.uk snap points all fall inside it.
UK_LONGITUDE = (-8.7, 1.8)
UK_LATITUDE = (49.8, 60.9)
# Words that differ between a force's name in "Falls within" and its id in file names:
# "Police Service of Northern Ireland" is northern-ireland, "Metropolitan Police Service" is
# metropolitan, "Avon and Somerset Constabulary" is avon-and-somerset.
_FORCE_WORDS = frozenset({"police", "constabulary", "service", "of", "the"})
_FORCE_ALIASES = {"btp": "british-transport"}
# Bytes of a line that carries no data: spaces, tabs, commas, carriage return.
_BLANK_BYTES = np.zeros(256, dtype=bool)
_BLANK_BYTES[[ord(" "), ord("\t"), ord(","), ord("\r"), ord("\n")]] = True


@dataclass(frozen=True)
class StreetFile:
    """One police.uk street file, read.

    Attributes
    ----------
    path
        The file.
    month
        ``YYYY-MM`` from the file name.
    force
        Force slug from the file name, e.g. ``thames-valley``.
    records
        Every well-formed data row: the 12 police.uk columns as text, plus ``line`` (1-based line
        number in the file where the row starts).
    malformed
        Rows that could not be parsed into 12 fields (``line``, ``raw``, ``reason``): the first
        :data:`MALFORMED_KEPT` of them, their text cut to :data:`RAW_TEXT_LIMIT` characters.
    blank_lines
        Line numbers of rows with no data (empty, or only spaces and commas), which are counted
        but never parsed: a file of millions of blank lines costs a few bytes per line.
    malformed_rows
        Malformed rows in the file, those in ``malformed`` and the rest (None: ``len(malformed)``).
    """

    path: Path
    month: str
    force: str
    records: pd.DataFrame
    malformed: pd.DataFrame
    blank_lines: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    malformed_rows: int | None = None

    @property
    def malformed_count(self) -> int:
        """Malformed rows in the file, kept in ``malformed`` or not."""
        return len(self.malformed) if self.malformed_rows is None else self.malformed_rows

    @property
    def rows_read(self) -> int:
        """Data rows in the file (header excluded), well-formed, malformed or blank."""
        return len(self.records) + self.malformed_count + len(self.blank_lines)


def parse_street_filename(path: Path) -> tuple[str, str]:
    """Month and force from a police.uk file name.

    Examples
    --------
    >>> parse_street_filename(Path("2025-03-thames-valley-street.csv.gz"))
    ('2025-03', 'thames-valley')
    """
    match = _FILENAME.match(path.name)
    if not match or not _MONTH.match(match["month"]):
        raise InputError(
            path,
            "file name is not a police.uk street file name",
            hint="expected YYYY-MM-<force>-street.csv or .csv.gz, as downloaded from data.police.uk",
        )
    return match["month"], match["force"]


def current_month() -> str:
    """The current month as ``YYYY-MM`` (local time): no police.uk file can be for a later month."""
    return datetime.date.today().strftime("%Y-%m")


def force_key(name: str) -> str:
    """A force's name or file-name id, normalised so that the two compare equal.

    Examples
    --------
    >>> force_key("Thames Valley Police"), force_key("thames-valley")
    ('thames-valley', 'thames-valley')
    >>> force_key("Devon & Cornwall Police"), force_key("Police Service of Northern Ireland")
    ('devon-and-cornwall', 'northern-ireland')
    >>> force_key("btp") == force_key("British Transport Police")
    True
    """
    slug = "".join(c if c.isalnum() else "-" for c in name.casefold().replace("&", " and "))
    key = "-".join(p for p in slug.split("-") if p and p not in _FORCE_WORDS)
    return _FORCE_ALIASES.get(key, key)


def _gunzip(data: bytes) -> bytes:
    """A gzip file's content, by ISA-L (:mod:`isal`, about twice zlib's speed) when installed.

    Anything wrong (cut short, damaged) is left to :func:`gzip.decompress`, whose checks and
    messages the caller knows.
    """
    if igzip is not None:
        try:
            return igzip.decompress(data)
        except Exception:  # noqa: BLE001, S110 - decompressed again below, which raises
            pass
    return gzip.decompress(data)


def _read_bytes(source: RawFile) -> bytes:
    path = source.path
    try:
        raw = source.read_bytes()
        if path.suffix.lower() == ".gz":
            raw = _gunzip(raw)
    except OSError as exc:
        if isinstance(exc, gzip.BadGzipFile):
            raise InputError(
                path,
                f"not a complete gzip file ({exc})",
                hint="the download was cut short: download it again",
            ) from None
        raise InputError(
            path,
            f"cannot be read ({exc.strerror or exc})",
            hint="check that the file exists and that you may read it (its permissions)",
        ) from None
    except (EOFError, zlib.error) as exc:
        raise InputError(
            path,
            f"not a complete gzip file ({exc})",
            hint="the download was cut short: download it again",
        ) from None
    if not raw or raw.isspace():  # (no copy of the file, as strip() would make)
        raise InputError(path, "file is empty", hint="download the month again or remove the file")
    bad = None if raw.isascii() else _first_non_utf8(raw)  # ASCII: every real file
    if bad is not None:
        raise InputError(
            path,
            f"bytes that are not UTF-8 text (0x{raw[bad]:02x})",
            line=raw.count(b"\n", 0, bad) + 1,
            hint="police.uk files are UTF-8: re-download the file or re-save it as UTF-8",
        )
    return raw


def _first_non_utf8(raw: bytes, chunk: int = 1 << 24) -> int | None:
    """Offset of the first byte that is not UTF-8 text, if any.

    Checked 16 MB at a time: no copy of the whole file as text.
    """
    view = memoryview(raw)
    start = 0
    while start < len(raw):
        end = min(start + chunk, len(raw))
        back = 0
        while end < len(raw) and back < 3 and 0x80 <= raw[end] < 0xC0:
            end -= 1  # do not split a character between two chunks
            back += 1
        try:
            codecs.decode(view[start:end], "utf-8")
        except UnicodeDecodeError as exc:
            return start + exc.start
        start = end
    return None


def _check_line_endings(path: Path, raw: bytes) -> None:
    """Refuse carriage returns that do not end a line (CRLF and LF line endings are both fine).

    A file saved with old Mac line endings (CR alone) is one line to a line counter but many rows
    to a CSV parser: its rows could not be given their line numbers, nor the lines counted.
    """
    if b"\r" not in raw or raw.count(b"\r") == raw.count(b"\r\n"):
        return
    if raw.rstrip(b"\r\n").find(b"\n") < 0:
        raise InputError(
            path,
            "uses carriage returns alone as line endings",
            hint="save it with LF or CRLF line endings, or download it again",
        )
    bare = re.search(b"\r(?!\n)", raw)
    assert bare is not None
    raise InputError(
        path,
        "holds a carriage return (CR) that does not end a line",
        line=raw.count(b"\n", 0, bare.start()) + 1,
        hint="save it with LF or CRLF line endings, or download it again",
    )


def _check_header(path: Path, raw: bytes) -> list[str]:
    """The header's column names, stripped of spaces (``"Context "`` is ``Context``)."""
    _check_line_endings(path, raw)
    first = raw.split(b"\n", 1)[0].decode("utf-8").lstrip("\ufeff").rstrip("\r")
    header = [h.strip() for h in next(csv.reader([first]), [])]
    repeated = sorted({h for h in header if header.count(h) > 1 and h})
    if repeated:
        raise InputError(
            path,
            f"column {repeated[0]!r} appears more than once in the header",
            line=1,
            hint="re-download the file; police.uk headers name each column once",
        )
    missing = [c for c in STREET_COLUMNS if c not in header]
    if missing:
        extra = [h for h in header if h not in STREET_COLUMNS]
        renamed = f"; found instead: {', '.join(map(repr, extra))}" if extra else ""
        raise InputError(
            path,
            f"column {missing[0]!r} is missing from the header"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
            + renamed,
            line=1,
            hint="is this a police.uk street-level file? its header must have: "
            + ", ".join(STREET_COLUMNS),
        )
    return header


def _check_not_joined(path: Path, raw: bytes, lines: Lines | None = None) -> None:
    """Refuse a file that is two files joined: its header again, or its rows twice over.

    Anti-social behaviour rows have no Crime ID, so a second copy of them cannot be told from
    new incidents row by row; the file as a whole can.
    """
    end = raw.find(b"\n")
    if end < 0:
        return
    first = raw[:end].rstrip(b"\r").removeprefix(b"\xef\xbb\xbf")
    again = _header_again(raw, first, end)
    if first and again is not None:
        line = raw.count(b"\n", 0, again) + 2
        raise InputError(
            path,
            "repeats its header line: it looks like two files joined together",
            line=line,
            hint="keep one copy of each month: download the file again",
        )
    body = memoryview(raw)[end + 1 :]
    if len(body) and raw[-1:] != b"\n":  # the last line as if ended like the header
        body = memoryview(bytes(body) + (b"\r\n" if raw[end - 1 : end] == b"\r" else b"\n"))
    half = len(body) // 2
    if half and len(body) % 2 == 0 and body[:half] == body[half:]:
        rows = bytes(body[:half]).splitlines()
        if len(set(rows)) > 1:
            raise InputError(
                path,
                f"its rows are there twice: lines {len(rows) + 2} on repeat lines 2 to "
                f"{len(rows) + 1}",
                line=len(rows) + 2,
                hint="keep one copy of each month: download the file again",
            )
    repeat = _repeated_run(lines if lines is not None else Lines.of(raw))
    if repeat is not None:
        start, end, count = repeat
        raise InputError(
            path,
            f"from this line on its rows repeat earlier rows of the file (lines {start:,} to "
            f"{end:,}, {count:,} rows again): it looks like rows pasted in twice",
            line=start,
            hint="keep one copy of each month: download the file again",
        )


def _header_again(raw: bytes, header: bytes, start: int) -> int | None:
    """Offset of the newline before a line equal to ``header`` (BOM allowed), after ``start``.

    A search for the header text (C speed), each hit then checked to be a whole line: no regex
    over a file of hundreds of megabytes.
    """
    at = raw.find(header, start)
    while at >= 0:
        before = at - 3 if raw[max(at - 3, 0) : at] == b"\xef\xbb\xbf" else at
        tail = at + len(header)
        tail += raw[tail : tail + 1] == b"\r"
        if raw[before - 1 : before] == b"\n" and raw[tail : tail + 1] in (b"\n", b""):
            return before - 1
        at = raw.find(header, at + 1)
    return None


def _repeated_run(lines: Lines) -> tuple[int, int, int] | None:
    """The first run of lines repeating earlier lines that is evidence of pasting, if any.

    A run is an unbroken sequence of non-blank data lines each equal to an earlier line of the
    file; it counts the lines that differ from the line just before them (identical anti-social
    behaviour rows, which real files hold in runs, count once). A run counting
    :data:`REPEAT_RUN_LIMIT` is refused. Returns (first line, last line of the run so far, count).
    Blank lines are skipped.
    """
    numbers = np.arange(1, len(lines.text) + 1)
    keep = numbers > 1
    keep[lines.blank] = False
    if int(keep.sum()) <= REPEAT_RUN_LIMIT:
        return None
    numbers = numbers[keep]
    # Each line as a number, equal for equal lines (Arrow's hash table: exact, no collision),
    # numbered in order of first appearance: a line was seen before when its number is not
    # above every number before it.
    h = pc.dictionary_encode(lines.text).indices.to_numpy()[keep]
    seen = np.empty(len(h), dtype=bool)
    seen[0] = False
    seen[1:] = h[1:] <= np.maximum.accumulate(h)[:-1]
    new_value = np.empty(len(h), dtype=bool)
    new_value[0] = True
    new_value[1:] = h[1:] != h[:-1]
    counted = np.cumsum(seen & new_value)
    # Restart the count after each line not seen before.
    base = np.maximum.accumulate(np.where(seen, 0, counted))
    over = np.flatnonzero(seen & (counted - base >= REPEAT_RUN_LIMIT))
    if not len(over):
        return None
    at = int(over[0])
    fresh = np.flatnonzero(~seen[:at])
    first = int(fresh[-1]) + 1 if len(fresh) else 0
    after = np.flatnonzero(~seen[at:])
    end = at + int(after[0]) - 1 if len(after) else len(h) - 1
    rows = int(counted[end] - base[end])
    return int(numbers[first]), int(numbers[end]), rows


@dataclass(frozen=True)
class Lines:
    r"""A file's lines as one Arrow string array, for checks on every line at C speed.

    Each line keeps its newline (CRLF read as LF, a newline added to a last line without one),
    so that the array is the file's bytes with no copy (but for CRLF files) and no Python
    object per line.

    Examples
    --------
    >>> lines = Lines.of(b"a,b\r\n1,2\r\n,,\r\n\r\n3,4\r\n ,")
    >>> lines.text.to_pylist()[:2], lines.blank.tolist(), lines.longest
    (['a,b\n', '1,2\n'], [False, False, True, True, False, True], 3)
    """

    text: pa.LargeStringArray
    blank: np.ndarray
    """Lines after the header holding only spaces, tabs and commas (quotes not looked at)."""
    longest: int
    """Bytes in the longest line, newline excluded."""

    @classmethod
    def of(cls, raw: bytes) -> Lines:
        """The lines of ``raw`` (UTF-8, line endings already checked)."""
        text = raw.replace(b"\r\n", b"\n") if b"\r" in raw else raw
        if not text.endswith(b"\n"):
            text += b"\n"
        data = np.frombuffer(text, dtype=np.uint8)
        ends = np.flatnonzero(data == ord("\n"))
        offsets = np.empty(len(ends) + 1, dtype=np.int64)
        offsets[0] = 0
        offsets[1:] = ends + 1
        lines = pa.LargeStringArray.from_buffers(
            len(ends), pa.py_buffer(offsets), pa.py_buffer(text)
        )
        blank = _blank_lines(lines, data, offsets)
        blank[:1] = False  # the header
        longest = int(np.diff(offsets).max()) - 1 if len(ends) else 0
        return cls(lines, blank, longest)


_LINE_BLANK = np.zeros(256, dtype=bool)
_LINE_BLANK[[ord(" "), ord("\t"), ord(","), ord("\n")]] = True
_BYTES_LOOKED_AT = 16


def _blank_lines(lines: pa.LargeStringArray, data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Which lines (each ending in its newline) hold only spaces, tabs and commas.

    Decided byte by byte from the start of each line for the lines still in doubt: nearly every
    line is settled by its first byte or two (a Crime ID, or the comma and month of an
    anti-social behaviour row), so the file is not copied. The few lines still in doubt after
    :data:`_BYTES_LOOKED_AT` bytes are trimmed by Arrow.
    """
    starts, ends = offsets[:-1], offsets[1:]
    blank = _LINE_BLANK[data[starts]] if len(data) else np.zeros(len(starts), dtype=bool)
    doubt = np.flatnonzero(blank)
    for step in range(1, _BYTES_LOOKED_AT):
        if not len(doubt):
            return blank
        at = starts[doubt] + step
        inside = at < ends[doubt]  # else the line ended: blank throughout
        doubt = doubt[inside]
        still = _LINE_BLANK[data[at[inside]]]
        blank[doubt[~still]] = False
        doubt = doubt[still]
    if len(doubt):
        trimmed = pc.ascii_trim(lines.take(pa.array(doubt)), " \t,\n")
        blank[doubt] = np.asarray(pc.equal(pc.binary_length(trimmed), 0), dtype=bool)
    return blank


def _drop_blank_lines(raw: bytes, lines: Lines | None = None) -> tuple[bytes, np.ndarray]:
    """The file without its blank lines, and their line numbers (1-based).

    A blank line holds only spaces, tabs and commas, outside any quoted value. The header
    (line 1) is never dropped. Done on bytes with numpy, so that millions of blank lines cost
    a few bytes each rather than a row of Python objects.
    """
    if not (lines if lines is not None else Lines.of(raw)).blank.any():
        return raw, np.empty(0, dtype=np.int64)
    arr = np.frombuffer(raw, dtype=np.uint8)
    ends = np.flatnonzero(arr == ord("\n"))
    if len(ends) < 2:
        return raw, np.empty(0, dtype=np.int64)
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    # Per line, not per byte: a byte costs one bool here, never an integer (a 200 MB file of
    # long bad rows must not take gigabytes).
    lines_part = arr[: ends[-1] + 1]
    blank = ~np.logical_or.reduceat(~_BLANK_BYTES[lines_part], starts)
    blank[0] = False  # the header
    if not blank.any():
        return raw, np.empty(0, dtype=np.int64)
    if b'"' in raw:  # a blank line inside a quoted value is part of the value
        per_line = np.add.reduceat(lines_part == ord('"'), starts, dtype=np.int64)
        before = np.concatenate([[0], np.cumsum(per_line)[:-1]])
        blank &= before % 2 == 0
    numbers = np.flatnonzero(blank).astype(np.int64) + 1
    keep = np.repeat(~blank, ends - starts + 1)
    tail = np.ones(len(arr) - len(keep), dtype=bool)
    return arr[np.concatenate([keep, tail])].tobytes(), numbers


def read_street_file(path: str | Path | RawFile) -> StreetFile:
    """Read one police.uk street-level CSV (plain or gzip) without losing a row.

    Parameters
    ----------
    path
        ``YYYY-MM-<force>-street.csv`` or ``.csv.gz``: a file, or a member of a zip archive
        (then ``StreetFile.path`` is ``<archive>!<member>``).

    Returns
    -------
    StreetFile
        Well-formed rows as text (``records``), unparseable rows (``malformed``), each with
        the line it starts on, and the line numbers of blank rows. Columns may come in any
        order, and header names may carry spaces; extra columns are dropped.

    Raises
    ------
    InputError
        If the file name, compression, encoding or header is wrong, the file cannot be read,
        its month is in the future, or it is two files joined (names the file and line).
    """
    source = path if isinstance(path, RawFile) else RawFile(Path(path))
    path = source.path
    month, force = parse_street_filename(path)
    if month > current_month():
        raise InputError(
            path,
            f"month {month} in the file name is in the future",
            hint="police.uk publishes past months only: check the file name, or remove the file",
        )
    raw = _read_bytes(source)
    header = _check_header(path, raw)
    lines = Lines.of(raw)  # computed once, for three checks
    _check_not_joined(path, raw, lines)
    raw, blank_lines = _drop_blank_lines(raw, lines)
    # Malformed rows: number and embedded newlines of every one (8 bytes each), text of the
    # first MALFORMED_KEPT only, so that millions of bad rows cost little memory.
    bad_numbers = array("q")
    bad_newlines = array("q")
    bad_text: list[str] = []
    unclosed: list[tuple[int, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        text = row.text
        number = row.number if row.number is not None else -1
        newlines = text.count("\n")
        bad_numbers.append(number)
        bad_newlines.append(newlines)
        if not unclosed and (newlines > QUOTED_LINES_LIMIT or len(text) > QUOTED_CHARS_LIMIT):
            unclosed.append((number, text[:200]))
        if len(bad_text) < MALFORMED_KEPT:
            clipped = text[:RAW_TEXT_LIMIT]
            if len(text) > RAW_TEXT_LIMIT:
                clipped += f" [... {len(text):,} characters in all]"
            bad_text.append(clipped)
        return "skip"

    columns = list(dict.fromkeys(h for h in header if h))
    # Without quotes a row is one line: read in 1 MB blocks (faster: they stay in the CPU's
    # cache); a quoted value may run on, and a row must fit in one block.
    plain = b'"' not in raw and lines.longest <= QUOTED_CHARS_LIMIT
    del lines
    try:
        table = pacsv.read_csv(
            io.BytesIO(raw),
            read_options=pacsv.ReadOptions(
                use_threads=False,
                block_size=1 << 20 if plain else 1 << 26,
                column_names=header,
                skip_rows=1,
            ),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in header},
                strings_can_be_null=False,
                include_columns=columns,
                check_utf8=False,  # the whole file was checked: see _read_bytes
            ),
        )
    except pa.ArrowInvalid as exc:
        raise InputError(path, f"cannot be read as CSV: {exc}") from None
    n_bad = len(bad_numbers)
    if table.num_rows + n_bad == 0:
        blank = f" (only {len(blank_lines):,} blank lines)" if len(blank_lines) else ""
        raise InputError(
            path,
            f"has a header but no data rows{blank}",
            hint="a police.uk month is never empty: download it again, or remove the file",
        )
    # Newlines inside each well-formed row's values (any column), and its longest value: none
    # and short when no value is quoted and no line is long (every real file).
    embedded = np.zeros(table.num_rows, dtype=np.int64)
    longest = np.zeros(table.num_rows, dtype=np.int64)
    for name in () if plain else columns:
        values = table.column(name)
        embedded += pc.count_substring(values, "\n").to_numpy(zero_copy_only=False)
        longest = np.maximum(longest, pc.utf8_length(values).to_numpy(zero_copy_only=False))
    # Physical row numbers: header is row 1; the data rows are 2..; invalid ones are known.
    n_rows = table.num_rows + n_bad
    bad_rows = np.frombuffer(bad_numbers, dtype=np.int64) if n_bad else np.empty(0, np.int64)
    known = bad_rows >= 0
    row_numbers = np.setdiff1d(np.arange(2, n_rows + 2), bad_rows, assume_unique=True)
    newlines = np.zeros(n_rows + 2, dtype=np.int64)
    newlines[row_numbers] = embedded
    if n_bad:
        newlines[bad_rows[known]] = np.frombuffer(bad_newlines, dtype=np.int64)[known]
    # Line where row r starts = r + newlines embedded in the rows before it (in the file without
    # its blank lines), then moved down past the blank lines before it.
    before = np.concatenate([[0], np.cumsum(newlines)[:-1]])
    shift = blank_lines - np.arange(len(blank_lines))

    def physical(lines: np.ndarray) -> np.ndarray:
        return lines + np.searchsorted(shift, lines, side="right")

    record_lines = physical(row_numbers + before[row_numbers]).astype(np.int64)
    long_row = (embedded > QUOTED_LINES_LIMIT) | (longest > QUOTED_CHARS_LIMIT)
    if long_row.any() or unclosed:
        first = int(record_lines[np.flatnonzero(long_row)[0]]) if long_row.any() else None
        if unclosed:
            number, text = unclosed[0]
            line = int(physical(np.array([number + before[number]]))[0]) if number >= 0 else None
            if line is None:
                at = raw.find(text.encode("utf-8"))
                line = raw.count(b"\n", 0, at) + 1 if at >= 0 else None
            if line is not None and (first is None or line < first):
                first = line
        if b'"' not in raw:  # no quote: a value too long to be a police.uk value
            raise InputError(
                path,
                f"a value on this line is longer than {QUOTED_CHARS_LIMIT:,} characters: not a "
                "police.uk value",
                line=first,
                hint="the file is damaged or not a police.uk street file: download it again",
            )
        raise InputError(
            path,
            "a quoted value starting on this line is not closed where it should be: it runs "
            f"over more than {QUOTED_LINES_LIMIT} lines or {QUOTED_CHARS_LIMIT:,} characters and "
            "would swallow the rows after it",
            line=first,
            hint='remove the stray double quote (") on that line, or download the file again',
        )
    arrays = {"line": record_lines, **{c: table.column(c) for c in STREET_COLUMNS}}
    records = pa.table(arrays).to_pandas()
    del table, arrays
    kept = min(n_bad, MALFORMED_KEPT)
    kept_rows = bad_rows[:kept]
    kept_lines = np.full(kept, -1, dtype=np.int64)
    ok = kept_rows >= 0
    kept_lines[ok] = physical(kept_rows[ok] + before[kept_rows[ok]])
    malformed = _malformed_frame(kept_lines, bad_text)
    return StreetFile(
        path=path,
        month=month,
        force=force,
        records=records,
        malformed=malformed,
        blank_lines=blank_lines,
        malformed_rows=n_bad,
    )


def _malformed_frame(lines: np.ndarray, text: list[str]) -> pd.DataFrame:
    """``StreetFile.malformed``: the frame of no rows (nearly every file) is made once."""
    if len(lines):
        return pd.DataFrame({"line": lines, "raw": text, "reason": MALFORMED})
    return _no_malformed()


@functools.cache
def _no_malformed() -> pd.DataFrame:
    return pd.DataFrame({"line": np.empty(0, dtype=np.int64), "raw": [], "reason": MALFORMED})


def normalise_crime_type(values: pd.Series) -> pd.Series:
    """Canonical police.uk crime type names; unknown names become missing.

    Case, hyphens and repeated spaces are ignored: ``"anti-social  behaviour"`` is
    ``"Anti-social behaviour"``. Each distinct name is looked up once.

    Examples
    --------
    >>> normalise_crime_type(pd.Series(["anti-social  behaviour", "Drugs", "Fraud"])).tolist()
    ['Anti-social behaviour', 'Drugs', nan]
    """
    return crime_type_names(crime_type_ids(values), values.index)


def crime_type_names(ids: np.ndarray, index: pd.Index | None = None) -> pd.Series:
    """The names of :func:`crime_type_ids`' positions; -1 (unknown) is missing.

    Examples
    --------
    >>> crime_type_names(np.array([4, -1])).tolist()
    ['Drugs', nan]
    """
    return pd.Series(_CRIME_TYPE_NAMES[ids], index=index, dtype="str")


def crime_type_ids(values: pd.Series) -> np.ndarray:
    """Each value's position in :data:`CRIME_TYPES`, -1 if unknown (see :func:`normalise_crime_type`).

    Examples
    --------
    >>> crime_type_ids(pd.Series(["Drugs", "fraud", "anti-social behaviour"])).tolist()
    [4, -1, 0]
    """
    codes, unique = pd.factorize(values)
    keys = (" ".join(str(u).casefold().replace("-", " ").split()) for u in unique)
    canonical = [_CRIME_TYPE_IDS.get(key, -1) for key in keys]
    return np.array([*canonical, -1], dtype=np.int64)[codes]  # code -1 (missing) is unknown


@dataclass
class Reasons:
    """Why each row of a file cannot be used, as small integers: cheap to add to and to test.

    ``codes[i]`` is 0 for a usable row, else ``k`` for ``texts[k - 1]``. The first reason
    given to a row is kept.

    Examples
    --------
    >>> r = Reasons(np.zeros(3, dtype=np.int8), [])
    >>> r.flag(np.array([True, False, True]), "no location")
    >>> r.flag(np.array([True, True, False]), "unknown crime type")
    >>> r.text().tolist(), r.usable().tolist()
    (['no location', 'unknown crime type', 'no location'], [False, False, False])
    """

    codes: np.ndarray
    texts: list[str]

    def flag(self, mask: np.ndarray, text: str) -> None:
        """Give ``text`` to the rows in ``mask`` that have no reason yet."""
        hit = mask & (self.codes == 0)
        if hit.any():
            if text not in self.texts:
                self.texts.append(text)
            self.codes[hit] = self.texts.index(text) + 1

    def usable(self) -> np.ndarray:
        """Rows with no reason."""
        return self.codes == 0

    def text(self, rows: np.ndarray | None = None, index: pd.Index | None = None) -> pd.Series:
        """The reasons of ``rows`` (a mask; all rows if None) as text, missing where usable."""
        values = pd.arrays.ArrowStringArray(self.arrow(rows))
        return pd.Series(values, index=index, dtype="string")

    def arrow(self, rows: np.ndarray | None = None) -> pa.LargeStringArray:
        """The reasons of ``rows`` (a mask; all rows if None) as Arrow text, null where usable.

        Built through an Arrow dictionary: ten times faster than from Python strings.
        """
        codes = self.codes if rows is None else self.codes[rows]
        dictionary = pa.DictionaryArray.from_arrays(
            pa.array(codes.astype(np.int32) - 1, mask=codes == 0),
            pa.array(self.texts or [""], type=pa.large_string()),
        )
        return dictionary.cast(pa.large_string())

    def counts(self, rows: np.ndarray | None = None) -> dict[str, int]:
        """Rows of ``rows`` (a mask; all rows if None) per reason given (usable rows left out).

        Examples
        --------
        >>> r = Reasons(np.array([0, 1, 2, 1], dtype=np.int8), ["no location", "bad month"])
        >>> r.counts()
        {'no location': 2, 'bad month': 1}
        """
        codes = self.codes if rows is None else self.codes[rows]
        per_code = np.bincount(codes.astype(np.int64), minlength=len(self.texts) + 1)
        return {t: int(n) for t, n in zip(self.texts, per_code[1:], strict=True) if n}


def validate_records(
    records: pd.DataFrame, *, file_month: str, file_force: str | None = None
) -> pd.Series:
    """Why each record cannot be used, or missing where it can.

    Checks, in this order: an empty row; ``Month`` is ``YYYY-MM`` and equals the file's month;
    ``Falls within`` names the file's force (compared through :func:`force_key`); the crime
    type is a police.uk type; the record has an LSOA code (else "no location"); coordinates,
    when given, are numbers inside the UK.

    Parameters
    ----------
    records
        ``StreetFile.records``.
    file_month
        ``YYYY-MM`` from the file name.
    file_force
        Force id from the file name (``thames-valley``); None skips the force check.

    Returns
    -------
    pandas.Series
        Reason text per row (same index), missing for usable rows.
    """
    reasons = record_reasons(records, file_month=file_month, file_force=file_force)
    return reasons.text(index=records.index)


def record_reasons(
    records: pd.DataFrame,
    *,
    file_month: str,
    file_force: str | None = None,
    crime_types: np.ndarray | None = None,
) -> Reasons:
    """:func:`validate_records` as :class:`Reasons`, to which a caller adds its own checks.

    ``crime_types`` is :func:`crime_type_ids` of the records' crime types, if the caller has it
    already.
    """
    n = len(records)
    reasons = Reasons(np.zeros(n, dtype=np.int8), [])
    flag = reasons.flag
    factorized: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def per_value(column: str, test: Callable[[Any], Any]) -> np.ndarray:
        """``test`` of each row's value, computed once per distinct value (False if missing)."""
        if column not in factorized:
            codes, unique = pd.factorize(records[column])
            factorized[column] = codes, unique.to_numpy(dtype=object)
        codes, values = factorized[column]
        return np.array([*map(test, values), False], dtype=bool)[codes]

    # Empty in every column: rows empty in the first column, narrowed column by column.
    empty = np.flatnonzero((records["Month"] == "").to_numpy(dtype=bool))
    for column in STREET_COLUMNS if len(empty) else ():
        empty = empty[(records[column].iloc[empty] == "").to_numpy(dtype=bool)]
    flag(np.isin(np.arange(n), empty), "empty row")
    flag(~per_value("Month", lambda m: bool(_MONTH.match(m.strip()))), "malformed month")
    flag(~per_value("Month", lambda m: m.strip() == file_month), "month does not match file name")
    if file_force is not None:
        wanted = force_key(file_force)
        flag(~per_value("Falls within", lambda f: force_key(f) == wanted), FORCE_MISMATCH)
    if crime_types is None:
        crime_types = crime_type_ids(records["Crime type"])
    flag(crime_types < 0, "unknown crime type")
    flag(per_value("LSOA code", lambda c: c.strip() == ""), "no location")
    # Coordinates: each distinct text converted once (police.uk snaps points to a map).
    lon, lon_given = _coordinate(records["Longitude"])
    lat, lat_given = _coordinate(records["Latitude"])
    given = lon_given | lat_given
    inside = (
        (lon >= UK_LONGITUDE[0]) & (lon <= UK_LONGITUDE[1])
        & (lat >= UK_LATITUDE[0]) & (lat <= UK_LATITUDE[1])
    )  # fmt: skip
    flag(given & ~inside, "coordinates missing or outside the UK")
    return reasons


def _coordinate(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each text as a number (NaN if it is not one), and whether it is given (not blank).

    Real columns are numbers or empty: Arrow converts them at C speed; any other text sends
    the column through :func:`_numbers`.

    Examples
    --------
    >>> numbers, given = _coordinate(pd.Series(["-1.25", "", " 51.7", "x"]))
    >>> numbers.tolist(), given.tolist()
    ([-1.25, nan, 51.7, nan], [True, False, True, True])
    """
    text = pa.array(values, type=pa.large_string())
    empty = pc.equal(text, "")
    try:
        numbers = pc.cast(pc.if_else(empty, pa.scalar(None, pa.large_string()), text), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        given = (values.str.strip() != "").to_numpy(dtype=bool)
        return _numbers(values), given
    given = np.logical_not(empty.to_numpy(zero_copy_only=False))
    return numbers.to_numpy(zero_copy_only=False).astype(float, copy=False), given


def _numbers(values: pd.Series) -> np.ndarray:
    """Each text as a number (NaN if it is not one), each distinct text converted once.

    Examples
    --------
    >>> _numbers(pd.Series(["-1.25", " 51.7", "x", "-1.25"])).tolist()
    [-1.25, 51.7, nan, -1.25]
    """
    codes, unique = pd.factorize(values)
    numbers = pd.to_numeric(pd.Series(unique, dtype=object), errors="coerce")
    return np.append(numbers.to_numpy(dtype=float), np.nan)[codes]
