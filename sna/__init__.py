"""sna: community safety Strategic Needs Assessments from police.uk and ONS data.

The public API, for analysts in JupyterLab and for the report notebooks::

    from sna import assess_district, change_by_area, district_report, load_processed

    data = load_processed("sna.toml")            # after `sna prepare`
    a = assess_district(data, "E07000178", 2025)  # every figure of Oxford's 2025 report
    a.types[["count", "value", "pct_change", "significant"]]
    district_report.show_key_findings(a)         # a section, as the report shows it
    change_by_area(data, "Oxford", "Shoplifting", 2025)  # which LSOAs drove a change

The package is layered; each layer imports only from the layers before it:
``sna.data`` -> ``sna.stats`` -> ``sna.assessment`` -> ``sna.report`` -> ``sna.build``
(see ``docs/architecture.md``). Names are loaded on first use, so ``import sna`` is cheap.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("sna")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

_API = {
    "load_config": ("sna.data.config", "load_config"),
    "load_processed": ("sna.data.processed", "load_processed"),
    "Processed": ("sna.data.processed", "Processed"),
    "assess_district": ("sna.assessment.district", "assess_district"),
    "assess_area": ("sna.assessment.area", "assess_area"),
    "DistrictAssessment": ("sna.assessment.district", "DistrictAssessment"),
    "AreaAssessment": ("sna.assessment.area", "AreaAssessment"),
    "monthly_counts": ("sna.assessment.figures", "monthly_counts"),
    "change_by_area": ("sna.assessment.explore", "change_by_area"),
    "rate_ci": ("sna.stats.rates", "rate_ci"),
    "proportion_ci": ("sna.stats.rates", "proportion_ci"),
    "period_change": ("sna.stats.change", "period_change"),
    "compare_with_benchmark": ("sna.stats.benchmark", "compare_with_benchmark"),
    "district_report": ("sna.report.district", None),
    "overview_report": ("sna.report.overview", None),
}

__all__ = [  # noqa: RUF022 - in the order of the docstring's story
    "__version__",
    "load_config",
    "load_processed",
    "Processed",
    "assess_district",
    "assess_area",
    "DistrictAssessment",
    "AreaAssessment",
    "monthly_counts",
    "change_by_area",
    "rate_ci",
    "proportion_ci",
    "period_change",
    "compare_with_benchmark",
    "district_report",
    "overview_report",
]
if set(__all__) != {"__version__", *_API}:  # pragma: no cover - a guard for maintainers
    raise ImportError("sna.__all__ and sna._API disagree")


def __getattr__(name: str) -> Any:
    """Load a public name on first use (PEP 562)."""
    try:
        module, attribute = _API[name]
    except KeyError:
        raise AttributeError(f"module 'sna' has no attribute {name!r}") from None
    loaded = importlib.import_module(module)
    value = loaded if attribute is None else getattr(loaded, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
