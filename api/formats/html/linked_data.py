"""Linked-data pages for people: a readable view of an RDF description, and schema.org ``Dataset`` markup.

:func:`build_page` turns triples and the labels of what they link to into a plain page model (title in the
reader's language, one table of properties per subject, links rewritten so browsing stays on this server);
the web layer renders it with ``templates/resource.html``. :func:`schema_org_dataset` writes the JSON-LD
that dataset search engines read (schema.org ``Dataset``, ``DataDownload``, ``Place``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from pyoxigraph import Literal, NamedNode, Triple

from api import vocab
from api.formats.rdf.writer import PREFIXES
from api.model.links import is_local_path, is_web_link
from api.model.read_api import DatasetOut
from api.model.sdmx_period import PeriodError, period_range

OWL = "http://www.w3.org/2002/07/owl#"
# Prefixes of linked-data answers: the registry's, plus the vocabularies the ontology and VoID use.
LD_PREFIXES: dict[str, str] = {
    **PREFIXES, "owl": OWL, "void": "http://rdfs.org/ns/void#", "dqv": vocab.DQV, "sh": vocab.SH,
    "schema": "https://schema.org/",
}
CURIE_PREFIXES: dict[str, str] = {**LD_PREFIXES, "code": vocab.CODE}
# Label properties, most preferred first (the same order as the service's LABEL_KINDS).
_NOTATION = 3
_FIRST = (vocab.RDF + "type", vocab.SKOS + "prefLabel", vocab.RDFS + "label", vocab.DCT + "title",
          vocab.SKOS + "notation", vocab.SKOS + "definition", vocab.RDFS + "comment", vocab.DCT + "description")

LabelMap = Mapping[str, Sequence[tuple[int, Literal]]]


@dataclass(frozen=True)
class Value:
    """One object of a property: its text, where it links to, and a note (language, datatype or CURIE)."""

    text: str
    href: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Row:
    label: str
    curie: str
    href: str | None
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Section:
    """One subject: its anchor on the page, IRI, local link, title and properties."""

    anchor: str
    iri: str
    href: str | None
    title: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Link:
    title: str
    href: str
    media_type: str = ""


@dataclass(frozen=True)
class Page:
    lang: str
    title: str
    iri: str
    sections: tuple[Section, ...]
    formats: tuple[Link, ...]
    links: tuple[Link, ...]
    languages: tuple[Link, ...]
    json_ld: str | None = None


def curie(iri: str) -> str:
    """``prefix:local`` for an IRI in a known namespace, else the IRI itself."""
    best = ""
    for prefix, namespace in CURIE_PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(CURIE_PREFIXES.get(best, "")):
            best = prefix
    if best and "/" not in iri[len(CURIE_PREFIXES[best]):]:
        return f"{best}:{iri[len(CURIE_PREFIXES[best]):]}"
    return iri


def local_name(iri: str) -> str:
    return unquote(iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1])


def _language_rank(literal: Literal, lang: str) -> int:
    tag = (literal.language or "").lower()
    return 0 if tag == lang else 1 if not tag else 2 if tag == "en" else 3


def pick_label(labels: LabelMap, iri: str, lang: str) -> str | None:
    """The best label of ``iri`` for a reader of ``lang``: that language, then untagged, then English;
    a preferred label before a label before a title; a notation only when nothing else exists."""
    found = labels.get(iri)
    if not found:
        return None
    _kind, literal = min(found, key=lambda e: (e[0] == _NOTATION, _language_rank(e[1], lang), e[0], e[1].value))
    return literal.value


def _in_language(literals: list[Literal], lang: str) -> list[Literal]:
    """Only the reader's language (or English when it has none) among language-tagged literals."""
    tagged = [lit for lit in literals if lit.language]
    if not tagged:
        return literals
    for wanted in (lang, "en"):
        chosen = [lit for lit in tagged if (lit.language or "").lower() == wanted]
        if chosen:
            return [lit for lit in literals if not lit.language] + chosen
    return literals


def _literal_value(literal: Literal) -> Value:
    if literal.language:
        return Value(literal.value, note="@" + literal.language)
    datatype = literal.datatype.value
    return Value(literal.value, note="" if datatype == vocab.XSD + "string" else curie(datatype))


def link_target(iri: str, local: Callable[[str], str | None]) -> str | None:
    """Where a page may link for ``iri``: its path here, else the IRI itself if it is an http(s) IRI; None for
    anything else (``javascript:``, ``data:``, ``file:``, ``urn:``...), which is shown as text only."""
    found = local(iri)
    if found is not None and is_local_path(found):
        return found
    return iri if is_web_link(iri) else None


def _iri_value(iri: str, labels: LabelMap, lang: str, local: Callable[[str], str | None]) -> Value:
    label = pick_label(labels, iri, lang)
    href = link_target(iri, local)
    return Value(label, href, curie(iri)) if label else Value(curie(iri), href, "")


def _row_order(predicate: str) -> tuple[int, str]:
    return (_FIRST.index(predicate) if predicate in _FIRST else len(_FIRST), curie(predicate))


