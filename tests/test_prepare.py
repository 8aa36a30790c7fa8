"""sna prepare on the real demo data: row accounting, independent counts, incremental runs, bad input."""

from __future__ import annotations

import csv
import gzip
import itertools
import json
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sna.build.cli import main
from sna.data.areas import assign_districts, lsoa_lookup
from sna.data.cache import CACHE_DIR
from sna.data.config import load_config
from sna.data.lads import lsoa_count_table, lsoa_id_count_table
from sna.data.policeuk import read_street_file
from sna.data.prepare import (
    _mark_duplicate_ids,
    _rows,
    _tidy_records,
    hash_ids,
    ids_seen_before,
    prepare,
    process_street_file,
)
from sna.errors import InputError
from tests.conftest import RAW, link_area_data, write_config

OXFORDSHIRE = ("Cherwell", "Oxford", "South Oxfordshire", "Vale of White Horse", "West Oxfordshire")
STREET = RAW / "police_uk" / "thames-valley"


def raw_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a street file read with the csv module: an independent reading."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def mini_raw(tmp_path: Path, files: list[str]) -> Path:
    """A raw folder with some of the real street files and links to the real area data."""
    raw = tmp_path / "raw"
    (raw / "police_uk").mkdir(parents=True)
    for name in files:
        shutil.copy(STREET / name, raw / "police_uk" / name)
    link_area_data(raw)
    return raw


def test_rows_reconcile_per_file(prepared):
    config, manifest = prepared
    assert len(manifest["files"]) == 22
    for entry in manifest["files"]:
        accounted = (
            entry["rows_kept"] + entry["rows_out_of_area"] + sum(entry["rows_rejected"].values())
        )
        assert accounted == entry["rows_read"], entry["path"]
    rejects = pd.read_csv(config.processed_dir / "rejects.csv", dtype=str, keep_default_na=False)
    assert len(rejects) == sum(sum(e["rows_rejected"].values()) for e in manifest["files"]) - sum(
        sum(e["rejects_not_written"].values()) for e in manifest["files"]
    )
    records = pd.read_parquet(config.processed_dir / "records.parquet")
    assert len(records) == manifest["totals"]["rows_kept"]


def test_demo_totals_unchanged_by_the_duplicate_and_vintage_rules(prepared):
    """The published demo figures: 85 rows repeat a Crime ID, all of them "No location" rows
    already rejected for that; no row has an LSOA code of the other census or another force."""
    _, manifest = prepared
    totals = manifest["totals"]
    assert (totals["rows_read"], totals["rows_kept"], totals["rows_out_of_area"]) == (
        348_322, 88_374, 244_431,
    )  # fmt: skip
    assert totals["rows_rejected"] == {"no location": 15_517}
    assert totals["rejects_not_written"] == 0
    assert manifest["ignored_files"] == []


def test_outputs_are_recorded_with_size_and_hash(prepared):
    import hashlib

    config, manifest = prepared
    assert sorted(manifest["outputs"]) == sorted(
        [
            "records.parquet",
            "counts.parquet",
            "lsoas.parquet",
            "populations.parquet",
            "outcomes.parquet",
            "lad_counts.parquet",
            "lad_populations.parquet",
            "partners.parquet",
            "partner_checks.parquet",
            "peer_features.parquet",
            "rejects.csv",
        ]
    )
    for name, expected in manifest["outputs"].items():
        data = (config.processed_dir / name).read_bytes()
        assert expected == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def test_rows_read_and_sha_match_raw_files(prepared):
    _, manifest = prepared
    import hashlib

    for entry in manifest["files"][:3]:
        path = RAW / entry["path"]
        assert entry["rows_read"] == len(raw_rows(path))
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_no_location_rows_are_rejected_not_dropped(prepared):
    _, manifest = prepared
    by_month = {e["month"]: e["rows_rejected"].get("no location", 0) for e in manifest["files"]}
    # Blank-LSOA counts published in shared/data/PROVENANCE.md.
    assert by_month["2018-06"] == 1697
    assert by_month["2024-01"] == 348
    assert by_month["2025-11"] == 341


