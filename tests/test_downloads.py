"""Downloads: every published table as CSV, offline, holding exactly the cells shown."""

from __future__ import annotations

import csv
import io
from urllib.parse import unquote

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from sna.build.publish import notebook_html
from sna.report import tables
from sna.report.display import table_html
from sna.report.downloads import CSV_PREFIX, csv_name, download_link, read_csv_uri

QUALITY_TABLES = ("Rows of", "Input files", "Software", "Parameters", "Months of")


def _shown_cells(table) -> list[list[str]]:
    """The cells of an HTML table as a reader sees them: the heading rows, then the body.

    A heading spanning n columns is its text in the first of them and "" in the others.
    """
    head = [
        [
            text
            for th in tr.find_all("th")
            for text in [th.get_text(), *[""] * (int(th.get("colspan", 1)) - 1)]
        ]
        for tr in table.find("thead").find_all("tr")
    ]
    body = [
        [c.get_text() for c in tr.find_all(["th", "td"])]
        for tr in table.find("tbody").find_all("tr")
    ]
    return [*head, *body]


def _decode_by_hand(uri: str) -> list[list[str]]:
    """An independent decoder: percent-decoding and the csv module, nothing of sna's."""
    assert uri.startswith("data:text/csv;charset=utf-8,")
    text = unquote(uri.split(",", 1)[1], encoding="utf-8", errors="strict")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def _top_frame() -> tuple[pd.DataFrame, pd.Series]:
    top = pd.DataFrame(
        {
            "count": [812, 3],
            "population": [1834, 1500],
            "value": [442.75, 2.0],
            "lower95": [413.0, 0.41],
            "upper95": [474.0, 5.8],
            "decile": [2, 9],
        },
        index=pd.Index(
            ["Littlemore (Oxford 016B)", 'Wood, "North" & Co (X 001A)'], name="lsoa_name"
        ),
    )
    return top, pd.Series([False, True], index=top.index)


def test_table_html_links_a_csv_of_exactly_the_shown_cells():
    top, hidden = _top_frame()
    shown = tables.top_areas_table(top, hidden=hidden)
    page = BeautifulSoup(
        table_html(shown, caption="Oxford: the 10 neighbourhoods, 2024"), "html.parser"
    )
    link = page.find("a", download=True)
    assert link["download"] == "oxford-the-10-neighbourhoods-2024.csv"
    assert link.find_parent("figure") is page.find("figure")
    rows = _decode_by_hand(link["href"])
    assert rows == _shown_cells(page.find("table"))
    assert rows[0][:2] == ["LSOA", "Crimes"]
    assert rows[1][:2] == ["Littlemore (Oxford 016B)", "812"]
    # The hidden row shows the marker, never its count, rate or interval.
    assert rows[2] == ['Wood, "North" & Co (X 001A)', "[c]", "1,500", "[c]", "[c]", "9"]
    assert not any(v in cell for cell in rows[2] for v in ("3", "2.0", "0.4", "5.8"))
    assert read_csv_uri(link["href"]) == rows


def test_download_names_and_empty_tables():
    frame = pd.DataFrame({"Crimes": ["1,204"]}, index=pd.Index(["A"], name="Area"))
    html = table_html(frame, caption="X", download="oxford-2024-crime-types.csv")
    assert 'download="oxford-2024-crime-types.csv"' in html
    assert table_html(frame, caption="X") == table_html(frame, caption="X")  # deterministic
    empty = table_html(frame.iloc[:0], caption="Nothing to show")
    assert "download=" not in empty and CSV_PREFIX not in empty
    assert csv_name("A" * 200).removesuffix(".csv") == "a" * 80
    assert csv_name("Recorded crime by district, 2024 (Jan-Apr)") == (
        "recorded-crime-by-district-2024-jan-apr.csv"
    )


def test_publishing_keeps_csv_links_and_drops_other_data_links():
    frame = pd.DataFrame({"Crimes": ["[c]"]}, index=pd.Index(["<b>A</b>"], name="Area"))
    evil = '<a href="data:text/html,%3Cscript%3Ealert(1)%3C/script%3E" download="x.html">x</a>'
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("report.show_table(...)")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data", data={"text/html": table_html(frame, caption="Test table") + evil}
        )
    ]
    nb.cells = [cell]
    page = BeautifulSoup(notebook_html(nb, title="Test"), "html.parser")
    links = page.find_all("a", download=True)
    csv_links = [a for a in links if a.get("href", "").startswith(CSV_PREFIX)]
    assert len(csv_links) == 1 and csv_links[0]["download"] == "test-table.csv"
    assert _decode_by_hand(csv_links[0]["href"]) == [["Area", "Crimes"], ["<b>A</b>", "[c]"]]
    assert not any(a.get("href", "").startswith("data:text/html") for a in page.find_all("a"))


