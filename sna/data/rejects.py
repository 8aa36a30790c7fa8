r"""The rows of ``rejects.csv``, made per street file as CSV text.

Each file's rejected, malformed and blank rows are sorted by line, capped at
:data:`REJECTS_PER_REASON` rows per reason (the first lines), and formatted as CSV lines with
Arrow compute: comma-separated, a value quoted only when the :mod:`csv` module would quote it
(pandas' ``to_csv`` dialect), lines ended by ``\n``. ``rejects.csv`` is then the header and
the files' texts one after another, which the worker processes make in parallel: no frame of
every reject is built, and the main process only joins bytes.

Examples
--------
>>> part = RejectPart(
...     lines=np.array([5, 2]),
...     reasons=pa.array(["no location", 'bad "month", here']),
...     values={"Crime ID": pa.array(["ab", "cd"])},
... )
>>> text, not_written = reject_text([part], "2025-01-x-street.csv", {"no location": 1})
>>> print(text.decode(), end="")
2025-01-x-street.csv,2,"bad ""month"", here",cd,,,,,,,,,,,,
2025-01-x-street.csv,5,no location,ab,,,,,,,,,,,,
>>> print(header_text().decode(), end="")  # doctest: +ELLIPSIS
source_file,line,reason,Crime ID,Month,...,Context,raw
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sna.data.policeuk import STREET_COLUMNS

__all__ = [
    "REJECTS_PER_REASON",
    "REJECT_COLUMNS",
    "RejectPart",
    "csv_fields",
    "csv_lines",
    "header_text",
    "reject_text",
]

REJECT_COLUMNS = ["source_file", "line", "reason", *STREET_COLUMNS, "raw"]
REJECTS_PER_REASON = 10_000
"""Rows written to ``rejects.csv`` per file and reason; the rest are counted, not written.

High enough that every reject of a real police.uk month is written (the demo's largest is 1,697
rows with no location in one file), low enough that a hostile file cannot fill the disk."""


def _quoted_characters() -> str:
    r"""The characters that make :mod:`csv` (minimal quoting, as pandas writes) quote a value.

    Asked of the running Python rather than assumed: versions differ on a lone ``\r``.
    """
    quoted = ""
    for char in ',"\n\r\t ;':
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow([f"a{char}b", "c"])
        if out.getvalue().startswith('"'):
            quoted += char
    return quoted


_QUOTED = _quoted_characters()
_NEEDS_QUOTES = f"[{_QUOTED}]"  # an RE2 class of the characters themselves (no escape needed)


@dataclass
class RejectPart:
    """Rows of one kind (rejected, malformed, blank) of one file, for :func:`reject_text`.

    ``lines`` are the rows' line numbers; ``reasons`` one text per row, or one for every row;
    ``values`` the police.uk columns given (the others are blank); ``raw`` the raw text of
    malformed rows (blank if None).
    """

    lines: np.ndarray
    reasons: pa.Array | str
    values: Mapping[str, pa.Array | pa.ChunkedArray] = field(default_factory=dict)
    raw: pa.Array | None = None

    def __len__(self) -> int:
        """Rows in the part."""
        return len(self.lines)

    def reason_array(self) -> pa.Array:
        """One reason per row, as Arrow text."""
        if isinstance(self.reasons, str):
            return pa.array([self.reasons] * len(self), type=pa.large_string())
        return _text(self.reasons)

    def column(self, name: str) -> pa.Array | None:
        """A police.uk column's values (or ``raw``), None where the part leaves it blank."""
        values = self.raw if name == "raw" else self.values.get(name)
        return None if values is None else _text(values)


