"""Data-quality checks of partner figures: what is printed but does not add up.

Published tables are not always consistent: a printed total is not the sum of its parts, a
printed percentage does not match its counts, a percentage is printed without its % sign. None of
these is an error (the figures are kept exactly as published); :func:`check_figures` lists each
as a warning naming the file and row, what was printed and what the other printed figures give,
and the reports show it beside the figure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

__all__ = ["AREA", "CHECK_COLUMNS", "PERCENT", "check_figures", "empty_checks"]

AREA = "area"
"""``area_code`` of a figure for the whole assessment area."""
PERCENT = re.compile(
    r"^(?P<sign>[+\-−]?)(?P<number>[0-9]{1,9}(?:\.(?P<decimals>[0-9]{1,6}))?)\s*(?P<pct>%?)$"
)
"""A percentage or rate as printed: ``40.0%``, ``+11.5%``, ``1.6``, ``0.10`` (digits 0-9, at
most 9 before the point and 6 after)."""
CHECK_COLUMNS = (
    "file",
    "row",
    "year",
    "period",
    "area_name",
    "indicator",
    "category",
    "kind",
    "printed",
    "expected",
    "message",
)
"""Columns of ``partner_checks.parquet``: one row per data-quality warning."""


def empty_checks() -> pd.DataFrame:
    """A frame of partner warnings with no rows."""
    return _typed_checks(pd.DataFrame(columns=list(CHECK_COLUMNS)))


def _typed_checks(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in ("row", "year"):
        out[column] = pd.to_numeric(out[column]).astype("Int64")
    text = [c for c in CHECK_COLUMNS if c not in ("row", "year")]
    out[text] = out[text].fillna("").astype(str)
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class _Printed:
    """A percentage or rate as printed: its value, decimals and whether it has a % sign."""

    text: str
    value: float
    decimals: int
    has_percent: bool

    @classmethod
    def parse(cls, text: str) -> _Printed:
        match = PERCENT.match(text.replace(",", ""))
        assert match is not None  # validated when read
        sign = -1 if match["sign"] in ("-", "−") else 1
        decimals = len(match["decimals"] or "")
        return cls(text, sign * float(match["number"]), decimals, bool(match["pct"]))

    def matches(self, value: float) -> bool:
        """Whether ``value`` rounds to the printed figure at its decimals."""
        return abs(value - self.value) <= 0.5 * 10.0**-self.decimals + 1e-9


def _fmt(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def check_figures(figures: pd.DataFrame, *, district_codes: Sequence[str]) -> pd.DataFrame:
    """Data-quality warnings of partner figures: what is printed but does not add up.

    Nothing is changed: each warning names the figure's file and row and says what was printed
    and what the other printed figures give.

    Checks, figure by figure (a "figure" is one ``period``, ``area``, ``indicator``):

    - ``total``: a row of category "Total" differs from the sum of the other categories (its
      count, and its denominator when all have one);
    - ``area_total``: a figure for the whole area differs from the sum of the same figure for
      every assessed district (when every district has it);
    - ``percent``: a printed percentage that is not its count over its denominator (or, for
      categories without one, over the printed total or the categories' sum), allowing for
      rounding to the printed decimals; when several categories' percentages all fit another
      total, that total is named once for the figure (``percent_total``);
    - ``percent_sign``: a percentage printed without a % sign (taken as a percentage);
    - ``rate``: a printed rate that is not ``count / denominator x rate_per`` at its decimals.

    Parameters
    ----------
    figures
        Partner figures (:func:`read_partner_file`, several files concatenated).
    district_codes
        The assessed districts.

    Returns
    -------
    pandas.DataFrame
        :data:`CHECK_COLUMNS`, in file and row order.

    """
    checks: list[dict[str, object]] = []
    if figures.empty:
        return empty_checks()

    def warn(row: pd.Series, kind: str, printed: str, expected: str, message: str) -> None:
        checks.append(
            {
                "file": row["file"],
                "row": row["row"],
                "year": row["year"],
                "period": row["period"],
                "area_name": row["area_name"],
                "indicator": row["indicator"],
                "category": row["category"],
                "kind": kind,
                "printed": printed,
                "expected": expected,
                "message": message,
            }
        )

    keys = ["period", "area_code", "indicator"]
    for _, group in figures.groupby(keys, sort=False):
        _check_group(group, warn)
    _check_area_totals(figures, district_codes, warn)
    for _, row in figures.iterrows():
        if row["published_rate"] and pd.notna(row["count"]) and pd.notna(row["denominator"]):
            printed = _Printed.parse(row["published_rate"])
            value = row["count"] / row["denominator"] * row["rate_per"]
            if not printed.matches(value):
                warn(
                    row, "rate", row["published_rate"], _fmt(value, printed.decimals + 1),
                    f"printed rate {row['published_rate']} per {row['rate_per']:,g}, but "
                    f"{row['count']:,} / {row['denominator']:,} x {row['rate_per']:,g} = "
                    f"{_fmt(value, printed.decimals + 1)}",
                )  # fmt: skip
    if not checks:
        return empty_checks()
    out = pd.DataFrame(checks, columns=list(CHECK_COLUMNS))
    return _typed_checks(out.sort_values(["file", "row"], kind="stable"))


def _check_group(group: pd.DataFrame, warn: Callable[..., None]) -> None:
    """Totals and percentages within one figure (its categories)."""
    parts = group[~group["is_total"] & group["category"].ne("")]
    totals = group[group["is_total"]]
    part_sum = int(parts["count"].sum()) if parts["count"].notna().all() else None
    for _, total in totals.iterrows():
        if (
            part_sum is not None
            and len(parts)
            and pd.notna(total["count"])
            and int(total["count"]) != part_sum
        ):
            warn(
                    total, "total", f"{int(total['count']):,}", f"{part_sum:,}",
                    f"printed total {int(total['count']):,} differs from the sum of its "
                    f"{len(parts)} categories, {part_sum:,} (difference "
                    f"{int(total['count']) - part_sum:+,})",
                )  # fmt: skip
    # Percentages: over the row's own denominator, else the printed total, else the parts' sum.
    printed_total = (
        int(totals["count"].iloc[0]) if len(totals) and pd.notna(totals["count"].iloc[0]) else None
    )
    implied: list[int] = []
    unmatched: list[tuple[pd.Series, _Printed, float, int]] = []
    for _, row in group.iterrows():
        text = row["published_percent"]
        if not text:
            continue
        printed = _Printed.parse(text)
        if not printed.has_percent:
            warn(
                row, "percent_sign", text, f"{text}%",
                f"percentage printed without a % sign ({text}); read as {text}%",
            )  # fmt: skip
        if pd.isna(row["count"]):
            continue
        if pd.notna(row["denominator"]) and row["denominator_type"] == "total":
            base = int(row["denominator"])
        elif row["category"] and not row["is_total"]:
            base = printed_total if printed_total is not None else (part_sum or 0)
        else:
            continue
        if base <= 0:
            continue
        value = 100 * row["count"] / base
        if printed.value > 0:
            implied.append(round(100 * row["count"] / printed.value))
        if not printed.matches(value):
            unmatched.append((row, printed, value, base))
    alternative = _implied_total(group, implied) if unmatched else None
    for row, printed, value, base in unmatched:
        also = ""
        if alternative is not None and alternative != base:
            other = 100 * row["count"] / alternative
            also = f" (and of {alternative:,}, {_fmt(other, printed.decimals + 1)}%)"
        warn(
            row, "percent", printed.text, f"{_fmt(value, printed.decimals + 1)}%",
            f"printed percentage {printed.text} does not match its count: {int(row['count']):,} of "
            f"{base:,} is {_fmt(value, printed.decimals + 1)}%{also}",
        )  # fmt: skip
    if alternative is not None and part_sum is not None and alternative != part_sum:
        first = group.iloc[0]
        matched = sum(
            _Printed.parse(r["published_percent"]).matches(100 * r["count"] / alternative)
            for _, r in parts.iterrows()
            if r["published_percent"] and pd.notna(r["count"])
        )
        warn(
            first, "percent_total", f"{part_sum:,}", f"{alternative:,}",
            f"the {len(parts)} categories' counts add up to {part_sum:,}, but their printed "
            f"percentages match a total of {alternative:,} ({matched} of "
            f"{int(parts['published_percent'].ne('').sum())} categories)",
        )  # fmt: skip


def _implied_total(group: pd.DataFrame, candidates: list[int]) -> int | None:
    """The total most printed percentages of a figure's categories fit, if several fit one."""
    parts = group[~group["is_total"] & group["category"].ne("") & group["published_percent"].ne("")]
    parts = parts[parts["count"].notna()]
    if len(parts) < 3 or not candidates:
        return None
    best, best_n = None, 0
    for total in sorted(set(candidates)):
        if total <= 0:
            continue
        n = sum(
            _Printed.parse(r["published_percent"]).matches(100 * r["count"] / total)
            for _, r in parts.iterrows()
        )
        if n > best_n:
            best, best_n = total, n
    return best if best_n >= max(2, len(parts) // 2 + 1) else None


def _check_area_totals(
    figures: pd.DataFrame, district_codes: Sequence[str], warn: Callable[..., None]
) -> None:
    """A figure for the whole area against the sum of the same figure for every district."""
    whole = figures[figures["area_code"] == AREA]
    parts = figures[figures["area_code"].isin(district_codes)]
    keys = ["period", "indicator", "category"]
    for _, total in whole.iterrows():
        same = parts
        for key in keys:
            same = same[same[key] == total[key]]
        if set(same["area_code"]) != set(district_codes):
            continue
        denominator = "population" if total["denominator_type"] == "population" else "denominator"
        for column, label in (("count", "count"), ("denominator", denominator)):
            if pd.isna(total[column]) or same[column].isna().any():
                continue
            added = int(same[column].sum())
            if int(total[column]) != added:
                warn(
                    total, "area_total", f"{int(total[column]):,}", f"{added:,}",
                    f"printed {total['area_name']} {label} {int(total[column]):,} differs from the "
                    f"sum of the {len(same)} districts, {added:,} (difference "
                    f"{int(total[column]) - added:+,})",
                )  # fmt: skip
