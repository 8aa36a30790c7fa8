"""End to end on the real demo data: prepare, build reports, and read the figures back from the HTML.

The reports are built once per session by the ``built`` fixture of ``conftest.py`` (shared with
``test_browser.py``).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from sna.build.plan import build
from sna.data.processed import load_processed

ROOT = Path(__file__).resolve().parents[1]
QUALITY_TABLES = ("Rows of", "Input files", "Software", "Parameters", "Months of")

pytestmark = pytest.mark.slow


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def published(config) -> list[Path]:
    return sorted(config.reports_dir.rglob("*.html"))


def test_reports_built(built):
    config, outcomes = built
    assert [o.status for o in outcomes] == ["built", "built"]
    names = {p.relative_to(config.reports_dir).as_posix() for p in published(config)}
    assert names == {"index.html", "2025/overview.html", "2025/west-oxfordshire.html"}


def test_figures_in_html_match_processed_data(built):
    config, _ = built
    data = load_processed(config)
    counts = data.crimes[
        (data.crimes["district_name"] == "West Oxfordshire")
        & (data.crimes["month"].dt.year == 2025)
    ]
    total = int(counts["count"].sum())
    page = soup(config.reports_dir / "2025" / "west-oxfordshire.html")
    text = page.get_text(" ")
    assert (
        f"West Oxfordshire had {total:,} recorded crimes (excluding anti-social behaviour) in 2025 "
        "(11 months with data: Jan-Jun, Aug-Dec)" in text
    )
    table = next(
        t
        for t in page.find_all("table")
        if "Recorded crime by district" in t.find_previous("figcaption").get_text()
    )
    cells = [
        [td.get_text(strip=True) for td in r.find_all("td")]
        for r in table.find("tbody").find_all("tr")
    ]
    rows = {row[0]: row[1:] for row in cells}
    assert rows["West Oxfordshire"][0] == f"{total:,}"
    assert rows["West Oxfordshire"][1] == "116,928"  # ONS mid-2022 estimate (PROVENANCE s. 6)
    rate = total / 116_928 * 1000 * 12 / 11  # per 1,000 residents a year, from 11 months
    assert rows["West Oxfordshire"][2] == f"{rate:.1f}"


def test_missing_month_flagged_and_like_for_like(built):
    config, _ = built
    for name in ("west-oxfordshire.html", "overview.html"):
        text = soup(config.reports_dir / "2025" / name).get_text(" ")
        assert "July 2025 is missing" in text
    text = soup(config.reports_dir / "2025" / "west-oxfordshire.html").get_text(" ")
    assert "2025 is compared with 2024 for January to April only" in text
    assert "2024 (Jan-Apr)" in text


def test_no_code_no_external_resources_no_errors(built):
    config, _ = built
    for path in published(config):
        page = soup(path)
        assert not page.select(
            ".jp-CodeCell .jp-InputArea, .jp-InputPrompt, .highlight, .input_area"
        ), path
        assert not page.find_all("script"), path
        for tag in page.find_all(src=True) + page.find_all(href=True):
            url = tag.get("src") or tag.get("href")
            assert not re.match(r"^(https?:)?//", url), (path, url)
        for style in page.find_all("style"):
            assert "@import" not in style.get_text() and "url(http" not in style.get_text(), path
        text = page.get_text(" ")
        assert "Traceback" not in text and "Warning:" not in text, path
        if path.name != "index.html":
            images = page.find_all("img")
            assert images and all(
                i["src"].startswith("data:image/svg+xml;base64,") and i.get("alt") for i in images
            )
            assert page.find("nav")


def test_no_unsuppressed_small_counts(built):
    config, _ = built
    threshold = config.suppression_threshold
    for path in published(config):
        for table in soup(path).find_all("table"):
            caption = table.find_previous("figcaption")
            if caption is None or caption.get_text().startswith(QUALITY_TABLES):
                continue
            headers = [th.get_text(strip=True) for th in table.find("thead").find_all("th")]
            for row in table.find("tbody").find_all("tr"):
                cells = [c.get_text(strip=True) for c in row.find_all(["th", "td"])]
                for header, cell in zip(headers, cells, strict=False):
                    if header.startswith("Crimes") or re.match(r"^\d{4} \(", header):
                        assert not (cell.isdigit() and 1 <= int(cell) <= threshold), (
                            path.name,
                            header,
                            cells,
                        )


def test_index_lists_reports(built):
    config, _ = built
    index = soup(config.reports_dir / "index.html")
    links = {a["href"] for a in index.find_all("a")}
    assert {"2025/overview.html", "2025/west-oxfordshire.html"} <= links
    overview = soup(config.reports_dir / "2025" / "overview.html")
    assert "west-oxfordshire.html" in {a["href"] for a in overview.find_all("a")}


def test_aggregates_only_no_record_level_data(built):
    config, _ = built
    records = pd.read_parquet(config.processed_dir / "records.parquet")
    mine = records[
        (records["district_name"] == "West Oxfordshire") & (records["month"].dt.year == 2025)
    ]
    ids = set(mine["crime_id"]) - {""}
    locations = set(mine["location"])
    for path in published(config):
        text = path.read_text(encoding="utf-8")
        assert not any(i in text for i in ids), path
        assert "On or near" not in text and not any(loc in text for loc in list(locations)[:200]), (
            path
        )


def test_rebuild_is_byte_identical(built):
    config, _ = built
    before = {
        p: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in published(config)
        if p.name != "index.html"
    }
    build(
        config,
        years=[2025],
        districts=["West Oxfordshire"],
        jobs=2,
        force=True,
        notebooks_dir=ROOT / "notebooks",
    )
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in before}
    assert after == before


def test_linked_tables_agree_on_every_cell(built):
    """A count shown in one table is never hidden in another (or the reverse): no cross-table leak."""
    config, _ = built
    page = soup(config.reports_dir / "2025" / "west-oxfordshire.html")
    seen: dict[tuple[str, str], set[str]] = {}
    for table in page.find_all("table"):
        headers = [th.get_text(strip=True) for th in table.find("thead").find_all("th")]
        for row in table.find("tbody").find_all("tr"):
            cells = [c.get_text(strip=True) for c in row.find_all("td")]
            for header, cell in zip(headers[1:], cells[1:], strict=False):
                if header.startswith("Crimes") or re.match(r"^\d{4} \(", header):
                    seen.setdefault((cells[0], header), set()).add(cell)
    assert seen
    assert {key: values for key, values in seen.items() if len(values) > 1} == {}


def test_index_flags_missing_months(built):
    config, _ = built
    index = soup(config.reports_dir / "index.html")
    notes = [td.get_text() for td in index.find_all("td", class_="note")]
    expected = (
        "2025 has police.uk data for 11 of 12 months (missing: 2025-07); its reports flag this and "
        "compare with the previous year on the months both have."
    )
    assert notes == [expected]
