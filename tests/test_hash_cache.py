"""``sna.data.hash_cache``: an unchanged input is not read again; a changed one always is."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

import pytest

from sna.data import hash_cache
from sna.data.cache import CACHE_DIR
from sna.data.config import load_config
from sna.data.hash_cache import HashCache
from sna.data.prepare import HASHES, prepare
from sna.errors import InputError
from tests.conftest import RAW, link_area_data, write_config

AN_HOUR_AGO = time.time() - 3600


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files whose content HashCache reads."""
    seen: list[Path] = []
    real = hash_cache.sha256_file

    def counting(path: Path) -> str:
        seen.append(Path(path))
        return real(path)

    monkeypatch.setattr(hash_cache, "sha256_file", counting)
    return seen


def _old_file(path: Path, text: str) -> Path:
    path.write_text(text)
    os.utime(path, (AN_HOUR_AGO, AN_HOUR_AGO))
    return path


def test_an_unchanged_file_is_not_read_again(tmp_path, reads):
    data = _old_file(tmp_path / "a.csv", "x,y\n")
    first = HashCache(tmp_path / "h.json")
    assert first.sha256(data) == hashlib.sha256(b"x,y\n").hexdigest()
    first.save()
    again = HashCache(tmp_path / "h.json")
    assert again.known(data)
    assert again.sha256(data) == hashlib.sha256(b"x,y\n").hexdigest()
    assert reads == [data]  # read once, by the first


def test_a_file_rewritten_with_the_same_size_and_time_is_read_again(tmp_path, reads):
    data = _old_file(tmp_path / "a.csv", "x,y\n")
    first = HashCache(tmp_path / "h.json")
    first.sha256(data)
    first.save()
    time.sleep(0.01)
    _old_file(data, "x,z\n")  # same size, modification time set back: status-change time moves
    again = HashCache(tmp_path / "h.json")
    assert not again.known(data)
    assert again.sha256(data) == hashlib.sha256(b"x,z\n").hexdigest()
    assert reads == [data, data]


def test_a_file_hashed_just_after_it_was_written_is_read_again(tmp_path, reads):
    data = tmp_path / "a.csv"
    data.write_text("x,y\n")  # modified now: a change within the clock's resolution is possible
    first = HashCache(tmp_path / "h.json")
    first.sha256(data)
    first.save()
    assert not HashCache(tmp_path / "h.json").known(data)


@pytest.mark.parametrize("record", ["", "{", '{"format": 1, "files": []}', '{"format": 9}', "[1]"])
def test_a_damaged_record_is_ignored(tmp_path, reads, record):
    data = _old_file(tmp_path / "a.csv", "x,y\n")
    (tmp_path / "h.json").write_text(record)
    assert HashCache(tmp_path / "h.json").sha256(data) == hashlib.sha256(b"x,y\n").hexdigest()
    assert reads == [data]


def test_a_record_not_used_is_not_read(tmp_path, reads):
    data = _old_file(tmp_path / "a.csv", "x,y\n")
    first = HashCache(tmp_path / "h.json")
    first.sha256(data)
    first.save()
    assert not HashCache(tmp_path / "h.json", use=False).known(data)


def test_prepare_reads_no_unchanged_input_twice_and_sees_a_change(tmp_path, reads):
    raw = tmp_path / "raw"
    street = raw / "police_uk" / "thames-valley"
    street.mkdir(parents=True)
    for path in sorted((RAW / "police_uk" / "thames-valley").glob("2025-0[12]-*")):
        shutil.copy(path, street / path.name)
        os.utime(street / path.name, (AN_HOUR_AGO, AN_HOUR_AGO))
    link_area_data(raw)
    config = load_config(write_config(tmp_path, raw=raw))
    prepare(config)
    assert (config.processed_dir / CACHE_DIR / HASHES).is_file()
    first_reads = list(reads)
    assert any(p.parent == street for p in first_reads)
    reads.clear()
    again = prepare(config)
    assert again["up_to_date"]
    assert not any(p.parent == street for p in reads)  # the street files were not read again
    # The same bytes but one, the size and modification time kept: read again, and prepared.
    target = street / "2025-02-thames-valley-street.csv.gz"
    data = bytearray(target.read_bytes())
    data[-20] ^= 1  # inside the gzip trailer's CRC: a damaged download
    target.write_bytes(bytes(data))
    os.utime(target, (AN_HOUR_AGO, AN_HOUR_AGO))
    reads.clear()
    with pytest.raises(InputError, match=r"not a complete gzip file"):
        prepare(config)
    assert target in reads


@pytest.mark.parametrize(
    "entry",
    [
        '[4, M, C, I, D, "x", "DIGEST"]',
        '[4, M, C, I, D, null, "DIGEST"]',
        '[4, M, C, I, D, NaN, "DIGEST"]',
        '[4, M, C, I, D, Infinity, "DIGEST"]',
        "[4, M, C, I, D, 1, null]",
        '[4, M, C, I, D, 1, "0000"]',
        '[4, M, C, I, D, true, "DIGEST"]',
        "[" * 100_000,
    ],
)
def test_a_foreign_entry_is_ignored_not_trusted_nor_a_traceback(tmp_path, reads, entry):
    """An entry matching the file's status but not what sna writes is never used."""
    data = _old_file(tmp_path / "a.csv", "x,y\n")
    st = data.stat()
    wrong = "0" * 64  # what a foreign record claims, but not the file's digest
    text = (
        entry.replace("M", str(st.st_mtime_ns))
        .replace("C", str(st.st_ctime_ns))
        .replace("I", str(st.st_ino))
        .replace("D", str(st.st_dev))
        .replace("DIGEST", wrong)
    )
    (tmp_path / "h.json").write_text(f'{{"format": 1, "files": {{"{data}": {text}}}}}')
    assert HashCache(tmp_path / "h.json").sha256(data) == hashlib.sha256(b"x,y\n").hexdigest()
    assert reads == [data]


def test_a_file_replaced_after_its_status_was_checked_is_read_next_time(
    tmp_path, reads, monkeypatch
):
    data = _old_file(tmp_path / "a.csv", "x,y\n")
    first = HashCache(tmp_path / "h.json")
    first.sha256(data)
    first.save()
    second = HashCache(tmp_path / "h.json")
    checked = second._trusted

    def then_replaced(path):
        found = checked(path)
        new = tmp_path / "new.csv"
        new.write_text("x,z\n")
        new.replace(data)  # between the check and the next run
        os.utime(data, (AN_HOUR_AGO, AN_HOUR_AGO))
        return found

    monkeypatch.setattr(second, "_trusted", then_replaced)
    second.sha256(data)
    second.save()
    assert HashCache(tmp_path / "h.json").sha256(data) == hashlib.sha256(b"x,z\n").hexdigest()