@pytest.mark.parametrize(
    "name", ["2018-06-thames-valley-street.csv.gz", "2025-03-thames-valley-street.csv.gz"]
)
def test_district_monthly_counts_equal_independent_count(prepared, name):
    """Counts by district and crime type equal a csv-module count by LSOA *name* prefix."""
    config, _ = prepared
    expected: Counter[tuple[str, str]] = Counter()
    for row in raw_rows(STREET / name):
        district = row["LSOA name"].rsplit(" ", 1)[0]
        if district in OXFORDSHIRE:
            expected[(district, row["Crime type"])] += 1
    counts = pd.read_parquet(config.processed_dir / "counts.parquet")
    month = counts[counts["month"] == pd.Timestamp(name[:7] + "-01")]
    got = month.groupby(["district_name", "crime_type"])["count"].sum()
    assert dict(got) == dict(expected)


def test_published_per_district_row_counts(prepared):
    """Oxfordshire rows per district as published in shared/data/PROVENANCE.md."""
    config, _ = prepared
    counts = pd.read_parquet(config.processed_dir / "counts.parquet")
    march_2025 = counts[counts["month"] == "2025-03-01"].groupby("district_name")["count"].sum()
    assert march_2025.to_dict() == {
        "Cherwell": 1065, "Oxford": 1562, "South Oxfordshire": 656, "Vale of White Horse": 628,
        "West Oxfordshire": 540,
    }  # fmt: skip


def test_counts_contract(prepared):
    config, _ = prepared
    counts = pd.read_parquet(config.processed_dir / "counts.parquet")
    for column in ("month", "district_code", "district_name", "lsoa_code", "crime_type", "count"):
        assert column in counts.columns
    assert set(counts["district_code"]) == set(config.district_codes)
    assert counts["count"].min() >= 1
    assert set(counts["lsoa_vintage"]) == {2011, 2021}
    vintage = counts.groupby(counts["month"].dt.year)["lsoa_vintage"].unique()
    assert list(vintage[2018]) == [2011] and list(vintage[2025]) == [2021]


def test_months_present_and_missing(prepared):
    _, manifest = prepared
    assert manifest["months"]["2025"]["missing"] == ["2025-07"]
    assert len(manifest["months"]["2025"]["present"]) == 11
    assert manifest["months"]["2024"]["present"] == ["2024-01", "2024-02", "2024-03", "2024-04"]


