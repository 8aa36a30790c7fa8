"""The layer contract: each layer of sna imports only from the layers below it.

data -> stats -> assessment -> report -> build. ``sna.errors`` is shared by all and imports
nothing of sna. Imports inside functions count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sna"
LAYERS = ("errors", "data", "stats", "assessment", "report", "build")


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    # sna/__main__.py (``python -m sna``) is the package root's entry point, above every layer.
    return ".".join(parts[:-1] if parts[-1] in ("__init__", "__main__") else parts)


def _rank(module: str) -> int | None:
    """The layer of ``sna.<layer>...``; None for the package root (``sna``)."""
    parts = module.split(".")
    if len(parts) < 2:
        return None
    return LAYERS.index(parts[1])


def _imports(path: Path, package: str | None = None) -> list[tuple[int, str]]:
    """(line, module) of every import of an sna module in a file.

    Relative imports are resolved against the file's package, and ``from sna import name``
    resolves a public name of the package root (``sna._API``) to the module that defines it.
    """
    import sna

    if package is None:
        module = _module(path)
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("sna")]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                module = importlib.util.resolve_name("." * node.level + module, package)
            if not module.startswith("sna"):
                continue
            if module != "sna":
                found.append((node.lineno, module))
                continue
            for alias in node.names:  # from sna import report / district_report / __version__
                if alias.name in LAYERS:
                    found.append((node.lineno, f"sna.{alias.name}"))
                elif alias.name in sna._API:
                    found.append((node.lineno, sna._API[alias.name][0]))
                else:
                    found.append((node.lineno, "sna"))
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


@pytest.mark.parametrize(
    "line",
    [
        "from sna.report import tables",
        "import sna.report.tables",
        "from ..report import tables",
        "from sna import district_report",
        "from sna import report",
        "def f():\n    from sna.build import plan",
    ],
)
def test_the_contract_test_catches_an_upward_import(line, tmp_path):
    """The check itself sees every form of import of a higher layer (here from sna.stats)."""
    bad = tmp_path / "example.py"
    bad.write_text(line + "\n")
    imports = [m for _, m in _imports(bad, package="sna.stats") if m != "sna"]
    assert imports and all(_rank(m) > LAYERS.index("stats") for m in imports), imports
