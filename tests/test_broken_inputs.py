"""The broken-input corpus (tests/data/broken/): each case gets a clear error or a counted quarantine."""

from __future__ import annotations

import errno
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sna.build.cli import main
from sna.data.manifest import Manifest
from sna.report.provenance import row_accounting
from tests.conftest import RAW, link_area_data, write_config

CORPUS = Path(__file__).parent / "data" / "broken"

# case: (expected exit status, stderr pattern or None, {reason: rows rejected}, rows kept)
STREET_CASES = {
    "wrong_header": (
        2,
        r"line 1: column 'LSOA code' is missing from the header; found instead: 'LSOA'",
        {},
        0,
    ),
    "missing_column": (2, r"line 1: column 'Context' is missing from the header", {}, 0),
    "truncated_gzip": (2, r"not a complete gzip file .*download it again", {}, 0),
    "non_utf8": (2, r"line 3: bytes that are not UTF-8 text \(0xe9\)", {}, 0),
    "empty_file": (2, r"file is empty", {}, 0),
    "header_only": (
        2,
        r"line 1: has a header but no data rows|has a header but no data rows",
        {},
        0,
    ),
    "same_month_twice_different": (
        2,
        r"a second, different file for thames-valley 2024-01 .*keep one of them",
        {},
        0,
    ),
    "reordered_header": (0, None, {}, 3),
    "extra_column": (0, None, {}, 3),
    "quoted_location": (0, None, {}, 4),
    "blank_lines": (0, None, {"empty row": 2}, 3),
    "out_of_range_coordinates": (0, None, {"coordinates missing or outside the UK": 2}, 3),
    "unknown_crime_type": (0, None, {"unknown crime type": 1}, 3),
    "month_mismatch": (0, None, {"month does not match file name": 1, "malformed month": 1}, 3),
    "malformed_row": (
        0,
        None,
        {"malformed row (wrong number of fields)": 2},  # one reason, however many fields
        3,
    ),
    "unknown_lsoa": (0, None, {"unknown LSOA code": 1, "no location": 1}, 3),
    "csv_and_gz": (
        0,
        None,
        {"duplicate record (file is a copy of police_uk/2024-01-thames-valley-street.csv)": 3},
        3,
    ),
    "lsoa_name_mismatch": (0, None, {}, 4),
    "same_month_twice": (
        0,
        None,
        {"duplicate record (file is a copy of police_uk/2024-01-thames-valley-street.csv)": 3},
        3,
    ),
    # Hostile inputs (second round): silent inflation, tracebacks, quiet wrong figures.
    "concatenated_file": (
        2,
        (
            r"2024-01-thames-valley-street\.csv, line 5: repeats its header line: it looks like "
            r"two files joined together \(keep one copy"
        ),
        {},
        0,
    ),
    "concatenated_rows": (
        2,
        r"line 5: its rows are there twice: lines 5 on repeat lines 2 to 4",
        {},
        0,
    ),
    "other_force_copy": (
        2,
        (
            r"2024-01-hampshire-street\.csv: no row falls within the force of the file name "
            r"\(hampshire\): 'Falls within' says 'Thames Valley Police' \(.*or remove it\)"
        ),
        {},
        0,
    ),
    "force_mismatch_rows": (0, None, {"force does not match file name": 1}, 3),
    "duplicate_crime_id": (0, None, {"duplicate Crime ID": 2}, 4),  # both identical ASB rows kept
    "duplicate_crime_id_across_files": (0, None, {"duplicate Crime ID": 1}, 5),
    "header_with_spaces": (0, None, {}, 3),
    "retired_lsoa_2011": (
        0,
        None,
        {"LSOA code from the 2011 census in a file using 2021 codes": 1},
        3,
    ),
    "future_month": (
        2,
        r"2099-01-thames-valley-street\.csv: month 2099-01 in the file name is in the future",
        {},
        0,
    ),
    "upper_case_extension": (0, None, {}, 4),
    # Third round (hostile tester): silent loss, double counting, tracebacks.
    "unclosed_quote": (
        2,
        r"street\.csv, line 4: a quoted value starting on this line is not closed .*stray double",
        {},
        0,
    ),
    "pasted_rows": (
        2,
        r"line 32: from this line on its rows repeat earlier rows of the file \(lines 32 to 59",
        {},
        0,
    ),
    "same_force_other_name": (
        0,
        None,
        {
            "duplicate record (file is a copy of "
            "police_uk/2024-01-thames-valley-police-street.csv)": 3
        },
        3,
    ),
    "same_force_other_name_different": (
        2,
        r"thames-valley-street\.csv: a second, different file for thames-valley 2024-01",
        {},
        0,
    ),
    "crime_id_case": (0, None, {"duplicate Crime ID": 1}, 2),
    "cr_line_endings": (2, r"street\.csv: uses carriage returns alone as line endings", {}, 0),
    "cr_in_header": (2, r"line 1: holds a carriage return \(CR\) that does not end a line", {}, 0),
}


