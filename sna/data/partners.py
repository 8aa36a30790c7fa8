"""Partner indicators: figures published by partner agencies, read, validated and checked.

A partnership's needs assessment combines police.uk crime with other agencies' figures (sexual
offences recorded by the force, modern slavery referrals, youth justice, ASB reports to the
council, ...). They arrive as CSV or XLSX files in the folder ``[sources] partners`` of the
config, one row per published figure (the format is in ``docs/methods.md``, "Partner data").

:func:`read_partner_file` checks each row and raises :class:`PartnerFileError` (file, row and
column named; ``sna`` exits with status 2) for what cannot be read. What can be read but does not
add up (a printed total that is not the sum of its parts, a printed percentage that does not match
its counts, a percentage printed without a % sign) is not an error: it is kept, figure by figure
exactly as published, and listed as a data-quality warning that reports show beside the figures.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sna.data.areas import cached_area_tables
from sna.data.config import Config
from sna.data.partner_checks import AREA, CHECK_COLUMNS, PERCENT, check_figures, empty_checks
from sna.errors import InputError

__all__ = [
    "CHECK_COLUMNS",
    "COLUMNS",
    "FIGURE_COLUMNS",
    "RECORDED_CRIME",
    "TOTAL",
    "PartnerFileError",
    "Partners",
    "check_figures",
    "empty_checks",
    "empty_figures",
    "parse_period",
    "partner_files",
    "partner_inputs",
    "partner_outputs",
    "partner_summary",
    "read_partner_file",
    "read_partners",
]

COLUMNS = (
    "period",
    "area",
    "indicator",
    "category",
    "count",
    "denominator",
    "denominator_type",
    "source",
    "published_percent",
    "published_rate",
    "rate_per",
    "note",
)
"""Columns of a partner file, in the documented order. Only ``period``, ``area``,
``indicator`` and ``source`` must be present; the others may be left out or blank."""
REQUIRED = ("period", "area", "indicator", "source")
TOTAL = "Total"
"""The ``category`` of a printed total of the other categories of the same figure."""
RECORDED_CRIME = "Valid crimes"
"""The indicator the area overview compares with police.uk crime (case-insensitive)."""
DENOMINATOR_TYPES = ("total", "population")
"""``total``: the count is part of the denominator (a share, Wilson interval); ``population``:
residents (a rate per 1,000 residents a year)."""
SUFFIXES = (".csv", ".xlsx")
OTHER_TABLES = (".xls", ".xlsm", ".xlsb", ".ods", ".tsv", ".numbers")
"""Spreadsheets and tables in the partner folder that are not read: an error, not a silent loss."""
MAX_NUMBER = 10**12
"""The largest count, denominator or ``rate_per`` read (a million million): more is a mistake."""
MAX_TEXT = 1000
"""The longest cell read (characters): a citation or a note is far shorter."""
TEXT_COLUMNS = ("indicator", "category", "source", "note")
"""Free-text columns: shown in reports and their CSV downloads, so checked for formulas."""
FIRST_YEAR, LAST_YEAR = 1900, 2100
"""The years a period may fall in."""

FIGURE_COLUMNS = (
    "file",
    "row",
    "period",
    "period_start",
    "period_end",
    "months",
    "year",
    "area_code",
    "area_name",
    "indicator",
    "category",
    "is_total",
    "count",
    "denominator",
    "denominator_type",
    "source",
    "published_percent",
    "published_rate",
    "rate_per",
    "note",
)
"""Columns of ``partners.parquet``: one row per figure, as published."""

_NUMBER = re.compile(r"^(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.0+)?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FORMULA = re.compile(r"^(?:[=@]|[+\-\u2212](?![0-9]))|^[+\-\u2212].*(?:\||[A-Za-z_]\()")
"""Text a spreadsheet would run as a formula when a reader opens a table's CSV download: it
begins with ``=`` or ``@``, or with a sign not followed by a digit, or with a sign and calls a
function (``-1+HYPERLINK(...)``, ``+cmd|...``). ``+602 crimes on 2021`` is kept."""


class PartnerFileError(InputError):
    """A partner file row that cannot be read; the message names file, row and column.

    Parameters
    ----------
    path
        The file.
    row
        The row as a spreadsheet shows it (the header is row 1); None for the whole file.
    column
        The column, where one applies.
    problem
        What is wrong.
    hint
        How to fix it.
    """

    def __init__(
        self,
        path: str | Path,
        row: int | None,
        column: str | None,
        problem: str,
        *,
        hint: str = "",
    ) -> None:
        where = ", ".join(
            part
            for part in (
                f"row {row}" if row is not None else "",
                f"column {column!r}" if column else "",
            )
            if part
        )
        super().__init__(path, f"{where}: {problem}" if where else problem, hint=hint)
        self.row = row
        self.column = column


@dataclass(frozen=True)
class Partners:
    """Partner figures and their data-quality warnings.

    Attributes
    ----------
    figures
        One row per published figure (:data:`FIGURE_COLUMNS`).
    checks
        One row per warning (:data:`CHECK_COLUMNS`).
    """

    figures: pd.DataFrame
    checks: pd.DataFrame


def empty_figures() -> pd.DataFrame:
    """A frame of partner figures with no rows."""
    return _typed(pd.DataFrame(columns=list(FIGURE_COLUMNS)))


def parse_period(text: str) -> tuple[pd.Period, pd.Period]:
    """The first and last month of a period as written in a partner file.

    Accepted: a calendar year ``2024``; a month ``2024-03``; a span of months
    ``2024-02/2025-01`` (both included); a financial year (April to March) ``2016/17``,
    ``2016-17`` or ``2016/2017``.

    Raises
    ------
    ValueError
        If the text is none of these.

    Examples
    --------
    >>> [str(m) for m in parse_period("2024")]
    ['2024-01', '2024-12']
    >>> [str(m) for m in parse_period("2024-02/2025-01")]
    ['2024-02', '2025-01']
    >>> [str(m) for m in parse_period("2016/17")]
    ['2016-04', '2017-03']
    """
    text = text.strip()
    if not text.isascii():
        raise ValueError(f"must be written with the digits 0-9; got {text!r}")
    first, last = _parse_period(text)
    if first.year < FIRST_YEAR or last.year > LAST_YEAR:
        raise ValueError(f"must fall in the years {FIRST_YEAR} to {LAST_YEAR}; got {text!r}")
    return first, last


def _parse_period(text: str) -> tuple[pd.Period, pd.Period]:
    if re.fullmatch(r"\d{4}", text):
        return pd.Period(f"{text}-01", "M"), pd.Period(f"{text}-12", "M")
    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        month = pd.Period(text, "M")
        return month, month
    span = re.fullmatch(r"(\d{4}-(?:0[1-9]|1[0-2]))/(\d{4}-(?:0[1-9]|1[0-2]))", text)
    if span:
        first, last = pd.Period(span[1], "M"), pd.Period(span[2], "M")
        if last < first:
            raise ValueError(f"the span {text!r} ends before it starts")
        return first, last
    fy = re.fullmatch(r"(\d{4})[/-](\d{2}|\d{4})", text)
    if fy:
        start = int(fy[1])
        end = int(fy[2]) if len(fy[2]) == 4 else (start // 100) * 100 + int(fy[2])
        if end != start + 1:
            raise ValueError(
                f"a financial year runs into the next year, like 2016/17; got {text!r}"
            )
        return pd.Period(f"{start}-04", "M"), pd.Period(f"{end}-03", "M")
    problem = (
        "must be a year (2024), a month (2024-03), a span of months (2024-02/2025-01) or a "
        f"financial year (2016/17); got {text!r}"
    )
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?|\d{1,2}/\d{1,2}/\d{2,4}", text):
        problem += " (a spreadsheet turned it into a date: type the period as text, '2024-03)"
    raise ValueError(problem)


def _main_year(first: pd.Period, last: pd.Period) -> int:
    """The calendar year holding most months of the period (ties: the later year)."""
    months = pd.period_range(first, last, freq="M")
    counts = pd.Series([m.year for m in months]).value_counts()
    return int(max(counts.index, key=lambda y: (counts[y], y)))


def partner_files(folder: Path | None) -> list[Path]:
    """The partner files (``*.csv``, ``*.xlsx``) in ``folder``, sorted; hidden files skipped.

    Other files (a README) are not read. No folder (``None``) means no partner data.
    """
    if folder is None:
        return []
    files = []
    for p in sorted(folder.iterdir()):
        suffix = p.suffix.lower()
        if p.name.startswith((".", "~$")) or suffix not in (*SUFFIXES, *OTHER_TABLES):
            continue
        if suffix in OTHER_TABLES:
            raise PartnerFileError(
                p, None, None, f"a {suffix} file is not read as partner data",
                hint="save it as .xlsx or CSV UTF-8, or move it out of the partner folder",
            )  # fmt: skip
        if not p.is_file():
            what = "a folder" if p.is_dir() else "a link to no readable file"
            raise PartnerFileError(
                p, None, None, f"is {what}, not a partner file",
                hint="partner files are read from the partner folder itself; rename or move it",
            )  # fmt: skip
        files.append(p)
    return files


_SAVE_AS_CSV = "save the file as CSV UTF-8 (comma delimited)"


def _rows(path: Path) -> tuple[list[list[object]], bool]:
    """The file's cells, row 1 first (the header), and whether it has merged cells.

    A CSV file's cells are text (blank cells ""); a workbook's are what the cell holds (text,
    a number, a date), for :func:`_cell_text` and the checks of :func:`read_partner_file`.
    """
    try:
        if path.suffix.lower() == ".xlsx":
            return _xlsx_rows(path)
        data = path.read_bytes()
    except OSError as exc:
        raise PartnerFileError(
            path, None, None, f"cannot be read ({exc.strerror or exc})",
            hint="check that the file exists and that you may read it (its permissions)",
        ) from None  # fmt: skip
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise PartnerFileError(path, None, None, "UTF-16 text, not UTF-8", hint=_SAVE_AS_CSV)
    if data.startswith(b"PK\x03\x04"):
        raise PartnerFileError(
            path, None, None, "a workbook (or a zip archive), not CSV text",
            hint="name an Excel workbook .xlsx, or save it as CSV UTF-8",
        )  # fmt: skip
    if b"\x00" in data:
        raise PartnerFileError(path, None, None, "not CSV text (it holds binary data)",
                               hint=_SAVE_AS_CSV)  # fmt: skip
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PartnerFileError(
            path, None, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})",
            hint=_SAVE_AS_CSV,
        ) from None  # fmt: skip
    rows: list[list[object]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows.extend(list(row) for row in reader)
    except csv.Error as exc:
        raise PartnerFileError(
            path, len(rows) + 1, None, f"not readable as CSV ({exc})",
            hint="a cell that begins with a quote (\") must end with one",
        ) from None  # fmt: skip
    return rows, False


def _xlsx_rows(path: Path) -> tuple[list[list[object]], bool]:
    """Cells of the first sheet of a workbook, and whether that sheet has merged cells.

    A percentage must be typed as text ("40.0%"), since a cell's display format is not read.
    Another sheet that holds partner figures (its first row names ``period`` and
    ``indicator``) is an error: only the first sheet is read, and its figures would be lost.
    """
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        values = sheet.to_python(skip_empty_area=False)
        merged = bool(sheet.merged_cell_ranges)
        for index, name in enumerate(workbook.sheet_names[1:], start=2):
            first = next(iter(workbook.get_sheet_by_index(index - 1).to_python()), [])
            header = {_cell_text(c).strip().lower() for c in first}
            if {"period", "indicator"} <= header:
                raise PartnerFileError(
                    path, None, None,
                    f"sheet {index} ({name!r}) holds partner figures too, but only the first "
                    "sheet is read",
                    hint="put every figure on the first sheet, or each sheet in its own file",
                )  # fmt: skip
    except (CalamineError, ValueError) as exc:
        raise PartnerFileError(path, None, None, f"not a readable XLSX workbook ({exc})") from None
    return [list(row) for row in values], merged


def _cell_text(value: object) -> str:
    """A cell as text: whole numbers stored as numbers lose their ``.0``.

    Examples
    --------
    >>> _cell_text(45465.0), _cell_text(None), _cell_text(12.5)
    ('45465', '', '12.5')
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return str(value)


