"""Area data: both LSOA vintages resolve to the right district; publishers' number formats."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from sna.data.areas import (
    DEPRIVATION_DOMAINS,
    assign_districts,
    district_name_from_lsoa_name,
    domain_column,
    lsoa_lookup,
    lsoa_units,
    read_deprivation,
    read_deprivation_2025,
)
from sna.data.config import load_config
from tests.conftest import DEMO_CONFIG

LOOKUP = pd.DataFrame(
    {
        "lsoa_code": ["E01000001", "E01000001", "E01000002", "E01099999"],
        "lsoa_name": ["Aylesbury Vale 001A", "Buckinghamshire 001A", "Oxford 001A", "Oxford 099Z"],
        "lsoa_vintage": [2011, 2021, 2011, 2021],
        "district_code": ["E07000004", "E06000060", "E07000178", "E07000178"],
        "district_name": ["Aylesbury Vale", "Buckinghamshire", "Oxford", "Oxford"],
    }
)


def test_same_code_in_two_vintages_resolves_by_record_name():
    codes = pd.Series(["E01000001", "E01000001", "E01000002", "E01099999", "E01077777"])
    names = pd.Series(
        ["Aylesbury Vale 001A", "Buckinghamshire 001A", "Oxford 001A", "Oxford 099Z", "X 001A"]
    )
    got = assign_districts(codes, names, LOOKUP)
    assert got["district_name"].tolist() == [
        "Aylesbury Vale",
        "Buckinghamshire",
        "Oxford",
        "Oxford",
        "",
    ]
    assert got["lsoa_vintage"].tolist() == [2011, 2021, 2011, 2021, 0]


def test_district_name_from_lsoa_name():
    names = pd.Series(
        ["Oxford 008A", "Vale of White Horse 012C", "Bournemouth, Christchurch and Poole 001A"]
    )
    assert district_name_from_lsoa_name(names).tolist() == [
        "Oxford", "Vale of White Horse", "Bournemouth, Christchurch and Poole",
    ]  # fmt: skip


@pytest.fixture(scope="module")
def lookup():
    return lsoa_lookup(load_config(DEMO_CONFIG))


def test_real_lookup_covers_both_vintages(lookup):
    counts = lookup.groupby("lsoa_vintage").size().to_dict()
    assert counts == {2011: 34753, 2021: 35672}  # LSOAs in England and Wales, each vintage
    new = lookup[(lookup["lsoa_vintage"] == 2021) & lookup["district_name"].eq("Oxford")]
    assert len(new) == 84
    assert set(new["district_code"]) == {"E07000178"}
    # "Bristol, City of" in the LAD lookup is "Bristol" in LSOA names: both coded.
    assert (lookup.loc[lookup["district_name"] == "Bristol", "district_code"] == "E06000023").all()


def test_deprivation_ranks_with_thousands_separators():
    dep = read_deprivation(load_config(DEMO_CONFIG)).set_index("lsoa_code")
    assert len(dep) == 32844
    # City of London 001A: IMD rank "29,199" decile 9; Income rank 32831 decile 10 (IoD2019).
    assert dep.loc["E01000001", ["imd_rank", "imd_decile", "income_rank", "income_decile"]].tolist() == [
        29199, 9, 32831, 10,
    ]  # fmt: skip
    assert dep["imd_decile"].between(1, 10).all()
    assert {"crime_decile", "living_decile", "barriers_decile"} <= set(dep.columns)


def test_iod2025_ranks_and_deciles():
    dep = read_deprivation_2025(load_config(DEMO_CONFIG)).set_index("lsoa_code")
    assert len(dep) == 33755  # LSOAs (2021) in England
    # City of London 001A, IoD2025 (the file's first row): IMD rank 26525 decile 8; Income rank
    # 33730 decile 10; Living Environment ("Environment") rank 244 decile 1.
    row = dep.loc["E01000001"]
    assert row[["imd_rank", "imd_decile", "income_rank", "income_decile"]].tolist() == [
        26525, 8, 33730, 10,
    ]  # fmt: skip
    assert row[["living_rank", "living_decile", "barriers_rank"]].tolist() == [244, 1, 29220]
    # The same columns as IoD2019's, so either vintage's LSOAs are read alike.
    assert set(dep.columns) == set(read_deprivation(load_config(DEMO_CONFIG)).columns) - {
        "lsoa_code"
    }
    for domain in DEPRIVATION_DOMAINS:
        assert dep[domain_column(domain)].between(1, 10).all()


CHANGES = pd.DataFrame(
    [  # lsoa11, lsoa21, CHGIND: one of each kind of change
        ("E01000010", "X 001A", "E01000010", "X 001A", "U"),
        ("E01000011", "X 002A", "E01099001", "X 002C", "S"),
        ("E01000011", "X 002A", "E01099002", "X 002D", "S"),
        ("E01000012", "X 003A", "E01099003", "X 003C", "M"),
        ("E01000013", "X 003B", "E01099003", "X 003C", "M"),
        ("E01000014", "X 004A", "E01099004", "X 004C", "X"),
        ("E01000014", "X 004A", "E01099005", "X 004D", "X"),
        ("E01000015", "X 004B", "E01099005", "X 004D", "X"),
    ],
    columns=["lsoa11_code", "lsoa11_name", "lsoa21_code", "lsoa21_name", "change"],
)


def test_lsoa_units_follow_every_kind_of_change():
    old = CHANGES.drop_duplicates("lsoa11_code")
    new = CHANGES.drop_duplicates("lsoa21_code")
    areas = pd.concat(
        [
            pd.DataFrame({"lsoa_code": old["lsoa11_code"], "lsoa_name": old["lsoa11_name"],
                          "lsoa_vintage": 2011}),
            pd.DataFrame({"lsoa_code": new["lsoa21_code"], "lsoa_name": new["lsoa21_name"],
                          "lsoa_vintage": 2021}),
            pd.DataFrame({"lsoa_code": ["E01077777"], "lsoa_name": ["X 009Z"], "lsoa_vintage": 2021}),
        ],
        ignore_index=True,
    )  # fmt: skip
    units = lsoa_units(CHANGES, areas).assign(
        code=areas["lsoa_code"], vintage=areas["lsoa_vintage"]
    )
    got = {
        (r.vintage, r.code): (r.unit_code, r.unit_name, r.unit_change) for r in units.itertuples()
    }
    # Unchanged: the LSOA itself.
    assert (
        got[(2011, "E01000010")] == got[(2021, "E01000010")] == ("E01000010", "X 001A", "unchanged")
    )
    # Split: the 2011 LSOA, named by its 2021 parts.
    split = ("E01000011", "X 002C + 002D", "split")
    assert got[(2011, "E01000011")] == got[(2021, "E01099001")] == got[(2021, "E01099002")] == split
    # Merged: the 2021 LSOA.
    merged = ("E01099003", "X 003C", "merged")
    assert (
        got[(2011, "E01000012")] == got[(2011, "E01000013")] == got[(2021, "E01099003")] == merged
    )
    # Irregular: the component the pairs make (two 2011 and two 2021 LSOAs).
    irregular = ("E01099004+E01099005", "X 004C + 004D", "irregular")
    assert {got[k] for k in [(2011, "E01000014"), (2011, "E01000015"), (2021, "E01099005")]} == {
        irregular
    }
    # Not in the lookup: itself.
    assert got[(2021, "E01077777")] == ("E01077777", "X 009Z", "not in lookup")


# Wards: places named by their electoral ward, checked against the ONS lookup read with csv.


def _csv_rows(path):
    import csv
    import gzip

    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_read_wards_matches_the_lookup_file():
    from sna.data.areas import read_wards

    config = load_config(DEMO_CONFIG)
    wards = read_wards(config).set_index("lsoa21_code")["ward_name"]
    rows = _csv_rows(config.sources.wards)
    assert len(wards) == len(rows) == 35_672
    by_csv = {r["lsoa21_code"]: r["ward24_name"] for r in rows}
    assert wards["E01028521"] == by_csv["E01028521"] == "Carfax & Jericho"
    assert wards.to_dict() == by_csv


def test_read_wards_accepts_ons_column_names_and_names_a_bad_file(tmp_path):
    from sna.data.areas import read_wards
    from sna.errors import InputError

    config = load_config(DEMO_CONFIG)
    ons = tmp_path / "ons.csv"
    ons.write_text("LSOA21CD,LSOA21NM,WD23CD,WD23NM\nE01028521,Oxford 008A,E05013098,Carfax\n")
    sources = dataclasses.replace(config.sources, wards=ons)
    got = read_wards(dataclasses.replace(config, sources=sources))
    assert got.to_dict("records") == [{"lsoa21_code": "E01028521", "ward_name": "Carfax"}]
    bad = tmp_path / "bad.csv"
    bad.write_text("lsoa21_code,ward24_name\nE01028521,Carfax\nE01028522,\n")
    sources = dataclasses.replace(config.sources, wards=bad)
    with pytest.raises(InputError, match=r"line 3.*empty cell|empty cell.*line 3"):
        read_wards(dataclasses.replace(config, sources=sources))
    none = tmp_path / "none.csv"
    none.write_text("code,name\nE01028521,Carfax\n")
    sources = dataclasses.replace(config.sources, wards=none)
    with pytest.raises(InputError, match="LSOA21CD"):
        read_wards(dataclasses.replace(config, sources=sources))


@pytest.mark.slow
def test_prepared_lsoas_carry_ward_names_of_both_vintages(prepared):
    from sna.data.processed import load_processed

    config, _ = prepared
    lsoas = load_processed(config).lsoas
    wards = {r["lsoa21_code"]: r["ward24_name"] for r in _csv_rows(config.sources.wards)}
    recent = lsoas[lsoas["lsoa_vintage"] == 2021]
    assert len(recent) == 428  # Oxfordshire's 2021 LSOAs
    assert recent["ward_name"].tolist() == [wards[c] for c in recent["lsoa_code"]]
    # A 2011 LSOA takes the wards of the 2021 LSOAs it became (ONS LSOA11 -> LSOA21 lookup).
    parts: dict[str, set[str]] = {}
    for r in _csv_rows(config.sources.lsoa_lookup_2011_2021):
        parts.setdefault(r["LSOA11CD"], set()).add(r["LSOA21CD"])
    old = lsoas[lsoas["lsoa_vintage"] == 2011]
    expected = [" / ".join(sorted({wards[c] for c in parts[code]})) for code in old["lsoa_code"]]
    assert old["ward_name"].tolist() == expected
    assert (lsoas["ward_name"] != "").all()
    # Cherwell 015E and 015F, one 2011 LSOA split in 2021, lie in two wards.
    split = old.loc[old["unit_name"] == "Cherwell 015E + 015F", "ward_name"]
    assert split.tolist() == ["Bicester East / Bicester South and Ambrosden"]
