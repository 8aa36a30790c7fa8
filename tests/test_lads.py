"""``sna.data.lads``: LSOA counts per file summed by district, against a plain pandas route."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sna.data.lads import LAD_COUNT_COLUMNS, lad_count_table, lsoa_count_table, lsoa_id_counts

CODES = ["E01", "E02", "W01", "E09", "e01", "E01 x"]
TYPES = ["Drugs", "Robbery", "Anti-social behaviour"]


def _by_merge(parts, lookup: pd.DataFrame) -> pd.DataFrame:
    """Every row's district by a pandas merge on code and vintage, then one groupby."""
    frames = [c.frame().assign(month=m, force=f) for m, f, c in parts if len(c)]
    rows = pd.concat(frames, ignore_index=True)
    placed = rows.merge(
        lookup.drop_duplicates(["lsoa_code", "lsoa_vintage"]),
        on=["lsoa_code", "lsoa_vintage"],
        how="left",
    ).fillna({"lad_code": "", "lad_name": ""})
    placed["month"] = pd.to_datetime(placed["month"], format="%Y-%m")
    out = placed.groupby(LAD_COUNT_COLUMNS[:5], sort=True)["count"].sum().reset_index()
    return out.astype(dict.fromkeys(LAD_COUNT_COLUMNS[1:5], object))


@st.composite
def _files(draw):
    files = []
    for _ in range(draw(st.integers(1, 4))):
        rows = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(CODES), st.sampled_from([2011, 2021]), st.sampled_from(TYPES)
                ),
                max_size=25,
            )
        )
        month = draw(st.sampled_from(["2025-01", "2025-02"]))
        force = draw(st.sampled_from(["thames-valley", "kent"]))
        codes, code_ids = np.unique(
            np.array([r[0] for r in rows], dtype=object), return_inverse=True
        )
        counts = lsoa_id_counts(
            codes,
            code_ids,
            np.array([r[1] for r in rows], dtype=np.int64),
            np.array([TYPES.index(r[2]) for r in rows], dtype=np.int64),
            TYPES,
        )
        files.append((month, force, counts))
    return files


LOOKUP = st.lists(
    st.tuples(
        st.sampled_from(CODES),
        st.sampled_from([2011, 2021]),
        st.sampled_from([("E07000178", "Oxford"), ("E06000036", "Bracknell, Forest"), ("", "")]),
    ),
    max_size=10,
).map(
    lambda rows: pd.DataFrame(
        {
            "lsoa_code": pd.Series([r[0] for r in rows], dtype=str),
            "lsoa_vintage": pd.Series([r[1] for r in rows], dtype="int64"),
            "lad_code": pd.Series([r[2][0] for r in rows], dtype=str),
            "lad_name": pd.Series([r[2][1] for r in rows], dtype=str),
        }
    )
)


@settings(max_examples=200, deadline=None)
@given(_files(), LOOKUP)
def test_lad_counts_equal_a_merge_of_every_row(files, lookup):
    got = lad_count_table(files, lookup)
    if not any(len(c) for _, _, c in files):
        assert got.empty
        return
    expected = _by_merge(files, lookup)
    got = got.astype(dict.fromkeys(LAD_COUNT_COLUMNS[1:5], object))
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert got["count"].sum() == sum(int(c.count.sum()) for _, _, c in files)


def test_lsoa_counts_keep_only_the_codes_counted():
    counts = lsoa_id_counts(
        np.array(["E02", "E01", "E03"], dtype=object),
        np.array([1, 1, 0]),
        np.array([2021, 2021, 2011]),
        np.array([0, 2, 1]),
        TYPES,
    )
    assert counts.codes.tolist() == ["E01", "E02"]
    frame = counts.frame()
    assert frame.to_dict("list") == {
        "lsoa_code": ["E01", "E01", "E02"],
        "lsoa_vintage": [2021, 2021, 2011],
        "crime_type": ["Anti-social behaviour", "Drugs", "Robbery"],
        "count": [1, 1, 1],
    }
    text = lsoa_count_table(
        pd.Series(["E01", "E01", "E02"]),
        pd.Series([2021, 2021, 2011]),
        pd.Series(["Drugs", "Anti-social behaviour", "Robbery"]),
    )
    pd.testing.assert_frame_equal(frame, text)