def read_partner_file(
    path: Path,
    *,
    districts: Sequence[tuple[str, str]],
    area_names: Iterable[str],
    relative_to: Path | None = None,
) -> pd.DataFrame:
    """Read and validate one partner file: one row per figure, exactly as published.

    Parameters
    ----------
    path
        A ``.csv`` (UTF-8) or ``.xlsx`` file (first sheet) with a header row.
    districts
        ``(code, name)`` of the assessed districts; a row's ``area`` is one of them (code or
        name, any case) or one of ``area_names``.
    area_names
        Names of the whole assessment area (the config's ``area_name`` and benchmark name).
    relative_to
        Folder the file is named relative to in the output (the raw folder).

    Returns
    -------
    pandas.DataFrame
        :data:`FIGURE_COLUMNS`; ``row`` is the spreadsheet row (the header is row 1),
        ``year`` the calendar year holding most months of the period, ``area_code`` the
        district code or ``"area"``.

    Raises
    ------
    PartnerFileError
        Naming file, row and column: a missing or unknown column, a blank required cell, a
        period, area, count or percentage that cannot be read, a count larger than its total,
        or a figure given twice.
    """
    values, merged = _rows(path)
    rows = [[_cell_text(v) for v in row] for row in values]
    name = path.as_posix() if relative_to is None else _relative(path, relative_to)
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise PartnerFileError(path, 1, None, "no header row", hint=_HEADER_HINT)
    header = [cell.strip().lower() for cell in rows[0]]
    for separator, words in ((";", "semicolons"), ("\t", "tabs")):
        if len(header) == 1 and set(header[0].split(separator)) & set(REQUIRED) - {header[0]}:
            raise PartnerFileError(
                path, 1, None, f"the columns are separated by {words}, not commas",
                hint=_SAVE_AS_CSV,
            )  # fmt: skip
    for position, column in enumerate(header):
        if column and column not in COLUMNS:
            raise PartnerFileError(
                path, 1, rows[0][position].strip(), "unknown column", hint=_HEADER_HINT
            )
        if column and header.index(column) != position:
            raise PartnerFileError(path, 1, column, "given twice")
    for column in REQUIRED:
        if column not in header:
            raise PartnerFileError(path, 1, column, "missing (required)", hint=_HEADER_HINT)
    lookup = {_plain(c).casefold(): (c, n) for c, n in districts}
    lookup |= {_plain(n).casefold(): (c, n) for c, n in districts}
    names = list(area_names)
    lookup |= {_plain(n).casefold(): (AREA, names[0]) for n in names}
    known = ", ".join([*(n for _, n in districts), *names])
    records = []
    seen: dict[tuple[object, ...], int] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            raise PartnerFileError(path, number, None, "more cells than the header has columns")
        row = {c: (cells[i].strip() if i < len(cells) else "") for i, c in enumerate(header) if c}
        _check_cells(path, number, row, merged)
        position = header.index("published_percent") if "published_percent" in header else -1
        if 0 <= position < len(values[number - 1]):
            cell = values[number - 1][position]
            if isinstance(cell, int | float) and not isinstance(cell, bool):
                raise PartnerFileError(
                    path, number, "published_percent",
                    f"a number ({cell!r}) in the workbook: its display (40% or 0.4) is not read",
                    hint="type the percentage as printed, as text: '40.0%",
                )  # fmt: skip
        record = _record(path, number, row, lookup, known)
        key = figure_key(record)
        if key in seen:
            what = ", ".join(
                str(record[k])
                for k in ("indicator", "area_name", "period", "category")
                if record[k]
            )
            raise PartnerFileError(
                path, number, "category" if record["category"] else "indicator",
                f"the same figure ({what}) is given in row {seen[key]} too",
                hint="give each figure once, or tell them apart by category",
            )  # fmt: skip
        seen[key] = number
        records.append({"file": name, "row": number, **record})
    frame = pd.DataFrame(records, columns=list(FIGURE_COLUMNS))
    return _typed(frame)


