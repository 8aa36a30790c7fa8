"""The broken-input corpus (tests/data/broken/): each case gets a clear error or a counted quarantine."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from sna.build.cli import main
from sna.data.manifest import Manifest
from sna.report.provenance import row_accounting
from tests.conftest import RAW, write_config

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
        {"malformed row (13 fields, expected 12)": 1, "malformed row (8 fields, expected 12)": 1},
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
}


def raw_with(tmp_path: Path, case: str) -> Path:
    """A raw folder whose police.uk files are the case's, with the real area data beside them."""
    raw = tmp_path / "raw"
    shutil.copytree(CORPUS / case, raw / "police_uk")
    for folder in ("lookups", "population", "imd2019"):
        (raw / folder).symlink_to(RAW / folder)
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
    assert "February, April" in coverage_note(cover)


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
        r'^2024 = "census2021"': '2024 = "mye2020"',
    }
    status, err = run_prepare(write_config(tmp_path, raw=raw, replace=replace), capsys)
    assert status == 2 and "Traceback" not in err
    assert f"{case}/mye.csv" in err and "needed for 2024" in err and "[population.by_year]" in err
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
        r'^2024 = "census2021"': '2024 = "mye2020"',
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
