"""sna prepare reads police.uk's download as it comes: a zip archive, read without unpacking."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from sna.build.cli import main
from sna.data.archive import RawFile, archive_members
from sna.data.config import load_config
from sna.data.prepare import discover_street_files, prepare
from sna.errors import InputError
from tests.conftest import RAW, write_config

STREET = RAW / "police_uk" / "thames-valley"
MONTHS = ("2024-01", "2024-02")
OUTCOMES_HEADER = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
STOP_HEADER = "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude"


def street_text(month: str) -> bytes:
    """A shipped street file's CSV bytes, as police.uk's archive holds them (not gzipped)."""
    return gzip.decompress((STREET / f"{month}-thames-valley-street.csv.gz").read_bytes())


def member_name(month: str, kind: str = "street") -> str:
    return f"{month}/{month}-thames-valley-{kind}.csv"


def write_archive(
    path: Path, months: tuple[str, ...] = MONTHS, *, method: int = zipfile.ZIP_DEFLATED
) -> Path:
    """A zip laid out like police.uk's download: street, outcomes and stop-and-search files."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for month in months:
            archive.writestr(member_name(month), street_text(month))
            archive.writestr(member_name(month, "outcomes"), OUTCOMES_HEADER + "\n")
            archive.writestr(member_name(month, "stop-and-search"), STOP_HEADER + "\n")
    return path


def raw_folder(tmp_path: Path) -> Path:
    """A raw folder with an empty police_uk folder and links to the real area data."""
    raw = tmp_path / "raw"
    (raw / "police_uk").mkdir(parents=True)
    for entry in RAW.iterdir():
        if entry.name != "police_uk":
            (raw / entry.name).symlink_to(entry)
    return raw


def prepared(tmp_path: Path, raw: Path) -> tuple[Path, dict]:
    config = load_config(write_config(tmp_path / "out", raw=raw))
    return config.processed_dir, prepare(config)


