"""Peers: district features, the most similar districts, and the rest-of-area / force comparisons.

Every figure is checked against the published files read independently (the csv module and
python-calamine's cell API, no pandas), brute-force distances with the statistics module, and
statsmodels' exact test of two Poisson rates.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
import statistics
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook
from scipy import stats
from statsmodels.stats import rates as sm_rates

from sna.data.config import load_config
from sna.data.lads import lad22_to_lad24
from sna.data.peer_config import peer_settings
from sna.data.peers import district_features
from sna.errors import ConfigError
from sna.stats.peers import compare_rates, most_similar, standardise
from tests.conftest import RAW, write_config

POLICE = RAW / "police_uk" / "thames-valley"
OXFORD, CAMBRIDGE = "E07000178", "E07000008"
OXFORDSHIRE = {
    "E07000177": "Cherwell", "E07000178": "Oxford", "E07000179": "South Oxfordshire",
    "E07000180": "Vale of White Horse", "E07000181": "West Oxfordshire",
}  # fmt: skip


def _csv_rows(path: Path) -> list[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _sheet(name: str) -> dict[str, dict[str, object]]:
    """Rows of a sheet of the mid-2022 workbook by area code, read with calamine's cell API."""
    rows = CalamineWorkbook.from_path(RAW / "population" / "mye22final.xlsx")
    cells = rows.get_sheet_by_name(name).to_python()
    header = next(i for i, r in enumerate(cells) if r and r[0] == "Code")
    names = [str(c) for c in cells[header]]
    return {r[0]: dict(zip(names, r, strict=False)) for r in cells[header + 1 :] if r and r[0]}


@pytest.fixture(scope="module")
def config():
    return load_config(RAW.parent.parent / "sna.toml")


@pytest.fixture(scope="module")
def features(config):
    return district_features(config, peer_settings(config))


# --- features ------------------------------------------------------------------------------------


def test_every_district_of_england_has_every_feature(features):
    iod = _csv_rows(RAW / "peers" / "imd2025_lad24_summaries.csv")
    assert len(iod) == 296
    assert sorted(features.index) == sorted(r["ltla24_code"] for r in iod)
    assert features.attrs["missing"] == {}  # no district silently dropped or left incomplete
    assert not features[["deprivation", "rural", "density", "young", "older"]].isna().any().any()
    # the 2023 unitary authorities are there under their new codes
    for code, name in [("E06000063", "Cumberland"), ("E06000065", "North Yorkshire"),
                       ("E06000066", "Somerset")]:  # fmt: skip
        assert features.loc[code, "lad_name"] == name


def test_features_match_the_published_files(features):
    iod = {r["ltla24_code"]: r for r in _csv_rows(RAW / "peers" / "imd2025_lad24_summaries.csv")}
    persons, area = _sheet("MYE2 - Persons"), _sheet("MYE5")
    for code in (OXFORD, CAMBRIDGE, "E06000065"):
        row = features.loc[code]
        assert row["deprivation"] == pytest.approx(float(iod[code]["imd_average_score"]))
        total = float(persons[code]["All ages"])
        assert row["density"] == pytest.approx(total / float(area[code]["Area (sq km)"]))
        young = sum(float(persons[code][str(a)]) for a in range(15, 25))
        older = sum(float(persons[code][str(a)]) for a in range(65, 90)) + float(
            persons[code]["90+"]
        )
        assert row["young"] == pytest.approx(young / total)
        assert row["older"] == pytest.approx(older / total)
    assert features.loc[OXFORD, "population"] == 163_257  # ONS mid-2022 (PROVENANCE.md)


def test_rural_share_by_hand_for_oxfordshire(features):
    ruc = {r["lsoa21_code"]: r["ruc"] for r in _csv_rows(RAW / "peers" / "ruc21_lsoa21.csv.gz")}
    residents: Counter[str] = Counter()
    for r in _csv_rows(RAW / "population" / "census2021_usual_residents_lsoa21_by_age6.csv.gz"):
        residents[r["lsoa21_code"]] += int(r["usual_residents"])
    lookup = (
        RAW
        / "lookups"
        / (
            "LSOA_(2011)_to_LSOA_(2021)_to_Local_Authority_District_(2022)_Lookup_for_England_and_Wales.csv.gz"
        )
    )
    lad = {r["LSOA21CD"]: r["LAD22CD"] for r in _csv_rows(lookup)}
    for code in OXFORDSHIRE:
        lsoas = [c for c, d in lad.items() if d == code]
        rural = sum(residents[c] for c in lsoas if ruc[c] == "Rural")
        assert features.loc[code, "rural"] == pytest.approx(
            rural / sum(residents[c] for c in lsoas)
        )