def raw_with(tmp_path: Path, case: str) -> Path:
    """A raw folder whose police.uk files are the case's, with the real area data beside them."""
    raw = tmp_path / "raw"
    shutil.copytree(CORPUS / case, raw / "police_uk")
    link_area_data(raw)
    return raw


def run_prepare(config: Path, capsys) -> tuple[int, str]:
    status = main(["prepare", "--config", str(config), "--quiet"])
    return status, capsys.readouterr().err


@pytest.mark.parametrize("case", sorted(STREET_CASES))
def test_street_file_case(tmp_path, capsys, case):
    status_expected, message, rejected, kept = STREET_CASES[case]
    config = write_config(tmp_path, raw=raw_with(tmp_path, case))
    status, err = run_prepare(config, capsys)
    assert status == status_expected, err
    if message:
        assert "Traceback" not in err and err.count("\n") == 1
        assert err.startswith("sna prepare: error: ")
        assert str(tmp_path / "raw" / "police_uk") in err  # names the file
        assert pd.Series([err]).str.contains(message, regex=True).all(), err
        return
    manifest = json.loads((tmp_path / "data" / "processed" / "manifest.json").read_text())
    totals = manifest["totals"]
    assert totals["rows_rejected"] == rejected
    assert totals["rows_kept"] == kept
    assert totals["rows_read"] == kept + totals["rows_out_of_area"] + sum(rejected.values())
    rejects = pd.read_csv(
        tmp_path / "data" / "processed" / "rejects.csv", dtype=str, keep_default_na=False
    )
    assert rejects["reason"].value_counts().to_dict() == rejected
    accounting = (
        row_accounting(Manifest.from_json(manifest)).set_index("File").loc["Total"]
    )  # what reports show
    for reason, n in rejected.items():
        assert accounting[f"Rejected: {reason}"] == n


def test_quoted_location_survives(tmp_path, capsys):
    config = write_config(tmp_path, raw=raw_with(tmp_path, "quoted_location"))
    assert run_prepare(config, capsys)[0] == 0
    records = pd.read_parquet(tmp_path / "data" / "processed" / "records.parquet")
    assert 'On or near High Street, "Carfax"\nCentre' in set(records["location"])
    assert sorted(records["line"]) == [2, 4, 5, 6]


def test_rejects_name_file_and_line(tmp_path, capsys):
    config = write_config(tmp_path, raw=raw_with(tmp_path, "malformed_row"))
    assert run_prepare(config, capsys)[0] == 0
    rejects = pd.read_csv(
        tmp_path / "data" / "processed" / "rejects.csv", dtype=str, keep_default_na=False
    )
    assert rejects["source_file"].unique().tolist() == [
        "police_uk/2024-01-thames-valley-street.csv"
    ]
    assert rejects["line"].tolist() == ["5", "6"]
    assert rejects["raw"].str.endswith(",extra").iloc[0]