def _text(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Values as one Arrow ``large_string`` array."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return values.cast(pa.large_string())


def reject_text(
    parts: list[RejectPart], name: str, counted: Mapping[str, int]
) -> tuple[bytes, dict[str, int]]:
    r"""One file's ``rejects.csv`` lines (no header), and the rows per reason left out by the cap.

    Rows are sorted by line (stable: the parts' order for equal lines), and for each reason
    the first :data:`REJECTS_PER_REASON` are written. ``counted`` gives each reason's rows in
    the file, written or not (more than the parts hold when a part was cut short already).

    Parameters
    ----------
    parts
        The file's rejected rows, in the order they are merged.
    name
        The file's path as ``rejects.csv`` records it (``source_file``).
    counted
        Rows per reason in the file.

    Returns
    -------
    tuple
        The CSV text (UTF-8 bytes, one ``\n``-ended line per row written), and the rows per
        reason counted but not written.
    """
    parts = [p for p in parts if len(p)]
    if not parts:
        return b"", {r: n for r, n in counted.items() if n > 0}
    lines = np.concatenate([np.asarray(p.lines, dtype=np.int64) for p in parts])
    order = np.argsort(lines, kind="stable")
    reasons = pa.concat_arrays([p.reason_array() for p in parts])
    codes = pc.dictionary_encode(reasons)
    reason_ids = codes.indices.to_numpy()
    texts = codes.dictionary.to_pylist()
    if max(counted.values(), default=0) > REJECTS_PER_REASON:
        order = order[_first_per_group(reason_ids[order], REJECTS_PER_REASON)]
    ids = reason_ids[order]
    shown = Counter(dict(zip(texts, np.bincount(ids, minlength=len(texts)).tolist(), strict=True)))
    not_written = {r: n - shown[r] for r, n in counted.items() if n > shown[r]}
    taken = pa.array(order)
    fields: list[pa.Array | str] = [
        name,
        pc.cast(pa.array(lines[order]), pa.large_string()),
        reasons.take(taken),
    ]
    for column in REJECT_COLUMNS[3:]:
        given = [p.column(column) for p in parts]
        if all(v is None for v in given):
            fields.append("")
            continue
        filled = [_blank(len(p)) if v is None else v for p, v in zip(parts, given, strict=True)]
        fields.append(pa.concat_arrays(filled).take(taken))
    return csv_fields(fields), not_written


def _blank(n: int) -> pa.Array:
    return pa.nulls(n, pa.large_string()).fill_null("")


def _first_per_group(groups: np.ndarray, limit: int) -> np.ndarray:
    """Mask of the first ``limit`` positions of each group value, in order.

    Examples
    --------
    >>> _first_per_group(np.array([0, 1, 0, 0, 1]), 2).tolist()
    [True, True, True, False, True]
    """
    by_group = np.argsort(groups, kind="stable")
    sorted_groups = groups[by_group]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    rank = np.arange(len(groups)) - np.repeat(starts, np.diff(np.r_[starts, len(groups)]))
    keep = np.zeros(len(groups), dtype=bool)
    keep[by_group[rank < limit]] = True
    return keep


def csv_lines(table: pa.Table) -> bytes:
    r"""A table of text columns as CSV lines, as pandas' ``to_csv`` writes them (no header).

    A value is quoted, its quotes doubled, when it holds a character :mod:`csv` quotes for
    (a comma, a quote, a newline); lines end in ``\n``.

    Examples
    --------
    >>> csv_lines(pa.table({"a": ["x", 'say "hi" now'], "b": ["1,2", ""]}))
    b'x,"1,2"\n"say ""hi"" now",\n'
    """
    return csv_fields([_text(table.column(i)) for i in range(table.num_columns)])


def csv_fields(fields: list[pa.Array | str]) -> bytes:
    """CSV lines of columns given as text arrays of one length, or as one text for every row.

    The arrays are searched for characters that need quotes together, in one Arrow call: a
    file's few rejected rows cost a handful of calls, not a few per column.
    """
    arrays = [f for f in fields if not isinstance(f, str)]
    if not arrays or not len(arrays[0]):
        return b""
    n = len(arrays[0])
    special = pc.match_substring_regex(pa.concat_arrays(arrays), _NEEDS_QUOTES)
    quote = np.asarray(special.to_numpy(zero_copy_only=False), dtype=bool).reshape(-1, n)
    cells: list[pa.Array | pa.Scalar] = []
    for value in fields:
        if isinstance(value, str):
            cells.append(_scalar(_quote(value)))
            continue
        mask, quote = quote[0], quote[1:]
        if mask.any():
            doubled = pc.replace_substring(value, '"', '""')
            quoted = pc.binary_join_element_wise(_scalar('"'), doubled, _scalar('"'), _scalar(""))
            value = pc.if_else(pa.array(mask), quoted, value)
        cells.append(value)
    rows = pc.binary_join_element_wise(*cells, _scalar(","))
    ended = pc.binary_join_element_wise(rows, _scalar(""), _scalar("\n"))
    return _data_bytes(ended)


def _quote(value: str) -> str:
    """One value as CSV writes it."""
    if any(c in value for c in _QUOTED):
        return '"' + value.replace('"', '""') + '"'
    return value


def header_text() -> bytes:
    """The header line of ``rejects.csv``."""
    return (",".join(_quote(c) for c in REJECT_COLUMNS) + "\n").encode("utf-8")


def _scalar(text: str) -> pa.Scalar:
    return pa.scalar(text, type=pa.large_string())


def _data_bytes(values: pa.Array) -> bytes:
    """The bytes of a string array's values, one after another."""
    offsets_buffer, data = values.buffers()[1:3]
    width = np.int64 if pa.types.is_large_string(values.type) else np.int32
    offsets = np.frombuffer(offsets_buffer, dtype=width)
    start, end = offsets[values.offset], offsets[values.offset + len(values)]
    return b"" if data is None else data.slice(int(start), int(end - start)).to_pybytes()
