"""Published tables: small counts and everything derived from them are hidden."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sna.assessment.disclosure import count_mask, linked_masks, overview_mask
from sna.report.tables import (
    SIGNIFICANT,
    change_table,
    interval,
    overview_table,
    persistent_table,
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
