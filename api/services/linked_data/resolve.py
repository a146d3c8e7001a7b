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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, unquote

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from api import vocab
from api.errors import NotFound
from api.formats.html import linked_data as ld_html
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
    return Description(iri, subjects, tuple(triples), labels_by_lookup(registry, view, triples),
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
    return Description(iri, (iri,), tuple(triples), labels_by_lookup(registry, view, triples), view.tag,
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
    return Description(iri, (iri,), tuple(triples), labels_by_lookup(registry, view, triples), view.tag,
                       view.last_modified, vocab.code_id_from_iri(iri))


# -- labels ------------------------------------------------------------------------------------------

def _own_labels(triples: Iterable[Triple]) -> Labels:
    labels: Labels = defaultdict(list)
    for t in triples:
        if t.predicate.value in LABEL_KINDS and isinstance(t.object, Literal):
            labels[term_text(t.subject)].append((LABEL_KINDS.index(t.predicate.value), t.object))
    return labels


def labels_by_lookup(registry: Registry, view: PublicView, triples: Sequence[Triple]) -> Labels:
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