def figure_key(record: dict[str, object] | pd.Series) -> tuple[object, ...]:
    """What makes two rows the same figure: the same months, area, indicator and category.

    Indicator and category are compared without case and runs of spaces, the period by its
    months (``2024`` is ``2024-01/2024-12``).

    Examples
    --------
    >>> a = {"period_start": 1, "period_end": 2, "area_code": "x", "indicator": "Sexual  offences",
    ...      "category": ""}
    >>> figure_key(a) == figure_key({**a, "indicator": "sexual offences"})
    True
    """
    return (
        record["period_start"],
        record["period_end"],
        record["area_code"],
        _plain(str(record["indicator"])).casefold(),
        _plain(str(record["category"])).casefold(),
    )


def _plain(text: str) -> str:
    """Text with each run of spaces (tabs, no-break spaces) as one space, none at the ends."""
    return " ".join(text.split())


def _check_cells(path: Path, number: int, row: dict[str, str], merged: bool) -> None:
    """Cells that no report should show: control characters, formulas, very long text."""
    for column, text in row.items():
        where = (path, number, column)
        if _CONTROL.search(text):
            raise PartnerFileError(*where, "holds a control character (binary data)")
        if len(text) > MAX_TEXT:
            raise PartnerFileError(
                *where, f"{len(text):,} characters long (at most {MAX_TEXT:,})",
                hint="cite the source briefly; put long notes in the partner's own document",
            )  # fmt: skip
        if column in TEXT_COLUMNS and _FORMULA.search(text):
            raise PartnerFileError(
                *where, f"{text[:40]!r} would be run as a formula by a spreadsheet opening the "
                "report's CSV download",
                hint="begin the text with a word or a number",
            )  # fmt: skip
    if merged:
        for column in REQUIRED:
            if not row.get(column):
                raise PartnerFileError(
                    path, number, column, "blank (required)",
                    hint="a merged cell keeps its value in its first row only: unmerge the "
                    "cells and fill every row",
                )  # fmt: skip


