"""`sna init` on the command line: a config any partnership can start from."""

from __future__ import annotations

import csv
import gzip
import io
import urllib.parse
from collections import Counter

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from sna.build.cli import main
from sna.data.config import load_config
from tests.conftest import RAW, ROOT


def test_init_writes_a_config_that_loads(tmp_path, capsys):
    output = tmp_path / "sna.toml"
    argv = ["init", "--partnership", "milton keynes", "--raw", str(RAW), "--output", str(output)]
    assert main(argv) == 0
    config = load_config(output)
    assert [(d.code, d.name) for d in config.districts] == [("E06000042", "Milton Keynes")]
    assert "wrote" in capsys.readouterr().out
    assert main(argv) == 2  # an existing config is kept
    assert "already exists" in capsys.readouterr().err


def test_init_names_the_closest_matches(tmp_path, capsys):
    output = tmp_path / "sna.toml"
    argv = ["init", "--partnership", "Oxfrodshire", "--raw", str(RAW), "--output", str(output)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "closest: Oxfordshire" in err
    assert not output.exists()


def _init(tmp_path, *options: str) -> list[str]:
    return ["init", "--raw", str(RAW), "--output", str(tmp_path / "sna.toml"), *options]


@pytest.mark.parametrize("name", ["", "   "])
def test_init_refuses_an_empty_partnership(tmp_path, capsys, name):
    assert main(_init(tmp_path, "--partnership", name)) == 2
    assert capsys.readouterr().err == (
        "sna init: error: --partnership is empty: give a name or an ONS code\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_init_refuses_a_folder_as_output_even_with_force(tmp_path, capsys, force):
    folder = tmp_path / "d"
    folder.mkdir()
    argv = ["init", "--partnership", "Reading", "--raw", str(RAW), "--output", str(folder)]
    assert main([*argv, *force]) == 2
    assert capsys.readouterr().err == (
        f"sna init: error: {folder}: is a folder, not a config file; choose another --output\n"
    )
    assert list(folder.iterdir()) == []


def test_init_refuses_a_device_as_output(capsys):
    argv = ["init", "--partnership", "Reading", "--raw", str(RAW), "--output", "/dev/null"]
    assert main([*argv, "--force"]) == 2
    assert capsys.readouterr().err == (
        "sna init: error: /dev/null: is a device, not a config file; choose another --output\n"
    )


def test_init_force_replaces_a_config(tmp_path, capsys):
    output = tmp_path / "sna.toml"
    output.write_text("old = 1\n")
    assert main([*_init(tmp_path, "--partnership", "Reading", "--years", "2025"), "--force"]) == 0
    assert load_config(output).reporting_years == (2025,)


@pytest.mark.parametrize(
    ("years", "got"), [(["25"], "25"), (["2025", "1999"], "1999"), (["2101"], "2101")]
)
def test_init_refuses_years_the_config_loader_refuses(tmp_path, capsys, years, got):
    assert main(_init(tmp_path, "--partnership", "Reading", "--years", *years)) == 2
    assert capsys.readouterr().err == (
        f"sna init: error: --years: must be years like 2024 2025 (2010 to 2100); got {got}\n"
    )
    assert not (tmp_path / "sna.toml").exists()


def test_init_says_london_is_ambiguous(tmp_path, capsys):
    assert main(_init(tmp_path, "--partnership", "London")) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("sna init: error: 'London' is ambiguous")
    assert "'Metropolitan Police' (police E23000001: 32 districts)" in err
    assert "'City of London' (CSP E22000180, district E09000001, police E23000034" in err
    assert not (tmp_path / "sna.toml").exists()


def test_init_help_says_how_to_choose_and_what_is_kept(capsys):
    with pytest.raises(SystemExit) as info:
        main(["init", "--help"])
    assert info.value.code == 0
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps the lines
    assert "refused if it exists (use --force)" in out
    assert '("Kent county", "Kent police")' in out
    assert "sna init --partnership E22000309" in out
    assert "xxx" not in out


def _police_uk_counts(district: str, months: tuple[str, ...]) -> Counter[tuple[str, str]]:
    """Rows of the shipped police.uk files per (month, crime type) in a district, by hand.

    The district is read from the LSOA name police.uk gives each row ("Reading 001A").
    """
    counts: Counter[tuple[str, str]] = Counter()
    for path in sorted((RAW / "police_uk").rglob("*-street.csv*")):
        if not path.name.startswith(months):
            continue
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                if row["LSOA name"].rsplit(" ", 1)[0] == district:
                    counts[row["Month"], row["Crime type"]] += 1
    return counts


def _download(html: str, prefix: str) -> list[dict[str, str]]:
    """The rows of the report's downloadable table whose file name starts with ``prefix``."""
    soup = BeautifulSoup(html, "html.parser")
    links = [a for a in soup.find_all("a", download=True) if a["download"].startswith(prefix)]
    assert len(links) == 1, [a["download"] for a in soup.find_all("a", download=True)]
    text = urllib.parse.unquote(links[0]["href"].split(",", 1)[1]).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.slow
def test_init_prepare_build_for_another_partnership(tmp_path, monkeypatch, capsys):
    """`sna init` for Reading (Thames Valley), then prepare and build from the shipped files."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    config = tmp_path / "sna.toml"
    init = ["init", "--partnership", "Reading", "--raw", str(RAW), "--output", str(config)]
    assert main([*init, "--years", "2025"]) == 0
    text = config.read_text()
    for key in ("wards", "boundaries", "harm_weights", "iod_summaries", "rural_urban"):
        assert f"\n{key} = " in text, key
    assert "\n# partners = " in text  # the demo's partner files are Oxfordshire's
    (tmp_path / "notebooks").symlink_to(ROOT / "notebooks")
    assert main(["prepare", "--quiet", "--config", str(config)]) == 0
    assert main(["build", "--config", str(config), "--districts", "Reading"]) == 0
    capsys.readouterr()

    html = (tmp_path / "reports" / "2025" / "reading.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.title is not None and "Reading 2025" in soup.title.get_text()
    overview = (tmp_path / "reports" / "2025" / "overview.html").read_text(encoding="utf-8")
    assert "Reading" in BeautifulSoup(overview, "html.parser").get_text()

    months = tuple(f"2025-{m:02d}" for m in range(1, 13))
    by_hand = _police_uk_counts("Reading", months)
    types = {t for _, t in by_hand}
    table = {
        row["Crime type"]: row
        for row in _download(html, "reading-crime-types-in-2025")
        + _download(html, "reading-anti-social-behaviour-by-crime-type-2025")
    }
    assert types <= set(table)
    for crime_type in types:  # the year, and January to April (compared with 2024)
        year = sum(n for (_, t), n in by_hand.items() if t == crime_type)
        jan_apr = sum(n for (m, t), n in by_hand.items() if t == crime_type and m <= "2025-04")
        assert int(table[crime_type]["Crimes 2025"].replace(",", "")) == year, crime_type
        assert int(table[crime_type]["2025 (Jan-Apr)"].replace(",", "")) == jan_apr, crime_type
    # One month: the processed counts the report is computed from.
    counts = pd.read_parquet(tmp_path / "data" / "processed" / "counts.parquet")
    january = counts[(counts["district_name"] == "Reading") & (counts["month"] == "2025-01-01")]
    assert january.groupby("crime_type")["count"].sum().to_dict() == {
        t: n for (m, t), n in by_hand.items() if m == "2025-01"
    }
    # 1,250 crimes and 141 anti-social behaviour incidents in January 2025
    assert sum(n for (m, _), n in by_hand.items() if m == "2025-01") == 1391
