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


def fill_update(name: str, **terms: object) -> str:
    """The update ``queries/<name>.rq`` with each ``$name`` placeholder replaced by an RDF term as pyoxigraph
    writes it (``str()`` of a NamedNode or Literal: escaped N-Triples), never by text a caller typed.

    SPARQL 1.1 Update has no parameters; this is the one way values enter an update."""
    from string import Template

    from pyoxigraph import Literal, NamedNode

    written = {}
    for key, term in terms.items():
        if not isinstance(term, NamedNode | Literal):
            raise TypeError(f"{key} must be a pyoxigraph NamedNode or Literal, not {type(term).__name__}")
        written[key] = str(term)
    return Template(load_query(name)).substitute(written)
