"""sna.data.files: writing an output from a previous output's byte ranges and new bytes."""

from __future__ import annotations

import hashlib
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

import sna.data.files as files_module
from sna.data.files import write_spliced


@st.composite
def spliced(draw) -> tuple[bytes, list]:
    old = draw(st.binary(max_size=300))
    pieces = []
    for _ in range(draw(st.integers(0, 8))):
        if old and draw(st.booleans()):
            start = draw(st.integers(0, len(old) - 1))
            pieces.append((start, draw(st.integers(0, len(old) - start))))
        else:
            pieces.append(draw(st.binary(max_size=50)))
    return old, pieces


def _expected(old: bytes, pieces: list) -> bytes:
    return b"".join(p if isinstance(p, bytes) else old[p[0] : p[0] + p[1]] for p in pieces)


@pytest.mark.parametrize("copy", ["kernel", "no-copy_file_range"])
@given(case=spliced())
def test_write_spliced_is_the_pieces_joined(tmp_path_factory, copy, case):
    """Against slicing and joining the bytes in Python, with and without the kernel's copy."""
    folder = tmp_path_factory.mktemp("spliced")
    old, pieces = case
    (folder / "old").write_bytes(old)
    with pytest.MonkeyPatch.context() as patch:
        if copy != "kernel":
            patch.delattr(os, "copy_file_range", raising=False)
        digest = write_spliced(folder / "new", pieces, folder / "old")
    expected = _expected(old, pieces)
    assert (folder / "new").read_bytes() == expected
    assert digest == hashlib.sha256(expected).hexdigest()


def test_a_copy_cut_short_is_finished_by_writing(tmp_path, monkeypatch):
    real = os.copy_file_range
    monkeypatch.setattr(
        files_module.os, "copy_file_range", lambda src, dst, n, *a: real(src, dst, min(n, 3), *a)
    )
    (tmp_path / "old").write_bytes(b"0123456789")
    write_spliced(tmp_path / "new", [b"<", (2, 7), b">"], tmp_path / "old")
    assert (tmp_path / "new").read_bytes() == b"<2345678>"


def test_a_range_beyond_the_source_is_an_error(tmp_path):
    (tmp_path / "old").write_bytes(b"0123")
    with pytest.raises(ValueError, match="no bytes 2 to 6"):
        write_spliced(tmp_path / "new", [(2, 4)], tmp_path / "old")
    with pytest.raises(ValueError, match="needs a source"):
        write_spliced(tmp_path / "new", [(0, 1)])