def test_area_data(prepared):
    config, manifest = prepared
    pops = pd.read_parquet(config.processed_dir / "populations.parquet").set_index(
        ["year", "area_name"]
    )
    # ONS mid-2022 and mid-2020 estimates, as in shared/data/PROVENANCE.md (section 6 for
    # mid-2022: Cherwell 164,155; Oxford 163,257; South Oxfordshire 151,820; Vale of White Horse
    # 142,116; West Oxfordshire 116,928): the estimate nearest each year.
    mid2022 = {
        "Cherwell": 164155, "Oxford": 163257, "South Oxfordshire": 151820,
        "Vale of White Horse": 142116, "West Oxfordshire": 116928,
    }  # fmt: skip
    for year in (2022, 2024, 2025):
        for name, value in mid2022.items():
            assert pops.loc[(year, name), "population"] == value
            assert pops.loc[(year, name), "source"] == "ONS mid-2022 population estimates"
        assert pops.loc[(year, "Oxfordshire"), "population"] == sum(mid2022.values())
    assert pops.loc[(2018, "Oxford"), "population"] == 151584
    assert pops.loc[(2019, "Oxford"), "source"].startswith("ONS mid-2020")
    assert (pops["source_year"] == [int(s[8:12]) for s in pops["source"]]).all()  # "ONS mid-YYYY"
    lsoas = pd.read_parquet(config.processed_dir / "lsoas.parquet")
    # IoD2019 File 1, read independently with the csv module (ranks like "29,199").
    with gzip.open(config.sources.imd, "rt", encoding="utf-8-sig") as handle:
        imd = {r["LSOA code (2011)"]: r for r in csv.DictReader(handle)}
    old = lsoas[lsoas["lsoa_vintage"] == 2011].set_index("lsoa_code")
    assert len(old) == 93 + 83 + 89 + 76 + 66
    for code in old.index[:20]:
        assert old.loc[code, "imd_rank"] == int(
            imd[code]["Index of Multiple Deprivation (IMD) Rank"].replace(",", "")
        )
    assert (old["deprivation_index"] == "IoD2019").all()
    assert (
        old["population_source"] == "IoD2019 mid-2015 population denominators, 2011 LSOAs"
    ).all()
    new = lsoas[lsoas["lsoa_vintage"] == 2021]
    assert (new["deprivation_index"] == "IoD2025").all()
    assert (new["population_source"] == "Census 2021 usual residents, 2021 LSOAs").all()
    # Every LSOA of either vintage has the deprivation of its own index.
    assert lsoas["deprivation_matched"].all()
    assert manifest["lsoas"]["lsoa21_without_deprivation"] == 0
    assert manifest["lsoas"]["lsoa11_without_deprivation"] == 0
    assert manifest["lsoas"]["deprivation_index"] == {"2011": "IoD2019", "2021": "IoD2025"}
    roles = {a["role"] for a in manifest["area_files"]}
    assert {"lsoa_lookup_2011_2021", "iod2025", "population:mye2022"} <= roles


def test_rerun_is_a_no_op_and_change_rebuilds(tmp_path):
    raw = mini_raw(tmp_path, ["2025-01-thames-valley-street.csv.gz"])
    config = load_config(write_config(tmp_path, raw=raw))
    first = prepare(config)
    assert not first["up_to_date"]
    assert prepare(config)["up_to_date"]
    shutil.copy(STREET / "2025-02-thames-valley-street.csv.gz", raw / "police_uk")
    again = prepare(config)
    assert not again["up_to_date"]
    assert [f["month"] for f in again["files"]] == ["2025-01", "2025-02"]


def test_same_file_twice_is_rejected_as_duplicate(tmp_path):
    name = "2025-01-thames-valley-street.csv.gz"
    raw = mini_raw(tmp_path, [name])
    (raw / "police_uk" / "copy").mkdir()
    shutil.copy(STREET / name, raw / "police_uk" / "copy" / name)
    manifest = prepare(load_config(write_config(tmp_path, raw=raw)))
    first, second = manifest["files"]
    assert second["rows_kept"] == 0
    assert sum(second["rows_rejected"].values()) == second["rows_read"] == 14877
    assert next(iter(second["rows_rejected"])).startswith("duplicate record")
    assert manifest["totals"]["rows_kept"] == first["rows_kept"]


def test_two_different_files_for_one_month_is_an_error(tmp_path):
    name = "2025-01-thames-valley-street.csv.gz"
    raw = mini_raw(tmp_path, [name])
    (raw / "police_uk" / "redownload").mkdir()
    lines = gzip.decompress((STREET / name).read_bytes()).splitlines(keepends=True)
    (raw / "police_uk" / "redownload" / name.removesuffix(".gz")).write_bytes(b"".join(lines[:100]))
    with pytest.raises(InputError, match="a second, different file for thames-valley 2025-01"):
        prepare(load_config(write_config(tmp_path, raw=raw)))


def test_cli_user_error_is_one_line_exit_2(tmp_path, capsys):
    raw = mini_raw(tmp_path, [])
    bad = raw / "police_uk" / "2025-01-thames-valley-street.csv"
    bad.write_text("Crime ID,Month\nx,2025-01\n")
    status = main(["prepare", "--config", str(write_config(tmp_path, raw=raw)), "--quiet"])
    err = capsys.readouterr().err
    assert status == 2
    assert "Traceback" not in err
    assert err.count("\n") == 1
    assert f"{bad}, line 1: column 'Reported by' is missing" in err


