"""Area data: both LSOA vintages resolve to the right district; publishers' number formats."""

from __future__ import annotations

import pandas as pd
import pytest

from sna.data.areas import (
    assign_districts,
    district_name_from_lsoa_name,
    lsoa_lookup,
    read_deprivation,
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
