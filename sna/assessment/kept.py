"""Decisions made once per build and kept beside the prepared data, read by every other report.

Some suppression decisions are the same for every report of a build: the area's (each year's,
:func:`sna.assessment.area.area_decision`) and the partner figures' (one for every year,
:func:`sna.assessment.partners.marked_partners`). Computing them was a large part of each
report's cost. :func:`kept_decision` makes such a decision once, writes it atomically as JSON to
``<processed>/.sna-assessment/<name>-<key>.json``, and gives every later report the decision read
back. The key (:func:`data_key`) covers everything the decision is made from: the content of every
frame of the prepared data (the partner figures and warnings among them), the manifest, the
config, what the caller adds (the year), the source of sna's data, statistics and assessment
layers and the versions of the libraries they use.

A stale or damaged entry never changes a report: an entry is used only when it is for this key,
its checksum matches and it fits the data; otherwise, or when the prepared data cannot be keyed,
the decision is made again. A processed folder that cannot be written is no error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib
import json
import sys
import weakref
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from sna import __version__
from sna.data.config import Config
from sna.data.files import atomic_write_bytes, sha256_bytes
from sna.data.manifest import Manifest
from sna.data.processed import Processed

__all__ = [
    "DECISIONS_DIR",
    "canonical",
    "code_fingerprint",
    "data_key",
    "kept_decision",
    "read_entry",
]

DECISIONS_DIR = ".sna-assessment"
"""Folder of the kept decisions inside the processed folder (hidden: not an output, not foreign)."""
FORMAT = 1
_LAYERS = ("data", "stats", "assessment")  # the code a decision is computed by
_LIBRARIES = ("numpy", "pandas", "pyarrow", "scipy", "statsmodels")

T = TypeVar("T")

_contents: dict[int, tuple[weakref.ref[Processed], dict[str, str] | None]] = {}
"""The content hashes of the prepared data, by the identity of the ``Processed`` (never changed in
place: a changed frame is a new ``Processed``, ``dataclasses.replace``)."""


def kept_decision(
    data: Processed,
    name: str,
    make: Callable[[], T],
    *,
    encode: Callable[[T], Any],
    decode: Callable[[Any], T],
    fits: Callable[[T], bool],
    same: Callable[[T, T], bool] | None = None,
    **parts: object,
) -> T:
    """``make()``, computed once per build and kept in the processed folder for later reports.

    Parameters
    ----------
    data
        Prepared data: the decision is kept in ``<processed>/.sna-assessment/``.
    name
        The decision's name in its file name (``area-2025``); older entries of the name go.
    make
        Computes the decision (from ``data`` and ``parts`` only).
    encode, decode
        The decision to JSON values and back.
    fits
        Whether a decision read back is shaped for ``data`` (else it is made again).
    same
        Whether two decisions are equal; when given, a decision is kept only if it reads back
        equal to itself (one that JSON cannot hold exactly is not kept).
    **parts
        What else the decision is made from (JSON values, e.g. ``year=2025``), in the key.

    Examples
    --------
    >>> hidden = kept_decision(
    ...     data, "example", lambda: [True, False], encode=list, decode=list,
    ...     fits=lambda d: len(d) == 2)  # doctest: +SKIP
    >>> hidden  # doctest: +SKIP
    [True, False]
    """
    key = data_key(data, **parts)
    if not key:
        return make()
    path = data.config.processed_dir / DECISIONS_DIR / f"{name}-{key[:16]}.json"
    entry = read_entry(path, key)
    if entry is not None:
        # An entry that does not decode or does not fit is made again, never trusted.
        with contextlib.suppress(Exception):
            decision = decode(entry)
            if fits(decision):
                return decision
    decision = make()
    _keep(path, name, key, decision, encode, decode, same)
    return decision


def data_key(data: Processed, **parts: object) -> str:
    """SHA-256 of the prepared data's content, ``parts`` and the code; "" if it cannot be keyed.

    The prepared data are keyed by content (each frame's values, columns and types, the manifest,
    the config), not by the files they came from, so data changed in memory get a key of their
    own. A field of :class:`~sna.data.processed.Processed` of a type not known here, or a frame
    whose values cannot be hashed (lists), gives "" (nothing is kept) rather than a key that
    would miss it.

    Examples
    --------
    >>> data_key(data, year=2025) == data_key(data, year=2025) != data_key(data, year=2024)  # doctest: +SKIP
    True
    """
    content = _content(data)
    if content is None:
        return ""
    keyed = {**content, "format": FORMAT, "code": code_fingerprint(), "parts": parts}
    try:
        return sha256_bytes(json.dumps(keyed, sort_keys=True).encode())
    except (TypeError, ValueError):
        return ""


def _content(data: Processed) -> dict[str, str] | None:
    """Each field's content hash (see :func:`data_key`), once per ``Processed`` object."""
    known = _contents.get(id(data))
    if known is not None and known[0]() is data:
        return known[1]
    try:
        content: dict[str, str] | None = {
            field.name: _digest(getattr(data, field.name)) for field in dataclasses.fields(data)
        }
    except (TypeError, ValueError):  # e.g. a column of lists: not hashable by value
        content = None
    for stale in [k for k, (ref, _) in _contents.items() if ref() is None]:
        del _contents[stale]
    with contextlib.suppress(TypeError):  # an object that cannot be weakly referenced: no memo
        _contents[id(data)] = (weakref.ref(data), content)
    return content


