"""Dereferenceable IRIs: which IRI a request path names, whether the public view knows it, what it says.

W3C "Cool URIs for the Semantic Web" §4 (one document per resource, chosen by content negotiation) and
"Best Practice Recipes for Publishing RDF Vocabularies" recipe 3 (a hash namespace answered by one document):

- the vocabulary namespace ``https://w3id.org/migration-profile/`` is the same in every deployment (w3id.org
  redirects to one), so ``/def`` (every ``def#`` term), ``/indicator/{id}``, ``/code/{list}/{code}`` and
  ``/graph/vocabulary`` are answered from the vocabulary graph;
- instance IRIs ``{base}/id/...`` are answered from the public view's data graphs only (DESIGN §4): a
  confidential observation, an embargoed submission, and anything only they mention, are not found, exactly
  like an IRI nobody minted. A dataset (a ``dcat:DatasetSeries``) is described from its current public
  version (title, identifier, that version): a revision under embargo changes nothing of it until released.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, unquote

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from api import vocab
from api.errors import NotFound
from api.formats.html import linked_data as ld_html
from api.formats.rdf.writer import N_TRIPLES
from api.model.read_api import DatasetOut
from api.model.view import PublicView
from api.services.read import datasets as catalogue_dcat
from api.services.registry import Registry
from api.store.queries import load_query

VOCABULARY_DOCUMENT = vocab.ROOT + "def"
# Label properties, most preferred first (the index is the priority a page uses to pick a title).
LABEL_KINDS: tuple[str, ...] = (vocab.SKOS + "prefLabel", vocab.RDFS + "label", vocab.DCT + "title",
                                vocab.SKOS + "notation")
_VOCABULARY_HEADS = ("def", "indicator", "code", "graph")
NOT_FOUND = ("nothing public is known by this IRI: check it, or start from /.well-known/void, "
             "which describes what this registry publishes.")

Labels = dict[str, list[tuple[int, Literal]]]


@dataclass(frozen=True)
class Description:
    """What a dereferenced IRI answers: the triples about ``subjects`` and the labels of what they link to.

    ``tag`` changes whenever the answer may change (an ETag ingredient); ``dataset_id`` names the dataset a
    dataset or submission IRI belongs to (its page links to the observations instead of inlining them).
    """

    iri: str
    subjects: tuple[str, ...]
    triples: tuple[Triple, ...]
    labels: Labels
    tag: str
    modified: datetime | None
    dataset_id: str | None = None


def term_text(term: object) -> str:
    """The lexical form of an IRI, blank node or literal (no RDF-star terms are ever stored)."""
    return term.value if isinstance(term, NamedNode | BlankNode | Literal) else str(term)


def not_found() -> NotFound:
    """The one answer for an unknown, confidential or embargoed IRI (the same words for each)."""
    return NotFound(NOT_FOUND)


def iri_of_path(registry: Registry, raw_path: str) -> str:
    """The IRI a request path names: the vocabulary's paths under the w3id namespace, ``/id/...`` under the base.

    Each segment is decoded and encoded again as the registry mints it, so ``%2D`` and ``-`` name the same IRI.
    """
    segments = raw_path.split("/")[1:]
    if not segments or "" in segments:
        raise not_found()
    normal = "/".join(quote(unquote(s), safe="") for s in segments)
    head = segments[0]
    if head == "def" and len(segments) == 1:
        return VOCABULARY_DOCUMENT
    if head in ("indicator", "code") and len(segments) >= 2:
        return vocab.ROOT + normal
    if vocab.ROOT + normal == vocab.VOCABULARY_GRAPH:
        return vocab.VOCABULARY_GRAPH
    if head == "id" and len(segments) >= 3:
        return f"{registry.iris.base}/{normal}"
    raise not_found()


def local_path(registry: Registry, iri: str) -> str | None:
    """The path on this server that answers ``iri`` (so that browsing stays here), None for other IRIs."""
    if iri.startswith(vocab.ROOT):
        rest = iri[len(vocab.ROOT):]
        if rest.split("/", 1)[0].split("#", 1)[0] in _VOCABULARY_HEADS:
            return "/" + rest
        return None
    base = registry.iris.base
    if iri.startswith(base + "/"):
        return iri[len(base):]
    return None


def describe(registry: Registry, raw_path: str, now: datetime | None = None) -> Description:
    """The public description of the IRI ``raw_path`` names; :class:`NotFound` when the public view has none."""
    iri = iri_of_path(registry, raw_path)
    view = registry.public_view(now)
    if iri.startswith(vocab.ROOT):
        return _describe_vocabulary(registry, view, iri)
    return _describe_instance(registry, view, iri)


def _construct(registry: Registry, query: str, bindings: dict[str, NamedNode | Literal],
               graphs: Sequence[str]) -> list[Triple]:
    if not graphs:
        return []
    return registry.store.construct(load_query(f"linked-data/{query}"), bindings, default_graphs=graphs)


def _describe_vocabulary(registry: Registry, view: PublicView, iri: str) -> Description:
    if iri != VOCABULARY_DOCUMENT:
        return _describe_term(registry, view, iri)
    # the whole vocabulary: read once per vocabulary version
    return registry.caches.get("vocabulary_document", view.vocabulary_tag, lambda: _describe_term(registry, view, iri))


def _describe_term(registry: Registry, view: PublicView, iri: str) -> Description:
    graphs = [view.vocabulary_graph]
    if iri == VOCABULARY_DOCUMENT:
        triples = _construct(registry, "vocabulary-terms", {}, graphs)
        subjects = _vocabulary_order(triples)
    else:
        triples = _construct(registry, "describe", {"subject": NamedNode(iri)}, graphs)
        subjects = (iri,)
    if not triples:
        raise not_found()
    return Description(iri, subjects, tuple(triples), _labels_by_lookup(registry, view, triples),
                       view.vocabulary_tag, None)


def _vocabulary_order(triples: Iterable[Triple]) -> tuple[str, ...]:
    """The ontology first, then classes, then properties, then the rest, each by local name."""
    rank: dict[str, int] = {}
    kinds = {vocab.RDFS + "Class": 1, "http://www.w3.org/2002/07/owl#Class": 1, vocab.RDF + "Property": 2,
             "http://www.w3.org/2002/07/owl#ObjectProperty": 2, "http://www.w3.org/2002/07/owl#DatatypeProperty": 2}
    for t in triples:
        subject = term_text(t.subject)
        found = kinds.get(term_text(t.object), 3) if t.predicate.value == vocab.RDF + "type" else 3
        rank[subject] = min(rank.get(subject, 3), 0 if subject == VOCABULARY_DOCUMENT else found)
    return tuple(sorted(rank, key=lambda s: (rank[s], s.rsplit("#", 1)[-1].lower())))


def _describe_instance(registry: Registry, view: PublicView, iri: str) -> Description:
    iris = registry.iris
    data = view.data_graphs
    parts = iris.observation_parts(iri)
    if parts is not None:
        graph = iris.submission(parts[0])
        pairs = registry.store.subject_pairs(NamedNode(iri), graph) if graph in data else []
        triples = [Triple(NamedNode(iri), p, o) for p, o in pairs]
        dataset_id = None
    elif iri.startswith(f"{iris.base}/id/dataset/"):
        return _describe_dataset(registry, view, iri)
    elif iri.startswith(f"{iris.base}/id/submission/"):
        triples = _construct(registry, "describe", {"subject": NamedNode(iri)}, [iri] if iri in data else [])
        dataset_id = next((vocab.code_id_from_iri(term_text(t.object)) for t in triples
                           if t.predicate.value == vocab.DCT + "isVersionOf"), None)
    else:  # agencies (their public description), files, ingest activities: what public graphs say about them
        triples = _construct(registry, "describe", {"subject": NamedNode(iri)}, [*view.descriptions, *data])
        dataset_id = None
    if not triples:
        raise not_found()
    return Description(iri, (iri,), tuple(triples), _labels_by_lookup(registry, view, triples), view.tag,
                       view.last_modified, dataset_id)


def public_dataset(registry: Registry, dataset_id: str) -> DatasetOut | None:
    """The DCAT record of a public dataset (its downloads, coverage and schema.org facts), None if not public."""
    try:
        return catalogue_dcat.get_dataset(registry, dataset_id)
    except NotFound:
        return None


def _describe_dataset(registry: Registry, view: PublicView, iri: str) -> Description:
    dataset = NamedNode(iri)
    rows = []
    if view.data_graphs:
        rows = registry.store.select(load_query("linked-data/dataset-version"), {"dataset": dataset},
                                     default_graphs=view.data_graphs)
    submission = rows[0]["submission"] if rows else None
    if not isinstance(submission, NamedNode):
        raise not_found()
    triples = _construct(registry, "dataset", {"dataset": dataset, "submission": submission,
                                               "identifier": Literal(vocab.code_id_from_iri(iri))},
                         [submission.value])
    if not triples:
        raise not_found()
    return Description(iri, (iri,), tuple(triples), _labels_by_lookup(registry, view, triples), view.tag,
                       view.last_modified, vocab.code_id_from_iri(iri))


# -- labels ------------------------------------------------------------------------------------------

def _own_labels(triples: Iterable[Triple]) -> Labels:
    labels: Labels = defaultdict(list)
    for t in triples:
        if t.predicate.value in LABEL_KINDS and isinstance(t.object, Literal):
            labels[term_text(t.subject)].append((LABEL_KINDS.index(t.predicate.value), t.object))
    return labels


def _labels_by_lookup(registry: Registry, view: PublicView, triples: Sequence[Triple]) -> Labels:
    """Labels of the registry's own IRIs the triples use and do not label themselves: one index lookup each,
    the vocabulary's kept until the vocabulary changes (one query joining everything is ten times slower)."""
    labels = _own_labels(triples)
    base = registry.iris.base + "/"
    wanted = sorted({term.value for t in triples for term in (t.predicate, t.object)
                     if isinstance(term, NamedNode) and term.value.startswith((vocab.ROOT, base))} - set(labels))
    for thing in wanted:
        if thing.startswith(vocab.ROOT):
            found = _vocabulary_labels(registry, view, thing)
        else:
            found = _lookup_labels(registry, thing, view.data_graphs)
        labels[thing].extend(found)
    return dict(labels)