def test_missing_month_is_reported(tmp_path, capsys):
    from sna.data.processed import load_processed
    from sna.report.words import coverage_note

    config = write_config(tmp_path, raw=raw_with(tmp_path, "missing_month"))
    assert run_prepare(config, capsys)[0] == 0
    cover = load_processed(config).manifest.coverage(2024)
    assert [str(m) for m in cover.present] == ["2024-01", "2024-03"]
    assert "February and April to December 2024 are missing" in coverage_note(cover)


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        (
            {r'^code = "E07000178"': 'code = "E07000999"'},
            r"districts\[1\]\.code: E07000999 \(Oxford\) has no LSOA in the ONS lookups",
        ),
        (
            {r'^name = "Oxford"$': 'name = "Oxfordd"'},
            r"districts\[1\]\.name: 'Oxfordd' is not the ONS name of E07000178 \(Oxford\)",
        ),
        (
            {r"^# districts = \[\.\.\.\].*": 'districts = ["E07000999"]'},
            r"benchmark\.districts: E07000999 has no LSOA",
        ),
        (  # differs from the ONS name only in case: refused, with the ONS spelling
            {r'^name = "Oxford"$': 'name = "OXFORD"'},
            (
                r"districts\[1\]\.name: 'OXFORD' is not spelt as the ONS spells the name of "
                r'E07000178: write name = "Oxford"'
            ),
        ),
        (
            {r'^name = "Vale of White Horse"$': 'name = "vale of white horse"'},
            r'districts\[3\]\.name: .* write name = "Vale of White Horse"',
        ),
    ],
)
def test_config_naming_unknown_district(tmp_path, capsys, replace, message):
    raw = raw_with(tmp_path, "reordered_header")
    status, err = run_prepare(write_config(tmp_path, raw=raw, replace=replace), capsys)
    assert status == 2 and "Traceback" not in err
    assert pd.Series([err]).str.contains(message).all(), err


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("population_zero", r"Oxford \(E07000178\) has population 0"),
        ("population_missing", r"Oxford \(E07000178\) has no population"),
    ],
)
def test_population_zero_or_missing(tmp_path, capsys, case, message):
    raw = raw_with(tmp_path, "reordered_header")
    (raw / "broken").symlink_to(CORPUS / case)
    replace = {
        r'^file = "population/ukpop.*"': 'file = "broken/mye.csv"',
        r'^format = "ons-mye-workbook"': 'format = "ons-mye-csv"',
        r'^2024 = "mye2022"': '2024 = "mye2020"',
    }
    status, err = run_prepare(write_config(tmp_path, raw=raw, replace=replace), capsys)
    assert status == 2 and "Traceback" not in err
    # The file is named as the config gives it, through the symbolic link, not resolved.
    assert "raw/broken/mye.csv" in err and "needed for 2024" in err
    assert "[population.by_year]" in err
    assert pd.Series([err]).str.contains(message).all(), err


def test_imd_with_unexpected_layout(tmp_path, capsys):
    raw = raw_with(tmp_path, "reordered_header")
    (raw / "broken").symlink_to(CORPUS / "imd_layout")
    config = write_config(tmp_path, raw=raw, replace={r'^imd = ".*"': 'imd = "broken/imd.csv"'})
    status, err = run_prepare(config, capsys)
    assert status == 2 and "Traceback" not in err
    assert (
        "broken/imd.csv, line 1: column 'LSOA code (2011)' is missing" not in err
    )  # it is present
    assert (
        "line 1: column 'Index of Multiple Deprivation (IMD) Rank' is missing; this does not look like the IoD2019 File 1 (IMD)"
        in err
    )


def test_files_of_another_force_are_an_error(tmp_path, capsys):
    raw = raw_with(tmp_path, "reordered_header")
    elsewhere = raw / "police_uk" / "2024-01-thames-valley-street.csv"
    elsewhere.write_text(
        elsewhere.read_text()
        .replace("E01028522", "E01016252")
        .replace("Oxford 008B", "Bracknell Forest 001C")
    )
    status, err = run_prepare(write_config(tmp_path, raw=raw), capsys)
    assert status == 2 and "Traceback" not in err
    assert "no record in any street file belongs to the districts E07000177" in err
    assert "police.uk files of your force" in err