def test_2022_districts_carry_to_their_2024_successors(config):
    mapping = lad22_to_lad24(config.sources.lsoa_lookup_2011_2021, config.sources.wards)
    to24 = dict(zip(mapping["lad22_code"], mapping["lad_code"], strict=True))
    assert to24["E07000026"] == "E06000063"  # Allerdale -> Cumberland
    assert to24["E07000163"] == "E06000065"  # Craven -> North Yorkshire
    assert to24["E07000187"] == "E06000066"  # Mendip -> Somerset
    assert to24["E06000062"] == "E06000062"  # West Northamptonshire stays (not Cherwell)
    assert all(to24[c] == c for c in OXFORDSHIRE)


# --- most similar districts ------------------------------------------------------------------------


def test_nearest_neighbours_match_brute_force(features):
    raw = {
        code: [row["deprivation"], row["rural"], math.log10(row["density"]), row["young"],
               row["older"]]
        for code, row in features.iterrows()
    }  # fmt: skip
    columns = list(zip(*raw.values(), strict=True))
    means = [statistics.fmean(c) for c in columns]
    sds = [statistics.stdev(c) for c in columns]
    z = {
        c: [(v - m) / s for v, m, s in zip(vals, means, sds, strict=True)]
        for c, vals in raw.items()
    }
    for target in (OXFORD, "E07000177"):
        dist = {c: math.dist(z[target], z[c]) for c in z if c != target}
        expected = sorted(dist, key=dist.get)[:10]
        scaled = features[["deprivation", "rural", "density", "young", "older"]].assign(
            density=np.log10(features["density"])
        )
        got = most_similar(scaled, target, k=10)
        assert list(got.index) == expected
        assert got["distance"].tolist() == pytest.approx([dist[c] for c in expected])
    # Looked at, not wished for: Oxford's nearest district is Cambridge.
    assert most_similar(scaled, OXFORD, k=10).index[0] == CAMBRIDGE


def test_most_similar_refuses_unknown_target_and_flat_features():
    f = pd.DataFrame({"x": [1.0, 2.0, 4.0], "y": [1.0, 1.0, 1.0]}, index=list("abc"))
    with pytest.raises(ValueError, match="not among"):
        most_similar(f, "z")
    with pytest.raises(ValueError, match="no spread"):
        standardise(f)


def test_peer_settings_validate_k_and_features(tmp_path):
    path = write_config(tmp_path / "a")
    path.write_text(path.read_text() + "\n[peers]\nk = 0\n")
    with pytest.raises(ConfigError, match=r"peers\.k"):
        peer_settings(load_config(path))
    path = write_config(tmp_path / "b")
    path.write_text(path.read_text() + '\n[peers]\nfeatures = ["crime"]\n')
    with pytest.raises(ConfigError, match="unknown feature 'crime'"):
        peer_settings(load_config(path))


# --- comparing rates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("c1", "n1", "c2", "n2"), [(30, 1000, 45, 2500), (7, 500, 3, 700)])
def test_poisson_comparison_matches_statsmodels_exact_test(c1, n1, c2, n2):
    out = compare_rates(c1, n1, c2, n2).iloc[0]
    ref = sm_rates.test_poisson_2indep(c1, n1, c2, n2, method="exact-cond", alternative="two-sided")
    # statsmodels' two-sided exact-cond p is the minimum-likelihood one; ours is twice the
    # smaller tail: check that against the one-sided statsmodels p-values instead.
    larger = sm_rates.test_poisson_2indep(
        c1, n1, c2, n2, method="exact-cond", alternative="larger"
    ).pvalue
    smaller = sm_rates.test_poisson_2indep(
        c1, n1, c2, n2, method="exact-cond", alternative="smaller"
    ).pvalue
    assert out["p_value"] == pytest.approx(min(1.0, 2 * min(larger, smaller)), rel=1e-6)
    assert ref.pvalue <= out["p_value"] + 1e-12
    assert out["rate_ratio"] == pytest.approx((c1 / n1) / (c2 / n2))