_HEADER_HINT = (
    "the header names columns among: " + ", ".join(COLUMNS) + "; see docs/methods.md, Partner data"
)


def _record(
    path: Path, number: int, row: dict[str, str], lookup: dict[str, tuple[str, str]], known: str
) -> dict[str, object]:
    """One validated row of a partner file."""

    def fail(column: str, problem: str, hint: str = "") -> PartnerFileError:
        return PartnerFileError(path, number, column, problem, hint=hint)

    for column in REQUIRED:
        if not row.get(column):
            raise fail(column, "blank (required)")
    try:
        first, last = parse_period(row["period"])
    except ValueError as exc:
        raise fail("period", str(exc)) from None
    area = lookup.get(_plain(row["area"]).casefold())
    if area is None:
        raise fail("area", f"unknown area {row['area']!r}; known: {known}")
    count = _whole(row.get("count", ""), lambda p: fail("count", p))
    denominator = _whole(row.get("denominator", ""), lambda p: fail("denominator", p))
    kind = row.get("denominator_type", "").casefold()
    if kind and kind not in DENOMINATOR_TYPES:
        raise fail(
            "denominator_type", f"must be one of {', '.join(DENOMINATOR_TYPES)}; got {kind!r}"
        )
    if denominator is None and kind:
        raise fail("denominator_type", "given without a denominator")
    if denominator is not None:
        kind = kind or "total"
        if denominator == 0:
            raise fail("denominator", "must be more than 0")
        if kind == "total" and count is not None and count > denominator:
            raise fail(
                "count",
                f"{count:,} is more than its denominator {denominator:,}",
                hint="a denominator of type total contains the count; for residents set "
                "denominator_type to population",
            )
    percent = row.get("published_percent", "")
    if percent and not PERCENT.match(percent):
        raise fail("published_percent", f"not a percentage like 40.0% or +11.5%; got {percent!r}")
    rate = row.get("published_rate", "")
    per_text = row.get("rate_per", "")
    if (rate and not PERCENT.match(rate.replace(",", ""))) or rate.endswith("%"):
        raise fail("published_rate", f"not a number like 0.10 or 12.5; got {rate!r}")
    per = math.nan
    if per_text:
        plain = per_text.replace(",", "")
        per = float(plain) if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", plain) else math.nan
        if not 0 < per <= MAX_NUMBER:
            raise fail("rate_per", f"must be a number above 0, like 1 or 1000; got {per_text!r}")
    if rate and not per_text:
        raise fail("rate_per", "required with published_rate (1 for per head, 1000 for per 1,000)")
    if count is None and not percent and not rate:
        raise fail("count", "blank: a row needs a count, a published_percent or a published_rate")
    category = _plain(row.get("category", ""))
    return {
        "period": row["period"],
        "period_start": first.to_timestamp(),
        "period_end": last.to_timestamp(),
        "months": (last - first).n + 1,
        "year": _main_year(first, last),
        "area_code": area[0],
        "area_name": area[1],
        "indicator": _plain(row["indicator"]),
        "category": category,
        "is_total": category.casefold() == TOTAL.casefold(),
        "count": count,
        "denominator": denominator,
        "denominator_type": kind,
        "source": row["source"],
        "published_percent": percent,
        "published_rate": rate,
        "rate_per": per,
        "note": row.get("note", ""),
    }


