"""Harm weights of the police.uk crime types (``data/raw/harm/harm_bands.csv``), read and validated.

The file gives each of the 14 police.uk crime types its harm points (0 to 3) for the priority
scoring (:mod:`sna.stats.priorities`). Lines starting with ``#`` are comments (the file's
provenance); then a header row with at least ``crime_type`` and ``harm_points``, and one row per
crime type. A partnership can replace the demo's bands with its own weights (for example from
the ONS Crime Severity Score) by pointing ``[priorities] harm_weights`` at its file.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd

from sna.data.policeuk import CRIME_TYPES
from sna.errors import InputError

__all__ = ["HARM_COLUMNS", "load_harm_weights"]

HARM_COLUMNS = ("crime_type", "harm_points")
"""Columns the file must have; others (``harm_level``, ``basis``) are kept as they are."""


def load_harm_weights(path: str | Path) -> pd.DataFrame:
    """Read a harm weights file: points 0-3 for every police.uk crime type.

    Parameters
    ----------
    path
        The CSV file.

    Returns
    -------
    pandas.DataFrame
        Indexed by crime type (the 14 police.uk types, in their usual order): ``harm_points``
        (float, 0 to 3) and the file's other columns as text. ``attrs["source"]``: the file's
        comment lines joined (its provenance), ``attrs["path"]``: the file.

    Raises
    ------
    sna.errors.InputError
        If the file is missing or not UTF-8, lacks a column, names an unknown or repeated crime
        type, has points that are not a number from 0 to 3, or leaves out a crime type; the
        message names the file, line and column.

    Examples
    --------
    >>> harm = load_harm_weights("data/raw/harm/harm_bands.csv")  # doctest: +SKIP
    >>> harm.loc["Robbery", "harm_points"]  # doctest: +SKIP
    3.0
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise InputError(path, "harm weights file not found") from None
    except UnicodeDecodeError:
        raise InputError(path, "not UTF-8 text") from None
    comments = [ln.lstrip("# ").rstrip() for ln in lines if ln.startswith("#")]
    numbered = [(i + 1, ln) for i, ln in enumerate(lines) if ln.strip() and not ln.startswith("#")]
    if not numbered:
        raise InputError(path, "no header row", hint="columns crime_type,harm_points")
    rows = list(csv.reader([ln for _, ln in numbered]))
    header_line, header = numbered[0][0], [h.strip() for h in rows[0]]
    for column in HARM_COLUMNS:
        if column not in header:
            raise InputError(
                path, f"missing column {column!r}", line=header_line,
                hint=f"the header must include {', '.join(HARM_COLUMNS)}",
            )  # fmt: skip
    records: dict[str, dict[str, object]] = {}
    for (line, _), row in zip(numbered[1:], rows[1:], strict=True):
        if len(row) != len(header):
            raise InputError(
                path, f"{len(row)} fields where the header has {len(header)}", line=line
            )
        record: dict[str, object] = dict(zip(header, (v.strip() for v in row), strict=True))
        crime_type = str(record["crime_type"])
        if crime_type not in CRIME_TYPES:
            raise InputError(
                path, f"column crime_type: {crime_type!r} is not a police.uk crime type",
                line=line, hint=f"known: {', '.join(CRIME_TYPES)}",
            )  # fmt: skip
        if crime_type in records:
            raise InputError(path, f"column crime_type: {crime_type!r} is listed twice", line=line)
        record["harm_points"] = _points(path, line, str(record["harm_points"]))
        records[crime_type] = record
    missing = [t for t in CRIME_TYPES if t not in records]
    if missing:
        raise InputError(
            path, f"column crime_type: no row for {', '.join(repr(m) for m in missing)}",
            hint="give every police.uk crime type its harm points (0 for none)",
        )  # fmt: skip
    out = pd.DataFrame.from_dict(records, orient="index").drop(columns="crime_type")
    out = out.reindex(list(CRIME_TYPES))
    out["harm_points"] = out["harm_points"].astype(float)
    out.index.name = "crime_type"
    out.attrs["source"] = " ".join(comments)
    out.attrs["path"] = str(path)
    return out


def _points(path: Path, line: int, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 3:  # also rejects NaN
        raise InputError(
            path, f"column harm_points: {text!r} is not a number from 0 to 3", line=line
        )
    return value
