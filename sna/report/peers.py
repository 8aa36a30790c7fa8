"""The peers section of a district report: the rest of the area, the force area, similar districts.

Formats :class:`sna.assessment.peers.PeerAssessment` (``a.peers``): the method in two sentences,
the table of the most similar districts, the table of rates against each comparison with their
intervals, and a chart of all-crime rates of the district and its similar districts. Nothing is
recomputed; hidden rows (small counts) show the suppression marker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from sna.assessment.peers import COMPARISONS, PeerAssessment
from sna.data.manifest import format_months
from sna.report.display import show_figure, show_note, show_table, show_text
from sna.report.tables import MARKER, format_count, interval

if TYPE_CHECKING:
    from sna.assessment.district import DistrictAssessment

__all__ = ["comparison_table", "peer_chart", "peer_table", "show_peers"]


_MEASURES = {
    "deprivation": "deprivation score",
    "rural": "share of residents in rural areas",
    "density": "residents per square kilometre",
    "young": "share aged 15 to 24",
    "older": "share aged 65 and over",
}


def _label(p: PeerAssessment, comparison: str) -> str:
    """Short column label of a comparison: "Rest of Oxfordshire", "Rest of Thames Valley"."""
    rest = p.rest_name.removeprefix("the ")
    return {
        "rest of area": rest[:1].upper() + rest[1:],
        "rest of force area": f"Rest of {p.force_name} force area",
        "similar districts": "Similar districts",
    }[comparison]


def peer_table(p: PeerAssessment) -> pd.DataFrame:
    """The most similar districts: distance and the features as published, formatted."""
    rows = []
    for code, peer in p.peers.iterrows():
        rows.append(
            {
                "Rank": int(peer["rank"]),
                "District": f"{peer['lad_name']} ({code})",
                "Distance": f"{peer['distance']:.2f}",
                "Deprivation score": f"{peer['deprivation']:.1f}",
                "Rural residents": f"{100 * peer['rural']:.0f}%",
                "Residents per sq km": f"{peer['density']:,.0f}",
                "Aged 15-24": f"{100 * peer['young']:.1f}%",
                "Aged 65+": f"{100 * peer['older']:.1f}%",
                "Police force area": peer["pfa_name"],
                "police.uk data here": "yes" if peer["has_data"] else "no",
            }
        )
    t = p.target
    if len(t):
        rows.insert(
            0,
            {
                "Rank": "",
                "District": f"{p.district_name} ({p.district_code})",
                "Distance": "",
                "Deprivation score": f"{t['deprivation']:.1f}",
                "Rural residents": f"{100 * t['rural']:.0f}%",
                "Residents per sq km": f"{t['density']:,.0f}",
                "Aged 15-24": f"{100 * t['young']:.1f}%",
                "Aged 65+": f"{100 * t['older']:.1f}%",
                "Police force area": t["pfa_name"],
                "police.uk data here": "yes",
            },
        )
    return pd.DataFrame(rows).set_index("District")


def comparison_table(p: PeerAssessment, *, kind: str = "group") -> pd.DataFrame:
    """Rates of the district against each comparison, for all crime and the groups (or types)."""
    names = [c for c in COMPARISONS if c in p.comparisons]
    first = p.comparisons[names[0]] if names else pd.DataFrame()
    out: dict[str, list[str]] = {}
    crimes = [c for k, c in first.index if k == kind] if names else []
    for crime in crimes:
        row: list[str] = []
        for i, name in enumerate(names):
            r = p.comparisons[name].loc[(kind, crime)]
            hidden = bool(r["hidden"])
            if i == 0:
                row += [
                    format_count(r["value"], hidden, decimals=1),
                    MARKER if hidden else interval(r["lower95"], r["upper95"]),
                ]
            row += [
                format_count(r["other_value"], hidden, decimals=1),
                MARKER if hidden else _verdict(r),
            ]
        out[crime] = row
    columns = ["District rate", "95% confidence interval"]
    for name in names:
        columns += [f"{_label(p, name)}: rate", f"{_label(p, name)}: difference"]
    table = pd.DataFrame.from_dict(out, orient="index", columns=columns)
    table.index.name = "Crime group" if kind == "group" else "Crime type"
    return table


def _verdict(r: pd.Series) -> str:
    """The difference in words: significantly higher or lower, or not, with the rate ratio."""
    if pd.isna(r["rate_ratio"]):
        return "[x]"
    ratio = f"rate ratio {r['rate_ratio']:.2f}, {interval(r['rate_ratio_lower95'], r['rate_ratio_upper95'], decimals=2)}"
    if bool(r["significant"]):
        side = "higher" if r["rate_ratio"] > 1 else "lower"
        return f"Significantly {side} ({ratio})"
    return f"Not significantly different ({ratio})"


def peer_chart(p: PeerAssessment) -> Axes:
    """All-crime rate of the district, each comparison and each similar district with data.

    Bars run top to bottom: the district (blue), the comparisons, then the similar districts
    (grey), each with its 95% confidence interval.
    """
    labels, values, lower, upper = [], [], [], []
    first = next(iter(p.comparisons.values())).iloc[0]  # all crime
    if not bool(first["hidden"]):
        labels.append(p.district_name)
        values.append(first["value"])
        lower.append(first["lower95"])
        upper.append(first["upper95"])
    for name in COMPARISONS:
        if name in p.comparisons:
            r = p.comparisons[name].iloc[0]
            labels.append(_label(p, name))
            values.append(r["other_value"])
            lower.append(r["other_lower95"])
            upper.append(r["other_upper95"])
    for name, r in p.peer_rates.iloc[1:].iterrows():
        labels.append(str(name))
        values.append(r["value"])
        lower.append(r["lower95"])
        upper.append(r["upper95"])
    _, ax = plt.subplots(figsize=(5.0, 0.45 * len(labels) + 1.4), dpi=100, layout="constrained")
    y = np.arange(len(labels))[::-1]
    v = np.asarray(values, dtype=float)
    err = np.vstack([v - np.asarray(lower, float), np.asarray(upper, float) - v])
    colours = ["#0072B2" if i == 0 else "#999999" for i in range(len(labels))]
    ax.barh(y, v, xerr=np.nan_to_num(err), color=colours, capsize=4, ecolor="black")
    ax.set_yticks(y, labels)
    ax.set_xlabel("Crimes per 1,000 residents a year (95% confidence interval)")
    ax.set_title(f"All crime: {p.district_name} and its comparisons, {p.year}")
    return ax


def show_peers(a: DistrictAssessment) -> None:
    """The method, the similar districts, and the rates against each comparison."""
    p = a.peers
    months = format_months(p.months, "span")
    features = "; ".join(_MEASURES[f] for f in p.features)
    show_text(
        f"Similar districts are the {p.k} districts in England closest to {p.district_name} on "
        f"{len(p.features)} published measures ({features}), each put on a common scale "
        f"across all {p.n_areas} districts. Crime rates are then "
        f"compared with the rest of {a.benchmark}, the rest of the police force area and the "
        "similar districts whose police.uk data are here; a difference is called significant "
        "only when a test allowing for month-to-month variation says so (5% false discovery rate)."
    )
    if not p.peers.empty:
        show_table(
            peer_table(p),
            caption=f"The {p.k} districts most similar to {p.district_name}, nearest first",
            notes=(
                "Distance: in standard deviations across the districts of England (0 = the same "
                "on every measure). Deprivation score: IoD2025 average score; rural residents: "
                "Census 2021 residents in rural LSOAs (2021 Rural-Urban Classification); "
                "residents per sq km, ages: ONS mid-2022 estimates."
            ),
        )
    if p.missing_peers:
        show_note(
            f"No police.uk data here for {len(p.missing_peers)} of the {p.k} similar districts: "
            f"{', '.join(p.missing_peers)}. Add their forces' street files to compare with them.",
            kind="warning",
        )
    forces = "; ".join(
        f"{_force_name(force)}: {format_months(m, 'span')}" for force, m in sorted(p.forces.items())
    )
    if forces:
        show_text(f"police.uk files present for {p.year}: {forces}.")
    for name, reason in p.unavailable.items():
        show_note(f"{_label(p, name)}: not compared ({reason}).", kind="info")
    if not p.comparisons:
        return
    for kind in ("group", "type"):
        table = comparison_table(p, kind=kind)
        show_table(
            table,
            caption=(
                f"{p.district_name}: rate per 1,000 residents a year by crime "
                f"{'group' if kind == 'group' else 'type'}, {months} {p.year}, against the rest "
                f"of the area, the rest of the force area and similar districts"
            ),
            notes=(
                "Rate ratio: the district's rate divided by the comparison's, with its 95% "
                "confidence interval for that comparison alone. A difference is called "
                "significant only when it remains so after allowing for all the comparisons in "
                "the table (5% false discovery rate), so an interval that leaves out 1 can still "
                "be 'not significantly different'. Comparisons leave "
                f"the district out. {MARKER} = hidden (a count of 1 to {a.threshold}, or a cell "
                "hidden to protect one); [x] = not available."
            ),
        )
    ax = peer_chart(p)
    shown = [t.get_text() for t in ax.get_yticklabels()]
    rates = [f"{name} {width:.1f}" for name, width in zip(shown, _widths(ax), strict=False)]
    show_figure(
        ax,
        alt=(
            f"Bar chart of all-crime rates per 1,000 residents a year in {p.year}, with 95% "
            f"confidence intervals: {'; '.join(rates)}"
        ),
    )


def _widths(ax: Axes) -> list[float]:
    """Bar lengths of a horizontal bar chart, bottom to top."""
    return [float(bar.get_width()) for bar in ax.patches]  # type: ignore[attr-defined]


def _force_name(force: str) -> str:
    """A police.uk force id as words ("city-of-london" is "City of London")."""
    small = {"of", "and", "the"}
    words = force.split("-")
    return " ".join(w if i and w in small else w[:1].upper() + w[1:] for i, w in enumerate(words))
