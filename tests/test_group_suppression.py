"""Suppression across overlapping groups, checked by integer programming (an independent solver)."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

import sna.stats.group_suppression
from sna.stats.group_suppression import suppress_grouped


def test_docstring_examples():
    assert doctest.testmod(sna.stats.group_suppression, raise_on_error=False).failed == 0


def feasible_range(values, groups, hidden, hidden_total, cell, lower=1):
    """Smallest and largest whole value a hidden cell can take given everything published (MILP).

    A reader knows every hidden cell is at least ``lower``: 1, because zeros are published.
    """
    labels = list(values.index)
    names = list(groups)
    cells = [("m", m) for m in labels if hidden[m]] + [("g", g) for g in names if hidden_total[g]]
    a, b = [], []
    for g in names:
        row = np.zeros(len(cells))
        known = sum(values[m] for m in groups[g] if not hidden[m])
        for m in groups[g]:
            if hidden[m]:
                row[cells.index(("m", m))] = 1
        if hidden_total[g]:
            row[cells.index(("g", g))] = -1
            target = -known
        else:
            target = sum(values[m] for m in groups[g]) - known
        a.append(row)
        b.append(target)
    bounds = []
    for k in range(2):
        objective = np.zeros(len(cells))
        objective[cells.index(cell)] = 1 if k == 0 else -1
        result = optimize.milp(
            objective,
            constraints=optimize.LinearConstraint(np.array(a), b, b),
            integrality=np.ones(len(cells)),
            bounds=optimize.Bounds(lower, 10_000),
        )
        assert result.status == 0
        bounds.append(result.fun if k == 0 else -result.fun)
    return bounds


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(0, 30), min_size=3, max_size=7),
    memberships=st.lists(st.lists(st.booleans(), min_size=7, max_size=7), min_size=1, max_size=4),
    threshold=st.integers(1, 5),
)
def test_no_small_count_can_be_worked_out(counts, memberships, threshold):
    values = pd.Series(counts, index=[f"t{i}" for i in range(len(counts))])
    groups = {"all": list(values.index)}
    for g, member in enumerate(memberships):
        chosen = [label for label, keep in zip(values.index, member, strict=False) if keep]
        if chosen:
            groups[f"g{g}"] = chosen
    hidden, hidden_total = suppress_grouped(values, groups, threshold=threshold)
    # every small count is hidden, zeros never are, and no small count can be narrowed to
    # 1..threshold by a reader who knows that every hidden cell is at least 1
    small = (values >= 1) & (values <= threshold)
    assert hidden[small].all() and not hidden[values == 0].any()
    totals = pd.Series({g: values[m].sum() for g, m in groups.items()})
    small_totals = (totals >= 1) & (totals <= threshold)
    assert hidden_total[small_totals].all() and not hidden_total[totals == 0].any()
    for cell in [("m", m) for m in values.index[small]] + [
        ("g", g) for g in totals.index[small_totals]
    ]:
        low, high = feasible_range(values, groups, hidden, hidden_total, cell)
        if high <= threshold:  # only when nothing can protect it: every non-zero cell is hidden
            assert hidden[values > 0].all() and hidden_total[totals > 0].all(), (cell, low, high)


def test_cross_table_leak_of_the_demo_report_is_closed():
    """West Oxfordshire, Jan-Apr 2024: Bicycle theft 3 must not follow from any published total."""
    values = pd.Series(
        {"Bicycle theft": 3, "Burglary": 76, "Robbery": 11, "Shoplifting": 123, "Theft from the person": 13,
         "Vehicle crime": 103, "Other theft": 137, "Possession of weapons": 13, "Drugs": 37}
    )  # fmt: skip
    groups = {
        "All": list(values.index),
        "Acquisitive": [
            "Burglary",
            "Robbery",
            "Vehicle crime",
            "Shoplifting",
            "Theft from the person",
            "Bicycle theft",
            "Other theft",
        ],
        "Neighbourhood": ["Burglary", "Robbery", "Theft from the person", "Vehicle crime"],
        "Drugs and weapons": ["Drugs", "Possession of weapons"],
    }
    hidden, hidden_total = suppress_grouped(values, groups, threshold=4)
    assert hidden["Bicycle theft"] and hidden.sum() == 2 and not hidden_total.any()
    assert hidden[["Shoplifting", "Other theft"]].any()  # a partner in exactly its groups


JANUARY_2024 = pd.Series(
    {"Violence and sexual offences": 199, "Burglary": 26, "Robbery": 1, "Theft from the person": 2,
     "Vehicle crime": 33, "Shoplifting": 35, "Bicycle theft": 0, "Other theft": 37,
     "Criminal damage and arson": 33, "Public order": 28, "Drugs": 12, "Possession of weapons": 1,
     "Other crime": 10}
)  # fmt: skip
DEMO_GROUPS = {
    "All": list(JANUARY_2024.index),
    "Violence": ["Violence and sexual offences", "Robbery", "Possession of weapons"],
    "Neighbourhood": ["Burglary", "Robbery", "Theft from the person", "Vehicle crime"],
    "Acquisitive": ["Burglary", "Robbery", "Vehicle crime", "Shoplifting", "Theft from the person",
                    "Bicycle theft", "Other theft"],
    "Criminal damage and public order": ["Criminal damage and arson", "Public order"],
    "Drugs and weapons": ["Drugs", "Possession of weapons"],
}  # fmt: skip


def test_one_month_report_protects_its_small_counts_from_a_reader_who_knows_zeros():
    """West Oxfordshire, January 2024 alone (Robbery 1, Possession of weapons 1, Theft from the
    person 2): the old rule hid the zero Bicycle theft as a partner, though zeros are published
    and a reader takes every "[c]" as at least 1. Zeros now stay published, and to that reader
    no small count can be narrowed to 1-4."""
    hidden, hidden_total = suppress_grouped(JANUARY_2024, DEMO_GROUPS, threshold=4)
    assert not hidden["Bicycle theft"] and not hidden_total.any()
    for label in ["Robbery", "Possession of weapons", "Theft from the person"]:
        assert hidden[label]
        low, high = feasible_range(JANUARY_2024, DEMO_GROUPS, hidden, hidden_total, ("m", label))
        assert low == 1 and high > 4, (label, high)


def test_differencing_with_the_readers_lower_bound_is_closed():
    """Robbery + Possession of weapons + Theft from the person = 4 follows from the totals. The
    old audit allowed 0 for each, so each could be 0 to 4 and was left; but a reader knows each
    "[c]" is at least 1, so each is 1 or 2. Burglary is now hidden with them."""
    values = pd.Series({"Robbery": 1, "Possession of weapons": 1, "Theft from the person": 2,
                        "Burglary": 26, "Drugs": 12})  # fmt: skip
    groups = {"All": list(values.index), "Small": list(values.index[:4])}
    old = pd.Series([True, True, True, False, False], index=values.index)
    none = pd.Series(False, index=list(groups))
    for label in values.index[:3]:
        assert feasible_range(values, groups, old, none, ("m", label), lower=0)[1] == 4
        assert feasible_range(values, groups, old, none, ("m", label))[1] <= 2
    hidden, hidden_total = suppress_grouped(values, groups, threshold=4)
    assert hidden.tolist() == [True, True, True, True, False] and not hidden_total.any()
    for label in values.index[:3]:
        assert feasible_range(values, groups, hidden, hidden_total, ("m", label))[1] > 4


@pytest.mark.parametrize(
    ("values", "groups", "message"),
    [
        (pd.Series({"a": -1}), {"g": ["a"]}, "whole numbers >= 0"),
        (pd.Series({"a": 1.5}), {"g": ["a"]}, "whole numbers >= 0"),
        (pd.Series({"a": 1}), {"g": ["b"]}, "group 'g' names 'b'"),
    ],
)
def test_bad_arguments(values, groups, message):
    with pytest.raises(ValueError, match=message):
        suppress_grouped(values, groups)


@pytest.mark.parametrize("threshold", [0, 2.0, True])
def test_bad_threshold_has_the_message_of_suppress_counts(threshold):
    with pytest.raises(ValueError, match=f"threshold must be a whole number >= 1; got {threshold}"):
        suppress_grouped(pd.Series({"a": 1}), {"g": ["a"]}, threshold=threshold)


def test_single_member_group_hides_its_total():
    hidden, hidden_total = suppress_grouped(
        pd.Series({"ASB": 3, "Drugs": 50}), {"ASB": ["ASB"], "All": ["ASB", "Drugs"]}
    )
    assert hidden["ASB"] and hidden_total["ASB"]
