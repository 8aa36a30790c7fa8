"""Reading police.uk street files: every row kept or rejected with a reason, bad files named."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sna.data.policeuk import (
    CRIME_TYPES,
    STREET_COLUMNS,
    Lines,
    _coordinate,
    _numbers,
    crime_type_ids,
    force_key,
    normalise_crime_type,
    parse_street_filename,
    read_street_file,
    validate_records,
)
from sna.errors import InputError
from tests.conftest import RAW

HEADER = ",".join(STREET_COLUMNS)
GOOD = (
    "abc123,2024-01,Thames Valley Police,Thames Valley Police,-1.257,51.752,On or near High Street,"
    "E01028522,Oxford 008B,Burglary,Under investigation,"
)
ASB_ROW = ",2024-01,Thames Valley Police,Thames Valley Police,-1.257,51.752,On or near Park,E01028522,Oxford 008B,Anti-social behaviour,,"


def write(folder: Path, lines: list[str], name: str = "2024-01-thames-valley-street.csv") -> Path:
    path = folder / name
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(data) if name.lower().endswith(".gz") else data)
    return path


def test_reads_real_file_completely():
    path = RAW / "police_uk" / "thames-valley" / "2024-01-thames-valley-street.csv.gz"
    street = read_street_file(path)
    assert street.month == "2024-01"
    assert street.force == "thames-valley"
    assert street.rows_read == 15606  # published row count (shared/data/PROVENANCE.md)
    assert street.malformed.empty
    assert street.records["line"].iloc[0] == 2
    assert street.records["line"].iloc[-1] == 15607


def test_identical_asb_rows_are_all_kept(tmp_path):
    street = read_street_file(write(tmp_path, [HEADER, ASB_ROW, ASB_ROW, GOOD]))
    assert street.rows_read == 3
    assert validate_records(street.records, file_month="2024-01").isna().all()


def test_quoted_commas_and_newlines_in_location(tmp_path):
    odd = GOOD.replace("On or near High Street", '"On or near High Street, ""Carfax""\nCentre"')
    street = read_street_file(write(tmp_path, [HEADER, odd, GOOD]))
    assert street.records["Location"].iloc[0] == 'On or near High Street, "Carfax"\nCentre'
    assert street.records["line"].tolist() == [2, 4]


def test_malformed_and_blank_rows_are_rejected_with_their_line(tmp_path):
    lines = [HEADER, GOOD, "", GOOD + ",extra", GOOD.rsplit(",", 3)[0], GOOD]
    street = read_street_file(write(tmp_path, lines))
    assert street.rows_read == 5
    assert street.malformed["line"].tolist() == [4, 5]
    assert street.malformed["reason"].str.startswith("malformed row").all()
    assert street.blank_lines.tolist() == [3]  # counted, never parsed into a row
    assert street.records["line"].tolist() == [2, 6]
    reasons = validate_records(street.records, file_month="2024-01")
    assert reasons.tolist() == [pd.NA, pd.NA]


def test_reordered_and_extra_columns_are_read_by_name(tmp_path):
    cols = list(STREET_COLUMNS)
    values = GOOD.split(",")
    order = [*reversed(range(12))]
    header = ",".join([cols[i] for i in order] + ["Note"])
    row = ",".join([values[i] for i in order] + ["x"])
    street = read_street_file(write(tmp_path, [header, row]))
    assert list(street.records.columns) == ["line", *STREET_COLUMNS]
    assert street.records["Crime type"].iloc[0] == "Burglary"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            [HEADER.replace("LSOA code", "LSOA"), GOOD],
            "column 'LSOA code' is missing from the header; found instead: 'LSOA'",
        ),
        ([HEADER.replace(",Context", ""), GOOD], "column 'Context' is missing"),
        (["", ""], "file is empty"),
    ],
)
def test_bad_header_or_empty_names_file(tmp_path, lines, message):
    path = write(tmp_path, lines)
    with pytest.raises(InputError, match=message) as info:
        read_street_file(path)
    assert str(path) in str(info.value)


def test_non_utf8_names_the_line(tmp_path):
    path = tmp_path / "2024-01-thames-valley-street.csv"
    path.write_bytes(
        (HEADER + "\n" + GOOD + "\n").encode()
        + GOOD.replace("High", "H\xe9gh").encode("latin-1")
        + b"\n"
    )
    with pytest.raises(InputError, match=r"line 3: bytes that are not UTF-8 text \(0xe9\)"):
        read_street_file(path)


def test_truncated_gzip(tmp_path):
    full = gzip.compress(("\n".join([HEADER] + [GOOD] * 2000) + "\n").encode())
    path = tmp_path / "2024-01-thames-valley-street.csv.gz"
    path.write_bytes(full[: len(full) // 2])
    with pytest.raises(InputError, match="not a complete gzip file"):
        read_street_file(path)


def test_bad_file_name(tmp_path):
    with pytest.raises(InputError, match=r"not a police\.uk street file name"):
        read_street_file(write(tmp_path, [HEADER, GOOD], name="thames-valley-street.csv"))
    assert parse_street_filename(Path("2025-03-thames-valley-street.csv.gz")) == (
        "2025-03",
        "thames-valley",
    )


def test_validation_reasons(tmp_path):
    rows = [
        GOOD,
        GOOD.replace("2024-01", "2024-13"),
        GOOD.replace("2024-01", "2023-12"),
        GOOD.replace("Burglary", "Violent crime"),
        GOOD.replace("E01028522,Oxford 008B", ","),
        GOOD.replace("-1.257,51.752", "-1.257,91.0"),
        GOOD.replace("-1.257,51.752", "east,north"),
        GOOD.replace("Burglary", "burglary"),
    ]
    street = read_street_file(write(tmp_path, [HEADER, *rows]))
    reasons = validate_records(street.records, file_month="2024-01")
    assert reasons.tolist() == [
        pd.NA,
        "malformed month",
        "month does not match file name",
        "unknown crime type",
        "no location",
        "coordinates missing or outside the UK",
        "coordinates missing or outside the UK",
        pd.NA,
    ]


def test_normalise_crime_type():
    got = normalise_crime_type(
        pd.Series(["anti-social  behaviour", "Anti social behaviour", "VEHICLE CRIME", "Fraud"])
    )
    assert got.tolist()[:3] == ["Anti-social behaviour", "Anti-social behaviour", "Vehicle crime"]
    assert pd.isna(got.iloc[3])


def test_header_names_with_spaces_are_accepted(tmp_path):
    header = HEADER.replace("Context", "Context ").replace("Crime ID", " Crime ID")
    street = read_street_file(write(tmp_path, [header, GOOD, ASB_ROW]))
    assert list(street.records.columns) == ["line", *STREET_COLUMNS]
    assert street.records["Crime ID"].tolist() == ["abc123", ""]


def test_header_naming_a_column_twice(tmp_path):
    header = HEADER.replace("Context", "Location")
    with pytest.raises(InputError, match="column 'Location' appears more than once"):
        read_street_file(write(tmp_path, [header, GOOD]))


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([HEADER, GOOD, ASB_ROW, HEADER, GOOD, ASB_ROW], r"line 4: repeats its header line"),
        ([HEADER, GOOD, ASB_ROW, "\ufeff" + HEADER, GOOD], r"line 4: repeats its header line"),
        ([HEADER, GOOD, ASB_ROW, GOOD, ASB_ROW], r"line 4: its rows are there twice"),
    ],
)
def test_two_files_joined_are_refused(tmp_path, lines, message):
    with pytest.raises(InputError, match=message):
        read_street_file(write(tmp_path, lines))


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_rows_twice_without_a_last_newline_are_refused(tmp_path, newline):
    """The halves differ only by the missing last newline: still rows pasted in twice."""
    path = tmp_path / "2024-01-thames-valley-street.csv"
    rows = [GOOD, ASB_ROW, ASB_ROW.replace("Anti-social", "anti-social")]
    path.write_bytes(newline.join([HEADER, *rows, *rows]).encode())
    with pytest.raises(InputError, match=r"line 5: its rows are there twice"):
        read_street_file(path)


def test_an_unquoted_value_too_long_is_named_as_such(tmp_path):
    long_row = GOOD.replace("On or near", "On or near " + "x" * 10_001)
    with pytest.raises(InputError, match=r"line 3: a value on this line is longer than 10,000"):
        read_street_file(write(tmp_path, [HEADER, GOOD, long_row]))


def test_two_identical_rows_alone_are_not_a_joined_file(tmp_path):
    """Two identical ASB incidents are two incidents, even when they are the whole file."""
    assert read_street_file(write(tmp_path, [HEADER, ASB_ROW, ASB_ROW])).rows_read == 2


def test_future_month_is_refused(tmp_path):
    name = "2099-01-thames-valley-street.csv"
    with pytest.raises(InputError, match="month 2099-01 in the file name is in the future"):
        read_street_file(write(tmp_path, [HEADER, GOOD.replace("2024-01", "2099-01")], name=name))


@pytest.mark.parametrize(
    "name", ["2024-01-thames-valley-street.CSV", "2024-01-thames-valley-street.CSV.GZ"]
)
def test_upper_case_extensions(tmp_path, name):
    street = read_street_file(write(tmp_path, [HEADER, GOOD], name=name))
    assert (street.month, street.force, street.rows_read) == ("2024-01", "thames-valley", 1)


def test_blank_lines_are_counted_not_parsed(tmp_path):
    """Blank and comma-only lines are counted with their line; one inside quotes is data."""
    quoted = GOOD.replace("On or near High Street", '"On or near\n\nHigh Street"')
    lines = [HEADER, GOOD, "", "  ", ",,,,", quoted, "", GOOD]
    street = read_street_file(write(tmp_path, lines))
    assert street.blank_lines.tolist() == [3, 4, 5, 9]
    assert street.records["line"].tolist() == [2, 6, 10]
    assert street.records["Location"].iloc[1] == "On or near\n\nHigh Street"
    assert street.rows_read == 7


@pytest.mark.parametrize(
    ("falls_within", "file_force"),
    [
        ("Thames Valley Police", "thames-valley"),
        ("Avon and Somerset Constabulary", "avon-and-somerset"),
        ("Devon & Cornwall Police", "devon-and-cornwall"),
        ("Metropolitan Police Service", "metropolitan"),
        ("City of London Police", "city-of-london"),
        ("Police Service of Northern Ireland", "northern-ireland"),
        ("British Transport Police", "btp"),
        ("Dyfed-Powys Police", "dyfed-powys"),
    ],
)
def test_force_names_match_file_names(falls_within, file_force):
    assert force_key(falls_within) == force_key(file_force)


def test_rows_of_another_force_are_rejected(tmp_path):
    other = GOOD.replace("Police,Thames Valley Police", "Police,Hampshire Constabulary")
    street = read_street_file(write(tmp_path, [HEADER, GOOD, other]))
    reasons = validate_records(street.records, file_month="2024-01", file_force="thames-valley")
    assert reasons.tolist() == [pd.NA, "force does not match file name"]


_TEXTS = [
    "-1.25",
    "",
    " 51.7",
    "x",
    "nan",
    "1e3",
    "  ",
    "-0",
    "0x10",
    "1_0",
    "51.751234",
    "+2",
    ".5",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_TEXTS), max_size=12))
def test_coordinates_by_arrow_equal_those_of_pandas(texts):
    values = pd.Series(texts, dtype="str")
    numbers, given_ = _coordinate(values)
    np.testing.assert_array_equal(numbers, _numbers(values))
    assert given_.tolist() == [t.strip() != "" for t in texts]


def test_real_coordinates_by_arrow_equal_those_of_pandas():
    records = read_street_file(min((RAW / "police_uk").rglob("*-street.csv*"))).records
    for column in ("Longitude", "Latitude"):
        numbers, given_ = _coordinate(records[column])
        assert given_.sum() > 1000
        np.testing.assert_array_equal(numbers, _numbers(records[column]))


def test_crime_type_ids_are_positions_of_the_normalised_names():
    values = pd.Series(["Drugs", "anti-social  behaviour", "VIOLENCE AND SEXUAL OFFENCES", "x", ""])
    ids = crime_type_ids(values)
    names = normalise_crime_type(values)
    assert [CRIME_TYPES[i] if i >= 0 else None for i in ids] == [
        None if pd.isna(n) else n for n in names
    ]
    assert (ids < 0).tolist() == [False, False, False, True, True]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from([" ", ",", "\t", "a", "\n", "\r\n", "x,y", " " * 20, ",\t" * 9]),
        max_size=30,
    )
)
def test_blank_lines_are_those_with_nothing_but_spaces_tabs_and_commas(pieces):
    raw = "".join(pieces).encode()
    lines = Lines.of(raw)
    text = raw.replace(b"\r\n", b"\n").decode()
    text = text if text.endswith("\n") else text + "\n"
    expected = [not line.strip(" \t,\n") for line in text.splitlines(keepends=True)]
    expected[:1] = [False]  # the header
    assert lines.blank.tolist() == expected
