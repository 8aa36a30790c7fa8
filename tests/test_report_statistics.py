"""The statistics the demo reports publish, recomputed from the raw files by another route.

The raw police.uk files are counted with the csv module, and the models refitted with statsmodels
(GLM, DerSimonian-Laird meta-analysis, Benjamini-Hochberg), independently of sna's closed forms.
"""

from __future__ import annotations

import csv
import gzip
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.meta_analysis import combine_effects
from statsmodels.stats.multitest import multipletests

from sna.assessment.area import assess_area
from sna.assessment.district import assess_district
from sna.assessment.figures import ALL_CRIME
from sna.data.processed import load_processed
from tests.conftest import RAW

STREET = RAW / "police_uk" / "thames-valley"
ASB = "Anti-social behaviour"


def raw_monthly(district: str, months: list[str]) -> dict[str, int]:
    """Crimes (not ASB) per month in a district, districts by LSOA name, with the csv module."""
    counts: Counter[str] = Counter()
    for month in months:
        with gzip.open(STREET / f"{month}-thames-valley-street.csv.gz", "rt", newline="") as f:
            for row in csv.DictReader(f):
                if row["LSOA name"].rsplit(" ", 1)[0] == district and row["Crime type"] != ASB:
                    counts[month] += 1
    return {m: counts[m] for m in months}


@pytest.fixture(scope="module")
def data(prepared):
    return load_processed(prepared[0])


@pytest.fixture(scope="module")
def cherwell(data):
    return assess_district(data, "E07000177", 2025)


def test_the_audit_example_is_no_longer_called_significant(cherwell):
    """Cherwell 2025: "fell by 5.4% (-199) ... significant" (exact p = 0.020) was an artefact."""
    months = [f"{y}-0{m}" for y in (2024, 2025) for m in range(1, 5)]
    y = np.array(list(raw_monthly("Cherwell", months).values()))
    x = sm.add_constant(np.r_[np.zeros(4), np.ones(4)])
    fit = sm.GLM(y, x, family=sm.families.Poisson()).fit(scale="X2", use_t=True)
    row = cherwell.groups.loc[ALL_CRIME]
    assert [row["before"], row["after"]] == [y[:4].sum(), y[4:].sum()] == [3704, 3505]
    assert row["p_value"] == pytest.approx(fit.pvalues[1], rel=1e-6)  # 0.455, not 0.020
    assert not row["significant"]


def test_false_discovery_rate_over_the_reports_family(cherwell):
    family = pd.concat([cherwell.groups, cherwell.types])
    tests = family.drop_duplicates(["before", "after", "p_value"])
    expected = multipletests(tests["p_value"], method="fdr_bh")[1]
    assert tests["q_value"].to_numpy() == pytest.approx(expected)
    assert (family["significant"] == (family["q_value"] < 0.05)).all()
    assert len(tests) == 20  # 7 groups and 14 types; ASB is both a group and a type


def test_rates_are_annualised_from_the_months_with_data(data):
    for year, months in ((2025, 11), (2024, 4)):
        overview = assess_district(data, "E07000181", year).overview
        row = overview.loc["West Oxfordshire"]
        listed = [f"{year}-{m:02d}" for m in range(1, 13) if m != 7]
        count = sum(raw_monthly("West Oxfordshire", listed[:months]).values())
        assert row["count"] == count
        assert row["value"] == pytest.approx(count / row["denominator"] * 1000 * 12 / months)
    assert overview.attrs["statistic"].startswith("rate per 1,000 residents a year")


def test_benchmark_intervals_allow_for_monthly_variation(cherwell):
    months = [f"2025-{m:02d}" for m in range(1, 13) if m != 7]
    y = np.array(list(raw_monthly("Cherwell", months).values()))
    fit = sm.GLM(y, np.ones((11, 1)), family=sm.families.Poisson()).fit(scale="X2", use_t=True)
    row = cherwell.overview.loc["Cherwell"]
    assert row["dispersion"] == pytest.approx(fit.scale)  # 4.2, as the statistician found
    scale = 1000 * 12 / 11 / row["denominator"]
    assert [row["lower95"], row["upper95"]] == pytest.approx(
        np.exp(fit.conf_int()[0]) * 11 * scale, rel=1e-6
    )


def test_funnel_limits_allow_for_variation_between_districts(data):
    o = assess_area(data, 2025)
    districts = o.overview.drop(index=o.benchmark)
    bench = o.overview.loc[o.benchmark, "value"]
    per = 1000 * 12 / 11
    variances = bench * per / districts["denominator"].to_numpy()
    dl = combine_effects(districts["value"].to_numpy(), variances, method_re="dl")
    assert o.variation["tau2"] == pytest.approx(dl.tau2, rel=1e-9)
    assert o.variation["phi"] > 100  # every district outside Poisson limits: the classic sign
    assert o.outside_limits == ()  # none outside the adjusted 99.8% limits


def test_years_are_compared_on_seasonally_adjusted_months(data):
    o = assess_area(data, 2025)
    h = o.heatmaps[0]
    assert h.months == {
        2018: "Jun, Oct-Dec", 2019: "Jan-Feb", 2022: "Jan", 2024: "Jan-Apr",
        2025: "Jan-Jun, Aug-Dec",
    }  # fmt: skip
    assert "seasonally adjusted" in h.method
    # Averages are per month, so a 1-month year and an 11-month year are on one scale.
    ratio = h.average[2025] / h.average[2022]
    assert ratio.between(0.7, 1.5).all()


def test_trend_over_the_years_allows_for_season(cherwell):
    trend = cherwell.trend.trend
    assert trend["n_years"] == 5 and trend["n_months"] == 22
    assert trend["first_year"] == 2018 and trend["last_year"] == 2025
    assert np.isfinite(trend["value"]) and trend["lower95"] < trend["value"] < trend["upper95"]
    assert len(cherwell.trend.season) == 11  # no July in any year