def test_cli_summary(prepared, capsys):
    config, _ = prepared
    assert main(["prepare", "--config", str(config.path), "--quiet"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["prepare", "--config", str(config.path), "--quiet", "--force"]) == 0
    out = capsys.readouterr().out
    assert "348,322 rows read" in out
    assert "2025: 11 of 12 months; missing 2025-07" in out
    manifest = json.loads((config.processed_dir / "manifest.json").read_text())
    assert manifest["totals"]["rows_read"] == 348322


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(["", "a" * 64, "0f" * 32, "9" * 64, "e1" * 32]), max_size=30),
    st.data(),
)
def test_duplicate_ids_the_same_by_the_byte_block_and_by_pandas(ids, data):
    drawn = data.draw(st.lists(st.booleans(), min_size=len(ids), max_size=len(ids)))
    usable = np.array(drawn, dtype=bool)
    seen = np.sort(hash_ids(pd.Series(["9" * 64])))
    plain = pd.Series(ids, dtype="str")
    shouted = plain.str.upper() + " "  # not plain: stripped and case-folded by pandas
    for seen_ids in (None, seen):
        fast = _mark_duplicate_ids(plain, usable, seen_ids)
        slow = _mark_duplicate_ids(shouted, usable, seen_ids)
        assert fast[0].tolist() == slow[0].tolist()
        assert fast[1].tolist() == slow[1].tolist()
    first = {}
    expected = []
    for i, (crime_id, ok) in enumerate(zip(ids, usable, strict=True)):
        repeat = bool(ok and crime_id and crime_id in first)
        if ok and crime_id:
            first.setdefault(crime_id, i)
        expected.append(repeat)
    assert _mark_duplicate_ids(plain, usable, None)[0].tolist() == expected


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["E02", "E01", "W01 ", "E01", "É01", "e01", "Z"]),
            st.sampled_from([2011, 2021]),
            st.sampled_from(["Robbery", "Drugs", "Anti-social behaviour"]),
        ),
        max_size=30,
    )
)
def test_lsoa_counts_from_positions_equal_those_from_text(rows):
    codes = pd.Series([r[0] for r in rows], dtype="str")
    vintages = pd.Series([r[1] for r in rows], dtype="int64")
    types = pd.Series([r[2] for r in rows], dtype="str")
    code_ids, code_values = pd.factorize(codes.str.strip())
    type_names = ["Robbery", "Drugs", "Anti-social behaviour"]
    got = lsoa_id_count_table(
        np.asarray(code_values, dtype=object), code_ids, vintages.to_numpy(),
        np.array([type_names.index(t) for t in types], dtype=np.int64), type_names,
    )  # fmt: skip
    pd.testing.assert_frame_equal(got, lsoa_count_table(codes, vintages, types))


def test_a_file_with_nothing_in_area_gives_the_empty_records_table_each_time(tmp_path):
    config = load_config(write_config(tmp_path))
    lookup = lsoa_lookup(config)
    path = min((RAW / "police_uk").rglob("*-street.csv*"))
    first, second = (
        process_street_file(path, relative_to=RAW, sha256="", lookup=lookup, keep=()).records
        for _ in range(2)
    )
    street = read_street_file(path)
    none = street.records.iloc[:0]
    placed = assign_districts(none["LSOA code"], none["LSOA name"], lookup)
    expected = _tidy_records(none, placed, pd.Series(dtype="str"), "")[0]
    pd.testing.assert_frame_equal(first, expected)
    pd.testing.assert_frame_equal(second, expected)
    assert first is not second  # a copy: a caller changing it changes no other file's table


