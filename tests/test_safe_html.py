"""Markup in data or config never becomes active in a published report (config strings, LSOA names)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from sna.build.plan import build
from sna.data.config import load_config
from sna.data.files import sha256_file
from sna.data.prepare import prepare
from tests.conftest import RAW, link_area_data, write_config

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = '<script>alert("x")</script>'
IMG = '<img src=x onerror=alert("y")>'

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    replace = {
        r"^name = \"Oxfordshire Community.*": f"name = '{SCRIPT} assessment'",
        r"^area_name = .*": f"area_name = '{IMG}'",
        r'^name = "Oxfordshire"$': f"name = '{IMG} county'",
        r'^"Violence" = \[': f"'{SCRIPT} violence' = [",
    }
    # Partner files name the benchmark: rename it there too, and put markup in an indicator.
    raw = folder / "raw"
    (raw / "police_uk").mkdir(parents=True)
    (raw / "police_uk" / "thames-valley").symlink_to(RAW / "police_uk" / "thames-valley")
    link_area_data(raw)
    (raw / "partners").unlink()
    (raw / "partners").mkdir()
    for path in sorted((RAW / "partners").glob("*.csv")):
        text = path.read_text(encoding="utf-8").replace(",Oxfordshire,", f",{IMG} county,")
        text = text.replace(",Sexual offences,", f",Sexual offences {SCRIPT},")
        (raw / "partners" / path.name).write_text(text, encoding="utf-8")
    config = load_config(write_config(folder, raw=raw, replace=replace))
    prepare(config)
    # LSOA names come from the publishers' lookups; put markup in them as a hostile file would.
    for name in ("lsoas.parquet", "counts.parquet"):
        path = config.processed_dir / name
        frame = pd.read_parquet(path)
        frame["lsoa_name"] = frame["lsoa_name"].str.replace(
            r"^West Oxfordshire", f"West Oxfordshire {SCRIPT}{IMG}", regex=True
        )
        frame.to_parquet(path, index=False)
    # Record the edited files as prepare's outputs, or load_processed refuses them as damaged.
    manifest_path = config.processed_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for name in ("lsoas.parquet", "counts.parquet"):
        path = config.processed_dir / name
        manifest["outputs"][name] = {"sha256": sha256_file(path), "size": path.stat().st_size}
    manifest_path.write_text(json.dumps(manifest))
    outcomes = build(
        config,
        years=[2025],
        districts=["West Oxfordshire"],
        jobs=2,
        notebooks_dir=ROOT / "notebooks",
    )
    assert [o.status for o in outcomes] == ["built", "built"], [o.error for o in outcomes]
    return config


def test_no_active_markup_from_data(hostile):
    for path in sorted(hostile.reports_dir.rglob("*.html")):
        page = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        assert not page.find_all(["script", "iframe", "object", "embed"]), path
        for tag in page.find_all(True):
            assert not [a for a in tag.attrs if a.lower().startswith("on")], (path, tag.name)
        for img in page.find_all("img"):
            assert img["src"].startswith(("data:image/png;base64,", "data:image/svg+xml")), path
        text = page.get_text(" ")
        if path.name != "index.html":
            assert SCRIPT in text, path  # shown to the reader as text, not run
    district = (hostile.reports_dir / "2025" / "west-oxfordshire.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;" in district and "West Oxfordshire &lt;script&gt;" in district
    assert "Sexual offences &lt;script&gt;" in district  # partner data, shown as text