def test_overdispersed_comparison_is_a_t_test_on_the_log_rate_ratio():
    out = compare_rates(900, 100_000, 4000, 600_000, dispersion=4.0, df=10,
                        other_dispersion=2.0, other_df=10).iloc[0]  # fmt: skip
    log_rr = math.log((900 / 100_000) / (4000 / 600_000))
    se = math.sqrt(4.0 / 900 + 2.0 / 4000)
    assert out["p_value"] == pytest.approx(2 * stats.t.sf(abs(log_rr / se), 10))
    q = stats.t.ppf(0.975, 10)
    assert out["rate_ratio_lower95"] == pytest.approx(math.exp(log_rr - q * se))
    assert out["rate_ratio_upper95"] == pytest.approx(math.exp(log_rr + q * se))


# --- the prepared whole-force counts and the assessment -----------------------------------------------


def _street_rows(month: str) -> list[dict[str, str]]:
    return _csv_rows(POLICE / f"{month}-thames-valley-street.csv.gz")


def _district_of(lsoa_name: str) -> str:
    return re.sub(r"\s+\d{3}[A-Z]$", "", lsoa_name.strip())


@pytest.mark.slow
def test_lad_counts_account_for_every_usable_row(prepared):
    from sna.data.processed import load_processed

    config, manifest = prepared
    data = load_processed(config)
    totals = manifest["totals"]
    assert data.lad_counts is not None and data.lad_populations is not None
    assert data.lad_counts["count"].sum() == totals["rows_kept"] + totals["rows_out_of_area"]
    assert (data.lad_counts["lad_code"] != "").all()
    kept = data.lad_counts[data.lad_counts["lad_code"].isin(list(OXFORDSHIRE))]
    assert kept["count"].sum() == totals["rows_kept"]


@pytest.mark.slow
def test_rest_of_area_and_force_area_against_a_hand_count(prepared):
    from sna.assessment.figures import ALL_CRIME
    from sna.assessment.peers import assess_peers
    from sna.data.processed import load_processed

    config, _ = prepared
    data = load_processed(config)
    p = assess_peers(data, "Oxford", 2025)
    months = [f"2025-{m:02d}" for m in range(1, 13) if m != 7]
    rest_names = {n for c, n in OXFORDSHIRE.items() if c != OXFORD}
    rest = Counter()
    for month in months:
        for r in _street_rows(month):
            if r["Crime type"] != "Anti-social behaviour" and r["LSOA name"].strip():
                rest[_district_of(r["LSOA name"]) in rest_names] += 1
    persons = _sheet("MYE2 - Persons")
    rest_pop = sum(float(persons[c]["All ages"]) for c in OXFORDSHIRE if c != OXFORD)
    row = p.comparisons["rest of area"].loc[("group", ALL_CRIME)]
    assert row["other_count"] == rest[True]
    assert row["other_value"] == pytest.approx(rest[True] / rest_pop * 1000 * 12 / 11)
    # the force area, one month: January 2025, every Thames Valley district but Oxford
    tv = {r["ltla24_name"] for r in _csv_rows(RAW / "lookups" / "lad24_csp24_pfa24.csv")
          if r["pfa24_name"] == "Thames Valley"}  # fmt: skip
    assert tv == set(p.force_lads.values()) and len(tv) == 13
    january = sum(
        1
        for r in _street_rows("2025-01")
        if r["Crime type"] != "Anti-social behaviour"
        and _district_of(r["LSOA name"]) in tv - {"Oxford"}
    )
    lad = data.lad_counts
    got = lad[
        (lad["month"] == "2025-01-01")
        & lad["lad_name"].isin(tv - {"Oxford"})
        & (lad["crime_type"] != "Anti-social behaviour")
    ]["count"].sum()
    assert got == january
    assert p.comparisons["rest of force area"].loc[("group", ALL_CRIME), "significant"]
    # Oxford's similar districts: Cambridge first; none has police.uk files here
    assert p.peers.index[0] == CAMBRIDGE
    assert set(p.missing_peers) == set(p.peers["lad_name"])
    assert "similar districts" in p.unavailable
    table = p.table()
    assert set(table["comparison"]) == {"rest of area", "rest of force area"}
    assert table["q_value"].between(0, 1).all()


@pytest.mark.slow
def test_cherwell_is_compared_with_the_peers_that_have_data(prepared):
    from sna.assessment.peers import assess_peers
    from sna.data.processed import load_processed

    config, _ = prepared
    p = assess_peers(load_processed(config), "Cherwell", 2025)
    present = p.peers.loc[p.peers["has_data"], "lad_name"].tolist()
    assert present and all(p.peers.loc[p.peers["has_data"], "pfa_name"] == "Thames Valley")
    assert list(p.peer_rates.index) == ["Cherwell", *present]
    assert "similar districts" in p.comparisons
    assert len(p.missing_peers) == len(p.peers) - len(present)


