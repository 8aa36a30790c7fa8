"""Area data: both LSOA vintages resolve to the right district; publishers' number formats."""

from __future__ import annotations

import dataclasses
import shutil
from collections import Counter

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sna.data.areas import (
    AREA_CACHE_DIR,
    DEPRIVATION_DOMAINS,
    assign_districts,
    cached_area_tables,
    district_name_from_lsoa_name,
    domain_column,
    lsoa_lookup,
    lsoa_units,
    read_deprivation,
    read_deprivation_2025,
    ward_names,
)
from sna.data.config import load_config
from sna.data.policeuk import read_street_file
from tests.conftest import DEMO_CONFIG, RAW, link_area_data, write_config

LOOKUP = pd.DataFrame(
    {
        "lsoa_code": ["E01000001", "E01000001", "E01000002", "E01099999"],
        "lsoa_name": ["Aylesbury Vale 001A", "Buckinghamshire 001A", "Oxford 001A", "Oxford 099Z"],
        "lsoa_vintage": [2011, 2021, 2011, 2021],
        "district_code": ["E07000004", "E06000060", "E07000178", "E07000178"],
        "district_name": ["Aylesbury Vale", "Buckinghamshire", "Oxford", "Oxford"],
    }
)


def test_same_code_in_two_vintages_resolves_by_record_name():
    codes = pd.Series(["E01000001", "E01000001", "E01000002", "E01099999", "E01077777"])
    names = pd.Series(
        ["Aylesbury Vale 001A", "Buckinghamshire 001A", "Oxford 001A", "Oxford 099Z", "X 001A"]
    )
    got = assign_districts(codes, names, LOOKUP)
    assert got["district_name"].tolist() == [
        "Aylesbury Vale",
        "Buckinghamshire",
        "Oxford",
        "Oxford",
        "",
    ]
    assert got["lsoa_vintage"].tolist() == [2011, 2021, 2011, 2021, 0]


def test_district_name_from_lsoa_name():
    names = pd.Series(
        ["Oxford 008A", "Vale of White Horse 012C", "Bournemouth, Christchurch and Poole 001A"]
    )
    assert district_name_from_lsoa_name(names).tolist() == [
        "Oxford", "Vale of White Horse", "Bournemouth, Christchurch and Poole",
    ]  # fmt: skip


@pytest.fixture(scope="module")
def lookup():
    return lsoa_lookup(load_config(DEMO_CONFIG))


def test_real_lookup_covers_both_vintages(lookup):
    counts = lookup.groupby("lsoa_vintage").size().to_dict()
    assert counts == {2011: 34753, 2021: 35672}  # LSOAs in England and Wales, each vintage
    new = lookup[(lookup["lsoa_vintage"] == 2021) & lookup["district_name"].eq("Oxford")]
    assert len(new) == 84
    assert set(new["district_code"]) == {"E07000178"}
    # "Bristol, City of" in the LAD lookup is "Bristol" in LSOA names: both coded.
    assert (lookup.loc[lookup["district_name"] == "Bristol", "district_code"] == "E06000023").all()


def test_deprivation_ranks_with_thousands_separators():
    dep = read_deprivation(load_config(DEMO_CONFIG)).set_index("lsoa_code")
    assert len(dep) == 32844
    # City of London 001A: IMD rank "29,199" decile 9; Income rank 32831 decile 10 (IoD2019).
    assert dep.loc["E01000001", ["imd_rank", "imd_decile", "income_rank", "income_decile"]].tolist() == [
        29199, 9, 32831, 10,
    ]  # fmt: skip
    assert dep["imd_decile"].between(1, 10).all()
    assert {"crime_decile", "living_decile", "barriers_decile"} <= set(dep.columns)


