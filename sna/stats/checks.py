"""Argument checks shared by the statistics modules, and the array-like type they accept.

Every check either returns the value in the form the statistics need (a float, a float array) or
raises ``ValueError`` with a message that names the argument, so that a user sees which argument
was wrong and why. Missing values (NaN, None) are never errors here: a missing count or population
gives a missing result.

Examples
--------
>>> check_conf(0.95)
0.95
>>> check_counts(to_float_array([3, 0, None], "count"), "count")
array([ 3.,  0., nan])
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import TypeAlias

import numpy as np
import pandas as pd

__all__ = [
    "ArrayLike",
    "broadcast",
    "check_conf",
    "check_counts",
    "check_levels",
    "check_nonnegative",
    "check_positive",
    "check_threshold",
    "to_float_array",
]

ArrayLike: TypeAlias = float | int | Sequence[float] | np.ndarray | pd.Series | pd.Index
"""What the statistics accept for numbers: a scalar, a sequence, a numpy array or a pandas Series."""


def _is_real(value: object) -> bool:
    """True for int and float (numpy ones too), False for bool and anything else."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_conf(conf: float, name: str = "conf") -> float:
    """A confidence level as a float, or raise if it is not a number strictly between 0 and 1.

    Parameters
    ----------
    conf : float
        The level, e.g. 0.95 for 95%.
    name : str
        Argument name for the error message. Default "conf".

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``conf`` is not a real number (a bool is not) strictly between 0 and 1.

    Examples
    --------
    >>> check_conf(0.998)
    0.998
    >>> check_conf(95)
    Traceback (most recent call last):
    ...
    ValueError: conf must be between 0 and 1, e.g. 0.95 for 95%; got 95
    """
    if not _is_real(conf) or not 0 < float(conf) < 1:
        raise ValueError(f"{name} must be between 0 and 1, e.g. 0.95 for 95%; got {conf!r}")
    return float(conf)


def check_levels(levels: float | Sequence[float], name: str = "conf") -> tuple[float, ...]:
    """One or more confidence levels as a tuple of floats, each checked by :func:`check_conf`.

    Parameters
    ----------
    levels : float or sequence of float
        A level (0.95) or several ((0.95, 0.998)). A level given twice is kept once.
    name : str
        Argument name for the error messages. Default "conf".

    Returns
    -------
    tuple of float
        The levels in the order given.

    Raises
    ------
    ValueError
        If a level is not strictly between 0 and 1, or no level is given.

    Examples
    --------
    >>> check_levels(0.95)
    (0.95,)
    >>> check_levels([0.95, 0.998])
    (0.95, 0.998)
    """
    if isinstance(levels, str) or not isinstance(levels, Sequence | np.ndarray):
        return (check_conf(levels, name),)
    if len(levels) == 0:
        raise ValueError(f"{name} must name at least one confidence level, e.g. (0.95, 0.998)")
    return tuple(dict.fromkeys(check_conf(level, name) for level in levels))


def check_positive(value: float, name: str) -> float:
    """A number as a float, or raise if it is not a finite number > 0.

    Parameters
    ----------
    value : float
        The number, e.g. the ``per`` multiplier of a rate.
    name : str
        Argument name for the error message.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``value`` is not a finite real number (a bool is not) above 0.

    Examples
    --------
    >>> check_positive(1000, "per")
    1000.0
    >>> check_positive(0, "per")
    Traceback (most recent call last):
    ...
    ValueError: per must be a number > 0; got 0
    """
    if not _is_real(value) or not (math.isfinite(float(value)) and float(value) > 0):
        raise ValueError(f"{name} must be a number > 0; got {value!r}")
    return float(value)


def check_threshold(threshold: int) -> int:
    """A suppression threshold as an int, or raise if it is not a whole number >= 1.

    Parameters
    ----------
    threshold : int
        The largest count suppressed (counts from 1 to ``threshold`` are hidden).

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If ``threshold`` is not an int (numpy integers count; bools and floats do not) >= 1.

    Examples
    --------
    >>> check_threshold(4)
    4
    >>> check_threshold(0)
    Traceback (most recent call last):
    ...
    ValueError: threshold must be a whole number >= 1; got 0
    """
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer) or threshold < 1:
        raise ValueError(f"threshold must be a whole number >= 1; got {threshold!r}")
    return int(threshold)


