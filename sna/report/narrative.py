"""Plain-English sentences from sna's statistics, in the register of published SNAs.

Every function takes a result row from :mod:`sna.stats.change`, :mod:`sna.stats.benchmark`,
:mod:`sna.stats.trends`, :mod:`sna.stats.forecast`, :mod:`sna.stats.deprivation`, :mod:`sna.stats.concentration` or
:mod:`sna.stats.rates` and
returns plain text (no HTML; escape it where it is published). A sentence says "significantly"
only when the test says so, gives a direction only where the numbers have one, and a rank only
with the test against the runner-up; where a comparison is not like-for-like it says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, TypeAlias

import pandas as pd

from sna.stats.schema import level_label

__all__ = [
    "describe_benchmark",
    "describe_change",
    "describe_concentration",
    "describe_correlation",
    "describe_deprivation_ratio",
    "describe_forecast",
    "describe_rank",
    "describe_seasonal_trend",
]

Row: TypeAlias = Mapping[str, Any] | pd.Series
_COMPARE = ("higher", "similar", "lower", "not compared")


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _num(value: float) -> str:
    """12345.0 -> '12,345'."""
    return f"{round(float(value)):,}"


def _signed(value: float) -> str:
    """602 -> '+602', -35 -> '-35'."""
    return f"{round(float(value)):+,}"


def _pct(value: float, decimals: int = 1) -> str:
    """11.5017 -> '11.5%'; tiny non-zero values -> 'less than 0.1%'."""
    size = abs(float(value))
    if 0 < size < 0.5 * 10**-decimals:
        return f"less than {10**-decimals:.{decimals}f}%"
    return f"{size:.{decimals}f}%"


def _rate(value: float, per: float) -> str:
    return f"{float(value):,.1f} per {_num(per)}"


def _lower_first(text: str) -> str:
    """'Violence with injury' -> 'violence with injury'; 'ASB' stays."""
    return text if text[:2].isupper() else text[:1].lower() + text[1:]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _conf_label(conf: float) -> str:
    return f"{100 * float(conf):g}%"


def _limits(result: Row) -> tuple[float, float]:
    """The interval of a result Series at its own confidence level (``lower95``, ``upper95``)."""
    label = level_label(float(result.get("conf", 0.95)))
    return float(result[f"lower{label}"]), float(result[f"upper{label}"])


def describe_change(
    area: str,
    crime: str,
    change_row: Row,
    *,
    previous_label: str,
    like_for_like_note: str | None = None,
    comparison: str | None = None,
) -> str:
    """One or two sentences on the change in a count between two periods.

    Parameters
    ----------
    area : str
        The area, e.g. "West Oxfordshire".
    crime : str
        The subject of the sentence, e.g. "Recorded crime", "Violence with injury".
    change_row : mapping or pandas.Series
        A row of :func:`sna.stats.change.period_change`.
    previous_label : str, keyword-only
        The earlier period as readers know it, e.g. "2024" or "the previous year".
    comparison : str, optional, keyword-only
        The phrase naming what is compared, replacing "on <previous_label>" when the periods
        are not whole years, e.g. "in January to April 2025 against the same months of 2024".
    like_for_like_note : str, optional, keyword-only
        What was compared when the periods were cut to common months
        (:func:`sna.report.words.comparison_note`); added as its own sentence.

    Returns
    -------
    str
        E.g. "Recorded crime in West Oxfordshire rose by 11.5% (+602) on 2024; this increase is
        statistically significant."

    Notes
    -----
    The direction is that of the counts. Significance is that of the exact test in the row; when
    populations differ the test compares rates, and if the rate moved the other way from the
    count the sentence says so instead of calling the count's change significant.

    Examples
    --------
    >>> from sna.stats.change import period_change
    >>> row = period_change(5234, 5836).iloc[0]
    >>> describe_change("West Oxfordshire", "Recorded crime", row, previous_label="2024")
    'Recorded crime in West Oxfordshire rose by 11.5% (+602) on 2024; this increase is statistically significant.'
    """
    before, after = change_row["before"], change_row["after"]
    subject = f"{_upper_first(crime)} in {area}"
    when = comparison or f"on {previous_label}"
    if _missing(before) or _missing(after):
        sentence = f"The change in {_lower_first(crime)} in {area} {when} is not known."
        return _join(sentence, like_for_like_note)
    change = float(after) - float(before)
    if change == 0:
        sentence = f"{subject} was unchanged {when}, at {_num(after)}."
        return _join(sentence, like_for_like_note)
    verb = "rose" if change > 0 else "fell"
    if float(before) == 0:
        first = f"{subject} rose from none to {_num(after)} {when}"
    else:
        first = f"{subject} {verb} by {_pct(change_row['pct_change'])} ({_signed(change)}) {when}"
    return _join(f"{first}; {_significance(change, change_row)}", like_for_like_note)


def _significance(change: float, row: Row) -> str:
    """The clause on significance, consistent with both the count's and the rate's direction."""
    p_value = row["p_value"]
    ratio = row["rate_ratio"] if "rate_ratio" in row else row["value"]
    if _missing(p_value) or _missing(ratio):
        return "its statistical significance could not be assessed."
    rate_up = float(ratio) > 1
    count_up = change > 0
    if not bool(row["significant"]):
        q = row.get("q_value") if hasattr(row, "get") else None
        if q is not None and not _missing(q) and float(p_value) < 0.05:
            return (  # plain words for readers; p and adjusted p are in the notebook's tables
                "this change is not statistically significant: on its own it would pass the "
                "test, but not once allowance is made for the many comparisons in this report, "
                "so it may be chance."
            )
        return "this change is not statistically significant."
    if rate_up == count_up:
        return f"this {'increase' if count_up else 'decrease'} is statistically significant."
    return (
        "but allowing for the change in population the rate "
        f"{'rose' if rate_up else 'fell'}, and this {'rise' if rate_up else 'fall'} in the rate "
        "is statistically significant."
    )


def _join(*sentences: str | None) -> str:
    return " ".join(s.strip() for s in sentences if s and s.strip())


def describe_benchmark(
    area: str,
    row: Row,
    *,
    benchmark_name: str,
    measure: str = "crime rate",
    per: float = 1000,
    unit: str = "residents",
) -> str:
    """A sentence comparing an area's rate with its benchmark, Fingertips style.

    Parameters
    ----------
    area : str
        The area, e.g. "Oxford".
    row : mapping or pandas.Series
        A row of :func:`sna.stats.benchmark.compare_with_benchmark`.
    benchmark_name : str, keyword-only
        The benchmark, e.g. "Oxfordshire".
    measure : str, keyword-only
        What the rate measures. Default "crime rate".
    per : float, keyword-only
        The rate's multiplier. Default 1,000 (residents).
    unit : str, keyword-only
        What the rate is per, after the multiplier: "residents" (default) or e.g. "residents
        a year" for annualised rates.

    Returns
    -------
    str
        E.g. "Oxford's crime rate (86.4 per 1,000 residents) is significantly higher than
        Oxfordshire's (51.4 per 1,000), at both 95% and 99.8% confidence."

    Raises
    ------
    ValueError
        If ``compare95`` is not a known value, or contradicts the rates.

    Examples
    --------
    >>> row = {"value": 38.2, "benchmark_value": 51.4, "compare95": "lower", "compare998": "lower"}
    >>> describe_benchmark("West Oxfordshire", row, benchmark_name="Oxfordshire")
    "West Oxfordshire's crime rate (38.2 per 1,000 residents) is significantly lower than Oxfordshire's (51.4 per 1,000), at both 95% and 99.8% confidence."
    """
    c95, c998 = row["compare95"], row.get("compare998", "not compared")
    if c95 not in _COMPARE or c998 not in _COMPARE:
        raise ValueError(f"compare95 must be one of {_COMPARE}; got {c95!r}")
    if c95 == "not compared":
        return f"{area}'s {measure} could not be compared with {benchmark_name}'s (no rate)."
    rate, bench = float(row["value"]), float(row["benchmark_value"])
    if (c95 == "higher" and rate <= bench) or (c95 == "lower" and rate >= bench):
        raise ValueError(f"compare95 says {c95!r} but the rate is {rate} against {bench}")
    own = f"{area}'s {measure} ({_rate(rate, per)} {unit})"
    other = f"{benchmark_name}'s ({_rate(bench, per)})"
    if c95 == "similar":
        return f"{own} is similar to {other}: the difference is not statistically significant."
    level = (
        "at both 95% and 99.8% confidence"
        if c998 == c95
        else "at 95% confidence (though not at 99.8%)"
    )
    return f"{own} is significantly {c95} than {other}, {level}."


def describe_rank(
    area: str,
    ranked: pd.DataFrame,
    *,
    measure: str = "crime rate",
    group: str = "districts",
    per: float = 1000,
    unit: str = "residents",
) -> str:
    """A sentence on an area's rank among others, with the test against its neighbour.

    Parameters
    ----------
    area : str
        Index label of the area in ``ranked``.
    ranked : pandas.DataFrame
        The output of :func:`sna.stats.benchmark.rank_areas`, indexed by area name.
    measure : str, keyword-only
        What the rate measures. Default "crime rate".
    group : str, keyword-only
        What the areas are, plural. Default "districts".
    per : float, keyword-only
        The rate's multiplier. Default 1,000.
    unit : str, keyword-only
        What the rate is per, after the multiplier. Default "residents".

    Returns
    -------
    str
        E.g. "Oxford had the highest crime rate of the 5 districts (86.4 per 1,000 residents),
        significantly higher than the next, Cherwell (59.0 per 1,000)."

    Examples
    --------
    >>> from sna.stats.benchmark import rank_areas
    >>> r = rank_areas(pd.Series({"Oxford": 140, "Cherwell": 120}),
    ...                pd.Series({"Oxford": 1620, "Cherwell": 1610}))
    >>> describe_rank("Oxford", r)
    'Oxford had the highest crime rate of the 2 districts (86.4 per 1,000 residents), but the difference from Cherwell (74.5 per 1,000) is not statistically significant, so the two cannot be ranked with confidence.'
    """
    if area not in ranked.index:
        raise ValueError(f"area {area!r} is not in ranked; areas are {list(ranked.index)}")
    rated = ranked[ranked["value"].notna()]
    row = ranked.loc[area]
    if _missing(row["value"]):
        return f"{area}'s {measure} could not be calculated (no population figure)."
    n = len(rated)
    own = f"({_rate(row['value'], per)} {unit})"
    if n == 1:
        return f"{area}'s {measure} was {_rate(row['value'], per)} {unit}."
    pos = list(rated.index).index(area)
    rank = int(row["rank"])
    tied = int((rated["rank"] == rank).sum()) > 1
    if rank == 1 or pos == n - 1:
        top = rank == 1
        word = "highest" if top else "lowest"
        other_pos = pos + 1 if top else pos - 1
        other = rated.index[other_pos]
        differs = bool(rated.iloc[pos if top else other_pos]["differs_from_next"])
        base = f"{area} had the {'joint ' if tied else ''}{word} {measure} of the {n} {group} {own}"
        other_text = f"{other} ({_rate(rated.iloc[other_pos]['value'], per)})"
        if tied:
            return f"{base}."
        if differs:
            return (
                f"{base}, significantly {'higher' if top else 'lower'} than the next, {other_text}."
            )
        return (
            f"{base}, but the difference from {other_text} is not statistically significant, "
            "so the two cannot be ranked with confidence."
        )
    base = (
        f"{area} had the {'joint ' if tied else ''}{_ordinal(rank)} highest {measure} of the {n} "
        f"{group} {own}"
    )
    above, below = rated.index[pos - 1], rated.index[pos + 1]
    unclear = [
        name
        for name, differs in (
            (above, rated.iloc[pos - 1]["differs_from_next"]),
            (below, rated.iloc[pos]["differs_from_next"]),
        )
        if not bool(differs)
    ]
    if tied or not unclear:
        return (
            f"{base}." if tied else f"{base}, significantly different from the {group} either side."
        )
    others = " or ".join(f"{o} ({_rate(rated.loc[o, 'value'], per)})" for o in unclear)
    return (
        f"{base}, but the difference from {others} is not statistically significant, so its "
        "rank is not certain."
    )


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _strength(rho: float) -> str:
    size = abs(rho)
    for bound, word in ((0.1, "very weak"), (0.3, "weak"), (0.5, "moderate"), (0.7, "strong")):
        if size < bound:
            return word
    return "very strong"


def describe_correlation(result: Row) -> str:
    """Sentences on :func:`sna.stats.deprivation.deprivation_correlation`.

    Parameters
    ----------
    result : mapping or pandas.Series
        The output of :func:`sna.stats.deprivation.deprivation_correlation`.

    Returns
    -------
    str
        Names the deprivation domain, and warns when it includes crime.

    Notes
    -----
    Strength words follow the usual bands for |rho|: below 0.1 very weak, 0.1 to 0.3 weak, 0.3
    to 0.5 moderate, 0.5 to 0.7 strong, 0.7 and above very strong; they are used only when the
    correlation is statistically significant, and only as far as the interval supports: a rho
    of 0.62 whose interval reaches down to 0.35 is "at least moderate", not "strong".
    """
    domain = result["domain"]
    circular = (
        f" Because the {domain} measure includes crime, this relationship is partly circular."
        if domain in ("IMD", "Crime")
        else ""
    )
    if _missing(result["value"]):
        return f"The relationship between crime and deprivation ({domain}) could not be estimated."
    rho = float(result["value"])
    lower, upper = _limits(result)
    stats = (
        f"Spearman's rho {rho:.2f}, {_conf_label(result.get('conf', 0.95))} confidence interval "
        f"{lower:.2f} to {upper:.2f}"
    )
    where = f"Across {result['n_lsoas']} LSOAs"
    if not bool(result["significant"]):
        return (
            f"{where} there was no statistically significant correlation between crime rate and "
            f"deprivation ({domain} domain; {stats}).{circular}"
        )
    direction = "higher" if rho > 0 else "lower"
    sign = "positive" if rho > 0 else "negative"
    # The strength the interval supports: that of its end nearest zero ("at least moderate").
    nearest = min(abs(lower), abs(upper))
    strength = _strength(nearest)
    if nearest < 0.1:
        kind = f"a {sign} correlation whose strength the data cannot pin down"
    elif strength != _strength(rho):
        kind = f"an at least {strength} {sign} correlation"
    else:
        kind = f"a {strength} {sign} correlation"
    return (
        f"{where}, crime rates were {direction} in more deprived areas ({domain} domain): "
        f"{kind} ({stats}).{circular}"
    )


def describe_deprivation_ratio(result: Row) -> str:
    """A sentence on :func:`sna.stats.deprivation.deprivation_rate_ratio`.

    Parameters
    ----------
    result : mapping or pandas.Series
        The output of :func:`sna.stats.deprivation.deprivation_rate_ratio`.

    Returns
    -------
    str
        The ratio of rates, most against least deprived decile (or quintile), with its interval
        and whether the difference is statistically significant.
    """
    domain = result["domain"]
    if _missing(result["value"]):
        return (
            f"Crime rates in the most and least deprived areas ({domain} domain) could not be "
            f"compared: {result['note'] or 'too few LSOAs'}."
        )
    most, least = (
        ("quintile", "quintile") if "quintile" in result["comparison"] else ("decile", "decile")
    )
    rr, (lo, hi) = float(result["value"]), _limits(result)
    size = f"{rr:.1f} times" if rr >= 1 else f"{100 * (1 - rr):.0f}% lower than"
    interval = (
        f"{_conf_label(result.get('conf', 0.95))} confidence interval {lo:.2f} to {hi:.2f} times"
    )
    verdict = (
        "this difference is statistically significant"
        if bool(result["significant"])
        else "the difference is not statistically significant"
    )
    return (
        f"The crime rate in the most deprived {most} of LSOAs ({domain} domain) was {size} that in "
        f"the least deprived {least} ({interval}); {verdict}."
    )


def describe_concentration(area: str, summary: Row, *, places: str = "LSOAs") -> str:
    """Sentences on :func:`sna.stats.concentration.concentration_summary`.

    Parameters
    ----------
    area : str
        The area.
    summary : mapping or pandas.Series
        The output of :func:`sna.stats.concentration.concentration_summary`.
    places : str, keyword-only
        What the places are, plural. Default "LSOAs".

    Returns
    -------
    str
        The share of crime in the top places (by number of places, so that "5%" of 10 places is
        not misreported), and the Gini coefficient, generalised when crimes are fewer than places.

    Examples
    --------
    >>> from sna.stats.concentration import concentration_summary
    >>> s = concentration_summary([50, 10, 10, 10, 5, 5, 4, 3, 2, 1])
    >>> describe_concentration("Oxford", s)
    'In Oxford, the single LSOA with the most crime (of 10) recorded 50.0% of all crime. The Gini coefficient is 0.55 (0 = crime spread evenly across LSOAs; values near 1 = crime in very few).'
    """
    if int(summary["n_crimes"]) == 0:
        return f"No crime was recorded in {area}'s {places}."
    parts = []
    seen: set[int] = set()
    n_places = int(summary["n_places"])
    singular = places.removesuffix("s")
    for key in summary.index if isinstance(summary, pd.Series) else summary:
        if not str(key).startswith("share_top_"):
            continue
        n_top = int(summary[str(key).replace("share_top_", "n_top_")])
        if n_top >= n_places or n_top in seen:
            continue
        seen.add(n_top)
        who = (
            f"the single {singular} with the most crime (of {n_places})"
            if n_top == 1
            else f"the {n_top} {places} with the most crime ({100 * n_top / n_places:.0f}% of "
            f"{n_places})"
        )
        parts.append(f"{who} recorded {100 * float(summary[key]):.1f}% of all crime")
    first = f"In {area}, " + " and ".join(parts) + "." if parts else ""
    scale = f"(0 = crime spread evenly across {places}; values near 1 = crime in very few)"
    if bool(summary["sparse"]):
        gini_text = (
            f"There were fewer crimes than {places}, so the generalised Gini coefficient is used: "
            f"{float(summary['generalised_gini']):.2f} {scale}."
        )
    else:
        gini_text = f"The Gini coefficient is {float(summary['gini']):.2f} {scale}."
    return _join(first, gini_text)


def describe_forecast(area: str, crime: str, forecast: pd.DataFrame, *, conf: float = 0.95) -> str:
    """Sentences on :func:`sna.stats.forecast.monthly_forecast`, with the caveat that goes with them.

    Parameters
    ----------
    area : str
        The area.
    crime : str
        What was counted, e.g. "Recorded crime".
    forecast : pandas.DataFrame
        The output of :func:`sna.stats.forecast.monthly_forecast`.
    conf : float, keyword-only
        The level the forecast was made at. Default 0.95.

    Returns
    -------
    str
        The average forecast per month and the range of the prediction intervals, or why there
        is no forecast.
    """
    subject = f"{_lower_first(crime)} in {area}"
    if forecast.empty or forecast["forecast"].isna().all():
        method = forecast["method"].iloc[0] if not forecast.empty else "no data"
        return f"No forecast of {subject} is given ({method})."
    horizon = len(forecast)
    lower, upper = (f"{side}{level_label(conf)}" for side in ("lower", "upper"))
    return (
        f"If recent patterns continue, {subject} is expected to average about "
        f"{_num(forecast['forecast'].mean())} a month over the next {horizon} months "
        f"({_conf_label(conf)} prediction interval for individual months: "
        f"{_num(forecast[lower].min())} to {_num(forecast[upper].max())}). This projects "
        "recorded crime, which also reflects recording practice and police activity."
    )


def describe_seasonal_trend(area: str, crime: str, trend: Row) -> str:
    """A sentence on the trend over the years from :func:`sna.stats.trends.seasonal_trend`.

    Parameters
    ----------
    area : str
        The area.
    crime : str
        What was counted, e.g. "Recorded crime".
    trend : mapping or pandas.Series
        ``SeasonalTrend.trend``.

    Returns
    -------
    str
        A direction only when the trend is statistically significant; otherwise "no
        statistically significant trend"; or why no trend could be estimated.

    Examples
    --------
    >>> row = {"value": 3.2, "lower95": 1.1, "upper95": 5.4, "significant": True, "conf": 0.95,
    ...        "first_year": 2018, "last_year": 2025, "n_years": 5, "n_months": 22, "note": ""}
    >>> describe_seasonal_trend("Oxford", "Recorded crime", row)[:86]
    'Between 2018 and 2025 (22 months of data from 5 years), the rate of recorded crime in '
    """
    subject = f"{_lower_first(crime)} in {area}"
    if _missing(trend["value"]):
        return f"No trend in {subject} over the years is given: {trend['note']}."
    lower, upper = _limits(trend)
    span = (
        f"Between {trend['first_year']} and {trend['last_year']} ({trend['n_months']} months of "
        f"data from {trend['n_years']} years)"
    )
    ci = (
        f"{_conf_label(trend.get('conf', 0.95))} confidence interval {lower:+.1f}% to "
        f"{upper:+.1f}% a year"
    )
    change = float(trend["value"])
    if not bool(trend["significant"]):
        return (
            f"{span}, there was no statistically significant trend in the rate of {subject}, "
            f"allowing for the season ({ci})."
        )
    verb = "rose" if change > 0 else "fell"
    return (
        f"{span}, the rate of {subject} {verb} by an average of {_pct(change)} a year, allowing "
        f"for the season ({ci}); this trend is statistically significant."
    )
