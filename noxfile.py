"""Developer entry points for sna. Run ``nox -l`` for the menu."""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["lint", "tests"]
# A session whose interpreter is missing fails; it is never skipped with exit status 0.
nox.options.error_on_missing_interpreters = True

# None: the Python that runs nox (the one the README's `python -m pip install nox` used), so the
# sessions run on any supported Python; _install refuses an unsupported one.
PYTHON = None
MIN_PYTHON = (3, 11)
CONSTRAINTS = ("-c", "requirements/constraints.txt")
ROOT = Path(__file__).parent


def _install(session: nox.Session, extras: str = "") -> None:
    version = session.run("python", "-c", "import sys; print(*sys.version_info[:2])", silent=True)
    found = tuple(int(v) for v in str(version).split())
    if found < MIN_PYTHON:
        session.error(
            f"sna needs Python {'.'.join(map(str, MIN_PYTHON))} or newer; this session has "
            f"{'.'.join(map(str, found))}. Run nox with a newer Python: python3.11 -m nox ..."
        )
    target = f".[{extras}]" if extras else "."
    session.install(*CONSTRAINTS, "-e", target)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite (all of it; pass -m "not slow" for the quick subset)."""
    _install(session, "test")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Lint with ruff and type-check the library with mypy."""
    _install(session, "dev")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session(python=PYTHON)
def report(session: nox.Session) -> None:
    """Prepare the demo data and build the Oxfordshire assessment into reports/."""
    _install(session)
    session.run("sna", "prepare")
    session.run("sna", "build", *session.posargs)  # e.g. nox -s report -- --years 2025
    session.log(f"Open {ROOT / 'reports' / 'index.html'} in a browser.")


@nox.session(python=PYTHON)
def lab(session: nox.Session) -> None:
    """Open JupyterLab on notebooks/ with sna's kernel (prepares the demo data first)."""
    _install(session, "lab")
    session.run("sna", "prepare")
    # The notebooks name the "python3" kernel: run from this environment, it is the Python that
    # has sna installed, so every notebook runs top to bottom with its defaults.
    session.run("jupyter", "lab", "notebooks/", *session.posargs)


@nox.session(python=PYTHON)
def sna(session: nox.Session) -> None:
    """Run the sna command in nox's environment: nox -s sna -- status (or prepare, build, ...)."""
    _install(session)
    session.run("sna", *(session.posargs or ["--help"]))


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the HTML API reference from the docstrings (pdoc) into docs/api/."""
    _install(session, "docs")
    output = ROOT / "docs" / "api"
    # sna's __all__ lists the public API only, so each layer is named to document its modules.
    layers = [
        "sna",
        "sna.errors",
        *(f"sna.{m}" for m in ("data", "stats", "assessment", "report", "build")),
    ]
    session.run("pdoc", "--docformat", "numpy", "--output-directory", str(output), *layers)
    session.log(f"Open {output / 'index.html'} in a browser.")


@nox.session(python=PYTHON)
def benchmark(session: nox.Session) -> None:
    """Time sna prepare and sna build against their baselines (benchmarks/)."""
    _install(session, "test,benchmark")
    session.run("python", "benchmarks/prepare.py", *session.posargs)
    session.run("python", "benchmarks/build.py", *session.posargs)


@nox.session(python=PYTHON, venv_backend="virtualenv")
def lock(session: nox.Session) -> None:
    """Re-pin every dependency into requirements/constraints.txt."""
    session.install("-e", ".[test,lab,dev]")
    frozen = session.run("pip", "freeze", "--exclude-editable", silent=True)
    header = "# Pinned by `nox -s lock`; every nox session installs with these constraints.\n"
    (ROOT / "requirements" / "constraints.txt").write_text(header + str(frozen))
