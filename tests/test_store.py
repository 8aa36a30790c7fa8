"""The store index of sna prepare: what it writes reads back, damage is refused, runs stay exact."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sna.data.store import (
    INDEX,
    FileSpan,
    IdRun,
    StoreIndex,
    _checksum,
    add_run,
    ids_held,
    read_index,
    read_runs,
    write_index,
)

DIGEST = "ab" * 32
INDEX_VALUE = StoreIndex(
    fingerprint="1" * 64,
    manifest_sha256="2" * 64,
    base="3" * 64,
    files=(FileSpan("police_uk/a.csv", DIGEST, 3, 120), FileSpan("police_uk/b.csv", DIGEST, 0, 0)),
    runs=(IdRun("ids-" + "c" * 32 + ".u64", 10, DIGEST),),
)


def test_an_index_reads_back_as_written(tmp_path):
    write_index(tmp_path, INDEX_VALUE)
    assert read_index(tmp_path) == INDEX_VALUE


def _record(tmp_path) -> dict:
    write_index(tmp_path, INDEX_VALUE)
    return json.loads((tmp_path / INDEX).read_text())


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda r: r.update(format=99), id="other-format"),
        pytest.param(lambda r: r.update(extra=1), id="extra-key"),
        pytest.param(lambda r: r.pop("base"), id="missing-key"),
        pytest.param(lambda r: r.update(base="3" * 63), id="short-digest"),
        pytest.param(lambda r: r.update(fingerprint="G" * 64), id="not-hex"),
        pytest.param(lambda r: r["files"][0].__setitem__(2, -1), id="negative-rows"),
        pytest.param(lambda r: r["files"][0].__setitem__(2, True), id="bool-rows"),
        pytest.param(lambda r: r["files"][0].__setitem__(3, 1.0), id="float-bytes"),
        pytest.param(lambda r: r["files"][0].append(1), id="five-fields"),
        pytest.param(lambda r: r["runs"][0].__setitem__(0, "../x.u64"), id="run-path"),
        pytest.param(lambda r: r["runs"][0].__setitem__(1, None), id="run-count"),
        pytest.param(lambda r: r.update(files={}), id="files-not-a-list"),
    ],
)
def test_an_index_not_exactly_as_written_is_not_used(tmp_path, edit):
    """Each edit, with the checksum made again for it: refused for what it is, not the checksum."""
    record = _record(tmp_path)
    edit(record)
    record["checksum"] = _checksum(record)
    (tmp_path / INDEX).write_text(json.dumps(record))
    assert read_index(tmp_path) is None


def test_an_index_edited_without_its_checksum_is_not_used(tmp_path):
    record = _record(tmp_path)
    record["files"][0][2] += 1
    (tmp_path / INDEX).write_text(json.dumps(record))
    assert read_index(tmp_path) is None
    record["checksum"] = _checksum(record)
    (tmp_path / INDEX).write_text(json.dumps(record))
    assert read_index(tmp_path) is not None


@pytest.mark.parametrize("text", ["", "{", "[]", "null", "[" * 100_000 + "]" * 100_000, "\udcff"])
def test_an_unreadable_index_is_not_used(tmp_path, text):
    (tmp_path / INDEX).write_bytes(text.encode("utf-8", "surrogateescape"))
    assert read_index(tmp_path) is None


def test_no_index_folder(tmp_path):
    assert read_index(tmp_path / "none") is None


def test_runs_read_back_and_damage_is_refused(tmp_path):
    runs = add_run(tmp_path, (), None, np.array([3, 7, 2**64 - 1], dtype=np.uint64))
    arrays = read_runs(tmp_path, runs)
    assert arrays is not None
    assert arrays[0].dtype == np.uint64
    assert arrays[0].tolist() == [3, 7, 2**64 - 1]
    path = tmp_path / runs[0].name
    data = bytearray(path.read_bytes())
    data[0] ^= 1
    path.write_bytes(bytes(data))
    assert read_runs(tmp_path, runs) is None  # same size, other bytes
    path.write_bytes(bytes(data[:8]))
    assert read_runs(tmp_path, runs) is None
    path.unlink()
    assert read_runs(tmp_path, runs) is None


def test_writing_an_index_removes_the_runs_it_does_not_name(tmp_path):
    one = add_run(tmp_path, (), None, np.arange(5, dtype=np.uint64))
    two = add_run(tmp_path, (), None, np.arange(6, dtype=np.uint64))
    write_index(tmp_path, StoreIndex(*(("0" * 64,) * 3), files=(), runs=two))
    assert sorted(p.name for p in tmp_path.glob("ids-*")) == [two[0].name]
    assert one[0].name != two[0].name


@given(
    batches=st.lists(
        st.sets(st.integers(0, 2**64 - 1), max_size=60).map(sorted), min_size=1, max_size=12
    ),
)
def test_runs_hold_exactly_the_ids_added_and_stay_few(tmp_path_factory, batches):
    """Against a plain set of every ID added: each batch new to the store, as prepare adds them."""
    folder = tmp_path_factory.mktemp("runs")
    runs: tuple[IdRun, ...] = ()
    every: set[int] = set()
    for batch in batches:
        ids = np.array([i for i in batch if i not in every], dtype=np.uint64)
        arrays = read_runs(folder, runs)
        assert arrays is not None
        assert not ids_held(arrays, ids)
        runs = add_run(folder, runs, arrays, ids)
        every |= set(ids.tolist())
        counts = [r.count for r in runs]
        # size-tiered: each run more than twice the next, so few runs however many batches
        assert all(a > 2 * b for a, b in itertools.pairwise(counts))
    arrays = read_runs(folder, runs)
    assert arrays is not None
    held = np.concatenate(arrays) if arrays else np.empty(0, np.uint64)
    assert sorted(held.tolist()) == sorted(every)
    assert all(np.all(a[1:] > a[:-1]) for a in arrays)


@given(
    run=st.sets(st.integers(0, 2**64 - 1), max_size=50),
    ids=st.sets(st.integers(0, 2**64 - 1), max_size=50),
)
def test_ids_held_is_set_intersection(run, ids):
    runs = [np.array(sorted(run), dtype=np.uint64), np.empty(0, np.uint64)]
    assert ids_held(runs, np.array(sorted(ids), dtype=np.uint64)) == bool(run & ids)