def test_lsoa_name_not_matching_its_code_uses_the_ons_name(tmp_path, capsys):
    config = write_config(tmp_path, raw=raw_with(tmp_path, "lsoa_name_mismatch"))
    assert run_prepare(config, capsys)[0] == 0
    manifest = json.loads((tmp_path / "data" / "processed" / "manifest.json").read_text())
    assert manifest["totals"]["lsoa_name_mismatches"] == 1
    counts = pd.read_parquet(tmp_path / "data" / "processed" / "counts.parquet")
    assert set(counts["lsoa_name"]) == {"Oxford 008B"}  # one LSOA, as the code says
    assert counts["count"].sum() == 4


def test_rejects_lines_are_whole_numbers(tmp_path, capsys):
    config = write_config(tmp_path, raw=raw_with(tmp_path, "same_month_twice"))
    assert run_prepare(config, capsys)[0] == 0
    text = (tmp_path / "data" / "processed" / "rejects.csv").read_text()
    assert ".0," not in text


def test_population_workbook_corrupt(tmp_path, capsys):
    raw = raw_with(tmp_path, "reordered_header")
    (raw / "broken").symlink_to(CORPUS / "population_workbook_corrupt")
    replace = {
        r'^file = "population/ukpop.*"': 'file = "broken/mye.xlsx"',
        r'^2024 = "mye2022"': '2024 = "mye2020"',
    }
    status, err = run_prepare(write_config(tmp_path, raw=raw, replace=replace), capsys)
    assert status == 2 and "Traceback" not in err
    assert "mye.xlsx: cannot read sheet 'MYE2 - Persons'" in err and "saved as .xlsx" in err


def test_config_edited_after_prepare_is_refused(prepared, tmp_path, capsys):
    """Benchmark, districts and populations are fixed by prepare: a later edit must not mix in."""
    from sna.build.plan import build
    from sna.data.config import load_config
    from sna.errors import SnaError

    config, _ = prepared
    edited = config.path.read_text().replace(
        "# districts = [...]", 'districts = ["E07000177", "E07000178"]'
    )
    path = config.path.with_name("edited.toml")
    path.write_text(edited)
    with pytest.raises(
        SnaError, match=r"has changed since the data .* were prepared; run `sna prepare"
    ):
        build(load_config(path), years=[2025], districts=["Oxford"])
    status = main(["build", "--config", str(path), "--years", "2025", "--quiet"])
    assert status == 2 and "run `sna prepare" in capsys.readouterr().err


# --- Hostile inputs, second round -----------------------------------------------------------


def processed(tmp_path: Path) -> Path:
    return tmp_path / "data" / "processed"


def read_rejects(tmp_path: Path) -> pd.DataFrame:
    return pd.read_csv(processed(tmp_path) / "rejects.csv", dtype=str, keep_default_na=False)


def test_duplicate_crime_ids_are_quarantined_and_reported(tmp_path, capsys):
    """Rows repeating a Crime ID are rejected (first kept); identical ASB rows all stay."""
    from sna.data.processed import load_processed
    from sna.report.provenance import quarantine_note

    config = write_config(tmp_path, raw=raw_with(tmp_path, "duplicate_crime_id"))
    status = main(["prepare", "--config", str(config), "--quiet"])
    out = capsys.readouterr().out
    assert status == 0
    assert "duplicates     2 rows quarantined, not counted (duplicate Crime ID 2)" in out
    rejects = read_rejects(tmp_path)
    assert rejects["line"].tolist() == ["3", "4"] and set(rejects["Crime ID"]) == {"a1"}
    records = pd.read_parquet(processed(tmp_path) / "records.parquet")
    assert sorted(records["line"]) == [2, 5, 6, 7]  # first a1, a2, and both identical ASB rows
    note = quarantine_note(load_processed(config).manifest, year=2024)
    assert note.startswith("2 rows repeated the Crime ID of an earlier row and were set aside")