def test_kept_rows_come_in_one_chunk_as_pandas_made_them(tmp_path):
    # A real file is read in many Arrow chunks; rows taken by pandas come back in one, and
    # records.parquet is written page by page from the chunks: more chunks, other bytes.
    config = load_config(write_config(tmp_path))
    path = min((RAW / "police_uk").rglob("*-street.csv*"))
    records = read_street_file(path).records
    assert _chunks(records["Crime ID"]) > 1
    mask = np.zeros(len(records), dtype=bool)
    mask[::3] = True
    ours, theirs = _rows(records, mask), records[mask]
    pd.testing.assert_frame_equal(ours, theirs)
    assert _rows(records, np.zeros(len(records), dtype=bool)).dtypes.equals(records.dtypes)
    kept = process_street_file(
        path, relative_to=RAW, sha256="", lookup=lsoa_lookup(config),
        keep=config.kept_district_codes,
    ).records  # fmt: skip
    assert len(kept) > 1000
    for column in kept.columns[kept.dtypes == "str"]:
        assert _chunks(kept[column]) == 1, column


def _chunks(values: pd.Series) -> int:
    arrow = pa.array(values.array)
    return arrow.num_chunks if isinstance(arrow, pa.ChunkedArray) else 1


def test_area_tables_made_beside_the_street_files_report_errors_in_the_old_order(tmp_path, capsys):
    # lsoa_areas and peer_outputs run in a thread while the street files are read; their
    # errors must still come after those found before them (the population workbook's here).
    raw = tmp_path / "raw"
    street = raw / "police_uk" / "thames-valley"
    street.mkdir(parents=True)
    source = min((RAW / "police_uk").rglob("*-street.csv*"))
    shutil.copy(source, street / source.name)
    broken = {"peers/imd2025_lad24_summaries.csv", "population/mye22final.xlsx"}
    for folder in sorted(RAW.iterdir()):
        if not folder.is_dir() or folder.name == "police_uk":
            continue
        (raw / folder.name).mkdir()
        for file in folder.iterdir():
            target = raw / folder.name / file.name
            if f"{folder.name}/{file.name}" in broken:
                target.write_bytes(b"what,ever\n1,2\n")
            else:
                target.symlink_to(file)
    config = write_config(tmp_path, raw=raw)
    assert main(["prepare", "--config", str(config), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "mye22final.xlsx" in err, err
    assert "Traceback" not in err


@pytest.mark.slow
def test_sigterm_stops_prepare_and_its_workers_and_writes_no_output(tmp_path):
    # Enough files for the worker pool: one real month copied under 48 months' names.
    raw = tmp_path / "raw"
    street = raw / "police_uk" / "thames-valley"
    street.mkdir(parents=True)
    source = min((RAW / "police_uk").rglob("*-street.csv.gz"))
    for year, month in itertools.product(range(2020, 2024), range(1, 13)):
        shutil.copy(source, street / f"{year}-{month:02}-thames-valley-street.csv.gz")
    link_area_data(raw)
    config = write_config(tmp_path, raw=raw)
    processed = tmp_path / "data" / "processed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sna", "prepare", "--config", str(config), "--force", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    cache = processed / CACHE_DIR
    # Running: the workers have cached a file's result (not while they start: a process cut
    # off while it starts may print its own traceback).
    while not (cache.is_dir() and any(cache.glob("*.sna-cache"))):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no worker started"
        time.sleep(0.05)
    children = _descendants(proc.pid)
    assert len(children) >= 3  # the workers' server and two workers
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert b"sna prepare: terminated" in err and b"Traceback" not in err
    _, alive = psutil.wait_procs(children, timeout=30)
    assert alive == []
    written = [p.name for p in processed.iterdir()] if processed.exists() else []
    assert not [name for name in written if not name.startswith(".sna-")], written


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:  # a process ended while they were listed
        return []


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sets(st.integers(0, 40)), max_size=8))
def test_ids_seen_before_are_those_of_reading_the_files_in_order(files):
    ids = [np.array(sorted(f), dtype=np.uint64) for f in files]
    seen: set[int] = set()
    expected = []
    for f in files:
        expected.append(sorted(seen & f))
        seen |= f
    assert [x.tolist() for x in ids_seen_before(ids)] == expected
