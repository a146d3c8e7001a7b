"""Turtle / JSON-LD / N-Triples submissions (an RDF Data Cube already) -> ObservationRecords.

Each qb:Observation becomes a record keyed by SDMX component id; coded values are read back from the
code IRIs. A property outside the data structure on an observation is reported (closed structure:
aggregates only), and nothing is fetched from the network or the file system while parsing: a remote JSON-LD
``@context`` (JSON-LD 1.1 §3.1, §4.1.10 ``@import``) is refused with a clear message instead of being loaded, and
any ``file:`` IRI (RFC 8089) — in a subject, predicate, object, datatype, graph name, ``@base``/``BASE`` or a
prefix — refuses the whole file: the registry never reads local files.

Bounds (``InputLimits``): JSON-LD is pre-scanned for depth, string length and value count before any parser
sees it (``input_limits.scan_json``; pyoxigraph's JSON-LD parser recurses per level). Turtle and N-Triples are
parsed by pyoxigraph's streaming parser, which does not recurse; triples are counted and every literal and IRI
is measured as it arrives, and the file is refused at the first bound it passes (a token above the parser's own
16 MiB buffer is refused too).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path

import pyoxigraph
from pyoxigraph import Literal, NamedNode, RdfFormat

from api import vocab
from api.errors import InputFileError
from api.formats.input_limits import check_size, scan_json, too_long, too_many, utf8_over
from api.formats.rdf import writer as rdf_writer
from api.formats.spec import Reader
from api.model.submission import InputLimits, ObservationRecord, ParsedFile, Problem, row_number

SERIALISATIONS = (rdf_writer.TURTLE, rdf_writer.JSON_LD, rdf_writer.N_TRIPLES)  # what uploads may be written in
FORMATS = {suffix: rdf_writer.rdf_format(spec) for spec in SERIALISATIONS for suffix in spec.suffixes}
_BY_PROPERTY = {vocab.prop(cid): cid for cid in vocab.COMPONENT_PROPERTIES}
_ALLOWED = {vocab.RDF + "type", vocab.QB + "dataSet", vocab.MP + "seriesKey", vocab.MP + "sourceRow"}
_CODED = set(vocab.CODE_LISTS) | {"INDICATOR"}
FILE_IRI_REFUSED = ("IRIs with the file: scheme are refused: the registry never reads local files; use the "
                    "registry's IRIs (https://w3id.org/migration-profile/... and your agency's http(s) IRIs)")
# Turtle / SPARQL-style directives whose IRI is a file: IRI (Turtle 1.1 §6.5 base, prefixID, sparqlBase...).
_FILE_DIRECTIVE = re.compile(r"(?im)(@base|@prefix|\bbase\b|\bprefix\b)[^<\n]*<\s*(file:[^>]*)>")
_NO_LOADER = "LoadDocumentCallback"


def _is_file_iri(text: str) -> bool:
    return text.strip().lower().startswith("file:")


def _file_iri_error(name: str, where: str, iri: str) -> InputFileError:
    return InputFileError(f"{name}: {where} <{iri}>: {FILE_IRI_REFUSED}.", details={"iri": iri})


def _remote_context_error(name: str, reference: str) -> InputFileError:
    return InputFileError(
        f"{name}: the JSON-LD @context {reference} is remote; the registry never fetches anything while reading "
        "an upload, so write the context inline (a JSON object in @context) and upload the file again.")


def _check_context(value: object, name: str) -> None:
    """A JSON-LD @context value: strings are remote contexts (or file: IRIs); objects may @import one."""
    if isinstance(value, str):
        if _is_file_iri(value):
            raise _file_iri_error(name, "@context", value)
        raise _remote_context_error(name, f"'{value}'")
    if isinstance(value, list):
        for item in value:
            _check_context(item, name)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "@import":
                _check_context(item, name)
            for text in _strings(item):
                if _is_file_iri(text):
                    raise _file_iri_error(name, f"@context term '{key}'", text)


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


def _check_json_ld(data: bytes, name: str) -> None:
    """Refuse remote contexts and file: IRIs in ``@context``/``@base`` before pyoxigraph sees the document, and
    anything that is not JSON (so that pyoxigraph only ever reads a document whose depth ``scan_json`` knows)."""
    try:
        document = json.loads(data)
    except json.JSONDecodeError as exc:
        raise InputFileError(f"{name}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg}); a .jsonld "
                             "upload must be a JSON-LD document.", details={"line": exc.lineno}) from None
    except (ValueError, RecursionError) as exc:
        raise InputFileError(f"{name}: not valid JSON ({exc}); a .jsonld upload must be a UTF-8 JSON-LD "
                             "document.") from None
    stack: list[object] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "@context":
                    _check_context(value, name)
                elif key == "@base" and isinstance(value, str) and _is_file_iri(value):
                    raise _file_iri_error(name, "@base", value)
                else:
                    stack.append(value)


def _check_text(data: bytes, name: str) -> None:
    """Refuse Turtle/N-Triples ``@base``/``@prefix`` directives naming a file: IRI."""
    match = _FILE_DIRECTIVE.search(data.decode("utf-8", errors="replace"))
    if match is not None:
        raise _file_iri_error(name, match.group(1), match.group(2))


def _check_terms(quads: list[pyoxigraph.Quad], name: str) -> None:
    """Refuse any file: IRI in a subject, predicate, object, literal datatype or graph name."""
    for q in quads:
        for where, term in (("subject", q.subject), ("predicate", q.predicate), ("object", q.object),
                            ("graph name", q.graph_name)):
            if isinstance(term, NamedNode) and _is_file_iri(term.value):
                raise _file_iri_error(name, f"the {where}", term.value)
            if isinstance(term, Literal) and _is_file_iri(term.datatype.value):
                raise _file_iri_error(name, "the datatype", term.datatype.value)


def _cell(component_id: str, term: object) -> str:
    if isinstance(term, NamedNode) and component_id in _CODED:
        return vocab.code_id_from_iri(term.value)
    if isinstance(term, Literal | NamedNode):
        return term.value
    return str(term)


def _term_over(term: object, limit: int) -> int | None:
    """The UTF-8 length of a term's value (or datatype IRI) when it is above ``limit`` bytes."""
    texts = [term.value, term.datatype.value] if isinstance(term, Literal) else [str(getattr(term, "value", ""))]
    return max((size for text in texts if (size := utf8_over(text, limit)) is not None), default=None)


