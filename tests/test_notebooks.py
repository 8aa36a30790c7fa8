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
    "explore.ipynb": {"config_path", "district", "crime_type", "year"},  # not a report
}


def test_every_notebook_is_known():
    assert {p.name for p in NOTEBOOKS} == set(PARAMETERS)


def test_sna_build_publishes_only_the_report_notebooks():
    from sna.build.plan import DISTRICT_NOTEBOOK, OVERVIEW_NOTEBOOK

    assert {DISTRICT_NOTEBOOK, OVERVIEW_NOTEBOOK} == set(PARAMETERS) - {"explore.ipynb"}


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_runs_top_to_bottom_with_its_defaults(path, prepared, tmp_path):
    """What an analyst meets in JupyterLab: each notebook runs from notebooks/ with its defaults,
    here against the prepared demo data (only the config path is changed, to keep data/ clean)."""
    import papermill

    config, _ = prepared
    out = tmp_path / path.name
    papermill.execute_notebook(
        str(path), str(out), parameters={"config_path": str(config.path)}, cwd=str(path.parent),
        progress_bar=False, kernel_name="python3",
    )  # fmt: skip
    nb = nbformat.read(out, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors
    shown = [o for c in code[1:] for o in c.outputs]
    assert shown, "the notebook shows nothing"


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
