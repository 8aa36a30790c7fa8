"""Every published table as a CSV file a reader can download from the report, offline.

The CSV holds exactly the cells the table shows, as text: the same headings, thousands
separators and intervals, and the suppression marker ("[c]") where a cell is hidden, never the
hidden number. It travels inside the report as a ``data:text/csv`` link, so the report stays one
self-contained file and the download works with no server and no network.
"""

from __future__ import annotations

import csv
import html
import io
import re
from urllib.parse import quote, unquote

import pandas as pd

__all__ = [
    "CSV_PREFIX",
    "csv_name",
    "csv_text",
    "download_link",
    "read_csv_uri",
    "spanning_heading",
]

CSV_PREFIX = "data:text/csv;charset=utf-8,"
"""How every table's download link starts (the only ``data:`` link a report may hold)."""
_BOM = "\ufeff"  # so that spreadsheet programs read the file as UTF-8 ("£", "–", "é")


def csv_text(frame: pd.DataFrame, *, index: bool = True) -> str:
    """A shown table as CSV text: a heading row, then its cells as shown (lines end in CRLF).

    Parameters
    ----------
    frame
        A formatted table (strings, e.g. from :mod:`sna.report.tables`), as given to
        :func:`sna.report.display.show_table`.
    index
        Whether the index is shown (as the first column, under its name), as in ``show_table``.

    Examples
    --------
    >>> frame = pd.DataFrame({"Crimes": ["1,204", "[c]"]}, index=pd.Index(["A", "B"], name="Area"))
    >>> csv_text(frame).splitlines()
    ['Area,Crimes', 'A,"1,204"', 'B,[c]']
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    spanner = spanning_heading(frame, index=index)
    if spanner is not None:  # a heading row over the data columns, as in the shown table
        writer.writerow(spanner)
    if index:
        frame = frame.reset_index()
    writer.writerow([_inert("" if c is None else str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False):
        writer.writerow([_inert("" if pd.isna(v) else str(v)) for v in row])
    return buffer.getvalue()


def _inert(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula: one that could is prefixed with ``'``.

    Signed numbers ("-85", "+5.3%") are left alone; "=...", "@...", "+cmd|..." and
    "-1+cmd|..." are not (OWASP CSV injection).

    Examples
    --------
    >>> [_inert(c) for c in ("-85", "+5.3%", "=1+1", "@SUM(A1)", "-1+cmd|' /C calc'!A0")]
    ['-85', '+5.3%', "'=1+1", "'@SUM(A1)", "'-1+cmd|' /C calc'!A0"]
    """
    if not cell:
        return cell
    risky = cell[0] in "=@\t\r" or (
        cell[0] in "+-" and (not cell[1:2].isdigit() or any(c in cell for c in "|!"))
    )
    return "'" + cell if risky else cell


def spanning_heading(frame: pd.DataFrame, *, index: bool = True) -> list[str] | None:
    """The heading row over a table's data columns when its columns have a name, else None.

    A name on the columns (``frame.columns.name``, e.g. "Rank in the district") heads all the
    data columns; the index columns under it have an empty cell. Shown tables
    (:func:`sna.report.display.table_html`) and their CSV files both start with this row.

    Examples
    --------
    >>> frame = pd.DataFrame({"Cherwell": ["1"], "Oxford": ["2"]}, index=pd.Index(["Violence"]))
    >>> frame.columns.name = "Rank"
    >>> spanning_heading(frame)
    ['', 'Rank', '']
    >>> spanning_heading(frame.rename_axis(columns=None)) is None
    True
    """
    if frame.columns.name is None:
        return None
    lead = [""] * (frame.index.nlevels if index else 0)
    return [*lead, str(frame.columns.name), *([""] * (len(frame.columns) - 1))]


def ascii_slug(text: str, *, empty: str) -> str:
    """Lower-case ASCII letters and digits of ``text``, words joined by hyphens (``empty`` if none).

    The one slug of the report layer: table file names here, heading ids in
    :func:`sna.report.display.anchor`.

    Examples
    --------
    >>> ascii_slug("Neighbourhood crime: 2025", empty="section")
    'neighbourhood-crime-2025'
    >>> ascii_slug("£", empty="table")
    'table'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or empty


def csv_name(caption: str, *, most: int = 80) -> str:
    """A file name for a table's CSV from its caption: lower case, words joined by hyphens.

    Captions name the district and period (``"Oxford: crime types in 2024 (Jan-Apr)"``), so the
    name says which report and table the file comes from, and the same table always gets the
    same name. Long captions are cut at a word, to at most ``most`` characters before ``.csv``.

    Examples
    --------
    >>> csv_name("Oxford: crime types in 2024 (Jan-Apr) and change on 2023")
    'oxford-crime-types-in-2024-jan-apr-and-change-on-2023.csv'
    >>> csv_name("Software versions")
    'software-versions.csv'
    """
    slug = ascii_slug(caption, empty="table")
    if len(slug) > most:
        slug = slug[:most].rsplit("-", 1)[0]
    return f"{slug}.csv"


def download_link(
    frame: pd.DataFrame,
    *,
    filename: str,
    index: bool = True,
    text: str = "Download this table (CSV)",
) -> str:
    """HTML of a link that downloads a shown table as a CSV file, with no server.

    Examples
    --------
    >>> frame = pd.DataFrame({"Crimes": ["[c]"]})
    >>> download_link(frame, filename="t.csv", index=False)
    '<p class="sna-download"><a href="data:text/csv;charset=utf-8,%EF%BB%BFCrimes%0D%0A%5Bc%5D%0D%0A" download="t.csv">Download this table (CSV)</a></p>'
    """
    uri = CSV_PREFIX + quote(_BOM + csv_text(frame, index=index), safe="")
    return (
        f'<p class="sna-download"><a href="{html.escape(uri, quote=True)}" '
        f'download="{html.escape(filename, quote=True)}">{html.escape(text)}</a></p>'
    )


def read_csv_uri(uri: str) -> list[list[str]]:
    """The rows of a table's download link (the inverse of :func:`download_link`'s URI).

    Raises
    ------
    ValueError
        If ``uri`` is not a ``data:text/csv;charset=utf-8,`` URI.

    Examples
    --------
    >>> read_csv_uri("data:text/csv;charset=utf-8,%EF%BB%BFArea%2CCrimes%0D%0AA%2C%5Bc%5D%0D%0A")
    [['Area', 'Crimes'], ['A', '[c]']]
    """
    if not uri.startswith(CSV_PREFIX):
        raise ValueError(f"not a CSV download link: {uri[:40]!r}")
    text = unquote(uri[len(CSV_PREFIX) :], encoding="utf-8", errors="strict")
    return list(csv.reader(io.StringIO(text.removeprefix(_BOM), newline="")))
