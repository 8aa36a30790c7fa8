"""`sna init`: partnerships resolved from the ONS lookups, and the configs written for them."""

from __future__ import annotations

import os
import re
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
    check_output,
    check_reporting_years,
    config_text,
    find_partnership,
    read_lookups,
    write_config,
)
from sna.errors import ConfigError, SnaError

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


def refusal(query: str, lookups) -> str:
    with pytest.raises(SnaError) as info:
        find_partnership(query, lookups)
    return str(info.value)


def closest(message: str) -> list[str]:
    """The names a refusal lists as closest, in order."""
    assert "; closest: " in message, message
    return re.findall(r"(?:^|; )([^;]+?) \(", message.split("; closest: ", 1)[1])


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("Rhondda", "Rhondda Cynon Taf"),  # starts with the query
        ("King's Lynn", "King's Lynn and West Norfolk"),
        ("Bucks", "Buckinghamshire"),  # a county's short form
        ("Hull", "Kingston upon Hull, City of"),  # a whole word, not Solihull
        ("Richmond", "Richmond upon Thames"),
        ("Oxfrodshire", "Oxfordshire"),  # a misspelling: difflib
    ],
)
def test_closest_matches_put_the_obvious_name_first(lookups, query, first):
    message = refusal(query, lookups)
    what = "Community Safety Partnership, district, county or force"
    assert message.startswith(f"no {what} called {query!r} in the ONS lookups; closest: ")
    names = closest(message)
    assert names[0] == first
    assert 3 <= len(names) <= 5
    assert message.count("\n") == 0


def test_closest_matches_name_kinds_and_codes(lookups):
    message = refusal("Bucks", lookups)
    assert "closest: Buckinghamshire (district E06000060); South Bucks (CSP E22000311)" in message
    assert "Rhondda Cynon Taf (district W06000016)" in refusal("Rhondda", lookups)


def test_an_unknown_name_still_lists_three_names(lookups):
    assert closest(refusal("Atlantis", lookups)) == [
        "St Albans",
        "Havant",
        "Thanet",
        "Rutland",
        "Carlisle",
    ]


def test_an_unknown_code_lists_the_kinds_of_code_and_the_nearest(lookups):
    message = refusal("E99999999", lookups)
    assert message.startswith(
        "no Community Safety Partnership, district, county or force has the ONS code 'E99999999'"
    )
    assert "Community Safety Partnership E22, W14; district E06, E07, E08, E09, W06" in message
    assert "county E10, E11, E13; police force area E23, W15" in message
    near = message.split("closest: ")[1].split("; ")
    assert near[0] == "E23000039 Dorset (police)" and len(near) == 5
    assert refusal("E22000999", lookups).endswith(
        "closest: E22000374 North Hampshire (CSP); E22000373 Western Suffolk (CSP); "
        "E22000372 North Yorkshire (CSP); E22000371 City of York (CSP); E22000369 Somerset (CSP)"
    )


@pytest.mark.parametrize(
    ("query", "choices"),
    [
        (
            "Newcastle",
            (
                "'Newcastle upon Tyne' (CSP E22000245, district E08000021: 1 district) or "
                "'Newcastle-under-Lyme' (CSP E22000266, district E07000195: 1 district)"
            ),
        ),
        (
            "Kingston",
            (
                "'Kingston upon Hull' (CSP E22000134, district E06000010: 1 district) or "
                "'Kingston upon Thames' (CSP E22000206, district E09000021: 1 district)"
            ),
        ),
        (
            "Thames",
            (
                "'Thames Valley' (police E23000029: 13 districts), 'Kingston upon Thames' (CSP "
                "E22000206, district E09000021: 1 district) or 'Richmond upon Thames' (CSP "
                "E22000212, district E09000027: 1 district)"
            ),
        ),
    ],
)
def test_a_word_of_several_names_is_ambiguous(lookups, query, choices):
    message = refusal(query, lookups)
    assert message == f"{query!r} is ambiguous: it is part of several names; say which: {choices}"
    for words in re.findall(r"'([^']+)' \(", choices):  # the words given choose each
        assert find_partnership(words, lookups).code in choices


