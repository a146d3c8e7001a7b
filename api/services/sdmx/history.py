"""Data as it was disseminated, version by version (REST v2 data.md ``includeHistory``; DESIGN §4 revisions).

Each public version of a dataset is one data set, valid from when it was generated and released until the
next version replaced it. The data of a version is read from its own public graph, so a revision never
hides what was published before it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

from pyoxigraph import Literal, NamedNode

from api import vocab
from api.errors import NotFound
from api.model.agency import Principal
from api.model.sdmx import DataMessage, DataVersion, Series
from api.model.sdmx_data_query import DataQuery
from api.model.view import PublicVersion, PublicView
from api.services.registry import Registry
from api.services.sdmx.data import data_message
from api.store.queries import load_query

_XSD_DATETIME = NamedNode(vocab.XSD + "dateTime")
_XSD_BOOLEAN = NamedNode(vocab.XSD + "boolean")


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def public_versions(registry: Registry, now: datetime, principal: Principal | None = None) -> list[PublicVersion]:
    """Every version that has been public by ``now``, ordered by when it became valid (DESIGN §4 revisions);
    with ``principal``, also the versions of its agency (admins: every version) still under embargo."""
    bindings: dict[str, Literal | NamedNode] = {
        "now": Literal(now.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=_XSD_DATETIME)}
    if principal is not None:
        bindings["agency"] = NamedNode(registry.iris.agency(principal.agency_id))
        bindings["admin"] = Literal("true" if principal.admin else "false", datatype=_XSD_BOOLEAN)
    rows = registry.store.select(
        load_query("registry/public-history" if principal is None else "registry/agency-history"), bindings,
        default_graphs=[registry.iris.registry_graph],
    )
    by_dataset: dict[str, list[tuple[int, datetime, str, datetime, int]]] = {}
    for row in rows:
        dataset, version, graph, generated = (row[n] for n in ("dataset", "version", "graph", "generated"))
        if dataset is None or version is None or graph is None or generated is None:
            continue
        made = _moment(generated.value)
        release = row["release"]
        valid_from = max(made, _moment(release.value)) if release is not None else made
        count = int(row["observations"].value) if row["observations"] is not None else 0
        by_dataset.setdefault(dataset.value, []).append((int(version.value), valid_from, graph.value, made, count))
    out: list[PublicVersion] = []
    for dataset_iri, versions in by_dataset.items():
        versions.sort()
        for index, (number, valid_from, graph_iri, made, count) in enumerate(versions):
            valid_to = versions[index + 1][1] if index + 1 < len(versions) else None
            out.append(PublicVersion(dataset_iri, number, graph_iri, made, valid_from, valid_to, count))
    return sorted(out, key=lambda v: (v.valid_from, v.graph))


def history_message(
    registry: Registry, query: DataQuery, *, names: dict[str, dict[str, str]] | None = None,
    component_names: dict[str, str] | None = None, language: str = "en", now: datetime | None = None,
) -> DataMessage:
    """One data set per public version that holds data for ``query``; NotFound when none does."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    plain = replace(query, include_history=False, as_of=None, updated_after=None)
    found: list[DataVersion] = []
    first: DataMessage | None = None
    for public in public_versions(registry, moment):
        valid_from, valid_to = public.valid_from, public.valid_to
        if query.as_of is not None and valid_from > query.as_of:
            continue
        if query.updated_after is not None and valid_from <= query.updated_after:
            continue
        view = PublicView(vocab.VOCABULARY_GRAPH, {public.graph: public.generated}, public.observations,
                          registry.vocabulary_tag)
        try:
            message = data_message(registry, plain, names=names, component_names=component_names,
                                   language=language, now=moment, view=view)
        except NotFound:
            continue
        first = first or message
        found.append(DataVersion(valid_from, valid_to, message.series))
    if first is None:
        raise NotFound("no version of the data matches the query: check the key, the filters and asOf.")
    versions = tuple(found)

    def every_series() -> Iterator[Series]:
        return itertools.chain.from_iterable(v.series() for v in versions)

    return replace(first, series=every_series, history=versions)
