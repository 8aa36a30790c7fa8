"""One result schema for estimates with confidence intervals, after PHEindicatormethods.

An estimate frame has the columns ``count``, ``denominator``, ``value``, then for each confidence
level ``L`` the columns ``lower<L>`` and ``upper<L>`` (``L`` from :func:`level_label`: 0.95 gives
``lower95``/``upper95``, 0.998 gives ``lower998``/``upper998``), then ``method``. Its
``DataFrame.attrs`` record ``"confidence"`` (the levels, a tuple of floats, in column order) and
``"statistic"`` (what ``value`` is, e.g. "rate per 1,000" or "proportion"). Results that are not
estimates of a count over a denominator (rate ratios, forecasts, funnel limits) use the same
``value`` / ``lower<L>`` / ``upper<L>`` names where they have them, and the same attrs.

References
----------
.. [1] Fox S, Anwar E, et al. PHEindicatormethods: common public health statistics and their
   confidence intervals. R package, https://cran.r-project.org/package=PHEindicatormethods.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from sna.stats.checks import ArrayLike

__all__ = [
    "annotate",
    "estimate_frame",
    "interval_columns",
    "level_label",
    "per_label",
]


def level_label(conf: float) -> str:
    """The column suffix for a confidence level: its percentage without the decimal point.

    Parameters
    ----------
    conf : float
        Confidence level in (0, 1).

    Returns
    -------
    str

    Examples
    --------
    >>> level_label(0.95), level_label(0.998), level_label(0.9)
    ('95', '998', '90')
    """
    return f"{100 * conf:g}".replace(".", "")


def interval_columns(levels: Iterable[float]) -> list[str]:
    """The interval column names for confidence levels, in schema order.

    Parameters
    ----------
    levels : iterable of float
        Confidence levels in (0, 1).

    Returns
    -------
    list of str
        ``lower<L>``, ``upper<L>`` for each level in turn.

    Raises
    ------
    ValueError
        If two levels have the same label (e.g. 0.95 and 0.9500001).

    Examples
    --------
    >>> interval_columns([0.95, 0.998])
    ['lower95', 'upper95', 'lower998', 'upper998']
    """
    labels = [level_label(conf) for conf in levels]
    if len(set(labels)) != len(labels):
        raise ValueError(f"confidence levels must have different labels; got {labels}")
    return [f"{side}{label}" for label in labels for side in ("lower", "upper")]


def per_label(per: float) -> str:
    """The statistic of a rate per ``per`` people, with thousands separators.

    Examples
    --------
    >>> per_label(1000), per_label(100_000), per_label(2.5)
    ('rate per 1,000', 'rate per 100,000', 'rate per 2.5')
    """
    number = f"{int(per):,}" if float(per).is_integer() else f"{per:,g}"
    return f"rate per {number}"


def annotate(
    frame: pd.DataFrame, confidence: Sequence[float], statistic: str | None = None
) -> pd.DataFrame:
    """Record the confidence levels (and what the values are) in ``frame.attrs``; return it.

    Parameters
    ----------
    frame : pandas.DataFrame
        The result, changed in place.
    confidence : sequence of float
        The levels of its intervals, in column order.
    statistic : str, optional
        What its ``value`` (or its values) are, e.g. "rate per 1,000".

    Returns
    -------
    pandas.DataFrame
        ``frame``.

    Examples
    --------
    >>> annotate(pd.DataFrame({"value": [1.0]}), [0.95], "proportion").attrs
    {'confidence': (0.95,), 'statistic': 'proportion'}
    """
    frame.attrs["confidence"] = tuple(float(conf) for conf in confidence)
    if statistic is not None:
        frame.attrs["statistic"] = statistic
    return frame


def estimate_frame(
    count: ArrayLike,
    denominator: ArrayLike,
    value: ArrayLike,
    limits: Mapping[float, tuple[ArrayLike, ArrayLike]],
    method: ArrayLike | Sequence[str | None] | str,
    *,
    index: pd.Index | None = None,
    statistic: str,
) -> pd.DataFrame:
    """An estimate frame in the schema: count, denominator, value, intervals, method, and attrs.

    Parameters
    ----------
    count, denominator, value : array-like
        One value per row (or a scalar, repeated).
    limits : mapping of float to (array-like, array-like)
        For each confidence level, the lower and upper limits of ``value``; columns follow the
        mapping's order.
    method : str or sequence of str
        The method of each row's interval (None where there is none), or one for all rows.
    index : pandas.Index, keyword-only, optional
        Index of the result. Default a RangeIndex.
    statistic : str, keyword-only
        What ``value`` is, e.g. "rate per 1,000"; recorded in ``attrs["statistic"]``.

    Returns
    -------
    pandas.DataFrame
        Columns ``count``, ``denominator``, ``value``, ``lower<L>``, ``upper<L>`` per level and
        ``method`` (string dtype, missing where None); ``attrs["confidence"]`` is the tuple of
        levels and ``attrs["statistic"]`` the statistic.

    Raises
    ------
    ValueError
        If two levels share a label.

    Examples
    --------
    >>> out = estimate_frame([4], [100], [0.04], {0.95: ([0.011], [0.099])}, "Wilson",
    ...                      statistic="proportion")
    >>> out
       count  denominator  value  lower95  upper95  method
    0      4          100   0.04    0.011    0.099  Wilson
    >>> out.attrs
    {'confidence': (0.95,), 'statistic': 'proportion'}
    """
    columns = interval_columns(limits)
    data: dict[str, ArrayLike] = {"count": count, "denominator": denominator, "value": value}
    for name, limit in zip(columns, (x for pair in limits.values() for x in pair), strict=True):
        data[name] = limit
    shaped = pd.DataFrame({k: np.atleast_1d(np.asarray(v)) for k, v in data.items()}, index=index)
    methods = np.broadcast_to(np.asarray(method, dtype=object), (len(shaped),))
    shaped["method"] = pd.Series(methods, index=shaped.index, dtype="str")
    return annotate(shaped, list(limits), statistic)
