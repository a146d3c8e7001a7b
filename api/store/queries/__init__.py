"""Every SPARQL text lives in a .rq file here; values are bound, never pasted into strings."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_HERE = Path(__file__).parent


@cache
def load_query(name: str) -> str:
    """The text of ``queries/<name>.rq`` (``name`` may contain a sub-folder, e.g. ``ic/ic-01``)."""
    path = (_HERE / f"{name}.rq").resolve()
    if _HERE not in path.parents:
        raise ValueError(f"query name {name!r} leaves the queries folder")
    return path.read_text(encoding="utf-8")
