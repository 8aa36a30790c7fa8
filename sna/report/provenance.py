"""What a reviewer needs to reproduce a report, as tables.

Inputs and their hashes, row accounting, months present and missing, configuration, parameters
and package versions.

:func:`show_data_quality` and :func:`show_sources` are the provenance section every report ends
with, in one place.
"""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

import pandas as pd

from sna.data.files import sha256_file
from sna.data.manifest import Manifest, format_months, no_location_by_year
from sna.data.processed import Processed
from sna.report.display import show_table, show_text
from sna.report.tables import thousands

__all__ = [
    "LOCATION_SHARE_GAP",
    "input_files",
    "location_share_warning",
    "months_table",
    "no_location_table",
    "package_versions",
    "parameters_table",
    "quarantine_note",
    "row_accounting",
    "show_data_quality",
    "show_sources",
]

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


def months_table(manifest: Manifest) -> pd.DataFrame:
    """Months of police.uk data present and missing, by calendar year.

    Returns
    -------
    pandas.DataFrame
        Indexed by year: ``Months present`` (count), ``Missing months`` (names, or "none").
    """
    rows = {}
    for year in manifest.years:
        cover = manifest.coverage(year)
        rows[year] = {
            "Months present": len(cover.present),
            "Missing months": format_months(cover.missing, "abbr") or "none",
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "Year"
    return table


def row_accounting(manifest: Manifest, *, year: int | None = None) -> pd.DataFrame:
    """Rows read, kept, out of area and rejected (by reason) for each police.uk file.

    Parameters
    ----------
    manifest
        The manifest of ``sna prepare``.
    year
        Only files for this year's months; default all.

    Returns
    -------
    pandas.DataFrame
        One row per file plus a ``Total`` row; reason columns hold rejected rows per reason.
        Kept + out of area + rejected = read, on every row.
    """
    files = manifest.files_in(year)
    reasons = sorted({r for f in files for r in f.rows_rejected})
    rows = []
    for f in files:
        row = {
            "File": f.name,
            "Read": f.rows_read,
            "Kept": f.rows_kept,
            "Out of area": f.rows_out_of_area,
        }
        row.update({f"Rejected: {r}": f.rows_rejected.get(r, 0) for r in reasons})
        rows.append(row)
    table = pd.DataFrame(
        rows, columns=["File", "Read", "Kept", "Out of area", *[f"Rejected: {r}" for r in reasons]]
    )
    if len(table):
        total = table.drop(columns="File").sum().to_dict()
        table = pd.concat([table, pd.DataFrame([{"File": "Total", **total}])], ignore_index=True)
    return table


LOCATION_SHARE_GAP = 0.02
"""Shares of rows with no location further apart than this (2 percentage points) are warned of."""


def no_location_table(manifest: Manifest) -> pd.DataFrame:
    """Rows with no location in each year's police.uk files, with their share, for publication.

    Returns
    -------
    pandas.DataFrame
        Indexed by year: ``Months``, ``Rows read``, ``Rows with no location`` (formatted with
        thousands separators) and ``Share`` ("10.2%").
    """
    table = no_location_by_year(manifest)
    out = pd.DataFrame(
        {
            "Months": table["months"],
            "Rows read": [f"{n:,}" for n in table["rows"]],
            "Rows with no location": [f"{n:,}" for n in table["no_location"]],
            "Share": ["" if pd.isna(s) else f"{100 * s:.1f}%" for s in table["share"]],
        },
        index=table.index,
    )
    out.index.name = "Year"
    return out


def location_share_warning(manifest: Manifest, year: int, previous_year: int) -> str | None:
    """A warning when the share of rows with no location differs between two compared years.

    Rows with no location are not counted, so when their share falls, counts rise with no more
    crime (and the other way round). Warned when the shares differ by more than
    :data:`LOCATION_SHARE_GAP` (2 percentage points).

    Parameters
    ----------
    manifest
        The manifest of ``sna prepare``.
    year, previous_year
        The years compared (the reporting year and the one it is compared with).

    Returns
    -------
    str or None
        One sentence, or None when the shares are within 2 points or a year has no data.

    Examples
    --------
    >>> def f(month, rows, none):
    ...     return {"path": "a.csv", "sha256": "", "month": month, "force": "x", "rows_read": rows,
    ...             "rows_kept": rows - none, "rows_out_of_area": 0,
    ...             "rows_rejected": {"no location": none}}
    >>> m = Manifest.from_json({"files": [f("2019-01", 100, 10), f("2025-01", 100, 2)]})
    >>> location_share_warning(m, 2025, 2019)[:60]
    'Rows with no location, which cannot be placed in an area and'
    >>> location_share_warning(m, 2025, 2025) is None
    True
    """
    shares = no_location_by_year(manifest)["share"]
    if year not in shares.index or previous_year not in shares.index:
        return None
    now, before = float(shares[year]), float(shares[previous_year])
    if pd.isna(now) or pd.isna(before) or abs(now - before) <= LOCATION_SHARE_GAP + 1e-12:
        return None
    direction, moved = ("rise", "more") if now < before else ("fall", "fewer")
    return (
        f"Rows with no location, which cannot be placed in an area and are not counted, were "
        f"{100 * before:.1f}% of the police.uk rows in {previous_year} and {100 * now:.1f}% in "
        f"{year}: part of any {direction} between the two years comes from {moved} records "
        "having a location, not from a change in crime."
    )


def quarantine_note(manifest: Manifest, *, year: int | None = None) -> str:
    """A sentence on rows set aside as duplicates, and on rejects not written out; "" if none.

    Duplicates are the rejects a reader could mistake for lost crimes: a row repeating the Crime
    ID of an earlier row (the first is counted), or a whole file that is a copy of another.

    Parameters
    ----------
    manifest
        The manifest of ``sna prepare``.
    year
        Only files for this year's months; default all.

    Examples
    --------
    >>> m = Manifest.from_json({"files": [{"path": "a.csv", "sha256": "", "month": "2025-01",
    ...     "rows_read": 5, "rows_kept": 2, "rows_out_of_area": 0,
    ...     "rows_rejected": {"duplicate Crime ID": 3}}], "area_files": []})
    >>> quarantine_note(m)
    '3 rows repeated the Crime ID of an earlier row and were set aside as duplicates: each crime is counted once.'
    """
    files = manifest.files_in(year)
    repeated = sum(f.rows_rejected.get("duplicate Crime ID", 0) for f in files)
    copies = sum(n for f in files for r, n in f.rows_rejected.items() if "copy of" in r)
    unwritten = sum(sum(f.rejects_not_written.values()) for f in files)
    parts = []
    if repeated:
        parts.append(
            f"{repeated:,} {'row' if repeated == 1 else 'rows'} repeated the Crime ID of an "
            "earlier row and were set aside as duplicates: each crime is counted once."
        )
    if copies:
        parts.append(
            f"{copies:,} {'row' if copies == 1 else 'rows'} came from files that are copies of "
            "another file of the same month and were not counted again."
        )
    if unwritten:
        parts.append(
            f"{unwritten:,} rejected rows are counted above but not listed in rejects.csv, which "
            "keeps the first rows of each file and reason."
        )
    return " ".join(parts)


def input_files(manifest: Manifest) -> pd.DataFrame:
    """Every input file with its role and SHA-256, so a reviewer can check they hold the same."""
    rows = [
        {"File": f.path, "Role": "police.uk street-level crime", "SHA-256": f.sha256}
        for f in manifest.files
    ]
    rows += [{"File": f.path, "Role": f.role, "SHA-256": f.sha256} for f in manifest.area_files]
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


def show_data_quality(data: Processed, year: int, *, rows_caption: str | None = None) -> None:
    """Show the data-quality tables: months present per year and the row accounting of ``year``.

    Under the row accounting, a sentence on rows set aside as duplicates (see
    :func:`quarantine_note`), when there are any.

    Parameters
    ----------
    data
        The prepared data.
    year
        The reporting year (its files' rows are accounted for).
    rows_caption
        Caption of the row-accounting table; default names what happened to the rows.
    """
    caption = rows_caption or (
        f"Rows of the {year} police.uk files: kept, outside the assessed districts, or rejected "
        "with a reason"
    )
    show_table(months_table(data.manifest), caption="Months of police.uk data present in each year")
    show_table(thousands(row_accounting(data.manifest, year=year)), caption=caption, index=False)
    note = quarantine_note(data.manifest, year=year)
    if note:
        show_text(note)
    show_table(
        no_location_table(data.manifest),
        caption=(
            "Rows with no location, by year: share of all rows of the force's police.uk files "
            "(a row with no location cannot be placed in a district, so it is not counted)"
        ),
    )


def show_sources(data: Processed, **parameters: object) -> None:
    """Show what a reviewer needs to reproduce a report: input files, parameters, software.

    Parameters
    ----------
    data
        The prepared data (its manifest lists the input files and their SHA-256).
    **parameters
        The report's parameters (e.g. ``district``, ``year``), after the config file and its hash.
    """
    config = data.config
    show_table(
        input_files(data.manifest), caption="Input files and their SHA-256 hashes", index=False
    )
    table = parameters_table(
        config=config.path.name, config_sha256=sha256_file(config.path), **parameters
    )
    show_table(table, caption="Parameters of this report", index=False)
    show_table(package_versions(), caption="Software versions", index=False)