def _whole(text: str, fail: object) -> int | None:
    """A whole number >= 0 as printed (``45465`` or ``45,465``), or None when blank."""
    assert callable(fail)
    if not text:
        return None
    if not _NUMBER.match(text):
        raise fail(f"must be a whole number of 0 or more (like 45465 or 45,465); got {text!r}")
    value = int(text.replace(",", "").split(".")[0])
    if value > MAX_NUMBER:
        raise fail(f"{value:,} is too large (at most {MAX_NUMBER:,})")
    return value


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in ("row", "months", "year", "count", "denominator"):
        out[column] = pd.to_numeric(out[column]).astype("Int64")
    for column in ("period_start", "period_end"):
        out[column] = pd.to_datetime(out[column])
    out["is_total"] = out["is_total"].astype(bool)
    out["rate_per"] = pd.to_numeric(out["rate_per"]).astype(float)
    text = [c for c in FIGURE_COLUMNS if out[c].dtype == object]
    out[text] = out[text].fillna("").astype(str)
    return out.reset_index(drop=True)


def _relative(path: Path, base: Path) -> str:
    try:
        return path.absolute().relative_to(base.absolute()).as_posix()
    except ValueError:
        return path.absolute().as_posix()


def read_partners(
    folder: Path | None,
    *,
    districts: Sequence[tuple[str, str]],
    area_names: Iterable[str],
    relative_to: Path | None = None,
) -> Partners:
    """Every partner file of a folder, validated, with the data-quality warnings.

    Parameters
    ----------
    folder
        The partner folder (``[sources] partners``); None for none.
    districts, area_names, relative_to
        As for :func:`read_partner_file`.

    Returns
    -------
    Partners
        The figures of every file, and the warnings of :func:`check_figures`.

    Examples
    --------
    >>> p = read_partners(None, districts=[("E07000178", "Oxford")], area_names=["Oxfordshire"])
    >>> len(p.figures), len(p.checks)
    (0, 0)
    """
    names = list(area_names)
    frames = [
        read_partner_file(path, districts=districts, area_names=names, relative_to=relative_to)
        for path in partner_files(folder)
    ]
    frames = [f for f in frames if len(f)]
    _check_across_files(frames, folder)
    if not frames:
        return Partners(empty_figures(), empty_checks())
    figures = _typed(pd.concat(frames, ignore_index=True))
    return Partners(figures, check_figures(figures, district_codes=[c for c, _ in districts]))


