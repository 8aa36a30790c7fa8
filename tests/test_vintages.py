"""LSOAs across the 2021 boundary change: the ONS LSOA (2011) to LSOA (2021) lookup, IoD2025 for
2021 LSOAs, and persistent hotspots in units that are the same area every year.

Every reference value is computed here from the raw files with the csv module (or read from the
MHCLG workbook), independently of ``sna.data``.
"""

from __future__ import annotations

import csv
import gzip
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from sna.assessment import figures
from sna.data.areas import read_lsoa_changes
from sna.data.processed import load_processed
from sna.stats.concentration import persistent_hotspots
from tests.conftest import RAW

LOOKUP = (
    RAW / "lookups" / "LSOA_(2011)_to_LSOA_(2021)_to_Local_Authority_District_(2022)_Lookup_for_"
    "England_and_Wales.csv.gz"
)
IOD2019_FILE1 = RAW / "imd2019" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"
STREET = RAW / "police_uk" / "thames-valley"
WORKBOOK = Path("/work/shared/data/imd2025/File_1_IoD2025_Index_of_Multiple_Deprivation.xlsx")
OXFORDSHIRE = {
    "E07000177": "Cherwell",
    "E07000178": "Oxford",
    "E07000179": "South Oxfordshire",
    "E07000180": "Vale of White Horse",
    "E07000181": "West Oxfordshire",
}
CHERWELL = "E07000177"
ASB = "Anti-social behaviour"


def lookup_rows() -> list[dict[str, str]]:
    """The ONS lookup's Oxfordshire rows, read with the csv module (UTF-8 BOM, CRLF)."""
    with gzip.open(LOOKUP, "rt", encoding="utf-8-sig", newline="") as handle:
        return [r for r in csv.DictReader(handle) if r["LAD22CD"] in OXFORDSHIRE]


def street_rows(year: int) -> Iterator[dict[str, str]]:
    """Every row of a year's police.uk street files, read with the csv module."""
    for path in sorted(STREET.glob(f"{year}-*-street.csv.gz")):
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            yield from csv.DictReader(handle)


def crimes_by_lsoa(year: int, district: str) -> Counter[str]:
    """Crimes (not anti-social behaviour) by LSOA code in a district, by the LSOA name's prefix."""
    counts: Counter[str] = Counter()
    for row in street_rows(year):
        if row["LSOA name"].startswith(f"{district} ") and row["Crime type"] != ASB:
            counts[row["LSOA code"]] += 1
    return counts


@pytest.fixture(scope="module")
def data(prepared):
    config, _ = prepared
    return load_processed(config)


def test_oxfordshire_lookup_figures():
    """PROVENANCE section 6: 429 rows, 407 LSOA11 -> 428 LSOA21 (U 386, S 41, M 2)."""
    rows = lookup_rows()
    assert len(rows) == 429
    assert len({r["LSOA11CD"] for r in rows}) == 407
    assert len({r["LSOA21CD"] for r in rows}) == 428
    assert Counter(r["CHGIND"] for r in rows) == {"U": 386, "S": 41, "M": 2}


def test_lookup_read_like_the_csv_module(prepared):
    config, _ = prepared
    changes = read_lsoa_changes(config)
    assert len(changes) == 35796  # England and Wales
    mine = changes[changes["lsoa21_code"].isin({r["LSOA21CD"] for r in lookup_rows()})]
    assert Counter(mine["change"]) == {"U": 386, "S": 41, "M": 2}
    assert not mine["lsoa11_code"].str.startswith("\ufeff").any()
    assert not mine["change"].str.endswith("\r").any()


def test_units_are_the_lookups_components(data):
    """U: 386 units of one LSOA each; S: one unit per split 2011 LSOA; M: one per merged 2021 LSOA."""
    rows = lookup_rows()
    split_parents = {r["LSOA11CD"] for r in rows if r["CHGIND"] == "S"}
    merged_children = {r["LSOA21CD"] for r in rows if r["CHGIND"] == "M"}
    assert (len(split_parents), len(merged_children)) == (19, 1)
    lsoas = data.lsoas
    units = lsoas.drop_duplicates("unit_code")
    assert len(units) == 386 + 19 + 1
    assert Counter(units["unit_change"]) == {"unchanged": 386, "split": 19, "merged": 1}
    assert set(lsoas.loc[lsoas["unit_change"] == "split", "unit_code"]) == split_parents
    assert set(lsoas.loc[lsoas["unit_change"] == "merged", "unit_code"]) == merged_children
    # Every LSOA of both vintages is in a unit that has LSOAs of both vintages.
    vintages = lsoas.groupby("unit_code")["lsoa_vintage"].nunique()
    assert (vintages == 2).all()
    assert data.manifest.raw["lsoas"]["units"] == 406


