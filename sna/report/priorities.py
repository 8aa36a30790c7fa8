"""The priority assessment as a reader sees it: scoring table, priorities, executive summary.

The scoring table, the recommended priorities with the evidence behind each, and the area's
executive summary.

Everything here formats :class:`sna.assessment.priorities.Priorities` and
:class:`~sna.assessment.priorities.AreaPriorities`; no figure is computed and no suppression is
decided here. An item whose count is hidden in the report's tables shows ``[c]`` for every
figure that could give it away, and is never recommended.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from sna.assessment.area import AreaAssessment
from sna.assessment.district import DistrictAssessment
from sna.assessment.partner_scores import PARTNER
from sna.assessment.priorities import CRIME_GROUP, FDR, AreaPriorities, Priorities
from sna.report.display import show_list, show_note, show_table, show_text
from sna.report.partner_scores import (
    area_partner_sentences,
    partner_evidence,
    partner_note,
    partner_priority_table,
    partner_rows,
)
from sna.report.tables import MARKER, MISSING, format_count

__all__ = [
    "JUDGEMENT",
    "area_priority_table",
    "evidence",
    "harm_source_line",
    "priority_table",
    "scoring_note",
    "show_executive_summary",
    "show_priorities",
    "summary_sentence",
]

JUDGEMENT = (
    "These scores inform the partnership's judgement; they do not replace it. They rest on "
    "police.uk recorded crime and the few partner figures supplied, which leave out much that "
    "matters (domestic abuse, exploitation, fraud, hidden harm), and on weights that are a "
    "choice: the partnership "
    "should weigh them with partners' knowledge, vulnerability and community concern."
)
"""The caveat shown with every priority list."""
ASB = "Anti-social behaviour"
_HARM_WORDS = {0: "low", 1: "moderate", 2: "high", 3: "very high"}
_LABELS = {
    "volume": "Volume",
    "benchmark": "Rate against the benchmark",
    "peers": "Rate against similar districts",
    "trend": "Trend",
    "harm": "Harm",
    "concentration": "Concentration",
}
_RULES = {
    "volume": "share of the district's recorded crime: 1 point from 2%, 2 from 5%, 3 from 10%",
    "benchmark": (
        "rate against {benchmark}: 0 unless significantly higher, then 1 point, 2 from 25% "
        "higher, 3 from 50% higher"
    ),
    "peers": "rate against similar districts: as for the benchmark",
    "trend": (
        "largest significant rise, on the previous year or over the years allowing for season: "
        "1 point, 2 from 10% a year, 3 from 25% a year"
    ),
    "harm": (
        "harm band of the crime type, 0 (low) to 3 (very high); a crime group's is the average "
        "of its crime types' bands weighted by their crimes"
    ),
    "concentration": (
        "share of the crimes in the top 10% of neighbourhoods (LSOAs): 1 point from 30%, 2 from "
        "45%, 3 from 60%; not scored with fewer crimes than neighbourhoods"
    ),
}


def _pct(value: float, *, signed: bool = False, decimals: int = 0) -> str:
    if pd.isna(value):
        return MISSING
    return f"{100 * value:+.{decimals}f}%" if signed else f"{100 * value:.{decimals}f}%"


def _points(value: float) -> str:
    if pd.isna(value):
        return "not scored"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _star(significant: object) -> str:
    return "*" if bool(significant) else ""


def _trend_used(row: pd.Series, previous_year: int) -> str:
    """The trend figure behind the trend points, as a short cell."""
    rises = []
    if row["change_significant"] and row["pct_change"] > 0:
        rises.append((row["pct_change"], f"{row['pct_change']:+.1f}% on {previous_year}*"))
    if row["trend_significant"] and row["trend_pct"] > 0:
        rises.append((row["trend_pct"], f"{row['trend_pct']:+.1f}% a year*"))
    if rises:
        return max(rises)[1]
    if pd.notna(row["trend_pct"]):
        return f"{row['trend_pct']:+.1f}% a year{_star(row['trend_significant'])}"
    if pd.notna(row["pct_change"]):
        return f"{row['pct_change']:+.1f}% on {previous_year}{_star(row['change_significant'])}"
    return MISSING


def priority_table(p: Priorities) -> pd.DataFrame:
    """The scoring table as published: each criterion's figure with its points, score and rank.

    Cells read "figure (points)"; ``*`` marks a significant comparison or trend (5% false
    discovery rate). A row whose count is hidden shows ``[c]`` for everything but its harm band.
    """
    t = p.table[p.table["kind"] != PARTNER]
    hidden = p.hidden.reindex(t.index).astype(bool)
    out = pd.DataFrame(index=t.index)
    out["Kind"] = t["kind"]
    out[f"Crimes {p.year}"] = [format_count(c, h) for c, h in zip(t["count"], hidden, strict=True)]
    out["Volume: share of crime"] = [
        f"{_pct(s, decimals=1)} ({_points(v)})"
        for s, v in zip(t["share"], t["volume"], strict=True)
    ]
    out[f"Rate against {p.benchmark}"] = [
        f"{_pct(r - 1, signed=True)}{_star(s)} ({_points(v)})"
        for r, s, v in zip(
            t["benchmark_ratio"], t["benchmark_significant"], t["benchmark"], strict=True
        )
    ]
    if "peers" in p.criteria:
        out["Rate against similar districts"] = [
            f"{_pct(r - 1, signed=True)}{_star(s)} ({_points(v)})"
            for r, s, v in zip(t["peer_ratio"], t["peer_significant"], t["peers"], strict=True)
        ]
    out["Trend"] = [
        f"{_trend_used(row, p.previous_year)} ({_points(row['trend'])})" for _, row in t.iterrows()
    ]
    out["Harm"] = [
        f"{_HARM_WORDS.get(round(h), MISSING) if pd.notna(h) else MISSING} ({_points(v)})"
        for h, v in zip(t["harm_points"], t["harm"], strict=True)
    ]
    out["Concentration: top 10% of LSOAs"] = [
        f"{_pct(s)} ({_points(v)})" if pd.notna(v) else "too few crimes"
        for s, v in zip(t["top_share"], t["concentration"], strict=True)
    ]
    out["Score (0-100)"] = [f"{v:.0f}" for v in t["total"]]
    out["Rank"] = [str(int(r)) for r in t["rank"]]
    for column in out.columns:
        if column not in ("Kind", "Harm"):
            out.loc[hidden.to_numpy(), column] = MARKER
    if "harm" not in p.criteria:
        out = out.drop(columns="Harm")
    out.index.name = "Crime type or group"
    return out


def scoring_note(p: Priorities) -> str:
    """The table's footnote: each criterion's rule, the weights and what was not scored."""
    rules = "; ".join(
        f"{_LABELS[c]}: {_RULES[c].format(benchmark=p.benchmark)}" for c in p.criteria
    )
    weights = ", ".join(f"{_LABELS[c].lower()} {p.weights[c]:g}" for c in p.criteria)
    missing = [c for c in _LABELS if c not in p.criteria]
    left_out = (
        f" Not scored: {', '.join(_LABELS[c].lower() for c in missing)} (no data)."
        if missing
        else ""
    )
    return (
        f"Points 0-3 in brackets. {rules}. * = significant with the false discovery rate across "
        f"the report's comparisons held at {FDR:.0%} (Benjamini-Hochberg). Score = weighted sum "
        f"of the points as a percentage of the most possible; weights (sna.toml "
        f"[priorities.weights]): {weights}.{left_out} Where the harm bands come from is "
        "said under the table."
    )


def harm_source_line(p: Priorities) -> str:
    """Where the harm bands come from: the harm file's own header, in its words.

    The shipped file says its bands are indicative and how to replace them with the ONS Crime
    Severity Score weights; a partnership's own file says what it holds.
    """
    if not p.harm_source:
        return (
            "Harm: no harm file is configured ([priorities] harm_weights), so harm is not scored."
        )
    return f"Harm source: {p.harm_source}"


def _crimes(item: str, count: int) -> str:
    noun = "incident" if item == ASB else "crime"
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def evidence(p: Priorities, item: str) -> str:
    """One sentence of the figures behind an item's score, for the recommended list.

    Examples
    --------
    >>> evidence(a.priorities, "Shoplifting")  # doctest: +SKIP
    "Shoplifting: 2,122 crimes (14.4% of the district's recorded crime); rate 99% above ..."
    """
    row = p.table.loc[item]
    if row["kind"] == PARTNER:
        return partner_evidence(p, item, area=p.benchmark)
    if p.hidden[item]:
        return f"{item}: figures suppressed (small numbers)."
    share = (
        f"equal to {_pct(row['share'], decimals=1)} of recorded crime"
        if item == ASB
        else f"{_pct(row['share'], decimals=1)} of the district's recorded crime"
    )
    parts = [f"{_crimes(item, int(row['count']))} in {p.year} ({share})"]
    parts.append(_against(row["benchmark_ratio"], row["benchmark_significant"], p.benchmark))
    if "peers" in p.criteria and pd.notna(row.get("peer_ratio")):
        parts.append(_against(row["peer_ratio"], row["peer_significant"], "similar districts"))
    parts.append(_trend_words(row, p))
    if pd.notna(row["concentration"]):
        parts.append(
            f"the top 10% of neighbourhoods ({int(row['top_lsoas'])} of {int(row['n_lsoas'])} "
            f"LSOAs) hold "
            f"{_pct(row['top_share'])} of it"
        )
    if pd.notna(row["harm_points"]):
        band = _HARM_WORDS[round(row["harm_points"])]
        parts.append(
            f"harm band: {band}{' (average of its crime types)' if row['kind'] == CRIME_GROUP else ''}"
        )
    return f"{item}: " + "; ".join(parts) + f". Score {row['total']:.0f} of 100."


def _against(ratio: float, significant: object, name: str) -> str:
    if pd.isna(ratio):
        return f"not compared with {name}"
    diff = abs(ratio - 1)
    direction = "above" if ratio > 1 else "below"
    whose = f"{name}'" if name.endswith("s") else f"{name}'s"
    if significant:
        return f"rate {_pct(diff)} {direction} {whose} (significant)"
    return f"rate similar to {whose} ({_pct(diff)} {direction}, not significant)"


def _trend_words(row: pd.Series, p: Priorities) -> str:
    first, last, _months = p.table.attrs.get("trend_years", (None, None, 0))
    words = []
    if pd.notna(row["trend_pct"]):
        if row["trend_significant"]:
            way = "rising" if row["trend_pct"] > 0 else "falling"
            words.append(
                f"{way} {abs(row['trend_pct']):.1f}% a year over {first}-{last} allowing for "
                "season (significant)"
            )
        else:
            words.append(f"no significant trend over {first}-{last}")
    if pd.notna(row["pct_change"]):
        if row["change_significant"]:
            way = "up" if row["pct_change"] > 0 else "down"
            words.append(
                f"{way} {abs(row['pct_change']):.1f}% on {p.previous_year} like for like "
                "(significant)"
            )
        elif not words:
            words.append(f"no significant change on {p.previous_year}")
    return ", ".join(words) if words else "no trend could be tested"


def show_priorities(a: DistrictAssessment) -> None:
    """The priority assessment: the recommended priorities with their evidence, then the scoring table."""
    p = a.priorities
    top = p.recommended(5)
    show_text(
        f"Recommended priorities for {a.district.name}, {a.year}, in order of score, from "
        "police.uk crime types and groups and the partner indicators supplied (crime groups that "
        "mostly repeat a crime type already listed are left out):"
    )
    show_list([f"{i}. {evidence(p, item)}" for i, item in enumerate(top, start=1)])
    show_note(JUDGEMENT, kind="info")
    show_table(
        priority_table(p),
        caption=f"{a.district.name}: priority scoring of every crime type and crime group, {a.year}",
        notes=scoring_note(p),
    )
    if len(partner_rows(p)):
        show_table(
            partner_priority_table(p, area=p.benchmark),
            caption=f"{a.district.name}: priority scoring, partner indicators",
            notes=partner_note(p, area=p.benchmark),
        )
    show_text(harm_source_line(p))


def area_priority_table(o: AreaPriorities, items: list[str], *, benchmark: str) -> pd.DataFrame:
    """District x priority: each district's rank of the item and its rate against the benchmark.

    A cell reads "2 (higher)": second in that district's scoring, rate significantly higher than
    the benchmark. A district where the item's count is hidden shows ``[c]``.
    """
    out = pd.DataFrame(index=pd.Index(items, name="Priority"))
    for name, p in o.districts.items():
        out[name] = [
            MARKER
            if p.hidden[item]
            else f"{int(o.ranks.loc[item, name])} ({o.comparisons.loc[item, name]})"
            for item in items
        ]
    out.columns.name = f"Rank in the district (rate against {benchmark})"
    return out


def summary_sentence(o: AreaPriorities, item: str, *, benchmark: str) -> str:
    """One sentence on where an area-wide priority stands in each district.

    Examples
    --------
    >>> summary_sentence(o.priorities, "Shoplifting", benchmark="Oxfordshire")  # doctest: +SKIP
    'Shoplifting: a recommended priority in 4 of 5 districts (average score 47 of 100); ...'
    """
    row = o.summary.loc[item]
    n = len(o.districts)
    where = _districts_by(
        o.comparisons.loc[item], {k: p.hidden[item] for k, p in o.districts.items()}
    )
    parts = [
        (
            f"a recommended priority in {int(row['districts_top'])} of {n} districts "
            f"(average score {row['mean_total']:.0f} of 100)"
        )
    ]
    if where.get("higher"):
        parts.append(f"rate significantly above {benchmark}'s in {_and(where['higher'])}")
    if where.get("lower"):
        parts.append(f"significantly below in {_and(where['lower'])}")
    ranks = o.ranks.loc[item].astype(float)
    best = [str(n) for n in ranks.index[ranks == ranks.min()]]
    parts.append(
        f"ranked first in {_and(best)}"
        if ranks.min() == 1
        else f"ranked highest ({ranks.min():.0f}) in {_and(best)}"
    )
    return f"{item}: " + "; ".join(parts) + "."


def _districts_by(comparisons: pd.Series, hidden: Mapping[str, bool]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, word in comparisons.items():
        if not hidden[str(name)]:
            out.setdefault(str(word), []).append(str(name))
    return out


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def show_executive_summary(o: AreaAssessment) -> None:
    """The area's executive summary: the top priorities across the area and where each district stands."""
    pri = o.priorities
    top = pri.top(5)
    area = o.data.config.area_name
    show_text(
        f"The priorities across {area} in {o.year}, from the priority scoring of each district "
        "report (best average score first; each is a recommended priority in at least one "
        "district):"
    )
    show_list(
        [
            f"{i}. {summary_sentence(pri, item, benchmark=o.benchmark)}"
            for i, item in enumerate(top, 1)
        ]
    )
    show_table(
        area_priority_table(pri, top, benchmark=o.benchmark),
        caption=(
            f"Where each district stands on the area's top priorities, {o.year}: rank in the "
            f"district's scoring (rate against {o.benchmark})"
        ),
        notes=(
            'Rank 1 is the district\'s highest-scoring crime type or group. "higher" and '
            f"\"lower\": the district's rate differs significantly from {o.benchmark}'s (5% false "
            'discovery rate); "similar": no significant difference. Scoring rules, weights and '
            "harm bands are in each district report and the methods."
        ),
    )
    partner_lines = area_partner_sentences(pri)
    if partner_lines:
        show_text(
            f"Partner indicators given for every district of {area}, scored in each district "
            "report on the criteria that apply to them:"
        )
        show_list(partner_lines)
    show_note(JUDGEMENT, kind="info")
