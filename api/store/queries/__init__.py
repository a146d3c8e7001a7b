"""Every SPARQL text lives in a .rq file here; values are bound, never pasted into strings."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Template

from pyoxigraph import Literal, NamedNode, Triple

_HERE = Path(__file__).parent


@cache
def load_query(name: str) -> str:
    """The text of ``queries/<name>.rq`` (``name`` may contain a sub-folder, e.g. ``ic/ic-01``)."""
    path = (_HERE / f"{name}.rq").resolve()
    if _HERE not in path.parents:
        raise ValueError(f"query name {name!r} leaves the queries folder")
    return path.read_text(encoding="utf-8")


def fill_update(name: str, **terms: object) -> str:
    """The update ``queries/<name>.rq`` with each ``$name`` placeholder replaced by RDF written by pyoxigraph:
    a NamedNode or Literal as its N-Triples term, a sequence of Triples as N-Triples statements (``s p o .``) —
    never by text a caller typed. SPARQL 1.1 Update has no parameters; this is the one way values enter an
    update (SPARQL 1.1 Update §3.1.1 INSERT DATA, §3.1.3 DELETE/INSERT)."""
    written = {}
    for key, term in terms.items():
        if isinstance(term, NamedNode | Literal):
            written[key] = str(term)
        elif isinstance(term, list | tuple) and all(isinstance(t, Triple) for t in term):
            written[key] = " ".join(f"{t.subject} {t.predicate} {t.object} ." for t in term)
        else:
            raise TypeError(f"{key} must be a pyoxigraph NamedNode, Literal or a list of Triples, not "
                            f"{type(term).__name__}")
    return Template(load_query(name)).substitute(written)
