"""Shared fixtures: the demo config pointed at temporary output folders, and prepared demo data."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
import pytest
from hypothesis import settings

if TYPE_CHECKING:
    from sna.build.jobs import BuildJob
    from sna.data.processed import Processed

matplotlib.use("Agg")

# CI runs the property tests on fixed examples with no example database and no deadline, so a
# busy machine or an example saved by an earlier run cannot make it fail where a developer's
# run passed; locally hypothesis explores at random and keeps what it found in .hypothesis/.
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
DEMO_CONFIG = ROOT / "sna.toml"


def in_folder(data: Processed, folder: Path) -> Processed:
    """The same prepared data, with its processed folder (where decisions are kept) in ``folder``."""
    from dataclasses import replace

    return replace(data, config=replace(data.config, processed_dir=folder))


def damaged_entries(flip: tuple[str, str]) -> list:
    """Ways to damage a kept decision's file, for ``pytest.mark.parametrize("damage", ...)``.

    Cut short; one value flipped (``flip``: the text replaced, once, and its replacement: valid
    JSON with a bad checksum); another key; not JSON; a format with no fields.
    """
    import json

    old, new = flip
    return [
        pytest.param(lambda text: text[: len(text) // 2], id="truncated"),
        pytest.param(lambda text: text.replace(old, new, 1), id="flipped"),
        pytest.param(lambda text: text.replace('"key": "', '"key": "0', 1), id="other-key"),
        pytest.param(lambda text: "\x00\xff not json", id="garbage"),
        pytest.param(lambda text: json.dumps({"format": 1}), id="incomplete"),
    ]


def link_area_data(raw: Path) -> None:
    """Link every folder of the shipped raw data except police.uk's into ``raw``.

    Tests that bring their own police.uk files get the real area, partner and geography data
    beside them, whatever folders the demo config names.
    """
    raw.mkdir(parents=True, exist_ok=True)
    for folder in sorted(RAW.iterdir()):
        if folder.is_dir() and folder.name != "police_uk":
            (raw / folder.name).symlink_to(folder)


def write_config(folder: Path, *, raw: Path = RAW, replace: dict[str, str] | None = None) -> Path:
    """A copy of the demo ``sna.toml`` in ``folder`` with outputs in ``folder``.

    ``replace`` maps regular expressions to replacements applied to the TOML text, for tests
    that need a variation of the demo config.
    """
    text = DEMO_CONFIG.read_text()
    text = text.replace('raw = "data/raw"', f'raw = "{raw.as_posix()}"')
    for pattern, new in (replace or {}).items():
        text, n = re.subn(pattern, new, text, flags=re.MULTILINE)
        assert n, f"pattern {pattern!r} not in the demo config"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "sna.toml"
    path.write_text(text)
    return path


def probe_job(
    folder: Path, cells: Sequence[str], *, name: str = "probe", timeout: int = 60
) -> BuildJob:
    """A build job for a probe notebook in ``folder``: a parameters cell (``x = 1``), then ``cells``.

    The job sets ``x = 2``, runs with the build's kernel environment (``PYTHONHASHSEED=0``, no
    ``MPLBACKEND``: the kernel's inline backend) and writes its outputs to ``folder / "out"``
    under ``name``; every job of one folder runs the same notebook (written by the first).
    """
    import nbformat

    from sna.build.jobs import BuildJob

    notebook = folder / "probe.ipynb"
    if not notebook.exists():
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]})]
        nb.cells += [nbformat.v4.new_code_cell(source) for source in cells]
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nbformat.write(nb, notebook)
    out = folder / "out"
    return BuildJob(
        key=f"2025/{name}", year=2025, title=name, page_title=name, notebook=notebook,
        parameters={"x": 2}, html_path=out / f"{name}.html", ipynb_path=out / f"{name}.ipynb",
        failed_path=out / f"{name}.failed.ipynb", fingerprint="", timeout=timeout,
        environment={"PYTHONHASHSEED": "0", "MPLBACKEND": None},
    )  # fmt: skip


@pytest.fixture(scope="session")
def prepared(tmp_path_factory: pytest.TempPathFactory):
    """The demo data prepared once per test session into a temporary folder."""
    from sna.data.config import load_config
    from sna.data.prepare import prepare

    config = load_config(write_config(tmp_path_factory.mktemp("demo")))
    manifest = prepare(config)
    return config, manifest


@pytest.fixture(scope="session")
def built(prepared):
    """The 2025 area overview and West Oxfordshire report, built once per test session.

    Shared by ``test_end_to_end.py`` (figures read back from the HTML) and ``test_browser.py``
    (the reports opened in Chromium). Returns the config and the build outcomes.
    """
    from sna.build.plan import build

    config, _ = prepared
    outcomes = build(
        config,
        years=[2025],
        districts=["West Oxfordshire"],
        jobs=2,
        notebooks_dir=ROOT / "notebooks",
    )
    return config, outcomes


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
