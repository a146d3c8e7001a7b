"""The RDF description of a submission: qb:DataSet + DCAT + PROV-O (DESIGN §4; PROV-O §3, DCAT 3 §6).

The public description is written into the submission's own (public) graph; the registry graph only says which
version is current. What describes the uploaded file itself — its name, SHA-256, size, and when its ingest
began — is a function of every cell of the file, confidential ones included: a public hash would let anyone
who knows the other rows recover a suppressed value by trying candidates. So it goes into the submission's
private graph (beside the validation report), for its agency and administrators only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from pyoxigraph import Literal, NamedNode, Triple

from api import vocab
from api.model.links import is_web_link
from api.model.submission import SubmissionMetadata

XSD_DATETIME = NamedNode(vocab.XSD + "dateTime")
XSD_INTEGER = NamedNode(vocab.XSD + "integer")


def _n(ns: str, local: str) -> NamedNode:
    return NamedNode(ns + local)


A = _n(vocab.RDF, "type")


def datetime_literal(value: datetime, *, exact: bool = False) -> Literal:
    """xsd:dateTime in UTC with a Z: second precision, or microseconds when ``exact`` (a version's generation
    time: two revisions stored within one second stay ordered for ``asOf``)."""
    moment = value.astimezone(UTC)
    if exact:
        return Literal(moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), datatype=XSD_DATETIME)
    return Literal(moment.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=XSD_DATETIME)


def _resource_or_literal(text: str) -> NamedNode | Literal:
    """A source that is a web address is a resource (a link); anything else stays text."""
    return NamedNode(text) if is_web_link(text) else Literal(text)


@dataclass(frozen=True)
class SubmissionFacts:
    """What ingest knows about one submission beyond what the submitter said."""

    submission_id: str
    version: int
    file_name: str
    sha256: str
    size: int
    observations: int
    generated: datetime
    started: datetime
    previous_submission: str | None = None


def submission_description(
    meta: SubmissionMetadata, facts: SubmissionFacts, iris: vocab.InstanceIris
) -> Iterator[Triple]:
    """The qb:DataSet / dcat:Dataset / prov:Entity description of one submission (its public graph): nothing
    in it depends on a confidential cell (``facts.observations`` is the public count)."""
    sub = NamedNode(iris.submission(facts.submission_id))
    dataset = NamedNode(iris.dataset(meta.dataset_id))
    agency = NamedNode(iris.agency(meta.agency_id))
    activity = NamedNode(iris.activity(facts.submission_id))
    for cls in (_n(vocab.QB, "DataSet"), _n(vocab.DCAT, "Dataset"), _n(vocab.MP, "Submission"),
                _n(vocab.PROV, "Entity")):
        yield Triple(sub, A, cls)
    yield Triple(sub, _n(vocab.QB, "structure"), NamedNode(vocab.DSD))
    yield Triple(sub, _n(vocab.DCT, "title"), Literal(meta.title or meta.dataset_id, language="en"))
    yield Triple(sub, _n(vocab.DCT, "identifier"), Literal(facts.submission_id))
    yield Triple(sub, _n(vocab.DCT, "isVersionOf"), dataset)
    yield Triple(sub, _n(vocab.DCAT, "inSeries"), dataset)
    yield Triple(sub, _n(vocab.DCAT, "version"), Literal(str(facts.version)))
    yield Triple(sub, _n(vocab.MP, "version"), Literal(str(facts.version), datatype=XSD_INTEGER))
    yield Triple(sub, _n(vocab.MP, "observationCount"), Literal(str(facts.observations), datatype=XSD_INTEGER))
    yield Triple(sub, _n(vocab.DCT, "publisher"), agency)
    yield Triple(sub, _n(vocab.PROV, "wasAttributedTo"), agency)
    yield Triple(sub, _n(vocab.DCT, "license"), NamedNode(meta.licence))
    yield Triple(sub, _n(vocab.PROV, "generatedAtTime"), datetime_literal(facts.generated, exact=True))
    yield Triple(sub, _n(vocab.DCT, "issued"), datetime_literal(meta.release or facts.generated))
    for source in meta.sources:
        yield Triple(sub, _n(vocab.DCT, "source"), _resource_or_literal(source))
    if meta.original_url:
        yield Triple(sub, _n(vocab.PROV, "hadPrimarySource"), NamedNode(meta.original_url))
    if meta.definition_basis:
        yield Triple(sub, _n(vocab.MP, "definitionBasis"), Literal(meta.definition_basis, language="en"))
    if meta.methodology:
        yield Triple(sub, _n(vocab.DQV, "hasQualityAnnotation"), Literal(meta.methodology, language="en"))
    for note in meta.extra_notes:
        yield Triple(sub, _n(vocab.RDFS, "comment"), Literal(note, language="en"))
    if meta.release:
        yield Triple(sub, _n(vocab.MP, "releaseDate"), datetime_literal(meta.release))
    if facts.previous_submission:
        yield Triple(sub, _n(vocab.PROV, "wasRevisionOf"), NamedNode(iris.submission(facts.previous_submission)))
    # the ingest activity: who and when it ended (the file it used is private, see file_description)
    yield Triple(sub, _n(vocab.PROV, "wasGeneratedBy"), activity)
    yield Triple(activity, A, _n(vocab.PROV, "Activity"))
    yield Triple(activity, _n(vocab.PROV, "wasAssociatedWith"), agency)
    yield Triple(activity, _n(vocab.PROV, "endedAtTime"), datetime_literal(facts.generated))
    if meta.importer:
        yield Triple(activity, _n(vocab.RDFS, "label"), Literal(f"import with the '{meta.importer}' importer"))
    yield Triple(agency, A, _n(vocab.MP, "Agency"))
    yield Triple(agency, A, _n(vocab.PROV, "Organization"))
    yield Triple(agency, _n(vocab.SKOS, "notation"), Literal(meta.agency_id))


def file_description(facts: SubmissionFacts, iris: vocab.InstanceIris) -> Iterator[Triple]:
    """The uploaded file a submission was derived from (PROV-O §3.1 prov:wasDerivedFrom, prov:used) and when
    its ingest began: the submission's private graph, never public (see the module docstring)."""
    sub = NamedNode(iris.submission(facts.submission_id))
    file = NamedNode(iris.file(facts.sha256))
    activity = NamedNode(iris.activity(facts.submission_id))
    yield Triple(sub, _n(vocab.PROV, "wasDerivedFrom"), file)
    yield Triple(file, A, _n(vocab.PROV, "Entity"))
    yield Triple(file, _n(vocab.DCT, "title"), Literal(facts.file_name))
    yield Triple(file, _n(vocab.MP, "sha256"), Literal(facts.sha256))
    yield Triple(file, _n(vocab.DCAT, "byteSize"), Literal(str(facts.size), datatype=XSD_INTEGER))
    yield Triple(activity, _n(vocab.PROV, "used"), file)
    yield Triple(activity, _n(vocab.PROV, "startedAtTime"), datetime_literal(facts.started))
