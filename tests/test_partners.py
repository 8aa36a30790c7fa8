"""Partner data: the file format's validation, the published inconsistencies, and the sections.

Reference values come from the text of ``../shared/data/published/README.md`` (the published
figures and the inconsistencies it lists), statsmodels (Wilson interval, quasi-Poisson trend)
and the raw police.uk files counted with the csv module.
"""

from __future__ import annotations

import csv
import gzip
import zipfile
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


# --- hostile partner files: a clear error naming file, row and column, never a crash --------


@pytest.mark.parametrize(
    ("line", "column", "words"),
    [
        ("2024,Oxford,A,," + "9" * 30 + ",,,Plan,", "count", "too large"),
        ("2024,Oxford,A,,Infinity,,,Plan,", "count", "whole number"),
        ("2024,Oxford,A,,1e6,,,Plan,", "count", "whole number"),
        ("2024,Oxford,A,,١٢,,,Plan,", "count", "whole number"),
        ("2024,Oxford,A,,1_000,,,Plan,", "count", "whole number"),
        ("2024,Oxford,A,,5," + "9" * 20 + ",population,Plan,", "denominator", "too large"),
        ("2024,Oxford,A,,5,10,total,Plan," + "9" * 400 + "%", "published_percent", "not a"),
        ("2024,Oxford,A,,5,10,total,Plan,40.0%%", "published_percent", "not a percentage"),
        ('2024,Oxford,A,,5,,,"=HYPERLINK(""http://x"",""y"")",', "source", "formula"),
        ("2024,Oxford,=1+1,,5,,,Plan,", "indicator", "formula"),
        ("2024,Oxford,A,@SUM(A1),5,,,Plan,", "category", "formula"),
        ("2024,Oxford,A,-1+cmd|' /C calc'!A0,5,,,Plan,", "category", "formula"),
        ("2024,Oxford," + "A" * 5000 + ",,5,,,Plan,", "indicator", "5,000 characters"),
        ("9999,Oxford,A,,5,,,Plan,", "period", "1900 to 2100"),
        ("2024-03-01,Oxford,A,,5,,,Plan,", "period", "turned it into a date"),
        ("2024-01/2024-12,Oxford,Sexual offences,,462,,,Plan,", "indicator", "row 2 too"),
        ("2024,Oxford,sexual  OFFENCES,,462,,,Plan,", "indicator", "row 2 too"),
    ],
)
def test_hostile_cells_are_errors_naming_row_and_column(tmp_path, line, column, words):
    with pytest.raises(PartnerFileError) as info:
        _read(tmp_path, GOOD, line)
    assert (info.value.row, info.value.column) == (3, column)
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_a_signed_note_is_kept_as_published(tmp_path):
    # the demo's "+602 crimes on 2021": a sign and a number are not a formula
    figures = _read(tmp_path, "2024,Oxford,A,,5,,,+602 crimes on 2021 (Thames Valley: +5%),")
    assert figures["source"].tolist() == ["+602 crimes on 2021 (Thames Valley: +5%)"]


def test_areas_match_whatever_their_spaces(tmp_path):
    figures = _read(tmp_path, "2024, vale\u00a0of  WHITE horse ,A,,5,,,Plan,")
    assert figures[["area_code", "area_name"]].values.tolist() == [
        ["E07000180", "Vale of White Horse"]
    ]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ((HEADER.replace(",", ";") + "\n").encode(), "separated by semicolons"),
        ((HEADER + "\n").encode("utf-16"), "UTF-16"),
        (b"PK\x03\x04" + bytes(60), "a workbook"),
        ((HEADER + "\n2024,Oxford,A\x00,,5,,,Plan,\n").encode(), "binary data"),
        ((HEADER + "\n2024,Oxford,A,,5,,,Plan,caf\xe9\n").encode("latin-1"), "not UTF-8"),
        ((HEADER + '\n2024,Oxford,"A,,5,,,Plan,\n').encode(), "row 2: not readable as CSV"),
    ],
)
def test_a_file_that_is_not_csv_utf8_is_named(tmp_path, data, words):
    path = tmp_path / "p.csv"
    path.write_bytes(data)
    with pytest.raises(PartnerFileError, match=words) as info:
        read_partner_file(path, districts=DISTRICTS, area_names=["Oxfordshire"])
    assert str(info.value).startswith(f"{path}: ")