def build_section(iri: str, triples: Iterable[Triple], labels: LabelMap, lang: str,
                  local: Callable[[str], str | None]) -> Section:
    """The properties of one subject, rdf:type and labels first, values in the reader's language."""
    by_predicate: dict[str, list[NamedNode | Literal]] = defaultdict(list)
    for t in triples:
        if isinstance(t.subject, NamedNode) and t.subject.value == iri and isinstance(t.object, NamedNode | Literal):
            by_predicate[t.predicate.value].append(t.object)
    rows = []
    for predicate in sorted(by_predicate, key=_row_order):
        objects = by_predicate[predicate]
        literals = _in_language(sorted((o for o in objects if isinstance(o, Literal)), key=lambda x: x.value), lang)
        iris = sorted(o.value for o in objects if isinstance(o, NamedNode))
        values = tuple([_iri_value(o, labels, lang, local) for o in iris] + [_literal_value(x) for x in literals])
        label = pick_label(labels, predicate, lang) or curie(predicate)
        rows.append(Row(label, curie(predicate), link_target(predicate, local), values))
    anchor = iri.rsplit("#", 1)[-1] if "#" in iri else ""
    title = pick_label(labels, iri, lang) or _observation_title(by_predicate, labels, lang) or local_name(iri)
    return Section(anchor, iri, local(iri), title, tuple(rows))


def _observation_title(by_predicate: Mapping[str, list[NamedNode | Literal]], labels: LabelMap, lang: str) -> str:
    """"Indicator · area · period" for an observation (it has no label of its own); empty for anything else."""
    parts = []
    for name in ("indicator", "refArea", "timePeriod"):
        values = by_predicate.get(vocab.MP + name)
        if not values:
            return ""
        value = values[0]
        parts.append(value.value if isinstance(value, Literal) else pick_label(labels, value.value, lang)
                     or local_name(value.value))
    return " · ".join(parts)


def build_page(iri: str, subjects: Sequence[str], triples: Sequence[Triple], labels: LabelMap, lang: str,
               local: Callable[[str], str | None], *, formats: Sequence[Link] = (), links: Sequence[Link] = (),
               languages: Sequence[Link] = (), json_ld: Mapping[str, object] | None = None) -> Page:
    """The page of a description: one section per subject (the document's own subject first)."""
    sections = tuple(build_section(s, triples, labels, lang, local) for s in subjects)
    title = pick_label(labels, iri, lang) or (sections[0].title if sections else local_name(iri))
    return Page(lang, title, iri, sections, tuple(formats), tuple(links), tuple(languages),
                script_json(json_ld) if json_ld is not None else None)


def script_json(data: Mapping[str, object]) -> str:
    """JSON safe inside ``<script type="application/ld+json">`` (no ``</script>`` can close it early)."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def temporal_coverage(first: str | None, last: str | None) -> str | None:
    """An ISO 8601 interval from the first and last SDMX periods (``2015/2020``, or days for finer periods)."""
    if not first or not last:
        return None
    if len(first) == 4 and len(last) == 4 and first.isdigit() and last.isdigit():
        return f"{first}/{last}"
    try:
        return f"{period_range(first)[0].isoformat()}/{period_range(last)[1].isoformat()}"
    except PeriodError:
        return None


def schema_org_dataset(dataset: DatasetOut, *, base: str, page: str, description: str,
                       area_names: Mapping[str, str], indicator_names: Mapping[str, str]) -> dict[str, object]:
    """schema.org ``Dataset`` markup of one public dataset (what Google Dataset Search reads)."""
    agency = {"@type": "Organization", "@id": f"{base}/id/agency/{dataset.agency}", "name": dataset.agency,
              "identifier": dataset.agency}
    data: dict[str, object] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": dataset.iri,
        "name": dataset.title,
        "description": description,
        "url": page,
        "identifier": dataset.id,
        "version": str(dataset.version),
        "creator": agency,
        "publisher": agency,
        "dateModified": dataset.submitted.isoformat(),
        "isAccessibleForFree": True,
        "includedInDataCatalog": {"@type": "DataCatalog", "name": "Migration Profile Registry", "url": base + "/"},
        "spatialCoverage": [{"@type": "Place", "name": area_names.get(code, code), "identifier": code}
                            for code in dataset.areas],
        "variableMeasured": [{"@type": "PropertyValue", "name": indicator_names.get(code, code), "identifier": code,
                              "url": f"{vocab.INDICATOR}{code}"} for code in dataset.indicators],
        "distribution": [{"@type": "DataDownload", "name": d.title, "encodingFormat": d.media_type,
                          "contentUrl": base + d.access_url if d.access_url.startswith("/") else d.access_url}
                         for d in dataset.distributions],
    }
    if dataset.licence and is_web_link(dataset.licence):
        data["license"] = dataset.licence
    coverage = temporal_coverage(dataset.first_period, dataset.last_period)
    if coverage:
        data["temporalCoverage"] = coverage
    if dataset.primary_source and is_web_link(dataset.primary_source):
        data["isBasedOn"] = dataset.primary_source
    if dataset.sources:
        data["citation"] = list(dataset.sources)
    return data