def test_iod2025_ranks_and_deciles():
    dep = read_deprivation_2025(load_config(DEMO_CONFIG)).set_index("lsoa_code")
    assert len(dep) == 33755  # LSOAs (2021) in England
    # City of London 001A, IoD2025 (the file's first row): IMD rank 26525 decile 8; Income rank
    # 33730 decile 10; Living Environment ("Environment") rank 244 decile 1.
    row = dep.loc["E01000001"]
    assert row[["imd_rank", "imd_decile", "income_rank", "income_decile"]].tolist() == [
        26525, 8, 33730, 10,
    ]  # fmt: skip
    assert row[["living_rank", "living_decile", "barriers_rank"]].tolist() == [244, 1, 29220]
    # The same columns as IoD2019's, so either vintage's LSOAs are read alike.
    assert set(dep.columns) == set(read_deprivation(load_config(DEMO_CONFIG)).columns) - {
        "lsoa_code"
    }
    for domain in DEPRIVATION_DOMAINS:
        assert dep[domain_column(domain)].between(1, 10).all()


CHANGES = pd.DataFrame(
    [  # lsoa11, lsoa21, CHGIND: one of each kind of change
        ("E01000010", "X 001A", "E01000010", "X 001A", "U"),
        ("E01000011", "X 002A", "E01099001", "X 002C", "S"),
        ("E01000011", "X 002A", "E01099002", "X 002D", "S"),
        ("E01000012", "X 003A", "E01099003", "X 003C", "M"),
        ("E01000013", "X 003B", "E01099003", "X 003C", "M"),
        ("E01000014", "X 004A", "E01099004", "X 004C", "X"),
        ("E01000014", "X 004A", "E01099005", "X 004D", "X"),
        ("E01000015", "X 004B", "E01099005", "X 004D", "X"),
    ],
    columns=["lsoa11_code", "lsoa11_name", "lsoa21_code", "lsoa21_name", "change"],
)


def test_lsoa_units_follow_every_kind_of_change():
    old = CHANGES.drop_duplicates("lsoa11_code")
    new = CHANGES.drop_duplicates("lsoa21_code")
    areas = pd.concat(
        [
            pd.DataFrame({"lsoa_code": old["lsoa11_code"], "lsoa_name": old["lsoa11_name"],
                          "lsoa_vintage": 2011}),
            pd.DataFrame({"lsoa_code": new["lsoa21_code"], "lsoa_name": new["lsoa21_name"],
                          "lsoa_vintage": 2021}),
            pd.DataFrame({"lsoa_code": ["E01077777"], "lsoa_name": ["X 009Z"], "lsoa_vintage": 2021}),
        ],
        ignore_index=True,
    )  # fmt: skip
    units = lsoa_units(CHANGES, areas).assign(
        code=areas["lsoa_code"], vintage=areas["lsoa_vintage"]
    )
    got = {
        (r.vintage, r.code): (r.unit_code, r.unit_name, r.unit_change) for r in units.itertuples()
    }
    # Unchanged: the LSOA itself.
    assert (
        got[(2011, "E01000010")] == got[(2021, "E01000010")] == ("E01000010", "X 001A", "unchanged")
    )
    # Split: the 2011 LSOA, named by its 2021 parts.
    split = ("E01000011", "X 002C + 002D", "split")
    assert got[(2011, "E01000011")] == got[(2021, "E01099001")] == got[(2021, "E01099002")] == split
    # Merged: the 2021 LSOA.
    merged = ("E01099003", "X 003C", "merged")
    assert (
        got[(2011, "E01000012")] == got[(2011, "E01000013")] == got[(2021, "E01099003")] == merged
    )
    # Irregular: the component the pairs make (two 2011 and two 2021 LSOAs).
    irregular = ("E01099004+E01099005", "X 004C + 004D", "irregular")
    assert {got[k] for k in [(2011, "E01000014"), (2011, "E01000015"), (2021, "E01099005")]} == {
        irregular
    }
    # Not in the lookup: itself.
    assert got[(2021, "E01077777")] == ("E01077777", "X 009Z", "not in lookup")


# Wards: places named by their electoral ward, checked against the ONS lookup read with csv.