def test_the_same_figure_in_two_files_is_an_error(tmp_path):
    # read twice, it was added up twice in the heat-map of districts and years
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_text(f"{HEADER}\n{GOOD}\n")
    with pytest.raises(PartnerFileError, match=r"b\.csv: row 2, .* is in \S*a\.csv, row 2 too"):
        read_partners(tmp_path, districts=DISTRICTS, area_names=["Oxfordshire"])


def test_an_indicator_spelled_two_ways_is_an_error(tmp_path):
    (tmp_path / "a.csv").write_text(f"{HEADER}\n{GOOD}\n")
    (tmp_path / "b.csv").write_text(f"{HEADER}\n2023,Oxford,Sexual Offences,,400,,,Plan,\n")
    with pytest.raises(PartnerFileError, match=r"spelled 'Sexual offences' in \S*a\.csv, row 2"):
        read_partners(tmp_path, districts=DISTRICTS, area_names=["Oxfordshire"])


@pytest.mark.parametrize("kind", ["folder", "dangling link", "link loop", "xls"])
def test_a_partner_file_that_cannot_be_read_is_not_skipped(tmp_path, kind):
    path = tmp_path / ("p.xls" if kind == "xls" else "p.csv")
    if kind == "folder":
        path.mkdir()
    elif kind == "dangling link":
        path.symlink_to(tmp_path / "missing.csv")
    elif kind == "link loop":
        path.symlink_to(path)
    else:
        path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(PartnerFileError) as info:
        read_partners(tmp_path, districts=DISTRICTS, area_names=["Oxfordshire"])
    assert str(info.value).startswith(f"{path}: ")


def _workbook(path: Path, sheets: list[list[list[object]]], merged: str = "") -> Path:
    """A minimal XLSX (zip of XML): text, numbers, and optionally merged cells on sheet 1."""

    def cell(ref: str, value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, int | float):
            return f'<c r="{ref}"><v>{value}</v></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    kinds = "http://schemas.openxmlformats.org/package/2006"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            f'<Types xmlns="{kinds}/content-types"><Default Extension="rels" ContentType='
            '"application/vnd.openxmlformats-package.relationships+xml"/><Default Extension='
            '"xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
            'main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{kinds}/relationships"><Relationship Id="r" Type="{rel}/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            + "".join(
                f'<sheet name="S{i}" sheetId="{i}" r:id="r{i}"/>' for i in range(1, len(sheets) + 1)
            )
            + "</sheets></workbook>",
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{kinds}/relationships">'
            + "".join(
                f'<Relationship Id="r{i}" Type="{rel}/worksheet" Target="worksheets/s{i}.xml"/>'
                for i in range(1, len(sheets) + 1)
            )
            + "</Relationships>",
        )
        for i, rows in enumerate(sheets, start=1):
            body = "".join(
                f'<row r="{r}">'
                + "".join(cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(row))
                + "</row>"
                for r, row in enumerate(rows, start=1)
            )
            merge = f'<mergeCells count="1"><mergeCell ref="{merged}"/></mergeCells>'
            z.writestr(
                f"xl/worksheets/s{i}.xml",
                f'<worksheet xmlns="{main}"><sheetData>{body}</sheetData>'
                + (merge if merged and i == 1 else "")
                + "</worksheet>",
            )
    return path


WORKBOOK_HEADER = HEADER.split(",")


@pytest.mark.parametrize(
    ("sheets", "merged", "words"),
    [
        (
            [[WORKBOOK_HEADER, [2024, "Oxford", "A", "", 5, 10, "total", "Plan", 0.5]]],
            "",
            "row 2, column 'published_percent': a number (0.5)",
        ),
        (
            [
                [WORKBOOK_HEADER, [2024, "Oxford", "A", "", 5, None, None, "Plan"]],
                [WORKBOOK_HEADER, [2024, "Cherwell", "A", "", 7, None, None, "Plan"]],
            ],
            "",
            "sheet 2 ('S2') holds partner figures too",
        ),
        (
            [
                [
                    WORKBOOK_HEADER,
                    [2024, "Oxford", "A", "", 5, None, None, "Plan"],
                    [2024, "Cherwell", "A", "", 7, None, None, None],
                ]
            ],
            "H2:H3",
            "row 3, column 'source': blank (required) (a merged cell",
        ),
    ],
)
def test_workbook_traps_are_named(tmp_path, sheets, merged, words):
    path = _workbook(tmp_path / "p.xlsx", sheets, merged)
    with pytest.raises(PartnerFileError) as info:
        read_partner_file(path, districts=DISTRICTS, area_names=["Oxfordshire"])
    assert str(info.value).startswith(f"{path}: {words}")


