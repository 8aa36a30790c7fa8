"""Partner indicators in the priority assessment: their block of the scoring table and their words.

Formats the ``kind == "partner indicator"`` rows of :class:`sna.assessment.priorities.Priorities`
(:func:`sna.assessment.partner_scores.partner_items`) and, for the area overview, sets each
area-wide partner indicator's standing in the districts side by side. Nothing is computed here.
"""

from __future__ import annotations

import pandas as pd

from sna.assessment.partner_scores import PARTNER
from sna.assessment.priorities import AreaPriorities, Priorities
from sna.report.tables import MARKER, MISSING, format_count

__all__ = [
    "NOT_SCORED",
    "area_partner_sentences",
    "partner_evidence",
    "partner_note",
    "partner_priority_table",
    "partner_rows",
]

NOT_SCORED = "not scored"
"""A criterion that does not apply to a partner indicator."""


def partner_rows(p: Priorities) -> pd.DataFrame:
    """The partner indicators of a priorities table, best score first."""
    return p.table[p.table["kind"] == PARTNER]


def _points(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _star(significant: object) -> str:
    return "*" if bool(significant) else ""


def _trend_cell(row: pd.Series) -> str:
    if pd.isna(row["trend"]):
        return NOT_SCORED
    years = f"{int(row['trend_first'])}-{int(row['trend_last'])}"
    return f"{row['trend_pct']:+.1f}% a year{_star(row['trend_significant'])}, {years} ({_points(row['trend'])})"


def _rate_cell(row: pd.Series) -> str:
    if pd.isna(row["benchmark"]):
        return NOT_SCORED
    diff = 100 * (row["benchmark_ratio"] - 1)
    return f"{diff:+.0f}%{_star(row['benchmark_significant'])} ({_points(row['benchmark'])})"


def partner_priority_table(p: Priorities, *, area: str) -> pd.DataFrame:
    """The "Partner indicators" block of the scoring table, as published.

    Criteria that do not apply to a partner figure (volume, rate against similar districts,
    harm, concentration) read "not scored". A hidden count shows ``[c]`` in every figure.
    """
    t = partner_rows(p)
    hidden = p.hidden.reindex(t.index).fillna(False).astype(bool)
    out = pd.DataFrame(index=t.index)
    out["Source"] = t["source"]
    out["Count"] = [
        f"{format_count(c, h)} ({period})"
        for c, h, period in zip(t["count"], hidden, t["period"], strict=True)
    ]
    out["Volume: share of crime"] = NOT_SCORED
    out[f"Rate against {area}"] = [_rate_cell(row) for _, row in t.iterrows()]
    if "peers" in p.criteria:
        out["Rate against similar districts"] = NOT_SCORED
    out["Trend"] = [_trend_cell(row) for _, row in t.iterrows()]
    if "harm" in p.criteria:
        out["Harm"] = NOT_SCORED
    out["Concentration: top 10% of LSOAs"] = NOT_SCORED
    out["Data-quality warning"] = [
        "; ".join(w for w in (row["warning"], row["area_warning"]) if isinstance(w, str) and w)
        or "none"
        for _, row in t.iterrows()
    ]
    out["Score (0-100)"] = [f"{v:.0f}" for v in t["total"]]
    out["Rank"] = [str(int(r)) for r in t["rank"]]
    for column in ("Count", f"Rate against {area}", "Trend", "Score (0-100)", "Rank"):
        out.loc[hidden.to_numpy(), column] = MARKER
    out.index.name = "Partner indicator (area)"
    return out


def partner_note(p: Priorities, *, area: str) -> str:
    """The partner block's footnote: which criteria apply, how the score is normalised."""
    unscored = p.table.attrs.get("unscored_partners", ())
    left = (
        f" Not scored at all (no criterion applies: a single year without a population "
        f"denominator): {'; '.join(unscored)}; they are in the partner data section."
        if unscored
        else ""
    )
    return (
        "Partner figures are scored on the criteria that apply to them: the trend, from the "
        "indicator's yearly counts over at least three years (average change a year, "
        "quasi-Poisson), and the rate against "
        f"{area} where the figure has a population denominator and {area}'s figure exists. "
        "Volume, harm and concentration need police.uk records and do not apply. The score is "
        "the weighted points as a percentage of the most possible on the criteria that apply, so "
        "a partner figure is neither penalised nor favoured for being scored on fewer criteria. "
        "* = significant with the false discovery rate across the report's partner indicators "
        f"held at 5% (Benjamini-Hochberg). Ranks are shared with the crime types and groups "
        f"above. Published valid crimes (all recorded crime) are not scored, as all crime is not."
        f"{left}"
    )


def partner_evidence(p: Priorities, item: str, *, area: str) -> str:
    """One sentence of the figures behind a partner indicator's score, naming its source.

    Examples
    --------
    >>> partner_evidence(a.priorities, "Sexual offences (Cherwell)", area="Oxfordshire")  # doctest: +SKIP
    'Sexual offences (Cherwell), partner data (Oxford Safer Communities Partnership ...): 355 in 2024; ...'
    """
    row = p.table.loc[item]
    head = f"{item}, partner data ({row['source']})"
    if p.hidden[item]:
        return f"{head}: figures suppressed (small numbers)."
    parts = [f"{int(row['count']):,} in {row['period']}"]
    if pd.notna(row["trend"]):
        years = f"{int(row['trend_first'])}-{int(row['trend_last'])}"
        if row["trend_significant"]:
            way = "rising" if row["trend_pct"] > 0 else "falling"
            parts.append(f"{way} {abs(row['trend_pct']):.1f}% a year over {years} (significant)")
        else:
            parts.append(f"no significant trend over {years} ({row['trend_pct']:+.1f}% a year)")
    if pd.notna(row["benchmark"]):
        diff = abs(row["benchmark_ratio"] - 1)
        way = "above" if row["benchmark_ratio"] > 1 else "below"
        if row["benchmark_significant"]:
            parts.append(f"rate {diff:.0%} {way} {area}'s (significant)")
        else:
            parts.append(f"rate similar to {area}'s ({diff:.0%} {way}, not significant)")
    warnings = [w for w in (row["warning"], row["area_warning"]) if isinstance(w, str) and w]
    caveat = f" Data-quality warning: {'; '.join(warnings)}." if warnings else ""
    return f"{head}: " + "; ".join(parts) + f". Score {row['total']:.0f} of 100.{caveat}"


def area_partner_sentences(o: AreaPriorities) -> list[str]:
    """One sentence per partner indicator scored in every district (area-wide), for the summary.

    Says in which districts it scored and, for each, the trend or rate behind it; an indicator
    given for one district only is left to that district's report.
    """
    by_indicator: dict[str, dict[str, pd.Series]] = {}
    sources: dict[str, str] = {}
    hidden: dict[str, list[str]] = {}
    for name, p in o.districts.items():
        for item, row in partner_rows(p).iterrows():
            if row["area_name"] != name:
                continue
            if p.hidden[item]:
                hidden.setdefault(str(row["indicator"]), []).append(name)
                continue
            by_indicator.setdefault(str(row["indicator"]), {})[name] = row
            sources[str(row["indicator"])] = str(row["source"])
    out = []
    for indicator, rows in sorted(by_indicator.items()):
        if len(rows) + len(hidden.get(indicator, [])) < len(o.districts):
            continue
        rising = [n for n, r in rows.items() if r["trend_significant"] and r["trend_pct"] > 0]
        falling = [n for n, r in rows.items() if r["trend_significant"] and r["trend_pct"] < 0]
        first = next(iter(rows.values()))
        years = (
            f"{int(first['trend_first'])}-{int(first['trend_last'])}"
            if pd.notna(first["trend_first"])
            else MISSING
        )
        parts = [f"{indicator} (partner data: {sources[indicator]}): scored in every district"]
        if rising:
            parts.append(
                "rising significantly over "
                + years
                + " in "
                + _and([f"{n} ({rows[n]['trend_pct']:+.1f}% a year)" for n in rising])
            )
        if falling:
            parts.append(f"falling significantly in {_and(falling)}")
        steady = [n for n in rows if n not in rising and n not in falling]
        if steady:
            parts.append(f"no significant trend in {_and(steady)}")
        top = [n for n, p in o.districts.items() if f"{indicator} ({n})" in p.recommended()]
        if top:
            parts.append(f"a recommended priority in {_and(top)}")
        out.append("; ".join(parts) + ".")
    return out


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
