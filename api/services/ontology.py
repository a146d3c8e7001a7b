"""Reading the vocabulary, structure, code lists and catalogue from ontology/ (DESIGN §2)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pyoxigraph
from pyoxigraph import RdfFormat, Triple

from api.errors import InputFileError


def ontology_files(ontology_dir: Path) -> list[Path]:
    """Every Turtle file below ontology/, in a stable order."""
    return sorted(ontology_dir.rglob("*.ttl"))


@cache
def _parse(path: Path, mtime: float) -> tuple[Triple, ...]:
    try:
        return tuple(
            Triple(q.subject, q.predicate, q.object)
            for q in pyoxigraph.parse(path=str(path), format=RdfFormat.TURTLE)
        )
    except SyntaxError as exc:
        raise InputFileError(f"{path.name}: not valid Turtle: {exc}") from exc


def ontology_triples(ontology_dir: Path) -> list[Triple]:
    """All triples of the ontology folder (parsed once per file version)."""
    triples: list[Triple] = []
    for path in ontology_files(ontology_dir):
        triples.extend(_parse(path, path.stat().st_mtime))
    return triples


def ontology_store(ontology_dir: Path) -> pyoxigraph.Store:
    """An in-memory store holding the ontology in its default graph."""
    store = pyoxigraph.Store()
    store.extend(pyoxigraph.Quad(t.subject, t.predicate, t.object, pyoxigraph.DefaultGraph())
                 for t in ontology_triples(ontology_dir))
    return store
