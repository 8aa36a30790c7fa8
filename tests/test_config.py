"""The assessment config: the demo loads, and each mistake names its key."""

from __future__ import annotations

import pytest

from sna.data.config import load_config
from sna.errors import ConfigError
from tests.conftest import DEMO_CONFIG, write_config


def test_demo_config_loads():
    config = load_config(DEMO_CONFIG)
    assert [d.name for d in config.districts] == [
        "Cherwell", "Oxford", "South Oxfordshire", "Vale of White Horse", "West Oxfordshire",
    ]  # fmt: skip
    assert config.benchmark.name == "Oxfordshire"
    assert config.benchmark.district_codes == config.district_codes
    assert config.reporting_years == (2024, 2025)
    assert config.suppression_threshold == 4
    assert config.crime_groups["Violence"] == (
        "Violence and sexual offences", "Robbery", "Possession of weapons",
    )  # fmt: skip


def test_population_source_is_configured_or_nearest():
    config = load_config(DEMO_CONFIG)
    # The mid-year estimate nearest the year: mid-2022 for 2022-2025, mid-2020 for 2018-19.
    for year, key in {2025: "mye2022", 2024: "mye2022", 2022: "mye2022", 2018: "mye2020"}.items():
        assert config.population_source_for(year).key == key
    assert config.population_source_for(2019).key == "mye2020"
    assert config.population_source_for(2021).key == "census2021"  # not listed: nearest
    assert config.population_source_for(2023).key == "mye2022"
    # Every label says which year's estimate it is: reports print it beside the figures.
    for source in config.population_sources.values():
        assert str(source.year) in source.label
    assert config.population_source_for(2025).file.name == "mye22final.xlsx"


def test_population_label_must_name_its_year(tmp_path):
    path = write_config(
        tmp_path,
        replace={r'^label = "ONS mid-2022 population estimates"': 'label = "ONS estimates"'},
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == "population.sources.mye2022.label"
    assert "which year's estimate" in str(info.value)


def test_new_area_sources_are_optional_with_the_demo_defaults(tmp_path):
    """A config written before IoD2025 and the LSOA 2011-2021 lookup still loads (demo files)."""
    demo = load_config(DEMO_CONFIG)
    path = write_config(
        tmp_path, replace={r"^lsoa_lookup_2011_2021 = .*\n": "", r"^iod2025 = .*\n": ""}
    )
    config = load_config(path)
    assert config.sources.lsoa_lookup_2011_2021 == demo.sources.lsoa_lookup_2011_2021
    assert config.sources.iod2025 == demo.sources.iod2025
    assert config.sources.iod2025.name == "imd2025_lsoa21_ranks_deciles_scores.csv.gz"


def test_deprivation_domains_are_one_mapping():
    """The config's domains are those of sna.data.areas, each with its columns."""
    from sna.data.areas import DEPRIVATION_DOMAINS, domain_column
    from sna.data.config import DEPRIVATION_DOMAINS as CONFIG_DOMAINS

    assert tuple(DEPRIVATION_DOMAINS) == CONFIG_DOMAINS
    assert domain_column("Barriers to Housing and Services") == "barriers_decile"
    assert DEPRIVATION_DOMAINS["Barriers to Housing and Services"].iod2025 == "Housing_and_Services"
    assert DEPRIVATION_DOMAINS["Living Environment"].iod2025 == "Environment"
    assert domain_column("IMD", "rank") == "imd_rank"
    with pytest.raises(ValueError, match="unknown deprivation domain"):
        domain_column("Wealth")


def test_district_lookup_by_name_or_code():
    config = load_config(DEMO_CONFIG)
    assert config.district("oxford").code == "E07000178"
    assert config.district("E07000181").name == "West Oxfordshire"
    with pytest.raises(ConfigError, match="no district 'Reading'"):
        config.district("Reading")


@pytest.mark.parametrize(
    ("pattern", "replacement", "key", "message"),
    [
        (r'^code = "E07000178"', 'code = "OX1"', "districts[1].code", "ONS district code"),
        (r"^reporting_years = .*", 'reporting_years = "2025"', "reporting_years", "must be a list"),
        (r"^reporting_years = .*", "", "reporting_years", "missing"),
        (
            r"^suppression_threshold = 4",
            "suppression_threshold = 0",
            "suppression_threshold",
            "1 or more",
        ),
        (
            r'"Robbery", "Possession',
            '"Robery", "Possession',
            "crime_groups.Violence",
            "'Robery' is not",
        ),
        (
            r'^deprivation_domain = "Income"',
            'deprivation_domain = "Wealth"',
            "deprivation_domain",
            "one of",
        ),
        (r'^imd = ".*"', 'imd = "imd2019/nope.csv"', "sources.imd", "not found"),
        (r'^iod2025 = ".*"', 'iod2025 = "imd2025/nope.csv"', "sources.iod2025", "not found"),
        (
            r"^lsoa_lookup_2011_2021 = .*",
            'lsoa_lookup_2011_2021 = "lookups/nope.csv"',
            "sources.lsoa_lookup_2011_2021",
            "not found",
        ),
        (
            r'^2024 = "mye2022"',
            '2024 = "census2031"',
            "population.by_year.2024",
            "unknown source",
        ),
        (
            r'^format = "ons-mye-workbook"',
            'format = "xls"',
            "population.sources.mye2020.format",
            "one of",
        ),
        (r'^name = "Oxfordshire"$', "name = 3", "benchmark.name", "must be a str"),
        (  # the benchmark named like a district made every notebook fail on a pandas reindex
            r'^name = "Oxfordshire"$',
            'name = "oxford"',
            "benchmark.name",
            "'oxford' is also the name of district E07000178",
        ),
    ],
)
def test_invalid_config_names_the_key(tmp_path, pattern, replacement, key, message):
    path = write_config(tmp_path, replace={pattern: replacement})
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == key
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_not_toml(tmp_path):
    path = tmp_path / "sna.toml"
    path.write_text("name = [unclosed\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "absent.toml")


def test_fingerprint_changes_with_content(tmp_path):
    a = load_config(write_config(tmp_path)).fingerprint()
    assert load_config(write_config(tmp_path)).fingerprint() == a
    changed = {r"^suppression_threshold = 4": "suppression_threshold = 5"}
    assert load_config(write_config(tmp_path, replace=changed)).fingerprint() != a


def test_paths_keep_symbolic_links(tmp_path):
    """A police.uk folder linked from a shared drive stays under the raw folder (not resolved)."""
    from tests.conftest import RAW, link_area_data

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "police_uk").symlink_to(RAW / "police_uk")
    link_area_data(raw)
    config = load_config(write_config(tmp_path, raw=raw))
    assert config.sources.police_uk == raw / "police_uk"
    assert config.sources.imd.is_relative_to(raw)
