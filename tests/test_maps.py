"""Maps: boundaries read offline, rates per LSOA checked by hand, hidden areas drawn as hidden."""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest

from sna.data.config import load_config
from sna.data.geography import read_boundaries
from sna.errors import InputError
from sna.report import maps
from tests.conftest import DEMO_CONFIG, RAW

DISTRICTS = {  # 2021 LSOAs per district, by the Census 2021 LSOA file's names (counted below)
    "Cherwell": 102,
    "Oxford": 84,
    "South Oxfordshire": 93,
    "Vale of White Horse": 81,
    "West Oxfordshire": 68,
}


def _rows(path):
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _square(x: float, y: float, size: float = 1.0) -> list[list[np.ndarray]]:
    ring = np.array([[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]])
    return [[ring]]


def _patches(ax):
    return {p.get_gid(): p for p in ax.patches if p.get_gid()}


# Boundaries ------------------------------------------------------------------------------------


def test_every_2021_lsoa_of_every_district_has_a_boundary():
    config = load_config(DEMO_CONFIG)
    census = _rows(config.sources.lsoa21_names)
    codes: dict[str, set[str]] = {}
    for r in census:
        district = r["lsoa21_name"][:-5]
        if district in DISTRICTS:
            codes.setdefault(district, set()).add(r["lsoa21_code"])
    assert {d: len(c) for d, c in codes.items()} == DISTRICTS
    with gzip.open(config.sources.boundaries, "rt", encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    in_file = {f["properties"]["lsoa21_code"] for f in features}
    assert len(features) == 1486  # Thames Valley, as PROVENANCE.md says
    for district, wanted in codes.items():
        assert wanted <= in_file, district
    everything = set().union(*codes.values())
    shapes = read_boundaries(config.sources.boundaries, everything)
    assert set(shapes) == everything and len(shapes) == 428
    # Carfax & Jericho (Oxford 008A) lies in central Oxford (about 1.26 W, 51.75 N).
    ring = shapes["E01028521"][0][0]
    assert -1.30 < ring[:, 0].mean() < -1.24 and 51.74 < ring[:, 1].mean() < 51.77


def test_read_boundaries_names_the_bad_feature(tmp_path):
    path = tmp_path / "bad.geojson"
    ring = [[0, 0], [1, 0], [1, 1], [0, 0]]
    good = {
        "properties": {"LSOA21CD": "E01000001"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    point = {
        "properties": {"LSOA21CD": "E01000002"},
        "geometry": {"type": "Point", "coordinates": [0, 0]},
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [good, point]}))
    with pytest.raises(InputError, match=r"feature 2 \(E01000002\) has a Point geometry"):
        read_boundaries(path)
    assert list(read_boundaries(path, ["E01000001"])) == ["E01000001"]
    nameless = {"properties": {}, "geometry": good["geometry"]}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [nameless]}))
    with pytest.raises(InputError, match="feature 1 has no 2021 LSOA code"):
        read_boundaries(path)
    path.write_text("{not json")
    with pytest.raises(InputError, match="cannot be read as GeoJSON"):
        read_boundaries(path)


# Drawing ---------------------------------------------------------------------------------------


def test_choropleth_draws_hidden_areas_hatched_and_keeps_their_rate_out():
    rates = pd.DataFrame(
        {
            "name": ["A", "B", "C", "D"],
            "value": [10.0, 20.0, 40.0, 1000.0],
            "lsoa21_codes": [("a",), ("b",), ("c",), ("d",)],
        },
        index=pd.Index(["a", "b", "c", "d"], name="area_code"),
    )
    shapes = {c: _square(i, 0) for i, c in enumerate("abcd")}
    hidden = pd.Series([False, False, False, True], index=rates.index)
    ax = maps.choropleth(rates, shapes, hidden=hidden, title="Test map")
    patches = _patches(ax)
    assert sorted(patches) == ["a", "b", "c", "d"]
    assert patches["d"].get_hatch() == maps.SUPPRESSED_STYLE["hatch"]
    assert mcolors.same_color(patches["d"].get_facecolor(), maps.SUPPRESSED_STYLE["facecolor"])
    palette = [mcolors.to_rgba(c) for c in maps.PALETTE]
    for code in "abc":
        assert not patches[code].get_hatch()
        assert mcolors.to_rgba(patches[code].get_facecolor()) in palette
    # Low rates light, high rates dark: a is the first class, c the last one drawn.
    assert mcolors.same_color(patches["a"].get_facecolor(), maps.PALETTE[0])
    legend = ax.get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    assert legend.get_title().get_text() == "Crimes per 1,000 residents a year"
    assert labels[-1] == "Suppressed (small count)"
    assert not any("1,000" in label for label in labels)  # the hidden rate sets no class
    assert maps.ATTRIBUTION in [t.get_text() for t in ax.texts]
    alt = maps.describe_map(rates, hidden=hidden, area="Testshire", period="2024")
    assert "1,000.0" not in alt and "Highest: C 40.0; B 20.0; A 10.0." in alt