@cache
def code_fingerprint() -> str:
    """SHA-256 of the code a kept decision is computed by, and of the libraries it uses.

    It covers sna's version, the source of its data, statistics and assessment layers, the
    Python version and the versions of numpy, pandas, pyarrow, scipy and statsmodels. Computed
    once per process, when first needed: a warm kernel server computes it before it forks
    kernels, so that it describes the code the kernels run.

    Examples
    --------
    >>> len(code_fingerprint())
    64
    """
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(f"{__version__} {sys.version}".encode())
    for name in _LIBRARIES:
        version = getattr(importlib.import_module(name), "__version__", "")
        digest.update(f" {name} {version}".encode())
    for path in sorted(p for layer in _LAYERS for p in (package / layer).rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _digest(value: object) -> str:
    """A content hash of one field of the prepared data (see :func:`data_key`)."""
    if value is None:
        return "none"
    if isinstance(value, Config):
        return value.fingerprint()
    if isinstance(value, Manifest):
        raw = json.dumps(value.raw, sort_keys=True, default=str)
        return sha256_bytes(f"{value!r}\n{raw}".encode())
    if isinstance(value, pd.DataFrame):
        layout = repr(
            (
                [str(c) for c in value.columns],
                [str(t) for t in value.dtypes],
                list(value.index.names),
                str(value.index.dtype),
                value.shape,
            )
        )
        rows = pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes()
        return sha256_bytes(layout.encode() + rows)
    raise TypeError(f"no content hash for {type(value).__name__}")


def canonical(decision: Any) -> bytes:
    """The JSON bytes a decision's checksum is taken of.

    Examples
    --------
    >>> canonical({"b": [True], "a": 1})
    b'{"a":1,"b":[true]}'
    """
    return json.dumps(decision, sort_keys=True, separators=(",", ":")).encode()


def read_entry(path: Path, key: str) -> Any | None:
    """The decision (JSON values) kept in ``path`` for ``key``; None if absent, stale or damaged."""
    try:
        entry = json.loads(path.read_bytes())
        decision = entry["decision"]
        if entry.get("format") != FORMAT or entry.get("key") != key:
            return None
        if entry.get("sha256") != sha256_bytes(canonical(decision)):
            return None
        return decision
    except Exception:  # noqa: BLE001 - a damaged entry of any kind is made again, never trusted
        return None


def _keep(
    path: Path,
    name: str,
    key: str,
    decision: T,
    encode: Callable[[T], Any],
    decode: Callable[[Any], T],
    same: Callable[[T, T], bool] | None,
) -> None:
    """Write the decision for ``key`` atomically, and drop the other entries of ``name``."""
    try:
        values = encode(decision)
        if same is not None and not same(decode(json.loads(canonical(values))), decision):
            return  # a decision JSON cannot hold exactly is not kept
        body: Mapping[str, Any] = {
            "format": FORMAT,
            "key": key,
            "sha256": sha256_bytes(canonical(values)),
        }
        atomic_write_bytes(path, json.dumps({**body, "decision": values}).encode())
        for old in path.parent.glob(f"{name}-*.json"):
            if old.name != path.name and len(old.name) == len(path.name):
                old.unlink(missing_ok=True)
    except (OSError, TypeError, ValueError):  # a read-only or full folder: nothing is kept
        return
