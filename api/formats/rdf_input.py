"""Turtle / JSON-LD / N-Triples submissions (an RDF Data Cube already) -> ObservationRecords.

Each qb:Observation becomes a record keyed by SDMX component id; coded values are read back from the
code IRIs. A property outside the data structure on an observation is reported (closed structure:
aggregates only), and nothing is fetched from the network or the file system while parsing.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

import pyoxigraph
from pyoxigraph import Literal, NamedNode, RdfFormat

from api import vocab
from api.errors import InputFileError
from api.model.submission import ObservationRecord, ParsedFile, Problem

FORMATS = {".ttl": RdfFormat.TURTLE, ".jsonld": RdfFormat.JSON_LD, ".nt": RdfFormat.N_TRIPLES}
_BY_PROPERTY = {vocab.prop(cid): cid for cid in vocab.COMPONENT_PROPERTIES}
_ALLOWED = {vocab.RDF + "type", vocab.QB + "dataSet", vocab.MP + "seriesKey", vocab.MP + "sourceRow"}
_CODED = set(vocab.CODE_LISTS) | {"INDICATOR"}


def _cell(component_id: str, term: object) -> str:
    if isinstance(term, NamedNode) and component_id in _CODED:
        return vocab.code_id_from_iri(term.value)
    if isinstance(term, Literal | NamedNode):
        return term.value
    return str(term)


def read_rdf_bytes(data: bytes, name: str, rdf_format: RdfFormat) -> ParsedFile:
    """Parse RDF bytes; observations are ordered by IRI (RDF has no rows)."""
    try:
        quads = list(pyoxigraph.parse(data, format=rdf_format, base_iri="urn:mpr:upload:"))
    except (SyntaxError, ValueError) as exc:
        raise InputFileError(f"{name}: not valid {rdf_format.name}: {exc}") from exc
    observations = {
        q.subject for q in quads
        if q.predicate.value == vocab.RDF + "type" and q.object == NamedNode(vocab.QB + "Observation")
    }
    cells: dict[object, dict[str, str]] = defaultdict(dict)
    rows: dict[object, int] = {}
    problems: list[Problem] = []
    for q in quads:
        if q.subject not in observations:
            continue
        predicate = q.predicate.value
        if predicate in _BY_PROPERTY:
            cells[q.subject][_BY_PROPERTY[predicate]] = _cell(_BY_PROPERTY[predicate], q.object)
        elif predicate == vocab.MP + "sourceRow" and isinstance(q.object, Literal):
            rows[q.subject] = int(q.object.value) if q.object.value.isdigit() else 0
        elif predicate not in _ALLOWED:
            problems.append(Problem(
                "Violation", "closed",
                f"observation {getattr(q.subject, 'value', q.subject)}: property <{predicate}> is not part of the "
                "MIGRATION_PROFILE structure; the registry accepts aggregates only, so remove it.",
                column=predicate, value=str(q.object), focus=str(getattr(q.subject, "value", q.subject)),
            ))
    ordered = sorted(observations, key=lambda s: (rows.get(s, 0), str(s)))
    records = [ObservationRecord(cells=dict(cells[s]), row=rows.get(s)) for s in ordered]
    return ParsedFile(name=name, format=rdf_format.name.lower(), records=records, problems=tuple(problems),
                      sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def read_rdf(path: Path, *, max_bytes: int | None = None) -> ParsedFile:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputFileError(f"{path.name}: unknown RDF file type; use .ttl, .jsonld or .nt.")
    data = path.read_bytes()
    if max_bytes is not None and len(data) > max_bytes:
        raise InputFileError(f"{path.name}: {len(data):,} bytes is above the upload limit of {max_bytes:,} bytes.")
    return read_rdf_bytes(data, path.name, fmt)
