"""LSOA boundaries for the reports' maps, read from a GeoJSON file with no network access.

The demo ships the ONS LSOA (December 2021) super-generalised boundaries of Thames Valley as
GeoJSON in WGS84 longitude and latitude (``[sources] boundaries``). Each LSOA becomes a list of
polygons, each polygon a list of rings (the outer ring, then any holes) as ``(n, 2)`` arrays of
longitude and latitude in degrees, ready for matplotlib. Nothing here draws.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from sna.errors import InputError

__all__ = ["CODE_PROPERTIES", "Polygon", "read_boundaries"]

Polygon = list[np.ndarray]
"""One polygon: its outer ring, then its holes, each an ``(n, 2)`` array of longitude, latitude."""
CODE_PROPERTIES = ("lsoa21_code", "LSOA21CD")
"""Feature properties that may hold the 2021 LSOA code (the demo's name, then ONS's)."""


def _polygons(geometry: object) -> list[Polygon]:
    """The polygons of a GeoJSON Polygon or MultiPolygon geometry; ValueError for anything else."""
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    coords: Any = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if kind == "Polygon":
        parts = [coords]
    elif kind == "MultiPolygon":
        parts = coords
    else:
        shown = f"a {kind} geometry" if kind else "no geometry"
        raise ValueError(f"has {shown}, not a Polygon or MultiPolygon")
    out = []
    for part in parts or []:
        rings = [np.asarray(ring, dtype=float)[:, :2] for ring in part]
        if not rings or any(r.ndim != 2 or len(r) < 3 for r in rings):
            raise ValueError("has a ring of fewer than three points")
        out.append(rings)
    return out


def read_boundaries(
    path: str | Path, codes: Iterable[str] | None = None
) -> dict[str, list[Polygon]]:
    """Boundaries of 2021 LSOAs from a GeoJSON file (gzip-compressed if it ends in ``.gz``).

    Parameters
    ----------
    path
        A GeoJSON FeatureCollection in WGS84 longitude and latitude (CRS84), one feature per LSOA,
        its code in the property ``lsoa21_code`` or ``LSOA21CD``.
    codes
        The LSOAs wanted; default all. Codes the file does not hold are simply absent from the
        result (the caller says which are missing).

    Returns
    -------
    dict
        2021 LSOA code to its polygons (:data:`Polygon`), in the file's order.

    Raises
    ------
    InputError
        If the file cannot be read as GeoJSON, or a feature has no LSOA code or a geometry that is
        not a polygon; the message names the feature (1 = the first).

    Examples
    --------
    >>> shapes = read_boundaries("data/raw/geography/lsoa21_boundaries_thames_valley.geojson.gz",
    ...                          ["E01028521"])
    >>> list(shapes), len(shapes["E01028521"]), shapes["E01028521"][0][0].shape[1]
    (['E01028521'], 1, 2)
    """
    path = Path(path)
    wanted = None if codes is None else set(codes)
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as handle:
            collection = json.load(handle)
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(path, f"cannot be read as GeoJSON: {exc}") from None
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list):
        raise InputError(path, "is not a GeoJSON FeatureCollection (no 'features' list)")
    out: dict[str, list[Polygon]] = {}
    for number, feature in enumerate(features, start=1):
        props = (feature.get("properties") if isinstance(feature, dict) else None) or {}
        code = next((props[k] for k in CODE_PROPERTIES if props.get(k)), None)
        if not isinstance(code, str):
            raise InputError(
                path,
                f"feature {number} has no 2021 LSOA code (property {' or '.join(CODE_PROPERTIES)})",
            )
        if wanted is not None and code not in wanted:
            continue
        try:
            out[code] = _polygons(feature.get("geometry"))  # a dict: it had properties
        except (ValueError, TypeError, IndexError) as exc:
            problem = str(exc) if isinstance(exc, ValueError) else "has malformed coordinates"
            raise InputError(path, f"feature {number} ({code}) {problem}") from None
    return out
