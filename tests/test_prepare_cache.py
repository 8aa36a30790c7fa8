"""The per-file cache of sna prepare: unchanged files are not read again, outputs are the same."""

from __future__ import annotations

import csv
import gzip
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest

import sna.data.prepare as prepare_module
from sna.data.cache import CACHE_DIR
from sna.data.config import load_config
from sna.data.prepare import prepare
from tests.conftest import RAW, link_area_data, write_config

STREET = RAW / "police_uk" / "thames-valley"
JAN, FEB, MAR = (f"2025-0{m}-thames-valley-street.csv.gz" for m in (1, 2, 3))
FRAMES = ("records", "counts", "lsoas", "outcomes", "lad_counts")


def street_rows(path: Path) -> list[list[str]]:
    """A street file's rows (header first), read with the csv module."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    path.write_bytes(gzip.compress(text.getvalue().encode("utf-8")))


def setup(tmp_path: Path, names: list[str]) -> tuple[Path, Path]:
    """A raw folder with some real street files, and a config pointing at it."""
    raw = tmp_path / "raw"
    (raw / "police_uk").mkdir(parents=True)
    for name in names:
        shutil.copy(STREET / name, raw / "police_uk" / name)
    link_area_data(raw)
    return raw, write_config(tmp_path / "run", raw=raw)


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The files sna prepare reads (parses), in order."""
    seen: list[str] = []
    real = prepare_module.read_street_file

    def counting(path):
        seen.append(Path(str(getattr(path, "path", path))).name)
        return real(path)

    monkeypatch.setattr(prepare_module, "read_street_file", counting)
    return seen


def outputs(folder: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(folder / f"{name}.parquet") for name in FRAMES}


def assert_same_outputs(a: Path, b: Path) -> None:
    for name, frame in outputs(a).items():
        pd.testing.assert_frame_equal(frame, pd.read_parquet(b / f"{name}.parquet"), obj=name)
    assert (a / "rejects.csv").read_bytes() == (b / "rejects.csv").read_bytes()


def test_unchanged_files_come_from_the_cache(tmp_path, reads):
    raw, path = setup(tmp_path, [JAN, FEB])
    config = load_config(path)
    prepare(config)
    assert reads == [JAN, FEB]
    assert len(list((config.processed_dir / CACHE_DIR).glob("*.sna-cache"))) == 2
    reads.clear()
    shutil.copy(STREET / MAR, raw / "police_uk" / MAR)
    manifest = prepare(config)
    assert reads == [MAR]  # January and February from the cache
    march = street_rows(STREET / MAR)
    assert manifest["files"][2]["rows_read"] == len(march) - 1  # counted with the csv module
    assert len(list((config.processed_dir / CACHE_DIR).glob("*.sna-cache"))) == 3


def test_a_changed_file_is_read_again(tmp_path, reads):
    raw, path = setup(tmp_path, [JAN, FEB])
    config = load_config(path)
    prepare(config)
    reads.clear()
    rows = street_rows(STREET / FEB)[:301]  # header and the first 300 rows
    write_rows(raw / "police_uk" / FEB, rows)
    manifest = prepare(config)
    assert reads == [FEB]
    assert manifest["files"][1]["rows_read"] == 300
    # The entry of the old February is pruned; January's and the new February's stay.
    assert len(list((config.processed_dir / CACHE_DIR).glob("*.sna-cache"))) == 2


def test_a_corrupted_entry_is_rebuilt(tmp_path, reads):
    _, path = setup(tmp_path, [JAN, FEB])
    config = load_config(path)
    prepare(config)
    fresh = tmp_path / "fresh"
    shutil.copytree(config.processed_dir, fresh)
    reads.clear()
    entries = sorted((config.processed_dir / CACHE_DIR).glob("*.sna-cache"))
    damaged = bytearray(entries[0].read_bytes())
    damaged[-100] ^= 0xFF  # one byte of a Parquet part flipped
    entries[0].write_bytes(bytes(damaged))
    entries[1].write_bytes(entries[1].read_bytes()[:50])  # cut short
    (config.processed_dir / "manifest.json").unlink()
    prepare(config, allow_foreign_files=True)
    assert sorted(reads) == [JAN, FEB]  # neither damaged entry trusted
    assert_same_outputs(fresh, config.processed_dir)
    reads.clear()
    (config.processed_dir / "manifest.json").unlink()
    prepare(config, allow_foreign_files=True)
    assert reads == []  # the rebuilt entries are good


def test_outputs_with_and_without_cache_are_identical(tmp_path, reads):
    """Including a Crime ID repeated from an earlier file, which the cache must not hide."""
    raw, path = setup(tmp_path, [JAN])
    jan = street_rows(STREET / JAN)
    header = jan[0]
    crime = next(r for r in jan[1:] if r[0] and r[7])  # a crime with an ID and a location
    again = [*crime]
    again[header.index("Month")] = "2025-02"
    feb = street_rows(STREET / FEB)
    write_rows(raw / "police_uk" / FEB, [feb[0], *feb[1:200], again])
    config = load_config(path)
    first = prepare(config)
    assert first["files"][1]["rows_rejected"] == {"duplicate Crime ID": 1}
    fresh = tmp_path / "fresh"
    shutil.copytree(config.processed_dir, fresh)
    reads.clear()
    (config.processed_dir / "manifest.json").unlink()
    cached = prepare(config, allow_foreign_files=True)
    # January from the cache; February's cached result holds a Crime ID of January's, so it is
    # read again with the IDs seen before it.
    assert reads == [FEB]
    assert cached["files"] == first["files"]
    assert cached["totals"] == first["totals"]
    assert_same_outputs(fresh, config.processed_dir)


def test_force_reads_every_file(tmp_path, reads):
    _, path = setup(tmp_path, [JAN])
    config = load_config(path)
    prepare(config)
    prepare(config, force=True)
    assert reads == [JAN, JAN]


@pytest.mark.slow
def test_worker_processes_give_the_same_outputs(tmp_path, monkeypatch):
    _, path = setup(tmp_path, [JAN, FEB, MAR])
    config = load_config(path)
    prepare(config)
    serial = tmp_path / "serial"
    shutil.copytree(config.processed_dir, serial)
    monkeypatch.setattr(prepare_module, "PARALLEL_MIN_FILES", 1)
    manifest = prepare(config, force=True)
    assert [f["month"] for f in manifest["files"]] == ["2025-01", "2025-02", "2025-03"]
    assert_same_outputs(serial, config.processed_dir)
