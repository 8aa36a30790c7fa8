"""Published tables: small counts and everything derived from them are hidden."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sna.assessment.disclosure import count_mask, linked_masks, overview_mask
from sna.report.tables import (
    SIGNIFICANT,
    change_table,
    interval,
    overview_table,
    persistent_table,
    symbol_note,
    thousands,
    top_areas_table,
)
from sna.stats.change import period_change


def test_overview_table_suppresses_small_district_counts():
    overview = pd.DataFrame(
        {
            "count": [3, 120, 40, 163], "denominator": [1000, 2000, 1500, 4500],
            "value": [3.0, 60.0, 26.7, 36.2], "lower95": [0.6, 49.7, 19.0, 30.9], "upper95": [8.8, 71.8, 36.3, 42.2],
            "compare95": ["lower", "higher", "similar", ""], "compare998": ["similar", "higher", "similar", ""],
        },
        index=["A", "B", "C", "County"],
    )  # fmt: skip
    hidden = overview_mask(overview, benchmark="County", threshold=4)
    table = overview_table(overview, hidden=hidden, benchmark="County")
    # A (3) is primary; the smallest other district (C) is hidden too, or A = 163 - 120 - 40.
    assert table.loc["A"].tolist()[0] == "[c]"
    assert table.loc["A", "Rate per 1,000 residents a year"] == "[c]"
    assert table.loc["A", "95% confidence interval"] == "[c]"
    assert table.loc["C", "Crimes"] == "[c]"
    assert table.loc["B", "Crimes"] == "120"
    assert table.loc["County", "Crimes"] == "163"
    assert table.loc["B", "Compared with County (95%)"] == "Higher"
    assert table.loc["B", "Residents"] == "2,000"


def test_change_table_hides_change_of_suppressed_counts():
    counts = pd.DataFrame(
        {"count": [10, 1200, 0, 150], "before": [3, 400, 0, 50], "after": [7, 380, 0, 55]},
        index=["X", "Y", "Z", "W"],
    )
    change = period_change(counts["before"], counts["after"])
    table = pd.concat([counts, change.drop(columns=["before", "after", "value"])], axis=1).assign(
        value=[0.1, 12.0, 0.0, 1.5]
    )
    hidden = linked_masks(table, {"All": ["X", "Y", "Z", "W"]}, threshold=4)
    out = change_table(table, hidden=hidden.types, year=2025, previous_year=2024, months="Jan-Apr")
    assert out.loc["X", "2024 (Jan-Apr)"] == "[c]"
    assert out.loc["X", ["Change", "Change %", SIGNIFICANT]].tolist() == ["[c]"] * 3
    # W (the smallest other count) is hidden too, so X cannot be worked out from the total.
    assert out.loc["W", "2024 (Jan-Apr)"] == "[c]"
    assert out.loc["Y", "Crimes 2025"] == "1,200"
    assert out.loc["Y", "Change"] == "-20"
    assert out.loc["Y", "Change %"] == "-5.0%"
    assert out.loc["Z", "Change %"] == "[x]"  # no crimes in either year: no percentage
    assert out.loc["Z", SIGNIFICANT] == "[x]"


def test_linked_tables_hide_the_same_cells():
    """A count hidden in the crime-type table is hidden in every group table that shows it."""
    types = pd.DataFrame(
        {"count": [38, 35, 203, 373], "before": [3, 11, 76, 123], "after": [11, 9, 59, 125]},
        index=["Bicycle theft", "Robbery", "Burglary", "Shoplifting"],
    )
    change = period_change(types["before"], types["after"])
    table = pd.concat([types, change.drop(columns=["before", "after", "value"])], axis=1).assign(
        value=1.0
    )
    members = {
        "All": list(types.index),
        "Violence": ["Robbery"],
        "Theft": ["Bicycle theft", "Shoplifting"],
    }
    hidden = linked_masks(table, members, threshold=4)
    whole = change_table(
        table, hidden=hidden.types, year=2025, previous_year=2024, months="Jan-Apr"
    )
    part = change_table(
        table.loc[["Robbery"]], hidden=hidden.types, year=2025, previous_year=2024, months="Jan-Apr"
    )
    assert whole.loc["Robbery", "2024 (Jan-Apr)"] == part.loc["Robbery", "2024 (Jan-Apr)"]
    assert whole.loc["Bicycle theft", "2024 (Jan-Apr)"] == "[c]"
    assert hidden.types["before"].sum() == 2 and not hidden.groups["before"].any()


def test_top_areas_table():
    top = pd.DataFrame(
        {
            "count": [1955, 2],
            "population": [9899, 1500],
            "value": [197.5, 1.3],
            "lower95": [188.8, 0.2],
            "upper95": [206.4, 4.8],
            "decile": [10, np.nan],
        },
        index=["Oxford 008A", "Oxford 001A"],
    )
    out = top_areas_table(top, hidden=count_mask(top["count"], threshold=4, external_total=False))
    assert out.loc["Oxford 008A"].tolist() == ["1,955", "9,899", "197.5", "188.8 to 206.4", "10"]
    assert out.loc["Oxford 001A", "Crimes"] == "[c]"
    assert out.loc["Oxford 001A", "Deprivation decile"] == "[x]"


def test_interval_and_thousands():
    assert interval(1.234, 5678.9) == "1.2 to 5,678.9"
    assert interval(np.nan, 1) == "[x]"
    assert thousands(pd.DataFrame({"n": [12345], "s": ["a"]})).iloc[0].tolist() == ["12,345", "a"]


def test_persistent_table_shows_years_in_the_top_not_counts():
    persistent = pd.DataFrame(
        {"periods_in_top": [2, 1], "n_periods": [2, 2], "total": [95, 40],
         2024: [True, False], 2025: [True, True]},
        index=["Oxford 008A", "Oxford 001A"],
    )  # fmt: skip
    table = persistent_table(persistent)
    assert table.to_dict(orient="index") == {"Oxford 008A": {"2024": "Top 10%", "2025": "Top 10%"}}


def test_change_table_drops_change_columns_when_no_month_is_shared():
    """2024 shares no month with 2023: no five columns of "[x]", only the year's own figures."""
    table = pd.DataFrame(
        {"count": [1200, 3], "value": [12.0, 0.03], "before": [np.nan, np.nan],
         "after": [np.nan, np.nan], "change": [np.nan, np.nan], "pct_change": [np.nan, np.nan],
         "significant": [False, False]},
        index=["Shoplifting", "Robbery"],
    )  # fmt: skip
    hidden = pd.DataFrame(
        {"count": [False, True], "before": [False, False], "after": [False, False]},
        index=table.index,
    )
    out = change_table(
        table, hidden=hidden, year=2024, previous_year=2023, months="no common months"
    )
    assert out.columns.tolist() == ["Crimes 2024", "Rate per 1,000 a year"]
    assert out.loc["Shoplifting"].tolist() == ["1,200", "12.00"]
    assert out.loc["Robbery"].tolist() == ["[c]", "[c]"]
    assert out.index.name == "Crime type"


