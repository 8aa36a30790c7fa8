"""The typed manifest on the real demo data, and the one helper that words months."""

from __future__ import annotations

import csv
import gzip
import json

import pandas as pd
import pytest

from sna.data.manifest import (
    Coverage,
    Manifest,
    format_months,
    month_runs,
    no_location_by_year,
    year_months,
)


def months(*numbers: int, year: int = 2025) -> list[pd.Period]:
    return [pd.Period(f"{year}-{m:02d}", "M") for m in numbers]


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("iso", "2025-01, 2025-02, 2025-03, 2025-06, 2025-08"),
        ("names", "January, February, March, June, August"),
        ("abbr", "Jan, Feb, Mar, Jun, Aug"),
        ("ranges", "Jan-Mar, Jun, Aug"),
        ("span", "January to March, June and August"),
    ],
)
def test_format_months(style, expected):
    assert format_months(months(1, 2, 3, 6, 8), style) == expected


def test_format_months_edge_cases():
    assert format_months([], "ranges") == ""
    assert format_months(months(7), "span") == "July"
    assert format_months([1, 2, 3, 4], "ranges") == "Jan-Apr"  # month numbers, no year
    assert month_runs([1, 3, 4, 12]) == [[1], [3, 4], [12]]
    with pytest.raises(ValueError, match="style must be one of"):
        format_months(months(1), "roman")  # type: ignore[arg-type]


def test_coverage():
    cover = Coverage(2025, tuple(m for m in year_months(2025) if m.month != 7))
    assert cover.missing == tuple(months(7))
    assert not cover.complete
    assert Coverage(2024, year_months(2024)).complete


@pytest.fixture(scope="module")
def manifest(prepared):
    config, _ = prepared
    return Manifest.read(config.processed_dir / "manifest.json")


def test_manifest_months_are_periods(manifest):
    assert manifest.years == (2018, 2019, 2022, 2024, 2025)
    assert manifest.coverage(2025).missing == tuple(months(7))
    assert manifest.coverage(2024).present == tuple(months(1, 2, 3, 4, year=2024))
    assert len(manifest.months_in(through=2024)) == 11
    assert all(isinstance(m, pd.Period) for m in manifest.months)


def test_manifest_agrees_with_the_json(manifest, prepared):
    config, _ = prepared
    raw = json.loads((config.processed_dir / "manifest.json").read_text())
    assert len(manifest.files) == len(raw["files"]) == 22
    for typed, entry in zip(manifest.files, raw["files"], strict=True):
        assert str(typed.month) == entry["month"]
        rejected = sum(typed.rows_rejected.values())
        assert typed.rows_read == typed.rows_kept + typed.rows_out_of_area + rejected
    assert sum(f.rows_read for f in manifest.files) == raw["totals"]["rows_read"]
    assert len(manifest.files_in(2025)) == 11
    assert [a.role for a in manifest.area_files][:4] == [
        "lsoa11_lookup", "lsoa21_names", "lsoa11_population", "imd",
    ]  # fmt: skip
    assert manifest.files[0].name == "2018-06-thames-valley-street.csv.gz"
    assert manifest.config_fingerprint == config.fingerprint()


def test_no_location_share_by_year(manifest):
    """Rows with no LSOA in each year's files, counted independently with the csv module."""
    from tests.conftest import RAW

    expected: dict[int, list[int]] = {}
    for path in sorted((RAW / "police_uk" / "thames-valley").glob("*-street.csv.gz")):
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        year = expected.setdefault(int(path.name[:4]), [0, 0])
        year[0] += len(rows)
        year[1] += sum(1 for r in rows if not r["LSOA code"].strip())
    table = no_location_by_year(manifest)
    assert list(table.index) == [2018, 2019, 2022, 2024, 2025]
    for year, (rows, none) in expected.items():
        assert table.loc[year, ["rows", "no_location"]].tolist() == [rows, none]
        assert table.loc[year, "share"] == pytest.approx(none / rows)
    # About 10% in 2018-19, about 2% in 2024-25 (the figures).
    assert table.loc[[2018, 2019], "share"].between(0.09, 0.11).all()
    assert table.loc[[2024, 2025], "share"].between(0.015, 0.025).all()
    assert table["months"].tolist() == [4, 2, 1, 4, 11]
    # Another force's files do not count.
    assert no_location_by_year(manifest, forces=["metropolitan"]).empty


def test_location_share_warning(manifest):
    from sna.report.provenance import location_share_warning, no_location_table

    warning = location_share_warning(manifest, 2025, 2019)
    assert warning is not None
    assert "10.0% of the police.uk rows in 2019 and 2.3% in 2025" in warning
    assert "part of any rise" in warning
    assert "part of any fall" in location_share_warning(manifest, 2019, 2025)
    assert location_share_warning(manifest, 2025, 2024) is None  # 2.1% and 2.3%
    assert location_share_warning(manifest, 2019, 2018) is None  # 10.2% and 10.0%
    assert location_share_warning(manifest, 2024, 2023) is None  # no 2023 data
    table = no_location_table(manifest)
    assert table.loc[2018, "Share"] == "10.2%"
    assert table.loc[2025, "Rows with no location"] == "3,994"