def test_class_breaks_cover_every_value_in_increasing_order():
    values = pd.Series([0.0, 3.3, 12.0, 55.5, 120.0, 4000.0])
    breaks = maps.class_breaks(values)
    assert breaks[0] <= values.min() and breaks[-1] >= values.max()
    assert (np.diff(breaks) > 0).all() and len(breaks) <= 6


# On the demo data ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data(prepared):
    from sna.data.processed import load_processed

    config, _ = prepared
    return load_processed(config)


def _hand_count(months: list[str], code: str) -> int:
    """Crimes (not anti-social behaviour) in one LSOA, counted from the raw police.uk files."""
    n = 0
    for month in months:
        path = RAW / "police_uk" / "thames-valley" / f"{month}-thames-valley-street.csv.gz"
        for r in _rows(path):
            n += r["LSOA code"] == code and r["Crime type"] != "Anti-social behaviour"
    return n


@pytest.mark.slow
def test_map_rate_of_an_lsoa_matches_a_hand_count(data):
    from sna.assessment.district import assess_district

    a = assess_district(data, "Oxford", 2024)
    months = ["2024-01", "2024-02", "2024-03", "2024-04"]  # the demo's months of 2024
    count = _hand_count(months, "E01028553")
    residents = sum(
        int(r["usual_residents"])
        for r in _rows(RAW / "population" / "census2021_usual_residents_lsoa21_by_age6.csv.gz")
        if r["lsoa21_code"] == "E01028553"
    )
    assert (count, residents) == (196, 1834)
    row = a.map_rates.loc["E01028553"]
    assert row["count"] == count and row["denominator"] == residents
    assert row["value"] == pytest.approx(count / residents * 1000 * 12 / 4)
    assert row["name"] == "Littlemore (Oxford 016B)"
    assert len(a.map_rates) == DISTRICTS["Oxford"] and a.map_rates.attrs["vintage"] == 2021
    assert a.map_rates["count"].sum() == a.overview.loc["Oxford", "count"]
    alt = maps.describe_map(a.map_rates, hidden=a.map_hidden, area="Oxford", period="2024")
    assert alt.startswith("Map of Oxford's 84 neighbourhoods (LSOAs)")
    assert "Highest: Littlemore (Oxford 016B) 320.6;" in alt


@pytest.mark.slow
def test_2011_year_maps_units_drawn_by_their_2021_parts(data):
    from sna.assessment.district import assess_district

    a = assess_district(data, "Cherwell", 2018)
    assert a.map_rates.attrs["vintage"] == 2011
    split = a.map_rates[a.map_rates["name"].str.endswith("(Cherwell 015E + 015F)")]
    assert len(split) == 1
    code = split.index[0]
    assert len(split["lsoa21_codes"].iloc[0]) == 2
    months = ["2018-06", "2018-10", "2018-11", "2018-12"]
    assert split["count"].iloc[0] == _hand_count(months, code)
    ax = maps.choropleth(a.map_rates, a.map_shapes, hidden=a.map_hidden, title="Cherwell")
    assert len(_patches(ax)) == len(a.map_rates)  # every area drawn, once
    assert a.map_rates["count"].sum() == a.overview.loc["Cherwell", "count"]


@pytest.mark.slow
def test_suppressed_lsoas_are_drawn_suppressed_on_the_real_map(data):
    from sna.assessment.district import assess_district

    a = assess_district(data, "Vale of White Horse", 2024)
    hidden = a.map_hidden[a.map_hidden].index
    assert len(hidden) >= 2  # a small count, and at least one more so the total cannot reveal it
    shown = a.map_rates.loc[~a.map_hidden, "count"]
    small = a.map_rates.loc[hidden, "count"]
    assert ((small >= 1) & (small <= a.threshold)).any()
    assert not shown.between(1, a.threshold).any()
    ax = maps.choropleth(a.map_rates, a.map_shapes, hidden=a.map_hidden, title="Vale")
    patches = _patches(ax)
    assert len(patches) == DISTRICTS["Vale of White Horse"]
    styles = Counter(
        (p.get_hatch() or "", mcolors.to_hex(p.get_facecolor())) for p in patches.values()
    )
    suppressed = (maps.SUPPRESSED_STYLE["hatch"], maps.SUPPRESSED_STYLE["facecolor"])
    assert styles[suppressed] == len(hidden)
    for code in hidden:
        assert (
            patches[code].get_hatch(),
            mcolors.to_hex(patches[code].get_facecolor()),
        ) == suppressed


@pytest.mark.slow
def test_hotspot_tables_name_places_by_ward(data):
    from sna.assessment.district import assess_district

    wards = {
        r["lsoa21_code"]: r["ward24_name"]
        for r in _rows(RAW / "lookups" / "lsoa21_ward24_lad24.csv.gz")
    }
    a = assess_district(data, "Oxford", 2018)
    assert (
        a.top.index[0] == f"{wards['E01028521']} (Oxford 008A)" == "Carfax & Jericho (Oxford 008A)"
    )
    assert all(name.endswith(")") and " (Oxford " in name for name in a.top.index)
    assert all(" (" in name for name in a.persistent.index)
