"""The manifest of prepared data, typed: input files, row accounting and months with data.

``sna prepare`` writes ``manifest.json``; :meth:`Manifest.from_json` reads it back into frozen
values, with months as :class:`pandas.Period` (monthly) rather than ``"YYYY-MM"`` strings, so no
caller slices strings or knows the JSON keys. :func:`format_months` is the one place that words a
set of months, in each of the styles reports and summaries use.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import pandas as pd

__all__ = [
    "NO_LOCATION",
    "AreaFile",
    "Coverage",
    "FileAccount",
    "Manifest",
    "MonthStyle",
    "format_months",
    "month_runs",
    "no_location_by_year",
    "year_months",
]

MonthStyle = Literal["iso", "names", "abbr", "ranges", "span"]
"""How :func:`format_months` words months: see its docstring."""


def year_months(year: int) -> tuple[pd.Period, ...]:
    """The twelve months of a calendar year.

    Examples
    --------
    >>> [str(m) for m in year_months(2025)[:2]]
    ['2025-01', '2025-02']
    """
    return tuple(pd.period_range(f"{year}-01", periods=12, freq="M"))


def month_runs(months: Iterable[int]) -> list[list[int]]:
    """Month numbers (1-12, in order) grouped into runs of consecutive months.

    Examples
    --------
    >>> month_runs([1, 2, 3, 8])
    [[1, 2, 3], [8]]
    """
    runs: list[list[int]] = []
    for m in months:
        if runs and m == runs[-1][-1] + 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    return runs


def format_months(months: Iterable[pd.Period | int], style: MonthStyle) -> str:
    """Months in words, the one place sna words a set of months.

    Parameters
    ----------
    months
        Monthly periods, or month numbers 1-12 (styles that name no year), in calendar order.
    style
        ``"iso"``: "2025-07, 2025-08"; ``"names"``: "July, August"; ``"abbr"``: "Jul, Aug";
        ``"ranges"``: consecutive months joined, "Jan-Jun, Aug-Dec"; ``"span"``: the same in
        full words, "January to June and August".

    Returns
    -------
    str
        The months in words; "" when there are none.

    Examples
    --------
    >>> months = [pd.Period(f"2025-{m:02d}", "M") for m in (1, 2, 3, 6, 8)]
    >>> format_months(months, "ranges")
    'Jan-Mar, Jun, Aug'
    >>> format_months(months, "span")
    'January to March, June and August'
    >>> format_months(months[:2], "iso")
    '2025-01, 2025-02'
    """
    items = list(months)
    if style == "iso":
        return ", ".join(str(pd.Period(m, "M")) for m in items)
    numbers = [m if isinstance(m, int) else m.month for m in items]
    if style == "names":
        return ", ".join(calendar.month_name[m] for m in numbers)
    if style == "abbr":
        return ", ".join(calendar.month_abbr[m] for m in numbers)
    runs = month_runs(numbers)
    if style == "ranges":
        abbr = calendar.month_abbr
        return ", ".join(abbr[r[0]] if len(r) == 1 else f"{abbr[r[0]]}-{abbr[r[-1]]}" for r in runs)
    if style == "span":
        name = calendar.month_name
        parts = [name[r[0]] if len(r) == 1 else f"{name[r[0]]} to {name[r[-1]]}" for r in runs]
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    raise ValueError(f"style must be one of {get_args(MonthStyle)}; got {style!r}")


@dataclass(frozen=True)
class Coverage:
    """Which months of a reporting year have police.uk data.

    Attributes
    ----------
    year
        The calendar year.
    present
        Its months with data, in order.
    """

    year: int
    present: tuple[pd.Period, ...]

    @property
    def missing(self) -> tuple[pd.Period, ...]:
        """Months of the year with no data, in order."""
        return tuple(m for m in year_months(self.year) if m not in self.present)

    @property
    def complete(self) -> bool:
        """True when all 12 months are present."""
        return not self.missing


@dataclass(frozen=True)
class FileAccount:
    """One police.uk street file in the manifest: its hash and what became of its rows.

    Rows read = kept + out of area + the sum of ``rows_rejected``. ``rejects_not_written``
    counts, per reason, rejected rows beyond those written to ``rejects.csv`` (at most
    ``REJECTS_PER_REASON`` of ``sna.data.prepare`` per file and reason).
    """

    path: str
    sha256: str
    month: pd.Period
    force: str
    rows_read: int
    rows_kept: int
    rows_out_of_area: int
    rows_rejected: Mapping[str, int]
    identical_rows_kept: int = 0
    lsoa_name_mismatches: int = 0
    rejects_not_written: Mapping[str, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The file's name without its folder."""
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class AreaFile:
    """An area data file (lookup, population, deprivation) used by ``sna prepare``."""

    role: str
    path: str
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """What ``sna prepare`` read and wrote, from ``manifest.json``.

    Attributes
    ----------
    files
        Every police.uk street file with its row accounting.
    area_files
        Every area data file with its role.
    months
        Months with usable police.uk data (a file with at least one kept or out-of-area row).
    config_fingerprint
        Fingerprint of the config the data were prepared with (None in old manifests).
    lsoa21_without_deprivation
        2021 LSOAs of the kept districts with no deprivation (IoD2025, the index of 2021
        LSOAs, does not list them); 0 when every one is matched.
    raw
        The JSON as read, for anything not typed here.
    """

    files: tuple[FileAccount, ...]
    area_files: tuple[AreaFile, ...]
    months: tuple[pd.Period, ...]
    config_fingerprint: str | None = None
    lsoa21_without_deprivation: int = 0
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Manifest:
        """The manifest from the parsed JSON of ``manifest.json``.

        Examples
        --------
        >>> m = Manifest.from_json({"files": [], "area_files": [],
        ...                         "months": {"2025": {"present": ["2025-01"], "missing": []}}})
        >>> m.coverage(2025).complete, [str(p) for p in m.coverage(2025).missing][:1]
        (False, ['2025-02'])
        """
        files = tuple(
            FileAccount(
                path=f["path"],
                sha256=f["sha256"],
                month=pd.Period(f["month"], "M"),
                force=f.get("force", ""),
                rows_read=int(f["rows_read"]),
                rows_kept=int(f["rows_kept"]),
                rows_out_of_area=int(f["rows_out_of_area"]),
                rows_rejected=dict(f["rows_rejected"]),
                identical_rows_kept=int(f.get("identical_rows_kept", 0)),
                lsoa_name_mismatches=int(f.get("lsoa_name_mismatches", 0)),
                rejects_not_written=dict(f.get("rejects_not_written", {})),
            )
            for f in data.get("files", [])
        )
        areas = tuple(
            AreaFile(role=a["role"], path=a["path"], sha256=a["sha256"])
            for a in data.get("area_files", [])
        )
        months = tuple(
            pd.Period(m, "M")
            for year in sorted(data.get("months", {}))
            for m in data["months"][year].get("present", [])
        )
        return cls(
            files=files,
            area_files=areas,
            months=months,
            config_fingerprint=data.get("config_fingerprint"),
            lsoa21_without_deprivation=int(
                data.get("lsoas", {}).get("lsoa21_without_deprivation", 0)
            ),
            raw=data,
        )

    @classmethod
    def read(cls, path: str | Path) -> Manifest:
        """Read ``manifest.json``."""
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))

    @property
    def years(self) -> tuple[int, ...]:
        """Calendar years with any month of data, in order."""
        return tuple(sorted({m.year for m in self.months}))

    def months_in(self, year: int | None = None, *, through: int | None = None) -> list[pd.Period]:
        """Months with data: of one ``year``, or all of them up to the year ``through``."""
        return [
            m
            for m in self.months
            if (year is None or m.year == year) and (through is None or m.year <= through)
        ]

    def coverage(self, year: int) -> Coverage:
        """The months of ``year`` with and without data."""
        return Coverage(year=year, present=tuple(self.months_in(year)))

    def files_in(self, year: int | None = None) -> list[FileAccount]:
        """Street files of one year's months (all files when ``year`` is None)."""
        return [f for f in self.files if year is None or f.month.year == year]


