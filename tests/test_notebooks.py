"""The notebook contract: no outputs in git, a tagged parameters cell, story only (no logic)."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
PARAMETERS = {
    "district_assessment.ipynb": {"config_path", "district", "year", "report_date"},
    "area_overview.ipynb": {"config_path", "year", "report_date"},
}


def test_both_notebooks_exist():
    assert {p.name for p in NOTEBOOKS} == set(PARAMETERS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{path.name}: strip outputs (nbstripout)"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_first_with_defaults(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assigned = {t.id for node in ast.parse(code[0].source).body for t in node.targets}  # type: ignore[attr-defined]
    assert assigned == PARAMETERS[path.name]
    assert 'config_path = "../sna.toml"' in code[0].source  # the demo config, from notebooks/


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_story_not_logic(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        kinds = {type(n) for n in ast.walk(tree)}
        assert not kinds & {ast.FunctionDef, ast.ClassDef, ast.Lambda, ast.If}, cell.source[:80]
        assert len(cell.source.splitlines()) <= 16, (
            f"cell too long, move it into sna: {cell.source[:80]}"
        )
