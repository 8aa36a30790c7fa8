"""`sna init`: partnerships resolved from the ONS lookups, and the configs written for them."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest

from sna.data.areas import check_districts, lsoa_lookup
from sna.data.config import load_config
from sna.data.partnership import (
    COUNTY,
    CSP,
    FORCE,
    config_text,
    find_partnership,
    read_lookups,
    write_config,
)
from sna.errors import SnaError

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"

THAMES_VALLEY = {
    "E06000036": "Bracknell Forest",
    "E06000037": "West Berkshire",
    "E06000038": "Reading",
    "E06000039": "Slough",
    "E06000040": "Windsor and Maidenhead",
    "E06000041": "Wokingham",
    "E06000042": "Milton Keynes",
    "E06000060": "Buckinghamshire",
    "E07000177": "Cherwell",
    "E07000178": "Oxford",
    "E07000179": "South Oxfordshire",
    "E07000180": "Vale of White Horse",
    "E07000181": "West Oxfordshire",
}


@pytest.fixture(scope="module")
def lookups():
    return read_lookups(RAW)


def codes(partnership) -> dict[str, str]:
    return {d.code: d.name for d in partnership.districts}


def write(tmp_path: Path, partnership, **options) -> Path:
    path = tmp_path / "sna.toml"
    write_config(path, config_text(partnership, raw=RAW, **options), force=True)
    return path


def test_reading_is_one_unitary_district_benchmarked_on_its_force(lookups):
    p = find_partnership("Reading", lookups)
    assert (p.kind, p.code, p.name) == (CSP, "E22000309", "Reading")
    assert codes(p) == {"E06000038": "Reading"}
    assert p.force == "Thames Valley"
    # Buckinghamshire cannot be a benchmark-only district with the 2019 lookup: left out, said.
    assert set(p.benchmark_codes) == set(THAMES_VALLEY) - {"E06000060"}
    assert "Buckinghamshire" in p.benchmark_name
    assert any("Buckinghamshire (E06000060) is left out" in n for n in p.notes)


def test_milton_keynes(lookups):
    p = find_partnership("Milton Keynes", lookups)
    assert codes(p) == {"E06000042": "Milton Keynes"}
    assert "E06000042" in p.benchmark_codes


def test_oxfordshire_county_gives_the_demo_districts(lookups):
    p = find_partnership("Oxfordshire", lookups)
    assert (p.kind, p.code) == (COUNTY, "E10000025")
    demo = tomllib.loads((ROOT / "sna.toml").read_text())
    assert codes(p) == {d["code"]: d["name"] for d in demo["districts"]}
    assert [d.code for d in p.districts] == [d["code"] for d in demo["districts"]]
    assert p.benchmark_name == "Oxfordshire"
    assert p.benchmark_codes == ()  # all the districts, as in the demo
    assert p.notes == ()


def test_codes_match_as_well_as_names(lookups):
    assert codes(find_partnership("E22000309", lookups)) == {"E06000038": "Reading"}
    assert codes(find_partnership("e06000037", lookups)) == {"E06000037": "West Berkshire"}
    assert find_partnership("E10000025", lookups).name == "Oxfordshire"
    assert find_partnership("E23000029", lookups).kind == FORCE


@pytest.mark.parametrize("query", ["Thames Valley", "thames valley police", "THAMES VALLEY"])
def test_force_name_gives_all_its_districts(lookups, query):
    p = find_partnership(query, lookups)
    assert (p.kind, p.code) == (FORCE, "E23000029")
    assert codes(p) == THAMES_VALLEY
    assert p.benchmark_name == "Thames Valley"
    assert any("Buckinghamshire (E06000060) is newer" in n for n in p.notes)


@pytest.mark.parametrize("query", ["reading", "READING", "  Reading ", "milton-keynes"])
def test_case_and_spacing_do_not_matter(lookups, query):
    assert len(find_partnership(query, lookups).districts) == 1


def test_unknown_name_lists_the_closest_matches(lookups):
    with pytest.raises(SnaError, match="Oxfrodshire") as info:
        find_partnership("Oxfrodshire", lookups)
    message = str(info.value)
    assert "closest: Oxfordshire (county E10000025)" in message
    assert "West Oxfordshire" in message


def test_unknown_kind_is_refused(lookups):
    with pytest.raises(SnaError, match="unknown kind"):
        find_partnership("Reading", lookups, kind="parish")


def test_county_and_force_of_one_name_are_ambiguous(lookups):
    with pytest.raises(SnaError, match=r"'Kent' is ambiguous.*'Kent county'.*'Kent police'"):
        find_partnership("Kent", lookups)
    assert len(find_partnership("Kent county", lookups).districts) == 12
    assert len(find_partnership("Kent police", lookups).districts) == 13
    assert len(find_partnership("Kent", lookups, kind=COUNTY).districts) == 12


def test_a_csp_is_preferred_to_a_district_of_the_same_name(lookups):
    p = find_partnership("Dorset", lookups)
    assert p.kind == CSP
    assert set(codes(p)) == {"E06000058", "E06000059"}
    assert p.benchmark_name == "Dorset CSP area"  # not the name of the district Dorset
    assert any("E06000059 for the district" in n for n in p.notes)
    assert codes(find_partnership("Dorset district", lookups)) == {"E06000059": "Dorset"}


def test_a_csp_inside_a_district_gives_the_whole_district(lookups):
    p = find_partnership("Aylesbury Vale", lookups)
    assert codes(p) == {"E06000060": "Buckinghamshire"}
    assert any("part of the district Buckinghamshire" in n for n in p.notes)


def test_a_2023_district_is_written_as_its_former_districts(lookups):
    p = find_partnership("Somerset", lookups)
    assert set(codes(p).values()) == {
        "Mendip",
        "Sedgemoor",
        "South Somerset",
        "Somerset West and Taunton",
    }
    assert any("E06000066" in n for n in p.notes)


def test_a_county_of_abolished_districts_gives_their_successors(lookups):
    p = find_partnership("Northamptonshire", lookups)
    assert codes(p) == {
        "E06000061": "North Northamptonshire",
        "E06000062": "West Northamptonshire",
    }


@pytest.mark.parametrize(
    "query",
    ["Reading", "Milton Keynes", "Oxfordshire", "Thames Valley", "West Berkshire", "Dorset"],
)
def test_every_config_loads_and_passes_the_district_check(lookups, tmp_path, query):
    p = find_partnership(query, lookups)
    config = load_config(write(tmp_path, p, reporting_years=[2025, 2024]))
    assert config.district_codes == tuple(d.code for d in p.districts)
    assert config.reporting_years == (2024, 2025)
    assert config.benchmark.name == p.benchmark_name
    assert set(config.benchmark.district_codes) == set(p.benchmark_codes or config.district_codes)
    check_districts(config, lsoa_lookup(config))  # raises ConfigError if a district is wrong


@pytest.mark.parametrize("query", ["Somerset", "Northamptonshire", "Cwm Taf", "Bristol"])
def test_configs_elsewhere_load_too(lookups, tmp_path, query):
    text = config_text(find_partnership(query, lookups), raw=RAW)
    tomllib.loads(text)
    config = load_config(write(tmp_path, find_partnership(query, lookups)))
    check_districts(config, lsoa_lookup(config))


def test_config_is_commented_like_the_demo(lookups):
    text = config_text(find_partnership("Thames Valley", lookups))
    assert text.startswith("# Community safety Strategic Needs Assessment for Thames Valley")
    assert 'raw = "data/raw"' in text
    assert "# Or compare" not in text  # the force is the partnership: no alternative
    assert all(len(line) <= 100 for line in text.splitlines() if line.startswith("#"))
    oxon = config_text(find_partnership("Oxfordshire", lookups))
    assert "# Or compare with the Thames Valley police force area:" in oxon
    assert '#     "E06000038",  # Reading' in oxon


def test_write_config_refuses_to_overwrite(tmp_path):
    path = tmp_path / "sna.toml"
    write_config(path, "a = 1\n")
    with pytest.raises(SnaError, match="already exists"):
        write_config(path, "a = 2\n")
    assert path.read_text() == "a = 1\n"
    write_config(path, "a = 2\n", force=True)
    assert path.read_text() == "a = 2\n"
    with pytest.raises(SnaError, match="does not exist"):
        write_config(tmp_path / "missing" / "sna.toml", "a = 1\n")


def test_missing_lookup_is_named(tmp_path):
    with pytest.raises(SnaError, match=r"lad24_csp24_pfa24\.csv"):
        read_lookups(tmp_path)


@pytest.mark.slow
def test_reading_end_to_end_keeps_its_records(lookups, tmp_path):
    from sna.data.prepare import prepare

    config = load_config(write(tmp_path, find_partnership("Reading", lookups)))
    manifest = prepare(config)
    assert manifest["totals"]["rows_kept"] > 0
    counts = pd.read_parquet(config.processed_dir / "counts.parquet")
    reading = counts[counts["district_code"] == "E06000038"]
    assert reading["count"].sum() > 10_000
    assert set(reading["district_name"]) == {"Reading"}
    assert set(pd.DatetimeIndex(reading["month"]).year) >= {2024, 2025}


def test_population_sources_follow_the_demo(lookups):
    text = config_text(find_partnership("Reading", lookups), reporting_years=[2019, 2021, 2025])
    by_year = tomllib.loads(text)["population"]["by_year"]
    assert by_year == {"2019": "mye2020", "2025": "mye2022"}  # 2021: Census 2021, the nearest


def test_former_districts_take_census_2021_not_the_mid_2022_estimates(lookups):
    # The mid-2022 estimates are on 2023 districts: they have Somerset, not Mendip.
    p = find_partnership("Somerset", lookups)
    assert p.former_districts
    by_year = tomllib.loads(config_text(p))["population"]["by_year"]
    assert by_year == {"2024": "census2021", "2025": "census2021"}
    assert not find_partnership("Oxfordshire", lookups).former_districts