def test_a_workbook_is_read_like_its_csv(tmp_path):
    path = _workbook(
        tmp_path / "p.xlsx", [[WORKBOOK_HEADER, [2024, "Oxford", "A", "", 45465, None, None, "P"]]]
    )
    figures = read_partner_file(path, districts=DISTRICTS, area_names=["Oxfordshire"])
    assert figures[["period", "area_code", "count"]].values.tolist() == [
        ["2024", "E07000178", 45465]
    ]


# --- disclosure audit: no hidden count follows from what the reports show ---------------------


def _reader_equations(figures: pd.DataFrame, checks: pd.DataFrame, codes: list[str]):
    """Every sum a reader has: printed totals equal to their parts, and warnings' numbers.

    ``figures`` carries ``hidden`` (as shown in the reports) and ``checks`` ``shown`` (the
    warning printed with its numbers). Returns (members, total) pairs: ``total`` is a figure
    row (a printed total equal to its parts) or a number (a sum a warning prints).
    """
    counted = figures[figures["count"].notna()]
    equations = []
    for _, group in counted.groupby(["period", "area_code", "indicator"]):
        parts = group[group["category"].ne("") & ~group["is_total"]]
        for t, total in group[group["is_total"]].iterrows():
            if len(parts) and total["count"] == parts["count"].sum():
                equations.append((list(parts.index), t))
    for _, group in counted[counted["area_code"].isin(codes)].groupby(
        ["period", "indicator", "category"]
    ):
        whole = counted[
            (counted["area_code"] == "area")
            & (counted["period"] == group["period"].iloc[0])
            & (counted["indicator"] == group["indicator"].iloc[0])
            & (counted["category"] == group["category"].iloc[0])
        ]
        complete = set(group["area_code"]) == set(codes)
        if len(whole) and complete and whole["count"].iloc[0] == group["count"].sum():
            equations.append((list(group.index), whole.index[0]))
    for _, check in checks[checks["shown"]].iterrows():
        row = counted[(counted["file"] == check["file"]) & (counted["row"] == check["row"])]
        if row.empty or check["kind"] not in ("area_total", "total", "percent_total"):
            continue
        r = row.iloc[0]
        if check["kind"] == "area_total":
            members = counted[
                counted["area_code"].isin(codes)
                & (counted["period"] == r["period"])
                & (counted["indicator"] == r["indicator"])
                & (counted["category"] == r["category"])
            ]
            number = check["expected"]
        else:
            members = counted[
                (counted["period"] == r["period"])
                & (counted["area_code"] == r["area_code"])
                & (counted["indicator"] == r["indicator"])
                & counted["category"].ne("")
                & ~counted["is_total"]
            ]
            number = check["printed"] if check["kind"] == "percent_total" else check["expected"]
        equations.append((list(members.index), float(number.replace(",", ""))))
    return equations


def _audit(figures: pd.DataFrame, checks: pd.DataFrame, codes: list[str], threshold: int = 4):
    """Hidden cells a reader can pin to one value or narrow into 1..threshold (scipy LP/MILP)."""
    from sna.stats.disclosure import narrowed, pinned

    equations = _reader_equations(figures, checks, codes)
    hidden = [
        i for i in figures.index if figures.loc[i, "hidden"] and pd.notna(figures.loc[i, "count"])
    ]
    column = {i: k for k, i in enumerate(hidden)}
    rows, rhs = [], []
    for members, total in equations:
        line = np.zeros(len(hidden))
        target = 0.0
        terms = [(m, 1.0) for m in members]
        terms += [] if isinstance(total, float) else [(total, -1.0)]
        for i, coef in terms:
            if i in column:
                line[column[i]] += coef
            else:
                target -= coef * float(figures.loc[i, "count"])
        if isinstance(total, float):
            target += total
        if line.any():
            rows.append(line)
            rhs.append(target)
    if not hidden:
        return []
    a = np.array(rows).reshape(len(rows), len(hidden))
    b = np.array(rhs)
    values = figures.loc[hidden, "count"].astype(float).to_numpy()
    lower = np.minimum(values, 1.0)
    small = [k for k, v in enumerate(values) if 1 <= v <= threshold]
    found = set(narrowed(a, b, small, threshold=threshold, lower=lower))
    found |= set(pinned(a, b, range(len(hidden)), tolerance=1 - 1e-9, lower=lower))
    return sorted(figures.loc[[hidden[k] for k in found], "count"].tolist())