def csv_rows(data: bytes) -> int:
    """Data rows of a CSV, counted with the csv module (an independent reading)."""
    return sum(1 for _ in csv.DictReader(io.StringIO(data.decode("utf-8"))))


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The two months prepared from the shipped files as they are (loose .csv.gz)."""
    tmp = tmp_path_factory.mktemp("unpacked")
    raw = raw_folder(tmp)
    for month in MONTHS:
        name = f"{month}-thames-valley-street.csv.gz"
        (raw / "police_uk" / name).write_bytes((STREET / name).read_bytes())
    return prepared(tmp, raw)


@pytest.mark.slow
def test_zip_prepares_the_same_counts_as_the_unpacked_files(tmp_path, unpacked):
    raw = raw_folder(tmp_path)
    write_archive(raw / "police_uk" / "police-uk-2024.zip")
    processed, manifest = prepared(tmp_path, raw)
    loose_processed, loose = unpacked

    counts = pd.read_parquet(processed / "counts.parquet")
    pd.testing.assert_frame_equal(counts, pd.read_parquet(loose_processed / "counts.parquet"))
    archive = "police_uk/police-uk-2024.zip"
    assert [f["path"] for f in manifest["files"]] == [f"{archive}!{member_name(m)}" for m in MONTHS]
    for entry, loose_entry, month in zip(manifest["files"], loose["files"], MONTHS, strict=True):
        data = street_text(month)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()  # of the member's bytes
        assert entry["rows_read"] == csv_rows(data)
        for key in ("rows_read", "rows_kept", "rows_out_of_area", "rows_rejected", "month"):
            assert entry[key] == loose_entry[key], key
    assert manifest["totals"]["rows_kept"] == loose["totals"]["rows_kept"] > 0
    assert manifest["ignored_files"] == [
        f"{archive}!{member_name(m, kind)}"
        for m in MONTHS
        for kind in ("outcomes", "stop-and-search")
    ]
    rejects = pd.read_csv(processed / "rejects.csv", dtype=str, keep_default_na=False)
    assert set(rejects["source_file"]) <= {f["path"] for f in manifest["files"]}
    records = pd.read_parquet(processed / "records.parquet", columns=["source_file"])
    assert set(records["source_file"]) == {f["path"] for f in manifest["files"]}


@pytest.mark.slow
def test_a_month_both_loose_and_in_a_zip_is_a_duplicate_file(tmp_path, unpacked):
    raw = raw_folder(tmp_path)
    loose = "2024-01-thames-valley-street.csv.gz"
    (raw / "police_uk" / loose).write_bytes((STREET / loose).read_bytes())
    write_archive(raw / "police_uk" / "police.zip")
    processed, manifest = prepared(tmp_path, raw)

    copy = manifest["files"][1]
    assert copy["path"] == f"police_uk/police.zip!{member_name('2024-01')}"
    reason = f"duplicate record (file is a copy of police_uk/{loose})"
    assert copy["rows_rejected"] == {reason: csv_rows(street_text("2024-01"))}
    assert copy["rows_kept"] == 0
    counts = pd.read_parquet(processed / "counts.parquet")
    pd.testing.assert_frame_equal(counts, pd.read_parquet(unpacked[0] / "counts.parquet"))


def test_discovery_lists_members_and_skips_hidden_ones(tmp_path):
    archive = write_archive(tmp_path / "police.zip", ("2024-01",))
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr("__MACOSX/2024-01/._2024-01-thames-valley-street.csv", b"x")
        zf.writestr("2024-01/", b"")  # a folder entry
    street, other = discover_street_files(tmp_path)
    assert street == [RawFile(archive, member_name("2024-01"))]
    assert other == [
        Path(f"{archive}!{member_name('2024-01', kind)}")
        for kind in ("outcomes", "stop-and-search")
    ]


def cli_error(tmp_path: Path, raw: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Run `sna prepare`; check it fails with exit 2, one line, and writes no output."""
    config = write_config(tmp_path / "out", raw=raw)
    assert main(["prepare", "--config", str(config), "--quiet"]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert captured.out == ""
    processed = load_config(config).processed_dir
    written = [p.name for p in processed.iterdir()] if processed.exists() else []
    assert not [n for n in written if not n.startswith(".")], written
    return lines[0]


def test_truncated_zip_names_the_member_cut_short(tmp_path, capsys):
    raw = raw_folder(tmp_path)
    archive = write_archive(raw / "police_uk" / "police.zip")
    data = archive.read_bytes()
    with zipfile.ZipFile(archive) as zf:
        offsets = {i.filename: i.header_offset for i in zf.infolist()}
    cut = offsets[member_name("2024-02")] + 5000  # inside the 2024-02 street file's data
    archive.write_bytes(data[:cut])
    line = cli_error(tmp_path, raw, capsys)
    assert line.startswith(f"sna prepare: error: {archive}!{member_name('2024-02')}: ")
    assert "cut short" in line
    assert "download it again" in line


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_bad_crc_names_the_damaged_member(tmp_path, capsys, method):
    raw = raw_folder(tmp_path)
    archive = write_archive(raw / "police_uk" / "police.zip", method=method)
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo(member_name("2024-02"))
    data = bytearray(archive.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0x01  # one bit of the member's data
    archive.write_bytes(bytes(data))
    line = cli_error(tmp_path, raw, capsys)
    assert line.startswith(f"sna prepare: error: {archive}!{member_name('2024-02')}: ")
    assert "damaged in the zip archive" in line
    if method == zipfile.ZIP_STORED:
        assert "CRC-32" in line


def test_file_named_zip_that_is_not_one(tmp_path, capsys):
    raw = raw_folder(tmp_path)
    archive = raw / "police_uk" / "police.zip"
    archive.write_bytes(street_text("2024-01"))
    line = cli_error(tmp_path, raw, capsys)
    assert line == (
        f"sna prepare: error: {archive}: is not a zip archive (it does not begin like one) "
        "(download the police.uk archive again, or rename the file if it is not a zip)"
    )


def test_damaged_member_read_directly_is_an_input_error(tmp_path):
    archive = write_archive(tmp_path / "police.zip", ("2024-01",), method=zipfile.ZIP_STORED)
    assert member_name("2024-01") in archive_members(archive)
    data = bytearray(archive.read_bytes())
    data[200] ^= 0x01
    archive.write_bytes(bytes(data))
    with pytest.raises(InputError, match="CRC-32"):
        RawFile(archive, member_name("2024-01")).read_bytes()


# --- hostile archives: nothing is read twice, lost without a word, or read into memory whole --


def _zip(path: Path, members: list[tuple[str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("../2024-01-thames-valley-street.csv", "outside itself"),
        ("x/../../2024-01-thames-valley-street.csv", "outside itself"),
        ("/etc/2024-01-thames-valley-street.csv", "outside itself"),
        ("..\\2024-01-thames-valley-street.csv", "outside itself"),
    ],
)
def test_a_member_named_outside_the_archive_is_refused(tmp_path, name, words):
    # x/../2024-01-...: shown as police_uk/2024-01-... it took a loose file's place in the
    # manifest, and a different month was then quarantined as its "copy"
    archive = _zip(tmp_path / "police.zip", [(name, b"Crime ID\n")])
    with pytest.raises(InputError, match=words) as info:
        archive_members(archive)
    assert str(info.value).startswith(f"{archive}!{name}: ")


def test_two_members_of_one_name_are_refused(tmp_path, capsys):
    # zipfile reads only the last of two members named alike: the first month was lost
    raw = raw_folder(tmp_path)
    archive = raw / "police_uk" / "police.zip"
    with pytest.warns(UserWarning, match="Duplicate name"):
        _zip(archive, [(member_name("2024-01"), street_text("2024-01"))] * 2)
    line = cli_error(tmp_path, raw, capsys)
    assert line.startswith(f"sna prepare: error: {archive}!{member_name('2024-01')}: ")
    assert "two members of this name" in line


def test_a_member_declaring_a_huge_size_is_not_read(tmp_path, monkeypatch):
    import sna.data.archive as archive_module

    archive = _zip(tmp_path / "police.zip", [(member_name("2024-01"), b"\n" * 5000)])
    monkeypatch.setattr(archive_module, "MAX_MEMBER_SIZE", 4096)
    with pytest.raises(InputError, match=r"too large to read: 5,000 bytes uncompressed"):
        archive_members(archive)


def test_zip64_and_an_upper_case_zip_are_read(tmp_path):
    data = street_text("2024-01")
    with (
        zipfile.ZipFile(tmp_path / "POLICE.ZIP", "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open(member_name("2024-01"), "w", force_zip64=True) as member,
    ):
        member.write(data)
    street, _ = discover_street_files(tmp_path)
    assert [s.member for s in street] == [member_name("2024-01")]
    assert street[0].sha256() == hashlib.sha256(data).hexdigest()


def test_an_encrypted_member_names_archive_and_member(tmp_path):
    archive = _zip(tmp_path / "police.zip", [(member_name("2024-01"), b"Crime ID\n")])
    data = bytearray(archive.read_bytes())
    data[6] |= 1  # the local header's "encrypted" flag
    data[data.rfind(b"PK\x01\x02") + 8] |= 1  # and the central directory's
    archive.write_bytes(bytes(data))
    with pytest.raises(InputError, match="encrypted") as info:
        RawFile(archive, member_name("2024-01")).read_bytes()
    assert str(info.value).startswith(f"{archive}!{member_name('2024-01')}: cannot be read")
