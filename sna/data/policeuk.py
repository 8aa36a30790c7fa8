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

import gzip
import io
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from sna.errors import InputError

__all__ = [
    "ASB",
    "CRIME_TYPES",
    "STREET_COLUMNS",
    "StreetFile",
    "normalise_crime_type",
    "parse_street_filename",
    "read_street_file",
    "validate_records",
]

_FILENAME = re.compile(r"^(?P<month>\d{4}-\d{2})-(?P<force>[a-z0-9-]+?)-street\.csv(?:\.gz)?$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_CRIME_TYPE_KEYS = {" ".join(t.casefold().replace("-", " ").split()): t for t in CRIME_TYPES}
# Bounding box of the UK with a margin (degrees); police.uk snap points all fall inside it.
UK_LONGITUDE = (-8.7, 1.8)
UK_LATITUDE = (49.8, 60.9)


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
        Rows that could not be parsed into 12 fields (``line``, ``raw``, ``reason``).
    """

    path: Path
    month: str
    force: str
    records: pd.DataFrame
    malformed: pd.DataFrame

    @property
    def rows_read(self) -> int:
        """Data rows in the file (header excluded), well-formed or not."""
        return len(self.records) + len(self.malformed)


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


def _read_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise InputError(
            path,
            f"not a complete gzip file ({exc})",
            hint="the download was cut short: download it again",
        ) from None
    if not raw.strip():
        raise InputError(path, "file is empty", hint="download the month again or remove the file")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(
            path,
            f"bytes that are not UTF-8 text (0x{raw[exc.start]:02x})",
            line=line,
            hint="police.uk files are UTF-8: re-download the file or re-save it as UTF-8",
        ) from None
    return raw


def _check_header(path: Path, raw: bytes) -> list[str]:
    first = raw.split(b"\n", 1)[0].decode("utf-8").lstrip("\ufeff").rstrip("\r")
    header = [h.strip().strip('"') for h in first.split(",")]
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


def read_street_file(path: str | Path) -> StreetFile:
    """Read one police.uk street-level CSV (plain or gzip) without losing a row.

    Parameters
    ----------
    path
        ``YYYY-MM-<force>-street.csv`` or ``.csv.gz``.

    Returns
    -------
    StreetFile
        Well-formed rows as text (``records``) and unparseable rows (``malformed``), each with
        the line it starts on. Columns may come in any order; extra columns are dropped.

    Raises
    ------
    InputError
        If the file name, compression, encoding or header is wrong (names the file and line).
    """
    path = Path(path)
    month, force = parse_street_filename(path)
    raw = _read_bytes(path)
    header = _check_header(path, raw)
    bad: list[tuple[int, str, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        n = row.number if row.number is not None else -1
        bad.append(
            (
                n,
                row.text,
                f"malformed row ({row.actual_columns} fields, expected {row.expected_columns})",
            )
        )
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(raw),
            read_options=pacsv.ReadOptions(use_threads=False, block_size=1 << 26),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in header},
                strings_can_be_null=False,
                include_columns=list(STREET_COLUMNS),
            ),
        )
    except pa.ArrowInvalid as exc:
        raise InputError(path, f"cannot be read as CSV: {exc}") from None
    if table.num_rows + len(bad) == 0:
        raise InputError(
            path,
            "has a header but no data rows",
            hint="a police.uk month is never empty: download it again, or remove the file",
        )
    records = table.to_pandas()
    # Physical row numbers: header is row 1; the data rows are 2..; invalid ones are known.
    n_rows = table.num_rows + len(bad)
    bad_rows = np.array([b[0] for b in bad], dtype=np.int64)
    row_numbers = np.setdiff1d(np.arange(2, n_rows + 2), bad_rows, assume_unique=True)
    newlines = np.zeros(n_rows + 2, dtype=np.int64)
    embedded = (
        records["Location"].str.count("\n").to_numpy()
        + records["Context"].str.count("\n").to_numpy()
    )
    newlines[row_numbers] = embedded
    for number, text, _ in bad:
        if number >= 0:
            newlines[number] = text.count("\n")
    # Line where row r starts = r + newlines embedded in the rows before it.
    before = np.concatenate([[0], np.cumsum(newlines)[:-1]])
    records.insert(0, "line", (row_numbers + before[row_numbers]).astype(np.int64))
    malformed = pd.DataFrame(
        {
            "line": [int(b[0] + before[b[0]]) if b[0] >= 0 else -1 for b in bad],
            "raw": [b[1] for b in bad],
            "reason": [b[2] for b in bad],
        }
    )
    return StreetFile(path=path, month=month, force=force, records=records, malformed=malformed)


def normalise_crime_type(values: pd.Series) -> pd.Series:
    """Canonical police.uk crime type names; unknown names become missing.

    Case, hyphens and repeated spaces are ignored: ``"anti-social  behaviour"`` is
    ``"Anti-social behaviour"``.
    """
    unique = pd.Series(values.unique())
    keys = unique.str.casefold().str.replace("-", " ", regex=False).str.split().str.join(" ")
    canonical = dict(zip(unique, keys.map(_CRIME_TYPE_KEYS), strict=True))
    return values.map(canonical)


def validate_records(records: pd.DataFrame, *, file_month: str) -> pd.Series:
    """Why each record cannot be used, or missing where it can.

    Checks, in this order: an empty row; ``Month`` is ``YYYY-MM`` and equals the file's month;
    the crime type is a police.uk type; the record has an LSOA code (else "no location");
    coordinates, when given, are numbers inside the UK.

    Parameters
    ----------
    records
        ``StreetFile.records``.
    file_month
        ``YYYY-MM`` from the file name.

    Returns
    -------
    pandas.Series
        Reason text per row (same index), missing for usable rows.
    """
    reason = pd.Series(pd.NA, index=records.index, dtype="string")

    def flag(mask: pd.Series, text: str) -> None:
        reason.loc[mask & reason.isna()] = text

    columns = list(STREET_COLUMNS)
    flag((records[columns] == "").all(axis=1), "empty row")
    month = records["Month"]
    well_formed = {m: bool(_MONTH.match(m.strip())) for m in month.unique()}
    flag(~month.map(well_formed).astype(bool), "malformed month")
    flag(month.str.strip() != file_month, "month does not match file name")
    flag(normalise_crime_type(records["Crime type"]).isna(), "unknown crime type")
    flag(records["LSOA code"].str.strip() == "", "no location")
    lon = pd.to_numeric(records["Longitude"], errors="coerce")
    lat = pd.to_numeric(records["Latitude"], errors="coerce")
    given = (records["Longitude"].str.strip() != "") | (records["Latitude"].str.strip() != "")
    inside = lon.between(*UK_LONGITUDE) & lat.between(*UK_LATITUDE)
    flag(given & ~inside, "coordinates missing or outside the UK")
    return reason