def test_upper_case_extensions_are_read_and_other_files_named(tmp_path, capsys):
    config = write_config(tmp_path, raw=raw_with(tmp_path, "upper_case_extension"))
    assert main(["prepare", "--config", str(config), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "2 street files, 4 rows read" in out
    assert "ignored: 1 files (not street files): notes.txt" in out
    manifest = json.loads((processed(tmp_path) / "manifest.json").read_text())
    assert manifest["ignored_files"] == ["police_uk/notes.txt"]


def test_symlinked_police_uk_folder(tmp_path, capsys):
    """A police.uk folder that is a link (a shared drive): read, paths recorded as given."""
    raw = raw_with(tmp_path, "reordered_header")
    shared = tmp_path / "shared-drive"
    (raw / "police_uk").rename(shared)
    (raw / "police_uk").symlink_to(shared, target_is_directory=True)
    config = write_config(tmp_path, raw=raw)
    assert run_prepare(config, capsys) == (0, "")
    manifest = json.loads((processed(tmp_path) / "manifest.json").read_text())
    assert [f["path"] for f in manifest["files"]] == ["police_uk/2024-01-thames-valley-street.csv"]
    assert manifest["totals"]["rows_kept"] == 3


@pytest.mark.parametrize("how", ["chmod", "patched"])
def test_unreadable_file_is_one_line(tmp_path, capsys, monkeypatch, how):
    raw = raw_with(tmp_path, "reordered_header")
    path = raw / "police_uk" / "2024-01-thames-valley-street.csv"
    if how == "chmod":
        path.chmod(0)
        if os.access(path, os.R_OK):  # root reads it anyway
            pytest.skip("running as a user who can read a file with mode 000")
    else:
        from sna.data import archive, hash_cache

        real = archive.sha256_file

        def denied(p):
            if Path(p).name == path.name:
                raise PermissionError(13, "Permission denied", str(p))
            return real(p)

        monkeypatch.setattr(archive, "sha256_file", denied)
        monkeypatch.setattr(hash_cache, "sha256_file", denied)
    status, err = run_prepare(write_config(tmp_path, raw=raw), capsys)
    assert status == 2 and "Traceback" not in err and err.count("\n") == 1
    assert f"{path}: cannot be read (Permission denied) (check that the file exists" in err


def test_unreadable_file_when_read(tmp_path, monkeypatch):
    from sna.data.policeuk import read_street_file
    from sna.errors import InputError

    path = CORPUS / "reordered_header" / "2024-01-thames-valley-street.csv"

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(InputError, match=r"cannot be read \(Permission denied\)"):
        read_street_file(path)


def output_hashes(folder: Path) -> dict[str, str]:
    files = (p for p in sorted(folder.iterdir()) if p.is_file())  # not the .sna-cache folder
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_disk_full_leaves_previous_outputs_whole(tmp_path, capsys, monkeypatch):
    config = write_config(tmp_path, raw=raw_with(tmp_path, "reordered_header"))
    assert run_prepare(config, capsys)[0] == 0
    before = output_hashes(processed(tmp_path))
    real = pd.DataFrame.to_parquet

    def full(self, path, *args, **kwargs):
        if "counts.parquet" in str(path):  # records.parquet is written already, to a temp file
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    status = main(["prepare", "--config", str(config), "--quiet", "--force"])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err and err.count("\n") == 1
    target = processed(tmp_path) / "counts.parquet"
    assert f"no space left on device writing {target}; free space and run again" in err
    assert output_hashes(processed(tmp_path)) == before  # no temp file left, nothing replaced


def test_prepare_refuses_while_the_data_are_locked(tmp_path, capsys):
    from sna.data.files import DATA_LOCK, folder_lock

    config = write_config(tmp_path, raw=raw_with(tmp_path, "reordered_header"))
    with folder_lock(processed(tmp_path) / DATA_LOCK):
        status, err = run_prepare(config, capsys)
    assert status == 2 and "Traceback" not in err and err.count("\n") == 1
    assert f"is in use by another sna prepare or sna build (pid {os.getpid()})" in err
    assert not (processed(tmp_path) / "manifest.json").exists()
    assert run_prepare(config, capsys)[0] == 0  # released


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("counts.parquet", "truncate"),
        ("lsoas.parquet", "append"),
        ("rejects.csv", "delete"),
        ("records.parquet", "truncate"),
    ],
)
def test_outputs_changed_after_prepare_are_caught(tmp_path, capsys, name, damage):
    """prepare rebuilds (not "up to date"); load_processed names the damaged file."""
    from sna.data.processed import load_processed
    from sna.errors import SnaError

    config = write_config(tmp_path, raw=raw_with(tmp_path, "reordered_header"))
    assert run_prepare(config, capsys)[0] == 0
    good = output_hashes(processed(tmp_path))
    path = processed(tmp_path) / name
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:100])
    elif damage == "append":
        path.write_bytes(path.read_bytes() + b"\0")
    else:
        path.unlink()
    if name in ("counts.parquet", "lsoas.parquet"):
        with pytest.raises(
            SnaError, match=rf"{name} is damaged or was changed after `sna prepare`"
        ) as info:
            load_processed(config)
        assert f"run `sna prepare --force --config {config}`" in str(info.value)
    assert main(["prepare", "--config", str(config), "--quiet"]) == 0
    assert "up to date" not in capsys.readouterr().out
    assert output_hashes(processed(tmp_path))[name] == good[name]
    load_processed(config)
    assert main(["prepare", "--config", str(config), "--quiet"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_blank_line_bomb_stays_small(tmp_path):
    """5 million blank lines in a few KB of gzip: bounded memory, a capped rejects file."""
    raw = raw_with(tmp_path, "reordered_header")
    plain = raw / "police_uk" / "2024-01-thames-valley-street.csv"
    header, first, rest = plain.read_bytes().split(b"\n", 2)
    bomb = plain.with_name(plain.name + ".gz")
    bomb.write_bytes(gzip.compress(header + b"\n" + first + b"\n" + b"\n" * 5_000_000 + rest, 9))
    plain.unlink()
    assert bomb.stat().st_size < 20_000
    config = write_config(tmp_path, raw=raw)
    code = (
        "import resource, sys; from sna.build.cli import main; "
        "status = main(['prepare', '--config', sys.argv[1], '--quiet']); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(status)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(config)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    peak_mb = int(done.stdout.split()[-1]) / 1024  # ru_maxrss is in KiB on Linux
    assert peak_mb < 700, peak_mb  # ~360 MB, of which ~210 MB is sna and the area data
    assert "4,990,000 rejected rows counted but not written to rejects.csv" in done.stdout
    manifest = json.loads((processed(tmp_path) / "manifest.json").read_text())
    (entry,) = manifest["files"]
    assert entry["rows_read"] == 5_000_003
    assert entry["rows_rejected"] == {"empty row": 5_000_000}
    assert entry["rows_read"] == entry["rows_kept"] + entry["rows_out_of_area"] + 5_000_000
    assert entry["rejects_not_written"] == {"empty row": 4_990_000}
    assert (processed(tmp_path) / "rejects.csv").stat().st_size < 2_000_000
    rejects = read_rejects(tmp_path)
    assert len(rejects) == 10_000 and rejects["line"].iloc[0] == "3"
    records = pd.read_parquet(processed(tmp_path) / "records.parquet")
    assert sorted(records["line"]) == [2, 5_000_003, 5_000_004]  # lines still right


def test_many_rows_with_one_crime_id(tmp_path, capsys):
    """200,000 rows with one Crime ID are one crime; rejects.csv keeps 10,000 of the rest."""
    raw = raw_with(tmp_path, "reordered_header")
    path = raw / "police_uk" / "2024-01-thames-valley-street.csv"
    header, first, _ = path.read_text().split("\n", 2)
    path.write_text(header + "\n" + (first + "\n") * 200_000)
    config = write_config(tmp_path, raw=raw)
    assert main(["prepare", "--config", str(config), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "duplicates     199,999 rows quarantined" in out
    assert "189,999 rejected rows counted but not written to rejects.csv" in out
    manifest = json.loads((processed(tmp_path) / "manifest.json").read_text())
    assert manifest["totals"]["rows_kept"] == 1
    assert manifest["totals"]["rows_rejected"] == {"duplicate Crime ID": 199_999}
    assert len(read_rejects(tmp_path)) == 10_000
    accounting = row_accounting(Manifest.from_json(manifest)).set_index("File").loc["Total"]
    assert accounting["Rejected: duplicate Crime ID"] == 199_999


def test_benchmark_named_like_a_benchmark_only_district(tmp_path, capsys):
    raw = raw_with(tmp_path, "reordered_header")
    replace = {
        r'^name = "Oxfordshire"$': 'name = "Reading"',
        r"^# districts = \[\.\.\.\].*": 'districts = ["E07000178", "E06000038"]',
    }
    status, err = run_prepare(write_config(tmp_path, raw=raw, replace=replace), capsys)
    assert status == 2 and "Traceback" not in err
    assert "benchmark.name: 'Reading' is also the name of district E06000038" in err


# --- Hostile inputs, third round --------------------------------------------------------------


def _real_month() -> bytes:
    return gzip.decompress(
        (RAW / "police_uk" / "thames-valley" / "2024-01-thames-valley-street.csv.gz").read_bytes()
    )


@pytest.mark.parametrize(
    ("how", "line"),
    [
        ("tail", 15608),  # cat f; tail -n 5000 f
        ("grep", 15608),  # cat f; grep Anti-social f
        ("twice_and_blank", 15608),  # cat f; tail -n +2 f; echo
    ],
)
def test_pasted_rows_of_a_real_month_are_refused(tmp_path, how, line):
    from sna.data.policeuk import read_street_file
    from sna.errors import InputError

    data = _real_month()
    lines = data.splitlines(keepends=True)
    extra = {
        "tail": b"".join(lines[-5000:]),
        "grep": b"".join(x for x in lines if b"Anti-social" in x),
        "twice_and_blank": b"".join(lines[1:]) + b"\n",
    }[how]
    path = tmp_path / "2024-01-thames-valley-street.csv"
    path.write_bytes(data + extra)
    with pytest.raises(InputError, match=rf"line {line}: from this line on its rows repeat"):
        read_street_file(path)


def test_stray_quote_in_a_real_month_is_refused(tmp_path):
    """awk 'NR==5000{sub(/,On or near /,",\\"On or near ")}1': 10,607 rows would vanish."""
    from sna.data.policeuk import read_street_file
    from sna.errors import InputError

    lines = _real_month().split(b"\n")
    lines[4999] = lines[4999].replace(b",On or near ", b',"On or near ', 1)
    path = tmp_path / "2024-01-thames-valley-street.csv"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(InputError, match=r"line 5000: a quoted value starting on this line"):
        read_street_file(path)


def test_real_months_are_all_accepted():
    """No real month trips the pasting or unclosed-quote rules (identical ASB rows are kept)."""
    from sna.data.policeuk import read_street_file

    files = sorted((RAW / "police_uk").rglob("*-street.csv.gz"))
    assert len(files) == 22
    assert sum(read_street_file(f).rows_read for f in files) == 348_322


def _run_measured(config: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    code = (
        "import resource, sys; from sna.build.cli import main; "
        "status = main(['prepare', '--config', sys.argv[1], '--quiet']); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(status)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(config)], capture_output=True, text=True, check=False
    )
    return done, int(done.stdout.split()[-1]) / 1024 if done.stdout.strip() else -1.0


@pytest.mark.parametrize("bomb", ["x_lines", "growing_rows"])
def test_malformed_row_bombs_stay_small(tmp_path, bomb):
    """Millions of malformed rows, or rows of up to 3,000 fields, from a small gzip."""
    raw = raw_with(tmp_path, "reordered_header")
    plain = raw / "police_uk" / "2024-01-thames-valley-street.csv"
    header, rest = plain.read_bytes().split(b"\n", 1)
    if bomb == "x_lines":
        n = 5_000_000
        body = b"x\n" * n
    else:  # line i has (i % 3000) + 1 fields; each line differs, so none repeats another
        n = 40_000  # 120 MB of text; peak ~2.5x the text (gzip.decompress, pyarrow)
        fields = [i % 3000 + (i % 3000 == 11) for i in range(n)]  # never 12 fields
        body = b"".join(b"%d" % i + b",x" * k + b"\n" for i, k in enumerate(fields))
    bomb_path = plain.with_name(plain.name + ".gz")
    bomb_path.write_bytes(gzip.compress(header + b"\n" + rest + body, 6))
    plain.unlink()
    assert bomb_path.stat().st_size < 2_000_000
    done, peak_mb = _run_measured(write_config(tmp_path, raw=raw))
    assert done.returncode == 0, done.stderr
    # Measured 470 MiB here (256 MiB without the bomb), once 802 MiB in CI (pyarrow's threaded
    # reader holds more buffers at once on some runs): the bound is the 1 GiB of issue 12.
    assert peak_mb < 1024, peak_mb
    reason = "malformed row (wrong number of fields)"
    assert f"rejected       {n:,} ({reason} {n:,})" in done.stdout
    manifest = json.loads((processed(tmp_path) / "manifest.json").read_text())
    (entry,) = manifest["files"]
    assert entry["rows_rejected"] == {reason: n}
    assert entry["rows_read"] == entry["rows_kept"] + entry["rows_out_of_area"] + n
    assert entry["rejects_not_written"] == {reason: n - 10_000}
    assert (processed(tmp_path) / "rejects.csv").stat().st_size < 40_000_000
    rejects = read_rejects(tmp_path)
    assert len(rejects) == 10_000 and rejects["line"].iloc[0] == "5"
    assert rejects["raw"].str.len().max() < 2_100


def test_summary_names_at_most_ten_reasons(capsys):
    from sna.data.prepare import _summarise_reasons

    text = _summarise_reasons({f"reason {i:02d}": i + 1 for i in range(30)})
    assert text.startswith("reason 29 30, reason 28 29")
    assert text.endswith(", and 20 more reasons (210 rows)") and text.count("reason") == 11


@pytest.mark.parametrize("foreign", ["manifest.json", "rejects.csv", "notes.txt"])
def test_prepare_refuses_a_folder_of_another_application(tmp_path, capsys, foreign):
    config = write_config(tmp_path, raw=raw_with(tmp_path, "reordered_header"))
    out = processed(tmp_path)
    out.mkdir(parents=True)
    (out / ".gitkeep").write_text("")
    (out / foreign).write_text('{"app": "other"}\n')
    status, err = run_prepare(config, capsys)
    assert status == 2 and "Traceback" not in err and err.count("\n") == 1
    assert f"the processed folder {out} holds files sna did not write ({foreign})" in err
    assert (out / foreign).read_text() == '{"app": "other"}\n'
    assert sorted(p.name for p in out.iterdir()) == [".gitkeep", foreign]  # nothing written
    args = ["prepare", "--config", str(config), "--quiet", "--allow-foreign-files"]
    assert main(args) == 0
    if foreign == "notes.txt":  # never replaced, and still refused without the flag
        assert (out / foreign).read_text() == '{"app": "other"}\n'
        assert run_prepare(config, capsys)[0] == 2
    else:  # replaced by sna's own output, which is not foreign
        assert run_prepare(config, capsys)[0] == 0


def test_symlinked_subfolder_is_read_and_loops_are_not_followed(tmp_path, capsys):
    raw = raw_with(tmp_path, "missing_month")
    police = raw / "police_uk"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    march = police / "2024-03-thames-valley-street.csv"
    march.rename(elsewhere / march.name)
    (police / "linked").symlink_to(elsewhere, target_is_directory=True)
    (elsewhere / "loop").symlink_to(police, target_is_directory=True)
    config = write_config(tmp_path, raw=raw)
    assert main(["prepare", "--config", str(config), "--quiet"]) == 0
    manifest = json.loads((processed(tmp_path) / "manifest.json").read_text())
    paths = [f["path"] for f in manifest["files"]]
    assert paths == [
        "police_uk/2024-01-thames-valley-street.csv",
        "police_uk/linked/2024-03-thames-valley-street.csv",
    ]


def test_reporting_year_without_data_is_warned(tmp_path, capsys):
    config = write_config(tmp_path, raw=raw_with(tmp_path, "reordered_header"))
    from sna.data.config import load_config

    years = load_config(config).reporting_years
    assert main(["prepare", "--config", str(config), "--quiet"]) == 0
    out = capsys.readouterr().out
    for year in years:
        if year != 2024:
            assert f"WARNING: no police.uk data for {year}, a reporting year in" in out