NO_LOCATION = "no location"
"""The reject reason of a row with no LSOA code (police.uk's "No location" rows)."""


def no_location_by_year(manifest: Manifest, *, forces: Iterable[str] | None = None) -> pd.DataFrame:
    """Rows with no location in each year's police.uk files, and their share of the rows.

    A row with no location has no LSOA, so it cannot be placed in a district and is not counted
    (it is rejected as "no location"). Its share fell from about 9-10% in 2018-19 to about 2% in
    2024-25 in Thames Valley, so counts of located crime rise between such years with no more
    crime: compare years knowing their shares. The share is of all rows of the force's files
    (a row with no location cannot be given a district); rows of a file that is a copy of
    another are left out.

    Parameters
    ----------
    manifest
        The manifest of ``sna prepare``.
    forces
        The forces whose files count; default the forces with any kept row (the assessed
        districts' force), so that another force's file in the folder does not dilute the share.

    Returns
    -------
    pandas.DataFrame
        Indexed by year (``year``): ``rows`` (rows read), ``no_location``, ``share`` (0-1; NaN
        for a year with no rows), ``months`` (months with files).

    Examples
    --------
    >>> m = Manifest.from_json({"files": [{"path": "a.csv", "sha256": "", "month": "2025-01",
    ...     "force": "x", "rows_read": 50, "rows_kept": 49, "rows_out_of_area": 0,
    ...     "rows_rejected": {"no location": 1}}], "area_files": []})
    >>> no_location_by_year(m).loc[2025, "share"]
    np.float64(0.02)
    """
    wanted = {f.force for f in manifest.files if f.rows_kept > 0} if forces is None else set(forces)
    rows: dict[int, dict[str, float]] = {}
    for f in manifest.files:
        if f.force not in wanted:
            continue
        copies = sum(n for reason, n in f.rows_rejected.items() if "copy of" in reason)
        row = rows.setdefault(f.month.year, {"rows": 0, "no_location": 0, "months": 0})
        row["rows"] += f.rows_read - copies
        row["no_location"] += f.rows_rejected.get(NO_LOCATION, 0)
        row["months"] += 1 if f.rows_read > copies else 0
    table = pd.DataFrame.from_dict(
        rows, orient="index", columns=["rows", "no_location", "months"]
    ).astype("int64")
    table = table.sort_index()
    table.index = table.index.astype("int64")
    table.index.name = "year"
    table["share"] = table["no_location"] / table["rows"].where(table["rows"] > 0)
    return table[["rows", "no_location", "share", "months"]]
