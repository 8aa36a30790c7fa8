"""sna: community safety Strategic Needs Assessments from police.uk and ONS data."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sna")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["__version__"]
