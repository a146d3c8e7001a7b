"""Every version of every dataset that has been public, and when each was valid (DESIGN §4 revisions).

What ``includeHistory``, ``/api/datasets/{id}/versions`` and the DCAT catalogue read: a version is valid from when
it was generated and released until the next public version replaced it; an agency's token adds its own
versions under embargo.
"""

from __future__ import annotations

from datetime import datetime

from pyoxigraph import Literal, NamedNode

from api import vocab
from api.formats.rdf.provenance import datetime_literal
from api.model.agency import Principal
from api.model.view import PublicVersion
from api.services.registry import Registry
from api.store.queries import load_query

_XSD_DATETIME = NamedNode(vocab.XSD + "dateTime")
_XSD_BOOLEAN = NamedNode(vocab.XSD + "boolean")


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def public_versions(registry: Registry, now: datetime, principal: Principal | None = None) -> list[PublicVersion]:
    """Every version that has been public by ``now``, ordered by when it became valid (DESIGN §4 revisions);
    with ``principal``, also the versions of its agency (admins: every version) still under embargo."""
    bindings: dict[str, Literal | NamedNode] = {
        "now": datetime_literal(now, exact=True)}
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