def _csv_rows(path):
    import csv
    import gzip

    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_read_wards_matches_the_lookup_file():
    from sna.data.areas import read_wards

    config = load_config(DEMO_CONFIG)
    wards = read_wards(config).set_index("lsoa21_code")["ward_name"]
    rows = _csv_rows(config.sources.wards)
    assert len(wards) == len(rows) == 35_672
    by_csv = {r["lsoa21_code"]: r["ward24_name"] for r in rows}
    assert wards["E01028521"] == by_csv["E01028521"] == "Carfax & Jericho"
    assert wards.to_dict() == by_csv


def test_read_wards_accepts_ons_column_names_and_names_a_bad_file(tmp_path):
    from sna.data.areas import read_wards
    from sna.errors import InputError

    config = load_config(DEMO_CONFIG)
    ons = tmp_path / "ons.csv"
    ons.write_text("LSOA21CD,LSOA21NM,WD23CD,WD23NM\nE01028521,Oxford 008A,E05013098,Carfax\n")
    sources = dataclasses.replace(config.sources, wards=ons)
    got = read_wards(dataclasses.replace(config, sources=sources))
    assert got.to_dict("records") == [{"lsoa21_code": "E01028521", "ward_name": "Carfax"}]
    bad = tmp_path / "bad.csv"
    bad.write_text("lsoa21_code,ward24_name\nE01028521,Carfax\nE01028522,\n")
    sources = dataclasses.replace(config.sources, wards=bad)
    with pytest.raises(InputError, match=r"line 3.*empty cell|empty cell.*line 3"):
        read_wards(dataclasses.replace(config, sources=sources))
    none = tmp_path / "none.csv"
    none.write_text("code,name\nE01028521,Carfax\n")
    sources = dataclasses.replace(config.sources, wards=none)
    with pytest.raises(InputError, match="LSOA21CD"):
        read_wards(dataclasses.replace(config, sources=sources))


@pytest.mark.slow
def test_prepared_lsoas_carry_ward_names_of_both_vintages(prepared):
    from sna.data.processed import load_processed

    config, _ = prepared
    lsoas = load_processed(config).lsoas
    wards = {r["lsoa21_code"]: r["ward24_name"] for r in _csv_rows(config.sources.wards)}
    recent = lsoas[lsoas["lsoa_vintage"] == 2021]
    assert len(recent) == 428  # Oxfordshire's 2021 LSOAs
    assert recent["ward_name"].tolist() == [wards[c] for c in recent["lsoa_code"]]
    # A 2011 LSOA takes the wards of the 2021 LSOAs it became (ONS LSOA11 -> LSOA21 lookup).
    parts: dict[str, set[str]] = {}
    for r in _csv_rows(config.sources.lsoa_lookup_2011_2021):
        parts.setdefault(r["LSOA11CD"], set()).add(r["LSOA21CD"])
    old = lsoas[lsoas["lsoa_vintage"] == 2011]
    expected = [" / ".join(sorted({wards[c] for c in parts[code]})) for code in old["lsoa_code"]]
    assert old["ward_name"].tolist() == expected
    assert (lsoas["ward_name"] != "").all()
    # Cherwell 015E and 015F, one 2011 LSOA split in 2021, lie in two wards.
    split = old.loc[old["unit_name"] == "Cherwell 015E + 015F", "ward_name"]
    assert split.tolist() == ["Bicester East / Bicester South and Ambrosden"]


# Units and wards are computed for every LSOA at once: checked against the one-LSOA-at-a-time
# definitions (a union-find over the lookup's pairs, a loop over LSOAs) on random lookups.


