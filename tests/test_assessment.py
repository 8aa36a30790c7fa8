"""District figures on the real demo data, checked against an independent count of the raw files."""

from __future__ import annotations

import csv
import gzip
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from sna.assessment import figures as assessment
from sna.data.processed import load_processed
from sna.errors import SnaError
from sna.report import words
from tests.conftest import RAW

STREET = RAW / "police_uk" / "thames-valley"
OXFORDSHIRE = ("Cherwell", "Oxford", "South Oxfordshire", "Vale of White Horse", "West Oxfordshire")
CODE = {"Oxford": "E07000178", "West Oxfordshire": "E07000181"}


def independent_counts(
    months: list[str], *, include_asb: bool = False
) -> Counter[tuple[str, str, str]]:
    """(district, month, crime type) counts from the raw files with the csv module, districts by LSOA name."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for month in months:
        with gzip.open(
            STREET / f"{month}-thames-valley-street.csv.gz", "rt", encoding="utf-8", newline=""
        ) as f:
            for row in csv.DictReader(f):
                district = row["LSOA name"].rsplit(" ", 1)[0]
                if district in OXFORDSHIRE and (
                    include_asb or row["Crime type"] != "Anti-social behaviour"
                ):
                    counts[(district, month, row["Crime type"])] += 1
    return counts


@pytest.fixture(scope="module")
def data(prepared):
    config, _ = prepared
    return load_processed(config)


@pytest.fixture(scope="module")
def raw_2025():
    return independent_counts(months_present_2025(), include_asb=True)


def months_present_2025() -> list[str]:
    return [f"2025-{m:02d}" for m in range(1, 13) if m != 7]


def test_load_processed_needs_prepare(tmp_path):
    from tests.conftest import write_config

    with pytest.raises(SnaError, match="run `sna prepare"):
        load_processed(write_config(tmp_path))


def test_district_overview_counts_and_rates(data, raw_2025):
    overview = assessment.district_overview(data, 2025)
    for district in OXFORDSHIRE:
        expected = sum(
            n for (d, _, t), n in raw_2025.items() if d == district and t != "Anti-social behaviour"
        )
        assert overview.loc[district, "count"] == expected
    # ONS mid-2022 populations (shared/data/PROVENANCE.md section 6) and the rate per 1,000.
    assert overview.loc["Oxford", "denominator"] == 163257
    assert overview.loc["Oxford", "value"] == pytest.approx(  # annualised from 11 months
        overview.loc["Oxford", "count"] / 163257 * 1000 * 12 / 11
    )
    bench = overview.loc["Oxfordshire"]
    assert bench["count"] == overview.loc[list(OXFORDSHIRE), "count"].sum()
    assert bench["denominator"] == 164155 + 163257 + 151820 + 142116 + 116928
    # Oxford's rate is far above the county's: its 99.8% interval excludes it.
    assert overview.loc["Oxford", "compare998"] == "higher"
    assert overview.loc["South Oxfordshire", "compare95"] == "lower"
    assert (
        overview.loc[list(OXFORDSHIRE), "lower95"] < overview.loc[list(OXFORDSHIRE), "value"]
    ).all()
    assert overview.attrs["confidence"] == (0.95, 0.998)


def test_change_is_like_for_like(data):
    """2025 against 2024 on January to April only (2024 has no later months, 2025 lacks July)."""
    table, compared = assessment.crime_type_table(data, CODE["West Oxfordshire"], 2025)
    assert compared.months_compared == ["January", "February", "March", "April"]
    raw = independent_counts(
        ["2024-01", "2024-02", "2024-03", "2024-04", "2025-01", "2025-02", "2025-03", "2025-04"],
        include_asb=True,
    )
    for crime_type in ("Violence and sexual offences", "Shoplifting", "Anti-social behaviour"):
        before = sum(
            n
            for (d, m, t), n in raw.items()
            if d == "West Oxfordshire" and m.startswith("2024") and t == crime_type
        )
        after = sum(
            n
            for (d, m, t), n in raw.items()
            if d == "West Oxfordshire" and m.startswith("2025") and t == crime_type
        )
        assert table.loc[crime_type, ["before", "after"]].tolist() == [before, after]
        assert table.loc[crime_type, "pct_change"] == pytest.approx(100 * (after - before) / before)
    assert "January to April only" in words.comparison_note(compared)


def test_crime_groups_sum_their_types(data):
    groups, _ = assessment.crime_group_table(data, CODE["Oxford"], 2025)
    types, _ = assessment.crime_type_table(data, CODE["Oxford"], 2025)
    for group, members in data.config.crime_groups.items():
        assert groups.loc[group, "count"] == types.loc[list(members), "count"].sum()
    assert (
        groups.loc[assessment.ALL_CRIME, "count"]
        == types.drop(index="Anti-social behaviour")["count"].sum()
    )


def test_monthly_counts_never_zero_fill_missing_months(data):
    series = assessment.monthly_counts(data, CODE["Oxford"])
    assert len(series) == len(data.manifest.months) == 22
    assert pd.Timestamp("2025-07-01") not in series.index
    assert series.min() > 0


def test_lsoa_counts_cover_every_lsoa(data):
    lsoas = assessment.lsoa_counts(data, CODE["Oxford"], 2025)
    assert len(lsoas) == 84  # 2021 LSOAs in Oxford
    assert lsoas["count"].sum() == assessment.district_overview(data, 2025).loc["Oxford", "count"]
    frame = assessment.deprivation_frame(data, CODE["Oxford"], 2025)
    assert frame["decile"].isna().sum() == 0  # 2021 LSOAs: IoD2025, every one matched
    assert frame["decile"].dropna().between(1, 10).all()


def test_group_by_year_is_a_monthly_average(data):
    table = assessment.group_by_year(data, crime_types=["Robbery"], per_month=False)
    average = assessment.group_by_year(data, crime_types=["Robbery"])
    assert average.loc["Oxford", 2025] == pytest.approx(table.loc["Oxford", 2025] / 11)
    assert average.loc["Oxford", 2022] == table.loc["Oxford", 2022]  # one month of data
    assert np.all(table.to_numpy() >= 0)


def test_a_past_year_uses_no_later_data(data):
    monthly = assessment.monthly_counts(data, CODE["Oxford"], through=2024)
    assert monthly.index.max() == pd.Timestamp("2024-04-01")
    assert list(assessment.group_by_year(data, crime_types=["Robbery"], through=2024).columns) == [
        2018,
        2019,
        2022,
        2024,
    ]
    assert list(assessment.lsoa_by_year(data, CODE["Oxford"], through=2022).columns) == [
        2018,
        2019,
        2022,
    ]


def test_lsoa_counts_with_mixed_vintages_list_each_code_once(data):
    """A year whose files mix 2011 and 2021 codes (the year police.uk switched) counts each LSOA once."""
    from dataclasses import replace

    counts = data.counts.copy()
    january = (counts["month"] == "2025-01-01") & (counts["district_name"] == "Oxford")
    counts.loc[january, "lsoa_vintage"] = 2011  # as if January still carried 2011 codes
    mixed = replace(data, counts=counts)
    lsoas = assessment.lsoa_counts(mixed, CODE["Oxford"], 2025)
    assert lsoas["lsoa_code"].is_unique
    assert lsoas["count"].sum() == assessment.lsoa_counts(data, CODE["Oxford"], 2025)["count"].sum()
    assert len(lsoas) >= 84


def test_lsoa_by_year_is_named_by_the_lookup(data):
    table = assessment.lsoa_by_year(data, CODE["Oxford"])
    assert table.index.is_unique
    assert "Oxford 008A" in table.index


def test_a_district_is_assessed_once_with_one_suppression(data):
    """Every figure of a report comes from one assessment, keyed on the district's code."""
    from sna.assessment.district import assess_district

    a = assess_district(data, CODE["West Oxfordshire"], 2025)
    assert assess_district(data, "West Oxfordshire", 2025).district == a.district
    assert (
        a.overview.loc["West Oxfordshire", "count"] == a.groups.loc[assessment.ALL_CRIME, "count"]
    )
    assert a.hidden.types.index.equals(a.types.index)
    assert a.hidden.groups.index.equals(a.groups.index)
    assert a.monthly.index.max() == pd.Timestamp("2025-12-01")
    assert a.by_decile["suppressed"].dtype == bool
    assert a.top_hidden.index.equals(a.top.index)
    assert list(a.forecast.columns[:3]) == ["forecast", "lower95", "upper95"]
