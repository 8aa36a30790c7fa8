"""``sna.data.rejects``: each file's ``rejects.csv`` lines, checked against pandas' own route.

The reference is what ``sna prepare`` did before the lines were made per file: the parts
concatenated into one frame, sorted by line, capped with ``groupby(...).head``, and written with
``DataFrame.to_csv``.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sna.data import rejects
from sna.data.policeuk import STREET_COLUMNS
from sna.data.rejects import (
    REJECT_COLUMNS,
    RejectPart,
    csv_lines,
    header_text,
    reject_text,
)

TEXT = st.text(alphabet=st.sampled_from(list('ab ,"\n\r\t;é\u2028İ')), max_size=6)


def _pandas_csv(frame: pd.DataFrame, header: bool = False) -> bytes:
    out = io.StringIO()
    frame.to_csv(out, index=False, header=header, lineterminator="\n")
    return out.getvalue().encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT, TEXT), min_size=1, max_size=8))
def test_csv_lines_are_what_pandas_writes(rows):
    frame = pd.DataFrame(rows, columns=["a", "b", "c"], dtype=object)
    table = pa.table({c: pa.array(frame[c].tolist(), type=pa.large_string()) for c in frame})
    assert csv_lines(table) == _pandas_csv(frame)


def test_header_is_what_pandas_writes():
    assert header_text() == _pandas_csv(pd.DataFrame(columns=REJECT_COLUMNS), header=True)


def _reference(parts: list[RejectPart], name: str, counted: dict[str, int], cap: int) -> tuple:
    """The old route: one frame, a stable sort by line, the cap by groupby-head, to_csv."""
    frames = []
    for part in parts:
        n = len(part)
        reasons = [part.reasons] * n if isinstance(part.reasons, str) else part.reasons.to_pylist()
        columns = {
            c: part.values[c].to_pylist() if c in part.values else [""] * n for c in STREET_COLUMNS
        }
        raw = part.raw.to_pylist() if part.raw is not None else [""] * n
        frames.append(pd.DataFrame({"line": part.lines, "reason": reasons, **columns, "raw": raw}))
    rejects = pd.concat(frames, ignore_index=True).assign(source_file=name)[REJECT_COLUMNS]
    rejects = rejects.sort_values("line", kind="stable", ignore_index=True)
    written = rejects.groupby("reason", sort=False).head(cap)
    shown = written["reason"].value_counts().to_dict()
    left = {r: n - shown.get(r, 0) for r, n in counted.items() if n > shown.get(r, 0)}
    return _pandas_csv(written), left


@st.composite
def _parts(draw):
    reasons = ["no location", "bad, month", 'say "x"', "empty row"]
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        n = draw(st.integers(0, 12))
        lines = np.array(draw(st.lists(st.integers(-1, 30), min_size=n, max_size=n)), np.int64)
        one = draw(st.booleans())
        given_reasons = (
            draw(st.sampled_from(reasons))
            if one
            else pa.array(draw(st.lists(st.sampled_from(reasons), min_size=n, max_size=n)))
        )
        columns = draw(st.lists(st.sampled_from(STREET_COLUMNS), unique=True, max_size=3))
        values = {
            c: pa.array(draw(st.lists(TEXT, min_size=n, max_size=n)), type=pa.string())
            for c in columns
        }
        raw = (
            pa.array(draw(st.lists(TEXT, min_size=n, max_size=n))) if draw(st.booleans()) else None
        )
        parts.append(RejectPart(lines=lines, reasons=given_reasons, values=values, raw=raw))
    return parts


@settings(max_examples=300, deadline=None)
@given(_parts(), st.integers(1, 4), st.integers(0, 3))
def test_reject_text_sorts_and_caps_as_the_frame_did(parts, cap, extra):
    counted: dict[str, int] = {}
    for part in parts:
        n = len(part)
        reasons = [part.reasons] * n if isinstance(part.reasons, str) else part.reasons.to_pylist()
        for r in reasons:
            counted[r] = counted.get(r, 0) + 1
    if counted:
        first = next(iter(counted))
        counted[first] += extra  # rows counted but cut before (malformed rows not kept)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rejects, "REJECTS_PER_REASON", cap)
        got = reject_text(parts, "2025-01-x-street.csv", counted)
    if not any(len(p) for p in parts):
        assert got == (b"", {r: n for r, n in counted.items() if n})
        return
    assert got == _reference(parts, "2025-01-x-street.csv", counted, cap)


def test_no_rows_give_no_text_and_count_every_reason_as_not_written():
    empty = RejectPart(lines=np.empty(0, np.int64), reasons="no location")
    assert reject_text([empty], "f.csv", {"no location": 3}) == (b"", {"no location": 3})
