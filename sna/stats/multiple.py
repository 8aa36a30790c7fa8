"""Multiple comparisons: the false discovery rate across a report's family of tests.

A district report tests the change in about twenty crime types and groups at once. At the 5%
level, one in twenty true "no change" comparisons is flagged by chance; controlling the false
discovery rate (the expected share of flagged changes that are not real) keeps that in check.

References
----------
.. [1] Benjamini Y, Hochberg Y. Controlling the false discovery rate: a practical and powerful
   approach to multiple testing. J R Stat Soc B 1995;57:289-300.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sna.stats.checks import ArrayLike, to_float_array

__all__ = ["benjamini_hochberg"]


def benjamini_hochberg(p_values: ArrayLike) -> pd.Series:
    """Benjamini-Hochberg adjusted p-values (q-values) for a family of tests.

    Parameters
    ----------
    p_values : array-like of float
        One p-value per test, in [0, 1]; missing values (tests not made) are left out of the
        family and stay missing.

    Returns
    -------
    pandas.Series
        The adjusted p-values, indexed like ``p_values`` if it is a Series. A test is significant
        at false discovery rate ``q`` when its adjusted p-value is below ``q``.

    Raises
    ------
    ValueError
        If a p-value is outside [0, 1].

    Notes
    -----
    With the ``m`` p-values sorted ascending, ``p_(i)``, the adjusted value is
    ``min over j >= i of min(1, m p_(j) / j)`` [1]_. It assumes independent or positively
    dependent tests, which holds for counts of overlapping crime groups.

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03, 0.5]).round(3).tolist()
    [0.04, 0.053, 0.053, 0.5]
    """
    p = to_float_array(p_values, "p_values")
    known = ~np.isnan(p)
    if np.any((p[known] < 0) | (p[known] > 1)):
        raise ValueError("p_values must be between 0 and 1")
    out = np.full(p.shape, np.nan)
    values = p[known]
    m = values.size
    if m:
        order = np.argsort(values, kind="stable")
        scaled = values[order] * m / np.arange(1, m + 1)
        adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
        result = np.empty(m)
        result[order] = np.minimum(1.0, adjusted)
        out[known] = result
    index = p_values.index if isinstance(p_values, pd.Series) else None
    return pd.Series(out, index=index, name="q_value")
