"""What a reviewer needs to reproduce a report: inputs and their hashes, row accounting, months
present and missing, configuration, parameters and package versions, as tables."""

from __future__ import annotations

import platform
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pandas as pd

__all__ = ["input_files", "months_table", "package_versions", "parameters_table", "row_accounting"]

PACKAGES = (
    "sna",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "matplotlib",
    "seaborn",
    "pyarrow",
    "papermill",
    "nbconvert",
)


def months_table(manifest: Mapping[str, Any]) -> pd.DataFrame:
    """Months of police.uk data present and missing, by calendar year.

    Returns
    -------
    pandas.DataFrame
        Indexed by year: ``Months present`` (count), ``Missing months`` (names, or "none").
    """
    rows = {}
    for year, months in manifest["months"].items():
        missing = [pd.Timestamp(m + "-01").strftime("%b") for m in months["missing"]]
        rows[int(year)] = {
            "Months present": len(months["present"]),
            "Missing months": ", ".join(missing) or "none",
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "Year"
    return table


def row_accounting(manifest: Mapping[str, Any], *, year: int | None = None) -> pd.DataFrame:
    """Rows read, kept, out of area and rejected (by reason) for each police.uk file.

    Parameters
    ----------
    manifest
        ``manifest.json`` of ``sna prepare``.
    year
        Only files for this year's months; default all.

    Returns
    -------
    pandas.DataFrame
        One row per file plus a ``Total`` row; reason columns hold rejected rows per reason.
        Kept + out of area + rejected = read, on every row.
    """
    files = [f for f in manifest["files"] if year is None or f["month"].startswith(str(year))]
    reasons = sorted({r for f in files for r in f["rows_rejected"]})
    rows = []
    for f in files:
        row = {
            "File": f["path"].rsplit("/", 1)[-1],
            "Read": f["rows_read"],
            "Kept": f["rows_kept"],
            "Out of area": f["rows_out_of_area"],
        }
        row.update({f"Rejected: {r}": f["rows_rejected"].get(r, 0) for r in reasons})
        rows.append(row)
    table = pd.DataFrame(
        rows, columns=["File", "Read", "Kept", "Out of area", *[f"Rejected: {r}" for r in reasons]]
    )
    if len(table):
        total = table.drop(columns="File").sum().to_dict()
        table = pd.concat([table, pd.DataFrame([{"File": "Total", **total}])], ignore_index=True)
    return table


def input_files(manifest: Mapping[str, Any]) -> pd.DataFrame:
    """Every input file with its role and SHA-256, so a reviewer can check they hold the same."""
    rows = [
        {"File": f["path"], "Role": "police.uk street-level crime", "SHA-256": f["sha256"]}
        for f in manifest["files"]
    ]
    rows += [
        {"File": f["path"], "Role": f["role"], "SHA-256": f["sha256"]}
        for f in manifest["area_files"]
    ]
    return pd.DataFrame(rows)


def package_versions(packages: tuple[str, ...] = PACKAGES) -> pd.DataFrame:
    """Versions of Python and the packages that made the report."""
    rows = [{"Package": "python", "Version": platform.python_version()}]
    for name in packages:
        try:
            rows.append({"Package": name, "Version": version(name)})
        except PackageNotFoundError:
            rows.append({"Package": name, "Version": "not installed"})
    return pd.DataFrame(rows)


def parameters_table(**parameters: object) -> pd.DataFrame:
    """The report's parameters as a two-column table."""
    return pd.DataFrame(
        {"Parameter": list(parameters), "Value": [str(v) for v in parameters.values()]}
    )