def test_cherwell_2025_crime_without_deprivation_before_and_after(data):
    """The issue: 22.4% of Cherwell's 2025 crime was in 2021 LSOAs IoD2019 does not list; now 0."""
    with gzip.open(IOD2019_FILE1, "rt", encoding="utf-8-sig", newline="") as handle:
        iod2019 = {r["LSOA code (2011)"] for r in csv.DictReader(handle)}
    raw = crimes_by_lsoa(2025, "Cherwell")
    total = sum(raw.values())
    left_out = {code: n for code, n in raw.items() if code not in iod2019}
    assert len(left_out) == 16
    assert sum(left_out.values()) / total == pytest.approx(0.224, abs=0.0005)
    assert "E01035736" in left_out  # Cherwell 015F, its highest-rate LSOA
    # Now: every LSOA with crime has an IoD2025 decile, and no crime is left out.
    frame = figures.deprivation_frame(data, CHERWELL, 2025)
    assert frame["count"].sum() == total
    assert frame["decile"].notna().all()
    assert (frame["deprivation_index"] == "IoD2025").all()
    by_decile = figures.rate_by_decile_counts(frame)
    assert by_decile.attrs["deprivation_index"] == "IoD2025"
    assert by_decile.attrs["lsoas_without_decile"] == 0
    assert by_decile.attrs["count_without_decile"] == 0
    assert by_decile["count"].sum() == total
    # Years coded in 2011 LSOAs keep IoD2019.
    assert (figures.deprivation_frame(data, CHERWELL, 2019)["deprivation_index"] == "IoD2019").all()
    assert data.manifest.lsoa21_without_deprivation == 0


# IMD 2025 decile of some Oxfordshire LSOAs, from MHCLG's File 1 (IMD25 sheet), read by hand:
# Cherwell 015F (split in 2021, Cherwell's highest-rate LSOA), 015E, 001E; Oxford 003E (merged).
IMD2025_DECILES = {"E01035736": 7, "E01035735": 5, "E01035723": 6, "E01035740": 10}


def test_iod2025_deciles_match_the_mhclg_workbook(data):
    new = data.lsoas[data.lsoas["lsoa_vintage"] == 2021].set_index("lsoa_code")
    for code, decile in IMD2025_DECILES.items():
        assert new.loc[code, "imd_decile"] == decile
    if not WORKBOOK.is_file():
        pytest.skip(f"{WORKBOOK} not available: checked the hand-read deciles only")
    sheet = pd.read_excel(WORKBOOK, sheet_name="IMD25", engine="calamine")
    code_column = "LSOA code (2021)"
    decile_column = next(
        c for c in sheet.columns if c.startswith("Index of Multiple Deprivation (IMD) Decile")
    )
    published = sheet.set_index(code_column)[decile_column]
    for code, decile in IMD2025_DECILES.items():
        assert published[code] == decile
    # Every Oxfordshire 2021 LSOA, not just those few.
    assert len(new) == 428
    assert (new["imd_decile"].astype(int) == published.reindex(new.index)).all()


def test_a_split_lsoa_is_followed_across_the_boundary_change(data):
    """Cherwell 015D (2011) split into 015E and 015F (2021): one unit, counted in every year."""
    parts = {
        r["LSOA21CD"]: r["LSOA21NM"] for r in lookup_rows() if r["LSOA11NM"] == "Cherwell 015D"
    }
    assert sorted(parts.values()) == ["Cherwell 015E", "Cherwell 015F"]
    parent = next(r["LSOA11CD"] for r in lookup_rows() if r["LSOA11NM"] == "Cherwell 015D")
    expected = {
        2019: crimes_by_lsoa(2019, "Cherwell")[parent],
        2025: sum(crimes_by_lsoa(2025, "Cherwell")[c] for c in parts),
    }
    assert expected == {2019: 184, 2025: 1182}
    table = figures.lsoa_by_year(data, CHERWELL)
    assert table.index.is_unique
    assert table.loc["Cherwell 015E + 015F", [2019, 2025]].tolist() == [184, 1182]
    assert table.notna().all().all()  # every unit is in both vintages: counted every year
    for year in table.columns:  # nothing lost or counted twice
        assert table[year].sum() == sum(crimes_by_lsoa(year, "Cherwell").values())
    persistent = persistent_hotspots(figures.lsoa_by_year(data, CHERWELL, through=2025))
    assert "Cherwell 015E + 015F" in persistent.index
    assert persistent.loc["Cherwell 015E + 015F", "periods_in_top"] == 5
    # lsoa_counts stays one row per LSOA of the year's vintage.
    per_lsoa = figures.lsoa_counts(data, CHERWELL, 2025)
    assert set(per_lsoa["lsoa_code"]) == {
        r["LSOA21CD"] for r in lookup_rows() if r["LAD22CD"] == CHERWELL
    }
    assert per_lsoa.loc[per_lsoa["lsoa_code"].isin(parts), "count"].sum() == 1182


def test_merged_lsoas_are_the_2021_lsoa(data):
    """Oxford 003B and 003D (2011) merged into 003E (2021): their 2019 counts are summed."""
    merged = [r for r in lookup_rows() if r["CHGIND"] == "M"]
    assert {r["LSOA21NM"] for r in merged} == {"Oxford 003E"}
    old = {r["LSOA11CD"] for r in merged}
    table = figures.lsoa_by_year(data, "E07000178")
    by_lsoa = crimes_by_lsoa(2019, "Oxford")
    assert table.loc["Oxford 003E", 2019] == sum(by_lsoa[c] for c in old)
    assert table.loc["Oxford 003E", 2025] == crimes_by_lsoa(2025, "Oxford")["E01035740"]
