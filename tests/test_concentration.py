"""Tests for sna.stats.concentration: top shares, Gini summaries, top areas and persistent hotspots.

References: hand-computed shares, the Gini definitions tested in test_stats, Bernasco and
Steenbeek (2017) for the generalised Gini, and sna.stats.rates.rate_ci for the intervals.
"""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sna.stats.concentration
from sna.stats.concentration import (
    concentration_summary,
    persistent_hotspots,
    share_in_top,
    top_areas,
)
from sna.stats.rates import gini, rate_ci


def test_docstring_examples() -> None:
    assert doctest.testmod(sna.stats.concentration, raise_on_error=False).failed == 0


def test_share_in_top_by_hand() -> None:
    counts = list(range(1, 21))  # 20 places, total 210
    assert share_in_top(counts, 0.05) == pytest.approx(20 / 210)
    assert share_in_top(counts, 0.10) == pytest.approx((20 + 19) / 210)
    assert share_in_top(counts, 1.0) == pytest.approx(1)
    # ceil(0.05 * 300) is 15, not 16 (floating point 15.000000000000002).
    assert share_in_top([1] * 300, 0.05) == pytest.approx(15 / 300)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 200), min_size=1, max_size=80).filter(lambda v: sum(v) > 0),
    st.floats(0.01, 1),
)
def test_share_in_top_is_at_least_the_share_of_places(counts, share) -> None:
    k = max(1, math.ceil(share * len(counts) - 1e-9))
    value = share_in_top(counts, share)
    assert k / len(counts) - 1e-12 <= value <= 1 + 1e-12
    assert share_in_top(counts, min(1.0, share * 2)) >= value - 1e-12


def test_concentration_summary_fields() -> None:
    counts = [0] * 50 + [1] * 30 + [5] * 15 + [40] * 5  # 100 places, 305 crimes
    out = concentration_summary(counts)
    assert out["n_places"] == 100 and out["n_crimes"] == 305
    assert out["n_top_5pct"] == 5 and out["share_top_5pct"] == pytest.approx(200 / 305)
    assert out["n_top_10pct"] == 10 and out["share_top_10pct"] == pytest.approx(225 / 305)
    assert out["gini"] == pytest.approx(gini(counts))
    assert out["generalised_gini"] == pytest.approx(out["gini"])  # not sparse
    assert not out["sparse"] and out["note"] == ""


def test_concentration_summary_sparse_and_empty() -> None:
    sparse = concentration_summary([1, 1, 1] + [0] * 17)
    assert sparse["sparse"] and "generalised Gini" in sparse["note"]
    assert sparse["generalised_gini"] == pytest.approx(0)
    assert sparse["gini"] == pytest.approx(0.85)
    empty = concentration_summary([0, 0, 0])
    assert np.isnan(empty["gini"]) and np.isnan(empty["share_top_5pct"])
    assert empty["note"] == "no crime recorded"
    custom = concentration_summary([3, 2, 1, 0], shares=(0.25, 0.5))
    assert custom["share_top_25pct"] == pytest.approx(0.5)
    assert custom["share_top_50pct"] == pytest.approx(5 / 6)


def test_concentration_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="missing values"):
        concentration_summary([1, np.nan])
    with pytest.raises(ValueError, match="counts must be >= 0"):
        share_in_top([1, -1], 0.1)
    with pytest.raises(ValueError, match="share must be a fraction"):
        share_in_top([1, 2], 5)
    with pytest.raises(ValueError, match="at least one place"):
        concentration_summary([])


@pytest.fixture
def lsoas() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lsoa_code": ["E1", "E2", "E3", "E4", "E5"],
            "lsoa_name": [
                "Oxford 001A",
                "Oxford 002A",
                "Oxford 003A",
                "Oxford 004A",
                "Oxford 005A",
            ],
            "count": [120, 40, 40, 9, 3],
            "population": [4000, 1000, 1600, 100, 0],
        }
    )


def test_top_areas_by_count(lsoas) -> None:
    out = top_areas(lsoas, 3)
    assert out["lsoa_code"].tolist() == ["E1", "E2", "E3"]  # tie broken by code
    assert out["rank"].tolist() == [1, 2, 2]
    assert out["share"].iloc[0] == pytest.approx(120 / 212)
    ci = rate_ci(120, 4000)
    assert out["lower95"].iloc[0] == pytest.approx(ci["lower95"].iloc[0])
    assert "lsoa_name" in out.columns
    assert list(out.columns) == [
        "lsoa_code",
        "lsoa_name",
        "count",
        "population",
        "value",
        "lower95",
        "upper95",
        "share",
        "rank",
    ]
    assert out.attrs == {"confidence": (0.95,), "statistic": "rate per 1,000"}


def test_top_areas_by_rate_leaves_out_areas_without_residents(lsoas) -> None:
    out = top_areas(lsoas, 10, "rate")
    assert out["lsoa_code"].tolist() == ["E4", "E2", "E1", "E3"]
    assert out["value"].iloc[0] == pytest.approx(90)
    assert (out["lower95"] <= out["value"]).all() and (out["value"] <= out["upper95"]).all()
    wide = top_areas(lsoas, 10, "rate", conf=0.998)
    assert (wide["lower998"] <= out["lower95"]).all()


def test_top_areas_rejects_bad_arguments(lsoas) -> None:
    with pytest.raises(ValueError, match="by must be 'count' or 'rate'"):
        top_areas(lsoas, 3, "risk")
    with pytest.raises(ValueError, match="n must be a whole number"):
        top_areas(lsoas, 0)
    with pytest.raises(ValueError, match="no column 'count'"):
        top_areas(lsoas.drop(columns="count"))


def test_persistent_hotspots() -> None:
    wide = pd.DataFrame(
        {
            2022: [50, 40, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            2023: [45, 3, 38, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            2024: [60, 35, 2, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, np.nan],
        },
        index=[f"E{i:02d}" for i in range(20)],
    )
    out = persistent_hotspots(wide)  # top 2 of 20 in every year
    assert out.index.tolist() == ["E00"]
    assert out.loc["E00", "periods_in_top"] == 3 and out.loc["E00", "total"] == 155
    twice = persistent_hotspots(wide, min_periods=2)
    assert twice.index.tolist() == ["E00", "E01"]
    assert twice.loc["E01", [2022, 2023, 2024]].tolist() == [True, False, True]


def test_persistent_hotspots_ignores_zero_counts_and_checks_arguments() -> None:
    wide = pd.DataFrame({"2023": [0, 0, 0], "2024": [0, 0, 1]}, index=["a", "b", "c"])
    assert persistent_hotspots(wide, min_periods=1).index.tolist() == ["c"]
    with pytest.raises(ValueError, match="min_periods must be between 1 and 2"):
        persistent_hotspots(wide, min_periods=3)
    with pytest.raises(ValueError, match="top_share must be a fraction"):
        persistent_hotspots(wide, top_share=10)
    with pytest.raises(ValueError, match="2023 must be >= 0"):
        persistent_hotspots(wide.assign(**{"2023": [-1, 0, 0]}))
