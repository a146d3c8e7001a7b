"""`mpr export`: everything public, as the template's CSV or as RDF (Turtle, N-Quads)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import BinaryIO, TextIO

import pyoxigraph
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Triple

from api import vocab
from api.formats.tabular.template import template_header
from api.model.structure import COMPONENTS, DATAFLOW_REF
from api.services.registry import Registry
from api.store.queries import load_query

_CODED = set(vocab.CODE_LISTS) | {"INDICATOR"}


def _cell(component_id: str, term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        return vocab.code_id_from_iri(term.value) if component_id in _CODED else term.value
    if isinstance(term, Literal):
        return term.value
    return str(term)


def public_rows(registry: Registry) -> Iterator[dict[str, str]]:
    """Every public observation as {component id: text}, ordered by series key and period."""
    rows = registry.store.select(load_query("export/observations"), default_graphs=registry.public_graphs())
    for row in rows:
        yield {c: _cell(c, row.get(c)) for c in COMPONENTS}


def export_csv(registry: Registry, out: TextIO) -> int:
    """Write the template's columns (SDMX-CSV 2.0); returns the number of observations."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(template_header())
    count = 0
    for cells in public_rows(registry):
        writer.writerow(["dataflow", DATAFLOW_REF, "I", *(cells[c] for c in COMPONENTS)])
        count += 1
    return count


def public_quads(registry: Registry, *, include_vocabulary: bool = True) -> Iterator[Quad]:
    graphs = registry.public_graphs()
    if not include_vocabulary:
        graphs = [g for g in graphs if g != vocab.VOCABULARY_GRAPH]
    yield from registry.store.quads(graphs)


def export_rdf(registry: Registry, out: BinaryIO, fmt: str) -> None:
    """``nq``: every public graph with its name; ``ttl``: the public data and dataset descriptions merged."""
    if fmt == "nq":
        pyoxigraph.serialize(public_quads(registry), out, format=RdfFormat.N_QUADS)
    else:
        triples = (Triple(q.subject, q.predicate, q.object) for q in public_quads(registry, include_vocabulary=False))
        pyoxigraph.serialize(triples, out, format=RdfFormat.TURTLE, prefixes={
            "qb": vocab.QB, "mp": vocab.MP, "dct": vocab.DCT, "prov": vocab.PROV, "dcat": vocab.DCAT,
            "skos": vocab.SKOS, "xsd": vocab.XSD,
        })