@pytest.mark.slow
def test_prepared_features_are_the_published_ones_and_give_the_same_peers(prepared):
    """``sna prepare`` writes every district's features; reports read them, not the workbook."""
    import dataclasses
    from unittest import mock

    from sna.assessment import peers as peer_module
    from sna.data.processed import load_processed

    config, manifest = prepared
    data = load_processed(config)
    stored = data.peer_features
    assert stored is not None and len(stored) == 296
    iod = {r["ltla24_code"]: r for r in _csv_rows(RAW / "peers" / "imd2025_lad24_summaries.csv")}
    persons, area = _sheet("MYE2 - Persons"), _sheet("MYE5")
    for code in (OXFORD, CAMBRIDGE):
        total = float(persons[code]["All ages"])
        assert stored.loc[code, "deprivation"] == float(iod[code]["imd_average_score"])
        assert stored.loc[code, "density"] == pytest.approx(
            total / float(area[code]["Area (sq km)"]), rel=1e-12
        )
    roles = {f["role"] for f in manifest["area_files"]}
    assert {"peers:iod_summaries", "peers:rural_urban", "peers:population"} <= roles
    # a report reads the prepared features only: the published files are not opened again
    with mock.patch.object(peer_module, "district_features", side_effect=AssertionError):
        fast = peer_module.assess_peers(data, "Cherwell", 2025)
    slow = peer_module.assess_peers(dataclasses.replace(data, peer_features=None), "Cherwell", 2025)
    assert fast.peers.index.tolist() == slow.peers.index.tolist()
    assert fast.peers["distance"].to_numpy() == pytest.approx(slow.peers["distance"].to_numpy())
    pd.testing.assert_frame_equal(fast.table(), slow.table())


def test_report_tables_show_the_markers(tmp_path):
    from sna.assessment.peers import PeerAssessment
    from sna.report.peers import comparison_table

    index = pd.MultiIndex.from_tuples(
        [("group", "All"), ("group", "Small")], names=["kind", "crime"]
    )
    rows = compare_rates(pd.Series([500, 3], index=index), 10_000, 9000, 200_000)
    rows["q_value"], rows["hidden"] = rows["p_value"], [False, True]
    p = PeerAssessment(
        district_code="E1", district_name="A", year=2025, months=(), rest_name="the rest of B",
        force_name="F", comparisons={"rest of area": rows}, unavailable={}, force_lads={},
        forces={}, peers=pd.DataFrame(), target=pd.Series(dtype=object), features=(),
        missing_peers=(), peer_rates=pd.DataFrame(),
    )  # fmt: skip
    table = comparison_table(p)
    assert table.loc["Small"].tolist() == ["[c]"] * 4
    assert table.loc["All", "Rest of B: difference"].startswith(
        "Significantly higher (rate ratio 1.11"
    )
    assert io.StringIO(table.to_csv()).read().count("[c]") == 4


@pytest.mark.slow
def test_a_group_of_one_crime_type_is_one_test_in_the_false_discovery_family(prepared):
    """Cherwell 2024 against the rest of Oxfordshire: 20 distinct tests, not 21.

    The "Anti-social behaviour" group repeats the crime type's counts on both sides; counting it
    twice made every q-value larger. Reference: statsmodels ``multipletests(method="fdr_bh")``
    over the distinct p-values, and the q-values of an independent recount of the raw files with
    the csv module and a statsmodels multiple-testing step (bicycle theft 0.140, all crime 0.221).
    """
    from statsmodels.stats.multitest import multipletests

    from sna.assessment.figures import ALL_CRIME
    from sna.assessment.peers import assess_peers
    from sna.data.processed import load_processed

    config, _ = prepared
    table = assess_peers(load_processed(config), "Cherwell", 2024).comparisons["rest of area"]
    assert len(table) == 21
    distinct = table.drop(("group", "Anti-social behaviour"))
    expected = multipletests(distinct["p_value"], method="fdr_bh")[1]
    np.testing.assert_allclose(distinct["q_value"], expected, rtol=1e-12)
    asb = "Anti-social behaviour"
    assert table.loc[("group", asb), "q_value"] == table.loc[("type", asb), "q_value"]
    assert table.loc[("type", "Bicycle theft"), "q_value"] == pytest.approx(0.1397, abs=5e-4)
    assert table.loc[("group", ALL_CRIME), "q_value"] == pytest.approx(0.2211, abs=5e-4)