def test_download_link_is_plain_ascii_and_escapes_nothing_active():
    frame = pd.DataFrame({"Name": ['"><script>alert(1)</script>', "Caf\u00e9 \u2013 \u00a3"]})
    link = download_link(frame, filename='a"b.csv', index=False)
    assert "<script>" not in link and link.isascii()
    href = BeautifulSoup(link, "html.parser").find("a")["href"]
    assert _decode_by_hand(href)[1:] == [
        ['"><script>alert(1)</script>'],
        ["Caf\u00e9 \u2013 \u00a3"],
    ]


@pytest.mark.slow
def test_every_table_of_the_built_reports_downloads_as_shown(built):
    from sna.assessment.district import assess_district
    from sna.data.processed import load_processed

    config, _ = built
    pages = sorted(config.reports_dir.rglob("*.html"))
    reports = [p for p in pages if p.name != "index.html"]
    assert len(reports) == 2
    markers = 0  # suppressed cells in the CSVs: each is a "[c]" the table shows
    for path in reports:
        names = []
        page = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        for table in page.find_all("table", class_="sna-table"):
            figure = table.find_parent("figure")
            links = figure.find_all("a", download=True)
            shown = _shown_cells(table)
            if len(shown) == 1:  # no rows: nothing to download
                assert not links
                continue
            assert len(links) == 1, figure.find("figcaption").get_text()
            rows = _decode_by_hand(links[0]["href"])
            assert rows == shown, (path.name, links[0]["download"])
            markers += sum(cell == tables.MARKER for row in rows for cell in row)
            names.append(links[0]["download"])
        assert len(names) == len(set(names)) > 3, names  # one name per table of a report
    assert markers > 0  # the demo reports do hide cells, and their CSVs hide the same ones
    # The hidden counts of the district's crime-type table are the marker in its CSV.
    a = assess_district(load_processed(config), "West Oxfordshire", 2025)
    page = BeautifulSoup(
        (config.reports_dir / "2025" / "west-oxfordshire.html").read_text(), "html.parser"
    )
    by_name = {
        link["download"]: _decode_by_hand(link["href"])
        for link in page.find_all("a", download=True)
    }
    types = next(rows for name, rows in by_name.items() if "crime-types" in name)
    header, body = types[0], {row[0]: row for row in types[1:]}
    count_column = header.index("Crimes 2025")
    for crime_type, hide in a.hidden.types["count"].items():
        cell = body[crime_type][count_column]
        if hide:
            assert cell == tables.MARKER
        else:
            assert cell == f"{int(a.types.loc[crime_type, 'count']):,}"
    top = next(rows for name, rows in by_name.items() if "10-neighbourhoods" in name)
    for row, hide in zip(top[1:], a.top_hidden, strict=True):
        assert (row[1] == tables.MARKER) == bool(hide)


def test_a_named_column_axis_downloads_as_shown():
    frame = pd.DataFrame(
        {"Cherwell": ["1 (similar)"], "Oxford": ["[c]"]},
        index=pd.Index(["Violence"], name="Priority"),
    )
    frame.columns.name = "Rank in the district"
    page = BeautifulSoup(table_html(frame, caption="Ranks"), "html.parser")
    rows = _decode_by_hand(page.find("a", download=True)["href"])
    assert rows == _shown_cells(page.find("table"))
    assert rows == [
        ["", "Rank in the district", ""],
        ["Priority", "Cherwell", "Oxford"],
        ["Violence", "1 (similar)", "[c]"],
    ]
    # one heading over the districts, the priority's own heading above its column: no empty
    # column in the body (pandas' own HTML adds one for a named columns axis)
    spanner = page.find("tr", class_="sna-spanner").find_all("th")
    assert [(th.get_text(), th.get("colspan")) for th in spanner] == [
        ("", "1"),
        ("Rank in the district", "2"),
    ]
    assert all(len(tr.find_all("td")) == 3 for tr in page.find("tbody").find_all("tr"))


def test_formula_cells_are_made_inert():
    """OWASP CSV injection: a cell a spreadsheet would run is prefixed with a quote; numbers are not."""
    import csv
    import io

    from sna.report.downloads import csv_text

    cells = ["-85", "+5.3%", "1,204", '=HYPERLINK("http://x")', "@SUM(A1)", "-1+cmd|' /C calc'!A0"]
    frame = pd.DataFrame({"Value": cells})
    rows = list(csv.reader(io.StringIO(csv_text(frame, index=False))))
    assert [r[0] for r in rows[1:]] == [
        "-85",
        "+5.3%",
        "1,204",
        '\'=HYPERLINK("http://x")',
        "'@SUM(A1)",
        "'-1+cmd|' /C calc'!A0",
    ]
