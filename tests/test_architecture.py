"""The layer contract: each layer of sna imports only from the layers below it.

data -> stats -> assessment -> report -> build. ``sna.errors`` is shared by all and imports
nothing of sna. Imports inside functions count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sna"
LAYERS = ("errors", "data", "stats", "assessment", "report", "build")


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _rank(module: str) -> int | None:
    """The layer of ``sna.<layer>...``; None for the package root (``sna``)."""
    parts = module.split(".")
    if len(parts) < 2:
        return None
    return LAYERS.index(parts[1])


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of an sna module in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("sna")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sna"):
            if node.module == "sna":  # from sna import report: the subpackage; __version__: root
                found += [
                    (node.lineno, f"sna.{a.name}" if a.name in LAYERS else "sna")
                    for a in node.names
                ]
            else:
                found.append((node.lineno, node.module))
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def test_every_module_is_in_a_layer():
    for path in MODULES:
        module = _module(path)
        if module == "sna":
            continue
        assert module.split(".")[1] in LAYERS, f"{module} is in no layer of {LAYERS}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module(p))
def test_imports_go_down_the_layers(path):
    own = _rank(_module(path))
    if own is None:  # the package root loads its public names lazily, by string
        return
    for line, imported in _imports(path):
        if imported == "sna":  # `from sna import __version__`
            continue
        other = _rank(imported)
        assert other is not None and other <= own, (
            f"{path.relative_to(PACKAGE.parent)}:{line} imports {imported}: "
            f"layer {LAYERS[own]} may import only {', '.join(LAYERS[: own + 1])}"
        )


def test_the_contract_test_catches_an_upward_import(tmp_path):
    """The check itself fails on a lower layer importing a higher one."""
    bad = tmp_path / "bad.py"
    bad.write_text("from sna.report import tables\n")
    ((_line, imported),) = _imports(bad)
    assert _rank(imported) > _rank("sna.stats.rates")