def _synthetic(tmp_path: Path, area_count: int):
    folder = tmp_path / "partners"
    folder.mkdir()
    lines = [
        f"2024,{name},Arson,,{n},,,Plan,"
        for (_, name), n in zip(DISTRICTS, [3, 60, 87, 40, 50], strict=True)
    ]
    lines.append(f"2024,Oxfordshire,Arson,,{area_count},,,Plan,")
    (folder / "arson.csv").write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return read_partners(
        folder, districts=DISTRICTS, area_names=["Oxfordshire"], relative_to=tmp_path
    )


@pytest.mark.parametrize("area_count", [240, 250])
def test_a_hidden_district_cannot_be_worked_out_from_the_area(tmp_path, area_count):
    from sna.assessment.partners import partner_hidden, withheld_checks

    p = _synthetic(tmp_path, area_count)
    codes = [c for c, _ in DISTRICTS]
    figures = p.figures.reset_index(drop=True)
    # Before: only the small count hidden; the warning (sum 240) or the equal total pins it to 3.
    before = figures.assign(hidden=partner_estimates(figures, threshold=4)["hidden"])
    assert before["hidden"].sum() == 1
    assert _audit(before, p.checks.assign(shown=True), codes) == [3]
    hidden = partner_hidden(figures, codes, threshold=4)
    withheld = withheld_checks(p.checks, figures, hidden, codes)
    after = figures.assign(hidden=hidden)
    # The next smallest district (Vale of White Horse, 40) is hidden with Cherwell's 3.
    assert after.loc[after["hidden"], "count"].tolist() == [3, 40]
    assert withheld.all()  # the area_total warning (when there is one) loses its numbers
    assert _audit(after, p.checks.assign(shown=~withheld), codes) == []


@pytest.mark.slow
def test_no_hidden_partner_figure_follows_from_the_demo_reports(prepared):
    from sna.assessment.partners import area_partners, district_partners
    from sna.data.processed import load_processed
    from sna.report.partners import figure_table, warning_table

    config, _ = prepared
    data = load_processed(config)
    codes = list(config.district_codes)
    figures = data.partners.reset_index(drop=True)
    state: dict[int, set[bool]] = {}
    texts: list[str] = []
    for year in (2024, 2025):
        for d in config.districts:
            p = district_partners(data, d.code, year)
            for i, h in p.figures["hidden"].items():
                state.setdefault(int(i), set()).add(bool(h))
            texts += figure_table(p.figures, p.checks)["Data-quality warning"].tolist()
            for h in p.heatmaps:
                for area in h.counts.index:
                    for y in h.counts.columns:
                        row = figures.index[
                            (figures["area_name"] == area)
                            & (figures["indicator"] == h.indicator)
                            & (figures["period"] == str(y))
                            & figures["category"].eq("")
                        ]
                        state.setdefault(int(row[0]), set()).add(bool(h.hidden.loc[area, y]))
        o = area_partners(data, year)
        texts += warning_table(o.checks)["Warning"].tolist()
    # Every figure is hidden in every report or in none.
    assert all(len(s) == 1 for s in state.values())
    shown_checks = data.partner_checks.assign(
        shown=[any(m in t for t in texts) for m in data.partner_checks["message"]]
    )
    marked = figures.assign(hidden=[next(iter(state.get(i, {False}))) for i in figures.index])
    assert _audit(marked, shown_checks, codes) == []
    # As published: Oxford's 462 sexual offences in 2024 and the Oxfordshire valid crimes.
    oxford = marked[
        (marked["area_name"] == "Oxford") & (marked["indicator"] == "Sexual offences")
        & (marked["period"] == "2024")
    ].iloc[0]  # fmt: skip
    assert (oxford["count"], oxford["hidden"]) == (462, False)
    # The exploitation types 5, 2 and 1 hidden (their sum's warning worded without numbers), and
    # the 29 of 32 care workers (32 - 29 = 3 is small).
    assert sorted(marked.loc[marked["hidden"], "count"].tolist()) == [1, 2, 5, 29]
    assert not shown_checks.loc[shown_checks["kind"] == "percent_total", "shown"].any()
    assert shown_checks.loc[shown_checks["kind"] == "area_total", "shown"].all()
