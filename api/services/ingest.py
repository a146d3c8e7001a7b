"""Ingest: parse -> validate -> store with provenance (DESIGN §5, §4).

A submission is stored as two fresh named graphs (its public part and, when some observations are not
CONF_STATUS F, a restricted part) and becomes visible only when one SPARQL Update on the registry graph
records it as the dataset's current version: that update is the commit point. A failure before it leaves
graphs that nothing refers to; they are removed at once, or on the next start after a crash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Triple

from api import vocab
from api.errors import InputFileError, SubmissionRejected
from api.formats import submission_input
from api.formats.provenance_rdf import SubmissionFacts, datetime_literal, submission_description
from api.model.report import ValidationReport
from api.model.submission import ParsedFile, SubmissionMetadata
from api.services.registry import Registry
from api.store.queries import load_query

_ID = re.compile(r"^[A-Za-z0-9_@$-]+$")
_PUBLIC_CONF = "F"
XSD_INTEGER = NamedNode(vocab.XSD + "integer")


@dataclass(frozen=True)
class SubmissionResult:
    submission_id: str
    dataset_id: str
    version: int
    report: ValidationReport
    observations: int
    restricted: int
    graphs: tuple[str, ...] = field(default_factory=tuple)


def check_identifier(kind: str, value: str) -> None:
    if not _ID.match(value):
        raise InputFileError(
            f"{kind} '{value}' is not a valid SDMX identifier: use letters, digits, '_', '-', '@' or '$' only."
        )


def read_file(registry: Registry, path: Path) -> ParsedFile:
    """Parse a submission file in any accepted format, refusing it above the size limit."""
    return submission_input.read_submission(path, max_bytes=registry.settings.max_upload_bytes)


def validate(registry: Registry, parsed: ParsedFile, meta: SubmissionMetadata | None = None) -> ValidationReport:
    """Validate a parsed file (and, when given, its dataset description) without storing anything."""
    dataset_triples = None
    if meta is not None:
        facts = _facts(registry, parsed, meta, datetime.now(UTC))
        dataset_triples = list(submission_description(meta, facts, registry.iris))
    return registry.validator.validate(
        parsed,
        dataset_triples=dataset_triples,
        submission_id="validation",
        base_iri=registry.settings.base_iri,
    )


def _next_version(registry: Registry, dataset_id: str) -> tuple[int, str | None]:
    rows = registry.store.select(
        load_query("registry/latest-version"),
        {"dataset": NamedNode(registry.iris.dataset(dataset_id))},
        default_graphs=[registry.iris.registry_graph],
    )
    if not rows or rows[0]["version"] is None:
        return 1, None
    previous = rows[0]["submission"].value if rows[0]["submission"] is not None else None
    previous_id = vocab.code_id_from_iri(previous) if previous else None
    return int(rows[0]["version"].value) + 1, previous_id


def _facts(registry: Registry, parsed: ParsedFile, meta: SubmissionMetadata, started: datetime) -> SubmissionFacts:
    version, previous = _next_version(registry, meta.dataset_id)
    return SubmissionFacts(
        submission_id=f"{meta.dataset_id}-v{version}",
        version=version,
        file_name=parsed.name,
        sha256=parsed.sha256,
        size=parsed.size,
        observations=len(parsed.records),
        generated=datetime.now(UTC),
        started=started,
        previous_submission=previous,
    )


def submit(registry: Registry, parsed: ParsedFile, meta: SubmissionMetadata) -> SubmissionResult:
    """Validate, then store a submission as a new version of its dataset; refuse it whole on any Violation."""
    started = datetime.now(UTC)
    check_identifier("dataset id", meta.dataset_id)
    check_identifier("agency id", meta.agency_id)
    facts = _facts(registry, parsed, meta, started)
    description = list(submission_description(meta, facts, registry.iris))
    report, cube, observations = registry.validator.validate_cube(
        parsed, dataset_triples=description, submission_id=facts.submission_id, base_iri=registry.settings.base_iri
    )
    if not report.conforms:
        raise SubmissionRejected(
            f"{parsed.name}: {report.summary['Violation']} violation(s); nothing was stored. "
            "Fix them and submit again.",
            report,
        )
    restricted = {NamedNode(focus) for focus, info in observations.items()
                  if info.cells.get("CONF_STATUS", "").strip() != _PUBLIC_CONF}
    # The public description counts only the public observations: the full count would reveal that cells
    # were suppressed. The registry graph (never public) keeps the full count.
    description = list(submission_description(
        meta, replace(facts, observations=facts.observations - len(restricted)), registry.iris))
    sub_iri = registry.iris.submission(facts.submission_id)
    public_graph = sub_iri
    restricted_graph = f"{sub_iri}/restricted"
    written: list[str] = []
    try:
        public_triples = (t for t in cube if t.subject not in restricted)
        registry.store.load_new_graph(public_graph, chain(description, public_triples))
        written.append(public_graph)
        if restricted:
            registry.store.load_new_graph(restricted_graph, (t for t in cube if t.subject in restricted))
            written.append(restricted_graph)
        _commit(registry, meta, facts, public_graph, restricted_graph if restricted else None)
    except BaseException:
        for graph in written:
            registry.store.drop_graph(graph)
        raise
    return SubmissionResult(
        submission_id=facts.submission_id,
        dataset_id=meta.dataset_id,
        version=facts.version,
        report=report,
        observations=len(parsed.records),
        restricted=len(restricted),
        graphs=tuple(written),
    )


def _commit(
    registry: Registry,
    meta: SubmissionMetadata,
    facts: SubmissionFacts,
    public_graph: str,
    restricted_graph: str | None,
) -> None:
    """One SPARQL Update on the registry graph: record the version and make it current (the commit point)."""
    sub = NamedNode(registry.iris.submission(facts.submission_id))
    dataset = NamedNode(registry.iris.dataset(meta.dataset_id))
    agency = NamedNode(registry.iris.agency(meta.agency_id))
    mp = vocab.MP
    triples = [
        Triple(sub, NamedNode(vocab.RDF + "type"), NamedNode(mp + "Submission")),
        Triple(sub, NamedNode(vocab.DCT + "isVersionOf"), dataset),
        Triple(sub, NamedNode(mp + "version"), Literal(str(facts.version), datatype=XSD_INTEGER)),
        Triple(sub, NamedNode(mp + "status"), NamedNode(mp + "Published")),
        Triple(sub, NamedNode(mp + "publicGraph"), NamedNode(public_graph)),
        Triple(sub, NamedNode(mp + "observationCount"), Literal(str(facts.observations), datatype=XSD_INTEGER)),
        Triple(sub, NamedNode(vocab.PROV + "generatedAtTime"), datetime_literal(facts.generated)),
        Triple(sub, NamedNode(vocab.PROV + "wasAttributedTo"), agency),
        Triple(dataset, NamedNode(vocab.RDF + "type"), NamedNode(vocab.DCAT + "DatasetSeries")),
        Triple(dataset, NamedNode(vocab.DCT + "title"), Literal(meta.title or meta.dataset_id, language="en")),
        Triple(dataset, NamedNode(vocab.DCT + "identifier"), Literal(meta.dataset_id)),
        Triple(dataset, NamedNode(mp + "currentVersion"), sub),
    ]
    if restricted_graph:
        triples.append(Triple(sub, NamedNode(mp + "restrictedGraph"), NamedNode(restricted_graph)))
    if meta.release:
        triples.append(Triple(sub, NamedNode(mp + "releaseDate"), datetime_literal(meta.release)))
    graph = NamedNode(registry.iris.registry_graph)
    body = " ".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)
    # Terms are serialised by pyoxigraph (escaped N-Triples), not pasted from user text.
    registry.store.update(
        f"DELETE {{ GRAPH {graph} {{ {dataset} <{mp}currentVersion> ?old . "
        f"{dataset} <{vocab.DCT}title> ?title }} }} "
        f"WHERE {{ GRAPH {graph} {{ {dataset} <{mp}currentVersion> ?old . "
        f"OPTIONAL {{ {dataset} <{vocab.DCT}title> ?title }} }} }} ;\n"
        f"INSERT DATA {{ GRAPH {graph} {{ {body} }} }}"
    )