def test_london_is_ambiguous_not_the_city(lookups):
    message = refusal("London", lookups)
    assert message == (
        "'London' is ambiguous: it is part of several names; say which: 'Metropolitan Police' "
        "(police E23000001: 32 districts), 'City of London' (CSP E22000180, district E09000001, "
        "police E23000034: 1 district), 'Inner London' (county E13000001: 14 districts) or "
        "'Outer London' (county E13000002: 19 districts)"
    )
    assert codes(find_partnership("City of London", lookups)) == {"E09000001": "City of London"}
    met = find_partnership("Metropolitan Police", lookups)
    assert (met.kind, met.code, len(met.districts)) == (FORCE, "E23000001", 32)
    assert "E09000001" not in codes(met)
    assert refusal("London police", lookups).endswith(
        "say which: 'Metropolitan Police' (police E23000001: 32 districts) or 'City of London' "
        "(police E23000034: 1 district)"
    )


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("Metropolitan Police Service", "E23000001"),  # police.uk's name
        ("Met Police", "E23000001"),
        ("City of London Police", "E23000034"),
        ("Hampshire and Isle of Wight Constabulary", "E23000030"),
        ("Kent Police Service", "E23000032"),
        ("Thames Valley Police", "E23000029"),
    ],
)
def test_police_uk_force_names_give_the_force(lookups, query, code):
    p = find_partnership(query, lookups)
    assert (p.kind, p.code) == (FORCE, code)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("Bristol", "E22000002"),  # "Bristol, City of": no other name has the word Bristol
        ("City of Bristol", "E22000002"),
        ("Kingston upon Hull", "E22000134"),
        ("County of Herefordshire", "E22000326"),
        ("kings lynn and west norfolk", "E22000221"),
    ],
)
def test_names_with_a_comma_are_found_in_their_spoken_forms(lookups, query, code):
    assert find_partnership(query, lookups).code == code


@pytest.mark.parametrize("query", ["", "   ", ".", " - "])
def test_an_empty_name_is_refused(lookups, query):
    assert refusal(query, lookups) == f"{query!r} names no area: give a name or an ONS code"


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


def test_write_config_never_replaces_a_folder_or_device(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    for force in (False, True):
        with pytest.raises(SnaError) as info:
            write_config(folder, "a = 1\n", force=force)
        assert str(info.value) == (
            f"{folder}: is a folder, not a config file; choose another --output"
        )
    assert list(folder.iterdir()) == []
    with pytest.raises(SnaError, match=r"^/dev/null: is a device, not a config file"):
        write_config("/dev/null", "a = 1\n", force=True)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(SnaError, match="fifo: is a named pipe, not a config file"):
        check_output(fifo)
    check_output(tmp_path / "missing.toml")  # a new file is fine
    (tmp_path / "link.toml").symlink_to(folder)
    with pytest.raises(SnaError, match=r"link\.toml: is a folder"):
        check_output(tmp_path / "link.toml")


@pytest.mark.parametrize(
    ("years", "got"), [([25], "25"), ([2025, 1999, 2101], "1999, 2101"), ([], "none")]
)
def test_reporting_years_are_checked_as_the_config_loader_does(lookups, tmp_path, years, got):
    message = f"reporting_years: must be years like 2024 2025 (2010 to 2100); got {got}"
    with pytest.raises(SnaError) as info:
        check_reporting_years(years)
    assert str(info.value) == message
    with pytest.raises(SnaError, match=re.escape(message)):
        config_text(find_partnership("Reading", lookups), reporting_years=years)
    assert check_reporting_years([2025, 2010, 2100, 2025]) == [2010, 2025, 2100]


def test_the_year_range_is_the_config_loaders(lookups, tmp_path):
    """The extremes load; one past them is refused by the loader as by init."""
    text = config_text(find_partnership("Reading", lookups), raw=RAW, reporting_years=[2010, 2100])
    path = tmp_path / "sna.toml"
    write_config(path, text)
    assert load_config(path).reporting_years == (2010, 2100)
    path.write_text(text.replace("reporting_years = [2010, 2100]", "reporting_years = [2009]"))
    with pytest.raises(ConfigError, match="reporting_years"):
        load_config(path)


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
