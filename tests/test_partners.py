"""Partner data: the file format's validation, the published inconsistencies, and the sections.

Reference values come from the text of ``../shared/data/published/README.md`` (the published
figures and the inconsistencies it lists), statsmodels (Wilson interval, quasi-Poisson trend)
and the raw police.uk files counted with the csv module.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.proportion import proportion_confint

from sna.assessment.partners import partner_estimates, partner_trends
from sna.build.cli import main
from sna.data.partners import PartnerFileError, parse_period, read_partner_file, read_partners
from sna.report.partners import figure_table
from tests.conftest import RAW, write_config

PARTNERS = RAW / "partners"
DISTRICTS = [
    ("E07000177", "Cherwell"),
    ("E07000178", "Oxford"),
    ("E07000179", "South Oxfordshire"),
    ("E07000180", "Vale of White Horse"),
    ("E07000181", "West Oxfordshire"),
]
HEADER = (
    "period,area,indicator,category,count,denominator,denominator_type,source,published_percent"
)


@pytest.fixture(scope="module")
def demo():
    return read_partners(PARTNERS, districts=DISTRICTS, area_names=["Oxfordshire"], relative_to=RAW)


def _read(tmp_path: Path, *lines: str, name: str = "partner.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return read_partner_file(path, districts=DISTRICTS, area_names=["Oxfordshire"])


GOOD = "2024,Oxford,Sexual offences,,462,,,Plan,"


# --- validation: file, row and column named --------------------------------------------------


@pytest.mark.parametrize(
    ("line", "row", "column", "words"),
    [
        ("2024,Oxford,Sexual offences,,12.5,,,Plan,", 3, "count", "whole number"),
        ("2024,Oxford,Sexual offences,,-3,,,Plan,", 3, "count", "whole number"),
        ("2024,Oxon,Sexual offences,,462,,,Plan,", 3, "area", "unknown area 'Oxon'"),
        ("24,Oxford,Sexual offences,,462,,,Plan,", 3, "period", "must be a year"),
        ("2024/26,Oxford,Sexual offences,,462,,,Plan,", 3, "period", "financial year"),
        ("2024,Oxford,,,462,,,Plan,", 3, "indicator", "blank (required)"),
        ("2024,Oxford,Sexual offences,,462,,,,", 3, "source", "blank (required)"),
        ("2024,Oxford,Share,,40,30,,Plan,", 3, "count", "more than its denominator"),
        ("2024,Oxford,Share,,4,30,people,Plan,", 3, "denominator_type", "must be one of"),
        ("2024,Oxford,Share,,4,30,,Plan,forty", 3, "published_percent", "not a percentage"),
        ("2024,Oxford,Share,,,,,Plan,", 3, "count", "a row needs a count"),
        (GOOD, 3, "indicator", "given in row 2 too"),
    ],
)
def test_a_bad_cell_names_file_row_and_column(tmp_path, line, row, column, words):
    with pytest.raises(PartnerFileError) as info:
        _read(tmp_path, GOOD, line)
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'partner.csv'}: row {row}, column '{column}':")
    assert words in message
    assert (info.value.row, info.value.column) == (row, column)


def test_blank_rows_do_not_shift_the_row_numbers(tmp_path):
    with pytest.raises(PartnerFileError, match=r"row 4, column 'count'"):
        _read(tmp_path, GOOD, ",,,,,,,,", "2025,Oxford,Sexual offences,,x,,,Plan,")


def test_unknown_and_missing_columns_are_named(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("period,area,indicator,cuont,source\n2024,Oxford,A,1,Plan\n")
    with pytest.raises(PartnerFileError, match=r"row 1, column 'cuont': unknown column"):
        read_partner_file(path, districts=DISTRICTS, area_names=["Oxfordshire"])
    path.write_text("period,area,indicator,count\n2024,Oxford,A,1\n")
    with pytest.raises(PartnerFileError, match=r"row 1, column 'source': missing \(required\)"):
        read_partner_file(path, districts=DISTRICTS, area_names=["Oxfordshire"])


def test_a_bad_partner_file_stops_prepare_with_exit_2(tmp_path, capsys):
    partners = tmp_path / "partners"
    partners.mkdir()
    (partners / "bad.csv").write_text(f"{HEADER}\n{GOOD}\n2024,Oxford,Robbery,,many,,,Plan,\n")
    config = write_config(
        tmp_path / "run",
        replace={r'^partners = "partners"': f'partners = "{partners.as_posix()}"'},
    )
    status = main(["prepare", "--config", str(config), "--quiet"])
    err = capsys.readouterr().err
    assert status == 2
    assert "Traceback" not in err and err.count("\n") == 1
    assert f"{partners / 'bad.csv'}: row 3, column 'count':" in err


def test_periods_as_documented():
    assert [str(m) for m in parse_period("2024")] == ["2024-01", "2024-12"]
    assert [str(m) for m in parse_period("2016-17")] == ["2016-04", "2017-03"]
    assert [str(m) for m in parse_period("2016/2017")] == ["2016-04", "2017-03"]
    assert [str(m) for m in parse_period("2024-03")] == ["2024-03", "2024-03"]
    with pytest.raises(ValueError, match="ends before it starts"):
        parse_period("2025-01/2024-02")


# --- the demo data: figures as published, every inconsistency of the README ------------------


def test_figures_are_kept_as_published(demo):
    f = demo.figures
    oxford = f[(f["indicator"] == "Sexual offences") & (f["area_name"] == "Oxford")]
    assert dict(zip(oxford["year"], oxford["count"], strict=True)) == {
        2018: 382, 2019: 466, 2020: 346, 2021: 483, 2022: 485, 2023: 474, 2024: 462,
    }  # fmt: skip
    unknown = f[f["category"] == "Unknown"].iloc[0]
    assert unknown["published_percent"] == "1.6"  # not "1.6%", not corrected
    total = f[(f["indicator"] == "Valid crimes") & (f["area_name"] == "Oxfordshire")].iloc[0]
    assert (total["count"], total["denominator"]) == (45465, 726530)


def _checks(demo, kind, **where):
    c = demo.checks[demo.checks["kind"] == kind]
    for key, value in where.items():
        c = c[c[key] == value]
    return c


def test_printed_oxfordshire_total_differs_from_the_districts(demo):
    # README: the printed Oxfordshire total (45,465) is less than the sum of the districts (45,645).
    published = [17002, 10994, 4478, 8446, 4725]
    assert sum(published) == 45645
    (row,) = (
        _checks(demo, "area_total", indicator="Valid crimes")
        .query("printed == '45,465'")
        .itertuples()
    )
    assert row.expected == "45,645" and "-180" in row.message
    assert row.file == "partners/oscp_2025_26_table1_valid_crimes_2024.csv" and row.row == 7


def test_exploitation_percentages_fit_170_not_the_counts_169(demo):
    # README: the counts sum to 169, while the percentages match a total of 170 (68/170 = 40.0%).
    counts = [68, 39, 35, 19, 5, 2, 1]
    assert sum(counts) == 169 and round(100 * 68 / 170, 1) == 40.0
    (row,) = _checks(demo, "percent_total").itertuples()
    assert (row.printed, row.expected) == ("169", "170")
    labour = _checks(demo, "percent", category="Labour Exploitation").iloc[0]
    assert labour["printed"] == "40.0%" and labour["expected"] == f"{100 * 68 / 169:.2f}%"


def test_unknown_is_printed_without_a_percent_sign_and_does_not_match(demo):
    # README: "Unknown" is printed as 1.6 without a % sign, although 2/170 is 1.2%.
    assert _checks(demo, "percent_sign", category="Unknown")["printed"].tolist() == ["1.6"]
    message = _checks(demo, "percent", category="Unknown")["message"].iloc[0]
    assert f"{100 * 2 / 170:.1f}" == "1.2"
    assert f"of 170, {100 * 2 / 170:.2f}%" in message


def test_restorative_justice_68_percent_is_not_126_of_235(demo):
    # README: 126 engaging, "68% of contacted" as printed; 126/235 = 53.6%.
    row = _checks(demo, "percent", printed="68%").iloc[0]
    assert row["expected"] == f"{100 * 126 / 235:.1f}%" == "53.6%"


def test_consistent_figures_raise_no_warning(demo):
    # Table 1's crimes per capita (2 d.p.) and the custodial-sentence percentages fit their counts.
    assert _checks(demo, "rate").empty
    assert _checks(demo, "percent", printed="3.7%").empty
    assert set(demo.checks["kind"]) == {"area_total", "percent", "percent_total", "percent_sign"}


# --- estimates, suppression and formatting ---------------------------------------------------


def test_shares_are_wilson_intervals_as_statsmodels(demo):
    est = partner_estimates(demo.figures, threshold=4)
    labour = est[est["category"] == "Labour Exploitation"].iloc[0]
    lower, upper = proportion_confint(68, 169, alpha=0.05, method="wilson")
    assert labour["share"] == pytest.approx(100 * 68 / 169)
    assert labour["share_lower95"] == pytest.approx(100 * lower, abs=1e-9)
    assert labour["share_upper95"] == pytest.approx(100 * upper, abs=1e-9)
    engaging = est[est["published_percent"] == "68%"].iloc[0]
    lower, upper = proportion_confint(126, 235, alpha=0.05, method="wilson")
    assert engaging["share_lower95"] == pytest.approx(100 * lower, abs=1e-9)


def test_small_counts_are_hidden_with_their_percentages(demo):
    est = partner_estimates(demo.figures, threshold=4)
    types = est[est["indicator"] == "Modern slavery and exploitation reports"].set_index("category")
    # 2 and 1 are small; 5 is hidden too so that their sum cannot be worked out from 169.
    assert types["hidden"].to_dict() == {
        "Labour Exploitation": False, "Criminal Exploitation": False,
        "Sexual Exploitation": False, "Financial Exploitation": False,
        "Domestic Servitude": True, "Unknown": True, "Cultural Exploitation": True,
    }  # fmt: skip
    shown = figure_table(
        est[est["indicator"] == "Modern slavery and exploitation reports"], demo.checks
    )
    unknown = shown[shown["Indicator"].str.endswith("Unknown")].iloc[0]
    assert (unknown["Count"], unknown["Published"]) == ("[c]", "[c]")
    assert "2 of" not in unknown["Data-quality warning"]
    assert "without a % sign" in unknown["Data-quality warning"]


def test_oxford_sexual_offences_shown_as_published(demo):
    est = partner_estimates(demo.figures, threshold=4)
    rows = est[(est["indicator"] == "Sexual offences") & (est["area_name"] == "Oxford")]
    table = figure_table(rows[rows["year"] == 2024], demo.checks)
    assert table["Count"].tolist() == ["462"]


def test_rate_per_1000_of_valid_crimes(demo):
    est = partner_estimates(demo.figures, threshold=4)
    oxford = est[(est["indicator"] == "Valid crimes") & (est["area_name"] == "Oxford")].iloc[0]
    assert oxford["rate"] == pytest.approx(1000 * 17002 / 162100)
    assert oxford["rate_lower95"] < oxford["rate"] < oxford["rate_upper95"]


def test_trend_of_sexual_offences_matches_a_quasi_poisson_glm(demo):
    trends = partner_trends(demo.figures, threshold=4, through=2024).set_index("area_name")
    counts = np.array([382, 466, 346, 483, 485, 474, 462])
    x = sm.add_constant(np.arange(7.0))
    fit = sm.GLM(counts, x, family=sm.families.Poisson()).fit(scale="X2")
    assert trends.loc["Oxford", "value"] == pytest.approx(100 * (np.exp(fit.params[1]) - 1))
    assert trends.loc["Oxford", "n_years"] == 7


# --- the prepared demo: the sections' figures ------------------------------------------------


def _police_uk_2024() -> dict[str, int]:
    """Crimes (not ASB) with a location in the 2024 raw files, by district, from the LSOA name."""
    names = [n for _, n in DISTRICTS]
    counts = dict.fromkeys(names, 0)
    ids: set[str] = set()
    for path in sorted((RAW / "police_uk").rglob("2024-*-street.csv.gz")):
        with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                crime_id = row["Crime ID"].strip()
                if row["Crime type"] == "Anti-social behaviour" or not row["LSOA code"].strip():
                    continue
                if crime_id in ids:
                    continue
                ids.add(crime_id)
                district = row["LSOA name"].rsplit(" ", 1)[0]
                if district in counts:
                    counts[district] += 1
    return counts


@pytest.mark.slow
def test_valid_crimes_against_police_uk_counted_by_hand(prepared):
    from sna.assessment.partners import area_partners, district_partners
    from sna.data.processed import load_processed

    config, _ = prepared
    data = load_processed(config)
    rc = area_partners(data, 2025).recorded_crime
    assert rc is not None and rc.year == 2024 and len(rc.months) == 4
    by_hand = _police_uk_2024()
    published = {"Cherwell": 10994, "Oxford": 17002, "South Oxfordshire": 4478,
                 "Vale of White Horse": 8446, "West Oxfordshire": 4725}  # fmt: skip
    for district, count in by_hand.items():
        assert rc.table.loc[district, "police_uk"] == count
        assert rc.table.loc[district, "difference"] == pytest.approx(
            published[district] - count * 12 / 4
        )
    assert rc.table.loc["Oxfordshire", "valid_crimes"] == 45465  # the printed total
    assert rc.table.loc["Oxfordshire", "police_uk"] == sum(by_hand.values())
    oxford = district_partners(data, "Oxford", 2024)
    sexual = oxford.figures[oxford.figures["indicator"] == "Sexual offences"]
    assert sexual["count"].tolist() == [462]
    assert oxford.heatmaps[0].counts.loc["Oxford", 2024] == 462
    assert district_partners(data, "Oxford", 2025).year == 2024  # latest year with figures
    assert not pd.isna(oxford.trends.loc[0, "value"])