def _parse(data: bytes, name: str, rdf_format: RdfFormat, limits: InputLimits) -> list[pyoxigraph.Quad]:
    """The quads of the document, counted and measured as the streaming parser yields them."""
    quads: list[pyoxigraph.Quad] = []
    try:
        for quad in pyoxigraph.parse(data, format=rdf_format, base_iri="urn:mpr:upload:"):
            if len(quads) >= limits.max_items:
                raise too_many(name, None, limits.max_items, "triples")
            for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
                if (size := _term_over(term, limits.max_literal_bytes)) is not None:
                    raise too_long(name, None, size, limits.max_literal_bytes,
                                   f"a literal or IRI of the {rdf_format.name} file")
            quads.append(quad)
    except (SyntaxError, ValueError) as exc:
        if _NO_LOADER in str(exc):
            raise _remote_context_error(name, "(a remote @context or @import)") from None
        raise InputFileError(f"{name}: not valid {rdf_format.name}: {exc}") from exc
    except MemoryError as exc:  # pyoxigraph: "Reached the buffer maximal size" for one token above 16 MiB
        if "buffer maximal size" not in str(exc):
            raise
        raise InputFileError(
            f"{name}: a literal or IRI of the {rdf_format.name} file is longer than 16 MiB, far above the limit of "
            f"{limits.max_literal_bytes:,} bytes for one value; a cell of a submission is a code, a number or a "
            "short note: shorten it and upload the file again (the limit is MPR_UPLOAD_MAX_LITERAL_BYTES).",
            details={"limit": limits.max_literal_bytes}) from None
    return quads


def read_rdf_bytes(data: bytes, name: str, rdf_format: RdfFormat, limits: InputLimits | None = None) -> ParsedFile:
    """Parse RDF bytes; observations are ordered by IRI (RDF has no rows). Nothing is fetched: see above."""
    limits = limits or InputLimits()
    check_size(name, len(data), limits)
    if rdf_format == RdfFormat.JSON_LD:
        scan_json(data, name, limits)
        _check_json_ld(data, name)
    else:
        _check_text(data, name)
    quads = _parse(data, name, rdf_format, limits)
    _check_terms(quads, name)
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
            rows[q.subject] = row_number(q.object.value) or 0
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


def read_rdf(path: Path, limits: InputLimits | None = None) -> ParsedFile:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputFileError(f"{path.name}: unknown RDF file type; use {', '.join(FORMATS)}.")
    limits = limits or InputLimits()
    check_size(path.name, path.stat().st_size, limits)
    return read_rdf_bytes(path.read_bytes(), path.name, fmt, limits)


READERS = tuple(Reader(spec, read_rdf) for spec in SERIALISATIONS)