def test_change_table_keeps_change_columns_when_one_year_has_counts():
    table = pd.DataFrame(
        {"count": [10], "value": [1.0], "before": [0.0], "after": [10.0], "change": [10.0],
         "pct_change": [np.inf], "significant": [True]},
        index=["Robbery"],
    )  # fmt: skip
    hidden = pd.DataFrame(
        {"count": [False], "before": [False], "after": [False]}, index=["Robbery"]
    )
    out = change_table(table, hidden=hidden, year=2025, previous_year=2024, months="Jan-Apr")
    assert out.loc["Robbery", "2024 (Jan-Apr)"] == "0"
    assert out.loc["Robbery", "Change %"] == "[x]"  # no percentage change from 0


def test_symbol_note_explains_only_the_symbols_shown():
    assert symbol_note(pd.DataFrame({"a": ["1", "2"]})) == ""
    assert symbol_note(pd.DataFrame({"a": ["[x]", "2"]})) == "[x] = not available."
    both = symbol_note(pd.DataFrame({"a": ["[c]", "[x]"]}), threshold=9)
    assert both.startswith("[c] = suppressed: a count of 1 to 9,")
    assert both.endswith("[x] = not available.")


def _shown(section, assessment) -> list[str]:
    """The HTML fragments a report section displays."""
    from unittest import mock

    from sna.report import display

    out: list[str] = []

    def shown(obj, **kw) -> None:  # a chart is a raw bundle (show_figure), the rest HTML objects
        out.append(str(obj["image/svg+xml"] if isinstance(obj, dict) else obj.data))

    with mock.patch.object(display, "display", side_effect=shown):
        section(assessment)
    return out


def _shoplifting_by_hand(year: int, months: range) -> int:
    """Shoplifting in Oxford's LSOAs ("Oxford 0xxA"), counted from the raw police.uk files."""
    import csv
    import gzip
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "data" / "raw" / "police_uk" / "thames-valley"
    n = 0
    for month in months:
        with gzip.open(folder / f"{year}-{month:02d}-thames-valley-street.csv.gz", "rt") as f:
            n += sum(
                r["Crime type"] == "Shoplifting" and r["LSOA name"].startswith("Oxford ")
                for r in csv.DictReader(f)
            )
    return n


@pytest.fixture(scope="module")
def oxford_2024(prepared):
    from sna.assessment.district import assess_district
    from sna.data.processed import load_processed

    return assess_district(load_processed(prepared[0]), "E07000178", 2024)


@pytest.mark.slow
def test_2024_report_has_no_empty_change_columns_and_one_coverage_note(oxford_2024):
    """The 2024 demo year has Jan-Apr only and 2023 none: the reader met eight tables with five
    columns of "[x]", a "[c]" note under tables without "[c]" and the missing-months note twice."""
    from bs4 import BeautifulSoup

    from sna.report import district

    a = oxford_2024
    sections = (
        district.show_title, district.show_key_findings, district.show_all_crime,
        district.show_change, district.show_crime_types, district.show_crime_groups,
        district.show_hotspots, district.show_deprived_hotspots,
    )  # fmt: skip
    html = "".join(part for section in sections for part in _shown(section, a))
    page = BeautifulSoup(html, "html.parser")
    assert "[x]" not in page.get_text() and "no common months" not in html
    assert page.get_text().count("of 12 months of 2024 have police.uk data") == 1
    tables = page.select("figure.sna-figure")
    assert len(tables) == 11  # all crime, groups, types, six crime groups, two hotspot tables
    for figure in tables:
        cells = [td.get_text() for td in figure.find_all("td")]
        note = figure.select_one("p.sna-table-note")
        assert ("[c] = suppressed" in (note.get_text() if note else "")) == ("[c]" in cells)
    types = page.find("figcaption", string=lambda s: "crime types in 2024" in s).parent
    assert [th.get_text() for th in types.find_all("th")] == [
        "Crime type", "Crimes 2024", "Rate per 1,000 a year",
    ]  # fmt: skip
    assert "no change on 2023 is given" in types.select_one("p.sna-table-note").get_text()
    row = next(tr for tr in types.find_all("tr") if tr.td and tr.td.get_text() == "Shoplifting")
    assert row.find_all("td")[1].get_text() == f"{_shoplifting_by_hand(2024, range(1, 5)):,}"
