"""`mpr export`: everything public, as the template's CSV or as RDF (Turtle, N-Quads)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import BinaryIO, TextIO

import polars as pl
import pyoxigraph
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Triple

from api import vocab
from api.formats.tabular.template import template_header
from api.model.structure import COMPONENTS, DATAFLOW_REF
from api.services.readmodel.columns import SERIES_KEY
from api.services.readmodel.view import GRAPH
from api.services.registry import Registry

_CODED = set(vocab.CODE_LISTS) | {"INDICATOR"}


def _cell(component_id: str, term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        return vocab.code_id_from_iri(term.value) if component_id in _CODED else term.value
    if isinstance(term, Literal):
        return term.value
    return str(term)


def public_frame(registry: Registry) -> pl.DataFrame:
    """Every public observation (every dataset's: a dump, not the reconciled view) from the read model, ordered
    by series key, period and graph; absent components null."""
    rows = registry.view_rows(registry.public_view()).frame
    return rows.sort([SERIES_KEY, "TIME_PERIOD", GRAPH], maintain_order=True).select(COMPONENTS)


def public_rows(registry: Registry) -> Iterator[dict[str, str]]:
    """Every public observation as {component id: text}, ordered by series key and period."""
    for row in public_frame(registry).iter_rows(named=True):
        yield {c: v or "" for c, v in row.items()}


_BATCH = 100_000


def export_csv(registry: Registry, out: TextIO) -> int:
    """Write the template's columns (SDMX-CSV 2.0); returns the number of observations. Written by batches of
    rows (polars' CSV writer quotes as the csv module does; empty texts are written as absent cells)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(template_header())
    frame = public_frame(registry).select(
        pl.lit("dataflow").alias("STRUCTURE"), pl.lit(DATAFLOW_REF).alias("STRUCTURE_ID"),
        pl.lit("I").alias("ACTION"),
        *(pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in COMPONENTS))
    for offset in range(0, frame.height, _BATCH):
        out.write(frame.slice(offset, _BATCH).write_csv(include_header=False, line_terminator="\n"))
    return frame.height


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
