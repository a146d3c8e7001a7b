"""The registry described for crawlers and federated query planners: VoID (W3C VoID §4 statistics, §6 the
SPARQL endpoint and downloads, §7.2 "/.well-known/void"), one subset per public submission, kept per view."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from pyoxigraph import Literal, NamedNode, Triple

from api import vocab
from api.formats.rdf.writer import N_TRIPLES
from api.model.view import PublicView
from api.services.linked_data.resolve import VOCABULARY_DOCUMENT, Description, labels_by_lookup, term_text
from api.services.read import datasets as catalogue_dcat
from api.services.registry import Registry
from api.store.queries import load_query

VOID = "http://rdfs.org/ns/void#"
_XSD_INTEGER = NamedNode(vocab.XSD + "integer")
_XSD_DATETIME = NamedNode(vocab.XSD + "dateTime")


@dataclass(frozen=True)
class Totals:
    """VoID §4.6 statistics of some graphs read as one RDF merge."""

    triples: int
    entities: int
    properties: int
    classes: int


def void_document(registry: Registry) -> str:
    """The IRI of the VoID description (VoID §7.2 "/.well-known/void")."""
    return registry.iris.base + "/.well-known/void"


def void_description(registry: Registry, now: datetime | None = None) -> Description:
    """The registry as a void:Dataset with a vocabulary subset and a data subset (one subset per public
    submission), its SPARQL endpoint, downloads, statistics, vocabularies and URI spaces (VoID §4, §6).

    Counting reads every public triple once, so the answer is kept until the public view changes.
    """
    view = registry.public_view(now)
    return registry.caches.get("void", view.tag, lambda: _void(registry, view))


def totals(registry: Registry, graphs: Sequence[str]) -> Totals:
    """Distinct triples, entities (IRI subjects), properties and classes of ``graphs`` (zero when none)."""
    if not graphs:
        return Totals(0, 0, 0, 0)
    (row,) = registry.store.select(load_query("linked-data/void-totals"), default_graphs=graphs)
    return Totals(*(int(row[name].value) if row[name] is not None else 0  # type: ignore[union-attr]
                    for name in ("triples", "entities", "properties", "classes")))


def _namespace(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[:cut + 1]


def _void(registry: Registry, view: PublicView) -> Description:
    base = registry.iris.base
    doc = void_document(registry)
    top, vocabulary, data = NamedNode(doc + "#registry"), NamedNode(doc + "#vocabulary"), NamedNode(doc + "#data")
    vocab_totals, data_totals = totals(registry, [view.vocabulary_graph]), totals(registry, view.data_graphs)
    terms = registry.store.select(load_query("linked-data/void-terms"), default_graphs=view.graphs)
    properties = {r["term"].value for r in terms if r["term"] is not None and r["kind"] is not None
                  and r["kind"].value == "property"}
    classes = {r["term"].value for r in terms if r["term"] is not None and r["kind"] is not None
               and r["kind"].value == "class"}
    out: list[Triple] = []

    def add(subject: NamedNode, predicate: str, value: NamedNode | Literal) -> None:
        out.append(Triple(subject, NamedNode(predicate), value))

    def count(value: int) -> Literal:
        return Literal(str(value), datatype=_XSD_INTEGER)

    a, title, description = vocab.RDF + "type", vocab.DCT + "title", vocab.DCT + "description"
    add(NamedNode(doc), a, NamedNode(VOID + "DatasetDescription"))
    add(NamedNode(doc), title, Literal("VoID description of the Migration Profile Registry", language="en"))
    add(NamedNode(doc), vocab.FOAF + "primaryTopic", top)
    # The registry: vocabulary + public data. The two subsets share no subject, so their counts add up.
    add(top, a, NamedNode(VOID + "Dataset"))
    add(top, title, Literal("Migration Profile Registry", language="en"))
    add(top, description, Literal("Migration-profile indicators as an RDF Data Cube: the shared vocabulary, "
                                  "indicator catalogue and code lists, and the current public version of each "
                                  "dataset with its provenance.", language="en"))
    add(top, vocab.FOAF + "homepage", NamedNode(base + "/"))
    add(top, VOID + "sparqlEndpoint", NamedNode(base + "/sparql"))
    add(top, VOID + "dataDump", NamedNode(base + "/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/1.0/*?format=csvdata"))
    add(top, VOID + "triples", count(vocab_totals.triples + data_totals.triples))
    add(top, VOID + "entities", count(vocab_totals.entities + data_totals.entities))
    add(top, VOID + "properties", count(len(properties)))
    add(top, VOID + "classes", count(len(classes)))
    add(top, VOID + "rootResource", NamedNode(VOCABULARY_DOCUMENT))
    for namespace in sorted({_namespace(t) for t in properties | classes} - {""}):
        add(top, VOID + "vocabulary", NamedNode(namespace))
    if view.last_modified is not None:
        add(top, vocab.DCT + "modified",
            Literal(view.last_modified.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=_XSD_DATETIME))
    for subset in (vocabulary, data):
        add(top, VOID + "subset", subset)
    # The vocabulary: the same namespace in every deployment.
    add(vocabulary, a, NamedNode(VOID + "Dataset"))
    add(vocabulary, title, Literal("Vocabulary, indicator catalogue and code lists", language="en"))
    add(vocabulary, VOID + "uriSpace", Literal(vocab.ROOT))
    add(vocabulary, VOID + "rootResource", NamedNode(VOCABULARY_DOCUMENT))
    _statistics(add, count, vocabulary, vocab_totals)
    # The public data: one subset per dataset's current public version (the submission and its graph).
    add(data, a, NamedNode(VOID + "Dataset"))
    add(data, title, Literal("Public submissions: observations and their provenance", language="en"))
    add(data, VOID + "uriSpace", Literal(base + "/id/"))
    _statistics(add, count, data, data_totals)
    sizes: dict[str, int] = {}
    if view.data_graphs:
        sizes = {term_text(r["graph"]): int(term_text(r["triples"]))
                 for r in registry.store.select(load_query("linked-data/void-graphs"), default_graphs=view.data_graphs)
                 if r["graph"] is not None and r["triples"] is not None}
    records = {d.submission_iri: d for d in catalogue_dcat.list_datasets(registry)}
    # How many observations the public submissions hold (as /, /api/datasets and the versions count them).
    observations = NamedNode(doc + "#observations")
    add(data, VOID + "classPartition", observations)
    add(observations, VOID + "class", NamedNode(vocab.QB + "Observation"))
    add(observations, VOID + "entities", count(sum(d.observations for d in records.values())))
    for graph in view.data_graphs:
        subset = NamedNode(graph)
        add(data, VOID + "subset", subset)
        add(subset, a, NamedNode(VOID + "Dataset"))
        add(subset, VOID + "triples", count(sizes.get(graph, 0)))
        record = records.get(graph)
        if record is None:
            continue
        add(subset, title, Literal(record.title, language="en"))
        add(subset, vocab.DCAT + "inSeries", NamedNode(record.iri))
        add(subset, VOID + "exampleResource", NamedNode(record.iri))
        for distribution in record.distributions:  # its RDF download (the SDMX dump is the registry's)
            if distribution.media_type == N_TRIPLES.media_type:
                add(subset, VOID + "dataDump", NamedNode(base + distribution.access_url))
    triples = tuple(out)
    subjects = tuple(dict.fromkeys(term_text(t.subject) for t in triples))
    return Description(doc, subjects, triples, labels_by_lookup(registry, view, triples), view.tag,
                       view.last_modified)


def _statistics(add: Callable[[NamedNode, str, NamedNode | Literal], None], count: Callable[[int], Literal],
                subject: NamedNode, found: Totals) -> None:
    add(subject, VOID + "triples", count(found.triples))
    add(subject, VOID + "entities", count(found.entities))
    add(subject, VOID + "properties", count(found.properties))
    add(subject, VOID + "classes", count(found.classes))