def _check_across_files(frames: list[pd.DataFrame], folder: Path | None) -> None:
    """The same figure in two files, or an indicator spelled two ways, is an error.

    A figure given twice would be counted twice where figures are added up (heat-maps, the
    area's totals); an indicator spelled ``Sexual offences`` in one file and ``sexual offences``
    in another would split its trend in two.
    """
    seen: dict[tuple[object, ...], tuple[str, int]] = {}
    spelling: dict[str, tuple[str, str, int]] = {}
    for frame in frames:
        for record in frame.to_dict("records"):
            where = (str(record["file"]), int(record["row"]))
            path = folder / Path(where[0]).name if folder is not None else Path(where[0])
            key = figure_key(record)
            if key in seen and seen[key][0] != where[0]:
                raise PartnerFileError(
                    path, where[1], "indicator",
                    f"the same figure ({record['indicator']}, {record['area_name']}, "
                    f"{record['period']}) is in {seen[key][0]}, row {seen[key][1]} too",
                    hint="give each figure once: remove one of the rows or one of the files",
                )  # fmt: skip
            seen.setdefault(key, where)
            indicator = str(record["indicator"])
            first = spelling.setdefault(indicator.casefold(), (indicator, *where))
            if first[0] != indicator:
                raise PartnerFileError(
                    path, where[1], "indicator",
                    f"{indicator!r} is spelled {first[0]!r} in {first[1]}, row {first[2]}",
                    hint="spell an indicator the same way everywhere, so its years join up",
                )  # fmt: skip