def to_float_array(values: ArrayLike, name: str) -> np.ndarray:
    """Values as a new 1-d float array, missing values (None, NaN, pandas NA) as NaN.

    Parameters
    ----------
    values : scalar, sequence, numpy array or pandas Series / Index
        Numbers.
    name : str
        Argument name for the error message.

    Returns
    -------
    numpy.ndarray
        A copy: changing it never changes ``values``.

    Raises
    ------
    ValueError
        If ``values`` cannot be read as numbers.

    Examples
    --------
    >>> to_float_array(5, "count")
    array([5.])
    >>> to_float_array(pd.Series([1, None]), "count")
    array([ 1., nan])
    """
    if isinstance(values, pd.Series | pd.Index):
        values = values.to_numpy(dtype=float, na_value=np.nan)
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric; got {values!r}") from None
    return np.atleast_1d(arr).astype(float, copy=True)


def check_counts(arr: np.ndarray, name: str) -> np.ndarray:
    """``arr`` itself, or raise unless every non-missing value is a finite whole number >= 0.

    Parameters
    ----------
    arr : numpy.ndarray
        Float array (see :func:`to_float_array`); NaN means missing and is allowed.
    name : str
        Argument name for the error message.

    Returns
    -------
    numpy.ndarray
        ``arr``, unchanged.

    Raises
    ------
    ValueError
        If a value is infinite, negative or fractional.

    Examples
    --------
    >>> check_counts(np.array([0.0, 4.0, np.nan]), "count")
    array([ 0.,  4., nan])
    >>> check_counts(np.array([2.5]), "count")
    Traceback (most recent call last):
    ...
    ValueError: count must be whole numbers (counts); got 2.5
    """
    known = arr[~np.isnan(arr)]
    if np.any(np.isinf(known)):
        raise ValueError(f"{name} must be finite; got {known[np.isinf(known)][0]}")
    if np.any(known < 0):
        raise ValueError(f"{name} must be >= 0; got {known[known < 0].min():g}")
    if np.any(known != np.round(known)):
        bad = known[known != np.round(known)][0]
        raise ValueError(f"{name} must be whole numbers (counts); got {bad:g}")
    return arr


def check_nonnegative(arr: np.ndarray, name: str) -> np.ndarray:
    """``arr`` itself, or raise if a non-missing value is negative or infinite.

    Parameters
    ----------
    arr : numpy.ndarray
        Float array (see :func:`to_float_array`); NaN means missing and is allowed.
    name : str
        Argument name for the error message.

    Returns
    -------
    numpy.ndarray
        ``arr``, unchanged.

    Raises
    ------
    ValueError
        If a value is negative or infinite.

    Examples
    --------
    >>> check_nonnegative(np.array([1200.5, 0.0]), "population")
    array([1200.5,    0. ])
    >>> check_nonnegative(np.array([-10.0]), "population")
    Traceback (most recent call last):
    ...
    ValueError: population must be >= 0; got -10
    """
    known = arr[~np.isnan(arr)]
    if np.any(known < 0):
        raise ValueError(f"{name} must be >= 0; got {known[known < 0].min():g}")
    if np.any(np.isinf(known)):
        raise ValueError(f"{name} must be finite; got {known[np.isinf(known)][0]}")
    return arr


def broadcast(values: Mapping[str, ArrayLike]) -> tuple[dict[str, np.ndarray], pd.Index]:
    """Named array-likes as float arrays of one length, and the index for the result.

    Parameters
    ----------
    values : mapping of str to array-like
        Arguments by name; scalars are repeated to the common length.

    Returns
    -------
    (dict of str to numpy.ndarray, pandas.Index)
        The arrays (new copies) by name, and the index of the Series arguments (which must
        agree), or a RangeIndex when there is none.

    Raises
    ------
    ValueError
        If an argument is not numeric, the lengths differ, or Series arguments have different
        indexes.

    Examples
    --------
    >>> arrays, index = broadcast({"count": pd.Series([5, 7], index=["a", "b"]), "population": 100})
    >>> arrays["population"], list(index)
    (array([100., 100.]), ['a', 'b'])
    """
    index: pd.Index | None = None
    index_from = ""
    for name, value in values.items():
        if isinstance(value, pd.Series):
            if index is None:
                index, index_from = value.index, name
            elif not value.index.equals(index):
                raise ValueError(f"{name} and {index_from} must have the same index")
    arrays = {name: to_float_array(value, name) for name, value in values.items()}
    try:
        shaped = np.broadcast_arrays(*arrays.values())
    except ValueError:
        lengths = {name: len(arr) for name, arr in arrays.items()}
        raise ValueError(f"arguments must have the same length; got {lengths}") from None
    out = {name: np.array(arr, dtype=float) for name, arr in zip(arrays, shaped, strict=True)}
    n = len(next(iter(out.values())))
    if index is None or len(index) != n:
        index = pd.RangeIndex(n)
    return out, index
