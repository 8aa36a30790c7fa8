"""New street files merged into the previous outputs: the outputs are those of a full run.

Each test prepares a store from real Thames Valley files, changes the folder, prepares again
(merging new files where it can), and compares every output and the manifest, byte for byte,
with ``sna prepare --force`` on the same folder: an independent route (every file read again,
nothing taken from the store index or the previous outputs).
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

import sna.data.prepare as prepare_module
from sna.data.cache import CACHE_DIR
from sna.data.config import load_config
from sna.data.prepare import OUTPUTS, prepare, run_prepare
from sna.data.store import INDEX, STORE_DIR, _checksum
from tests.test_prepare_cache import STREET, setup, street_rows, write_rows

JAN, FEB, MAR, APR = (f"2025-0{m}-thames-valley-street.csv.gz" for m in (1, 2, 3, 4))


@pytest.fixture
def loads(monkeypatch) -> list[str]:
    """Per-file cache entries loaded: none when the previous files are not touched."""
    seen: list[str] = []
    real = prepare_module._load_result

    def counting(cache, key):
        seen.append(key)
        return real(cache, key)

    monkeypatch.setattr(prepare_module, "_load_result", counting)
    return seen


@pytest.fixture
def merged(monkeypatch) -> list[int]:
    """For each run that merged new files into the previous outputs, how many new files."""
    seen: list[int] = []
    real = prepare_module._Addition.merged

    def counting(self, added):
        seen.append(len(added))
        return real(self, added)

    monkeypatch.setattr(prepare_module._Addition, "merged", counting)
    return seen


def snapshot(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in (*OUTPUTS, "manifest.json")}


def assert_as_full_run(config) -> None:
    """The outputs in the processed folder are byte for byte those of ``prepare --force``."""
    out = config.processed_dir
    before = snapshot(out)
    prepare(config, force=True)
    after = snapshot(out)
    assert [n for n in before if before[n] != after[n]] == []


def prepared(tmp_path: Path, names: list[str]):
    """A raw folder of some real street files, its config, and the outputs prepared from them."""
    raw, path = setup(tmp_path, names)
    config = load_config(path)
    prepare(config)
    return raw, config


def add(raw: Path, *names: str) -> None:
    for name in names:
        shutil.copy(STREET / name, raw / "police_uk" / name)


def test_a_new_last_month_is_merged_without_reading_the_others(tmp_path, loads, merged):
    raw, config = prepared(tmp_path, [JAN, FEB])
    loads.clear()
    add(raw, MAR)
    manifest = prepare(config)
    assert (manifest["files_added"], manifest["merge_refused"]) == (1, None)
    assert merged == [1]
    assert len(loads) == 1  # the new file only
    assert [f["path"] for f in manifest["files"]] == [f"police_uk/{n}" for n in (JAN, FEB, MAR)]
    assert len(list((config.processed_dir / CACHE_DIR).glob("*.sna-cache"))) == 3
    assert_as_full_run(config)


@pytest.mark.parametrize(
    ("first", "then"),
    [
        pytest.param([JAN, MAR], [FEB], id="a-month-between"),
        pytest.param([FEB], [JAN, MAR], id="one-before-one-after"),
        pytest.param([MAR, APR], [JAN, FEB], id="two-before"),
    ],
)
def test_new_files_anywhere_in_the_order_give_a_full_runs_outputs(tmp_path, merged, first, then):
    raw, config = prepared(tmp_path, first)
    add(raw, *then)
    prepare(config)
    assert merged == [len(then)]
    assert_as_full_run(config)


def test_months_added_one_after_another(tmp_path, merged):
    raw, config = prepared(tmp_path, [JAN])
    for name in (MAR, FEB, APR):
        add(raw, name)
        prepare(config)
    assert merged == [1, 1, 1]
    again = prepare(config)
    assert again["up_to_date"]
    assert (again["files_added"], again["rows_added"], again["merge_refused"]) == (None,) * 3
    assert_as_full_run(config)


def test_a_new_file_holding_an_earlier_crime_id_is_read_with_all_the_others(
    tmp_path, loads, merged
):
    raw, config = prepared(tmp_path, [JAN, FEB])
    loads.clear()
    rows = street_rows(STREET / MAR)
    january = next(r for r in street_rows(STREET / JAN)[1:] if r[0])
    rows.append([january[0], *rows[1][1:]])  # March's first row under a January Crime ID
    write_rows(raw / "police_uk" / MAR, rows)
    manifest = prepare(config)
    assert (
        manifest["merge_refused"] == f"police_uk/{MAR} holds a Crime ID of a file prepared before"
    )
    assert merged == []
    assert len(loads) == 4  # March (new), then every file as a full run (March now cached)
    assert len(set(loads)) == 3
    assert manifest["files"][2]["rows_rejected"]["duplicate Crime ID"] == 1
    assert_as_full_run(config)


def test_a_removed_or_changed_file_gives_a_full_run(tmp_path, merged):
    raw, config = prepared(tmp_path, [JAN, FEB, MAR])
    (raw / "police_uk" / FEB).unlink()
    add(raw, APR)
    refused = prepare(config)["merge_refused"]
    assert refused == f"police_uk/{FEB} was prepared before and is no longer there"
    rows = street_rows(STREET / JAN)
    write_rows(raw / "police_uk" / JAN, rows[:-1])
    add(raw, FEB)
    refused = prepare(config)["merge_refused"]
    assert refused == f"police_uk/{JAN} changed since it was prepared"
    assert merged == []
    assert_as_full_run(config)


def test_a_second_file_for_a_month_of_the_outputs_gives_a_full_run(tmp_path, merged):
    raw, config = prepared(tmp_path, [JAN, FEB])
    shutil.copy(STREET / JAN, raw / "police_uk" / "2025-01-thames-valley-police-street.csv.gz")
    manifest = prepare(config)
    assert manifest["merge_refused"] == (
        "police_uk/2025-01-thames-valley-police-street.csv.gz is a second file for "
        "thames-valley 2025-01"
    )
    assert merged == []
    assert manifest["totals"]["files"] == 3
    assert_as_full_run(config)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda store: (store / INDEX).write_text("{"), id="index-not-json"),
        pytest.param(
            lambda store: (store / INDEX).write_text(
                (store / INDEX).read_text().replace('"files": [["', '"files": [["x', 1)
            ),
            id="index-path-changed",
        ),
        pytest.param(lambda store: next(store.glob("ids-*")).write_bytes(b"\0" * 8), id="run-cut"),
        pytest.param(lambda store: next(store.glob("ids-*")).unlink(), id="run-gone"),
    ],
)
def test_a_damaged_store_index_gives_a_full_run(tmp_path, merged, damage):
    raw, config = prepared(tmp_path, [JAN, FEB])
    damage(config.processed_dir / CACHE_DIR / STORE_DIR)
    add(raw, MAR)
    prepare(config)
    assert merged == []
    assert_as_full_run(config)


def test_an_index_of_other_outputs_is_not_used(tmp_path, merged):
    """The index names the manifest it was written with: an edited manifest is not trusted."""
    raw, config = prepared(tmp_path, [JAN, FEB])
    manifest = config.processed_dir / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"rows_read": ', '"rows_read": 1', 1))
    add(raw, MAR)
    prepare(config)
    assert merged == []
    assert_as_full_run(config)


def test_a_changed_config_gives_a_full_run(tmp_path, merged):
    raw, path = setup(tmp_path, [JAN, FEB])
    prepare(load_config(path))
    path.write_text(
        path.read_text().replace("suppression_threshold = 4", "suppression_threshold = 5")
    )
    add(raw, MAR)
    config = load_config(path)
    prepare(config)
    assert merged == []
    assert_as_full_run(config)


def test_a_new_file_with_no_usable_row_is_merged(tmp_path, merged):
    raw, config = prepared(tmp_path, [JAN, FEB])
    header, *rows = street_rows(STREET / MAR)[:4]
    rejected = [[*r[:9], "Not a crime type", *r[10:]] for r in rows]
    write_rows(raw / "police_uk" / MAR, [header, *rejected])
    manifest = prepare(config)
    assert merged == [1]
    assert (manifest["files"][2]["rows_kept"], manifest["files"][2]["rows_out_of_area"]) == (0, 0)
    assert_as_full_run(config)


def test_a_store_of_gzip_and_plain_files(tmp_path, merged):
    raw, config = prepared(tmp_path, [JAN])
    plain = raw / "police_uk" / FEB.removesuffix(".gz")
    plain.write_bytes(gzip.decompress((STREET / FEB).read_bytes()))
    prepare(config)
    assert merged == [1]
    assert_as_full_run(config)


def test_the_summary_says_what_was_merged_and_what_was_read(tmp_path, capsys):
    raw, config = prepared(tmp_path, [JAN, FEB])
    add(raw, MAR)
    assert run_prepare(config.path, progress=False) == 0
    out = capsys.readouterr().out
    rows = len(street_rows(STREET / MAR)) - 1
    assert f"rows ({rows:,} of them in the 1 new file, read now)" in out
    assert "new files      1 merged into the outputs of the other 2 (not read again)" in out
    assert "not merged" not in out


def test_the_summary_says_why_new_files_were_not_merged(tmp_path, capsys):
    raw, config = prepared(tmp_path, [JAN, FEB])
    rows = street_rows(STREET / MAR)
    rows.append([next(r for r in street_rows(STREET / FEB)[1:] if r[0])[0], *rows[1][1:]])
    write_rows(raw / "police_uk" / MAR, rows)
    assert run_prepare(config.path, progress=False) == 0
    out = capsys.readouterr().out
    assert "rows read" in out
    assert "merged into" not in out
    assert (
        "  not merged     every output made again (unchanged files from the cache): "
        f"police_uk/{MAR} holds a Crime ID of a file prepared before"
    ) in out


def _move(record: dict, column: int, *, checksum: bool) -> None:
    """Move one count of the index's first file to its second: the sums still add up."""
    record["files"][0][column] -= 1
    record["files"][1][column] += 1
    if checksum:
        record["checksum"] = _checksum(record)


@pytest.mark.parametrize(
    ("column", "checksum"),
    [
        pytest.param(2, False, id="records-moved"),
        pytest.param(3, False, id="rejects-moved"),
        pytest.param(2, True, id="records-moved-checksum-made-again"),
    ],
)
def test_an_edited_index_whose_sums_still_add_up_is_not_used(tmp_path, merged, column, checksum):
    """Found by review: spans moved between files passed the sums (the merge then misplaced rows)."""
    raw, config = prepared(tmp_path, [JAN, FEB])
    path = config.processed_dir / CACHE_DIR / STORE_DIR / INDEX
    record = json.loads(path.read_text())
    _move(record, column, checksum=checksum)
    path.write_text(json.dumps(record))
    add(raw, MAR)
    prepare(config)
    assert merged == []
    assert_as_full_run(config)