def partner_inputs(config: Config) -> dict[str, Path]:
    """The partner files of a config by their role in the manifest (``partners:<name>``).

    ``sna prepare`` hashes them with the other input files, so a changed partner file makes the
    prepared data, and the reports built from them, out of date.
    """
    return {f"partners:{p.name}": p for p in partner_files(config.sources.partners)}


def partner_outputs(config: Config) -> dict[str, pd.DataFrame]:
    """``partners.parquet`` and ``partner_checks.parquet`` for a config (empty without data).

    Raises
    ------
    PartnerFileError
        For the first row of a partner file that cannot be read.
    """
    files = partner_files(config.sources.partners)
    return cached_area_tables(config, "partners", files, None, lambda: _partner_outputs(config))


def _partner_outputs(config: Config) -> dict[str, pd.DataFrame]:
    """:func:`partner_outputs`, read from the files."""
    partners = read_partners(
        config.sources.partners,
        districts=[(d.code, d.name) for d in config.districts],
        area_names=dict.fromkeys([config.area_name, config.benchmark.name]),
        relative_to=config.raw_dir,
    )
    return {"partners.parquet": partners.figures, "partner_checks.parquet": partners.checks}


def partner_summary(folder: Path) -> str:
    """One line for ``sna prepare``'s summary: figures, files and warnings ("" without data).

    Parameters
    ----------
    folder
        The processed folder, holding ``partners.parquet`` and ``partner_checks.parquet``.

    Examples
    --------
    >>> partner_summary(Path("no-such-folder"))
    ''
    """
    if not (folder / "partners.parquet").is_file():
        return ""
    figures = pd.read_parquet(folder / "partners.parquet")
    checks = pd.read_parquet(folder / "partner_checks.parquet")
    if figures.empty:
        return ""
    line = (
        f"  partner data   {len(figures):,} figures from {figures['file'].nunique():,} files; "
        f"{len(checks):,} data-quality warnings"
    )
    if len(checks):
        line += " (in partner_checks.parquet and the reports)"
    return line