def _lookup_labels(registry: Registry, thing: str, graphs: Sequence[str]) -> tuple[tuple[int, Literal], ...]:
    if not graphs:
        return ()
    rows = registry.store.select(load_query("linked-data/label"), {"thing": NamedNode(thing)}, default_graphs=graphs)
    found: list[tuple[int, Literal]] = []
    for row in rows:
        kind, label = row["kind"], row["label"]
        if kind is not None and isinstance(label, Literal) and kind.value in LABEL_KINDS:
            entry = (LABEL_KINDS.index(kind.value), label)
            if entry not in found:
                found.append(entry)
    return tuple(found)


def _vocabulary_labels(registry: Registry, view: PublicView, thing: str) -> tuple[tuple[int, Literal], ...]:
    return registry.caches.get("vocabulary_labels", (view.vocabulary_tag, thing),
                               lambda: _lookup_labels(registry, thing, [view.vocabulary_graph]))


# -- VoID ----------------------------------------------------------------------------------------------

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
    return Description(doc, subjects, triples, _labels_by_lookup(registry, view, triples), view.tag,
                       view.last_modified)


def _statistics(add: Callable[[NamedNode, str, NamedNode | Literal], None], count: Callable[[int], Literal],
                subject: NamedNode, found: Totals) -> None:
    add(subject, VOID + "triples", count(found.triples))
    add(subject, VOID + "entities", count(found.entities))
    add(subject, VOID + "properties", count(found.properties))
    add(subject, VOID + "classes", count(found.classes))


# -- schema.org ----------------------------------------------------------------------------------------

def dataset_markup(registry: Registry, record: DatasetOut) -> dict[str, object]:
    """schema.org ``Dataset`` JSON-LD of a public dataset, with area and indicator names from the vocabulary."""
    areas = {code: registry.areas.label(code, "en") or code for code in record.areas}
    indicators = {}
    for code in record.indicators:
        found = registry.catalogue.get(code)
        indicators[code] = found.label("en") if found is not None else code
    period = f" from {record.first_period} to {record.last_period}" if record.first_period else ""
    counted = f"{record.observations:,} observation{'s' if record.observations != 1 else ''}"
    places = f"{len(areas)} area{'s' if len(areas) != 1 else ''}"
    description = (f"{record.title}: {counted} of {'; '.join(indicators.values())} for {places}{period}, "
                   f"submitted by {record.agency} (version {record.version}). "
                   "Published by the Migration Profile Registry as an RDF Data Cube with provenance, "
                   "downloadable as SDMX, CSV, JSON and RDF.")
    return ld_html.schema_org_dataset(record, base=registry.iris.base, page=record.iri, description=description,
                                      area_names=areas, indicator_names=indicators)