def _reference_units(changes: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """:func:`lsoa_units` as first written: a union-find, then one LSOA at a time."""
    kinds = {"U": "unchanged", "S": "split", "M": "merged", "X": "irregular"}
    old = set(areas.loc[areas["lsoa_vintage"] == 2011, "lsoa_code"])
    new = set(areas.loc[areas["lsoa_vintage"] == 2021, "lsoa_code"])
    pairs = changes[changes["lsoa11_code"].isin(old) | changes["lsoa21_code"].isin(new)]
    parent: dict[tuple[int, str], tuple[int, str]] = {}

    def find(node):
        while parent.get(node, node) != node:
            node = parent[node]
        return node

    edges = list(zip(pairs["lsoa11_code"], pairs["lsoa21_code"], pairs["change"], strict=True))
    for code11, code21, _ in edges:
        a, b = find((2011, code11)), find((2021, code21))
        if a != b:
            parent[a] = b
    names21 = dict(zip(pairs["lsoa21_code"], pairs["lsoa21_name"], strict=True))
    recent = areas[areas["lsoa_vintage"] == 2021]
    names21.update(zip(recent["lsoa_code"], recent["lsoa_name"], strict=True))
    members: dict = {}
    for code11, code21, change in edges:
        m = members.setdefault(find((2011, code11)), {"old": set(), "new": set(), "change": set()})
        m["old"].add(code11)
        m["new"].add(code21)
        m["change"].add(change)

    def joined(names, most=4):
        names = sorted(names)
        if len(names) == 1:
            return names[0]
        districts = set(district_name_from_lsoa_name(pd.Series(names)))
        shown = names[: most - 1] if len(names) > most else names
        if len(districts) == 1:
            district = districts.pop()
            parts = [shown[0], *(n[len(district) :].strip() for n in shown[1:])]
        else:
            parts = list(shown)
        more = [f"{len(names) - len(shown)} more"] if len(shown) < len(names) else []
        return " + ".join([*parts, *more])

    units = {}
    for root, m in members.items():
        if len(m["new"]) == 1:
            code = next(iter(m["new"]))
        elif len(m["old"]) == 1:
            code = next(iter(m["old"]))
        else:
            code = "+".join(sorted(m["new"]))
        change = kinds[next(iter(m["change"]))] if len(m["change"]) == 1 else "irregular"
        units[root] = (code, joined([names21[c] for c in m["new"]]), change)
    out = [
        units.get(find((int(v), c)), (c, n, "not in lookup"))
        for c, n, v in zip(
            areas["lsoa_code"], areas["lsoa_name"], areas["lsoa_vintage"], strict=True
        )
    ]
    return pd.DataFrame(out, columns=["unit_code", "unit_name", "unit_change"], index=areas.index)


def _reference_wards(areas, changes, wards) -> list[str]:
    """:func:`ward_names` as first written: one LSOA at a time."""
    ward_of = dict(zip(wards["lsoa21_code"], wards["ward_name"], strict=True))
    parts = changes.groupby("lsoa11_code")["lsoa21_code"].agg(list).to_dict()
    out = []
    for code, vintage in zip(areas["lsoa_code"], areas["lsoa_vintage"], strict=True):
        codes = [code] if int(vintage) == 2021 else parts.get(code, [])
        out.append(" / ".join(sorted({ward_of[c] for c in codes if c in ward_of})))
    return out


_OLD = [f"E0100000{i}" for i in range(6)]
_NEW = [f"E0109900{i}" for i in range(8)]
_NAME = st.sampled_from(["Oxford", "Cherwell", "Vale of White Horse"]).flatmap(
    lambda d: st.integers(1, 3).map(lambda n: f"{d} 00{n}{'ABC'[n % 3]}")
)


@st.composite
def _lookups(draw):
    rows = draw(
        st.lists(
            st.tuples(st.sampled_from(_OLD), st.sampled_from(_NEW), _NAME, st.sampled_from("USMX")),
            max_size=14,
        )
    )
    changes = pd.DataFrame(
        [(o, "X 001A", n, name, c) for o, n, name, c in rows],
        columns=["lsoa11_code", "lsoa11_name", "lsoa21_code", "lsoa21_name", "change"],
    )
    areas = pd.DataFrame(
        draw(
            st.lists(
                st.one_of(
                    st.tuples(st.sampled_from(_OLD), _NAME, st.just(2011)),
                    st.tuples(st.sampled_from(_NEW), _NAME, st.just(2021)),
                    st.tuples(st.sampled_from(_NEW), _NAME, st.just(0)),
                ),
                max_size=10,
            )
        ),
        columns=["lsoa_code", "lsoa_name", "lsoa_vintage"],
    )
    wards = pd.DataFrame(
        {"lsoa21_code": _NEW, "ward_name": draw(st.lists(_NAME, min_size=8, max_size=8))}
    ).sample(frac=draw(st.sampled_from([0.5, 1.0])), random_state=0)
    return changes, areas, wards


@settings(max_examples=80, deadline=None)
@given(_lookups())
def test_units_and_wards_as_one_lsoa_at_a_time(lookups):
    changes, areas, wards = lookups
    pd.testing.assert_frame_equal(lsoa_units(changes, areas), _reference_units(changes, areas))
    got = ward_names(areas, changes, wards)
    assert got.tolist() == _reference_wards(areas, changes, wards)
    assert got.dtype == object and got.index.equals(areas.index)


# The area tables of sna prepare come from a cache when their files, config and code are as
# before; they are made again when a file changes, and never cached outside sna prepare.

_TABLES = [
    "lad_lookup", "lad_populations", "lsoa_areas", "lsoa_lookup", "partners", "peer_features",
    "populations",
]  # fmt: skip


def _raw_with_january(tmp_path):
    raw = tmp_path / "raw"
    (raw / "police_uk").mkdir(parents=True)
    name = "2025-01-thames-valley-street.csv.gz"
    shutil.copy(RAW / "police_uk" / "thames-valley" / name, raw / "police_uk" / name)
    link_area_data(raw)
    return raw


def test_area_tables_come_from_the_cache_until_a_file_changes(tmp_path, monkeypatch):
    from sna.data import areas as areas_module
    from sna.data.prepare import prepare

    raw = _raw_with_january(tmp_path)
    config = load_config(write_config(tmp_path / "run", raw=raw))
    prepare(config)
    cache = config.processed_dir / AREA_CACHE_DIR
    assert sorted(p.name for p in cache.iterdir()) == _TABLES
    before = pd.read_parquet(config.processed_dir / "lsoas.parquet")
    made: list[str] = []
    real = areas_module._lsoa_areas
    monkeypatch.setattr(areas_module, "_lsoa_areas", lambda *a: made.append("areas") or real(*a))
    manifest = config.processed_dir / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"fingerprint": "', '"fingerprint": "0'))
    prepare(config)  # not a no-op (the fingerprint differs), the area files unchanged
    assert made == []  # from the cache
    pd.testing.assert_frame_equal(pd.read_parquet(config.processed_dir / "lsoas.parquet"), before)
    prepare(config, force=True)
    assert made == ["areas"]  # --force makes every table again
    made.clear()
    # A changed IoD2019 population file: the LSOA table is made again, with the new figure.
    (raw / "imd2019").unlink()
    shutil.copytree(RAW / "imd2019", raw / "imd2019")
    path = raw / "imd2019" / "File_6_-_IoD2019_Population_Denominators.csv.gz"
    file6 = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    code = before.loc[before["lsoa_vintage"] == 2011, "lsoa_code"].iloc[0]
    column = "Total population: mid 2015 (excluding prisoners)"
    file6.loc[file6["LSOA code (2011)"] == code, column] = "4321"
    file6.to_csv(path, index=False, compression="gzip")
    prepare(config)
    assert made == ["areas"]
    after = pd.read_parquet(config.processed_dir / "lsoas.parquet").set_index("lsoa_code")
    assert after.loc[after["lsoa_vintage"] == 2011, "population"][code] == 4321
    assert len(list((cache / "lsoa_areas").iterdir())) == 1  # the old entry is removed


def test_area_cache_entries_are_checked_and_only_used_within_prepare(tmp_path):
    from sna.data.files import DATA_LOCK, folder_lock

    config = load_config(write_config(tmp_path))
    made: list[int] = []

    def build():
        made.append(1)
        return {"t": pd.DataFrame({"code": pd.Series(["E01"], dtype=object), "n": [1]})}

    lsoa_lookup(config)
    assert not config.processed_dir.exists()  # not within sna prepare: nothing written
    out = config.processed_dir
    out.mkdir(parents=True)
    with folder_lock(out / DATA_LOCK):
        first = cached_area_tables(config, "test", [], {"x": 1}, build)
        again = cached_area_tables(config, "test", [], {"x": 1}, build)
        assert made == [1]
        pd.testing.assert_frame_equal(again["t"], first["t"])
        assert again["t"]["code"].dtype == object  # dtypes as built
        (entry,) = (out / AREA_CACHE_DIR / "test").iterdir()
        entry.write_bytes(entry.read_bytes()[:-10])  # cut short: made again
        cached_area_tables(config, "test", [], {"x": 1}, build)
        assert made == [1, 1]
        cached_area_tables(config, "test", [], {"x": 2}, build)  # other parameters
        assert made == [1, 1, 1]
        assert len(list((out / AREA_CACHE_DIR / "test").iterdir())) == 1
    cached_area_tables(config, "test", [], {"x": 2}, build)  # lock released: not from the cache
    assert made == [1, 1, 1, 1]


def _placed_row_by_row(codes: list[str], names: list[str], lookup: pd.DataFrame):
    """assign_districts' rule in plain Python, one row at a time: the reference to check the
    vectorised placement against."""
    entries: dict[str, list[tuple[int, str, str, str]]] = {}
    for row in lookup.itertuples(index=False):
        entry = (int(row.lsoa_vintage), row.lsoa_name, row.district_code, row.district_name)
        entries.setdefault(row.lsoa_code, []).append(entry)
    rows = [(c.strip(), n.strip()) for c, n in zip(codes, names, strict=True)]
    vintages = {c: {e[0] for e in entries.get(c, [])} for c, _ in rows}
    only = Counter(next(iter(v)) for v in vintages.values() if len(v) == 1)
    preferred = max(only, key=lambda v: (only[v], v)) if only else 2021
    placed = []
    for code, name in rows:
        best, top = (0, "", "", ""), -1
        for entry in entries.get(code, []):
            score = (entry[1] == name) * 10 + (entry[0] == preferred)
            if score > top:
                best, top = entry, score
        placed.append((*best, len(vintages[code]) == 1 and preferred not in vintages[code]))
    return placed, preferred if only else 0


_CODES = [*LOOKUP["lsoa_code"], "E01077777", "", " E01000002 ", "e01000001"]
_NAMES = [*LOOKUP["lsoa_name"], "X 001A", "", " Oxford 001A"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_CODES), st.sampled_from(_NAMES)), max_size=40))
def test_placement_matches_the_rule_row_by_row(rows):
    codes, names = [c for c, _ in rows], [n for _, n in rows]
    lookup = pd.concat([LOOKUP, LOOKUP.iloc[[2]].assign(lsoa_vintage=2021)], ignore_index=True)
    got = assign_districts(pd.Series(codes, dtype="str"), pd.Series(names, dtype="str"), lookup)
    expected, vintage = _placed_row_by_row(codes, names, lookup)
    columns = ["lsoa_vintage", "lsoa_name", "district_code", "district_name", "other_vintage"]
    assert list(got[columns].itertuples(index=False, name=None)) == expected
    assert got.attrs["file_vintage"] == vintage


def test_placement_of_real_files_matches_the_rule_row_by_row():
    lookup = lsoa_lookup(load_config(DEMO_CONFIG))
    files = sorted((RAW / "police_uk").rglob("*-street.csv*"))[:3]
    for path in files:
        records = read_street_file(path).records
        codes, names = records["LSOA code"].tolist(), records["LSOA name"].tolist()
        got = assign_districts(records["LSOA code"], records["LSOA name"], lookup)
        expected, vintage = _placed_row_by_row(codes, names, lookup)
        columns = ["lsoa_vintage", "lsoa_name", "district_code", "district_name", "other_vintage"]
        assert list(got[columns].itertuples(index=False, name=None)) == expected, path.name
        assert got.attrs["file_vintage"] == vintage
