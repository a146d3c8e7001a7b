"""The read API's index of the public view: each series key per graph with its periods, and each graph's
provenance. Built with two SELECTs and cached until the view changes, so that routes find what to read
without scanning, count totals without reading observations, and fetch single observations by IRI.
An agency's view (with its restricted graphs) is indexed the same way, in slots of its own.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from api import vocab
from api.model.read_api import Provenance, SeriesPart
from api.model.sdmx_period import period_bounds
from api.model.structure import SERIES_DIMENSIONS
from api.model.view import PublicView
from api.services.readmodel.view import ViewRows
from api.services.reconcile import Reconciler, assign, reconciler
from api.services.records import Record
from api.services.registry import Registry
from api.store.queries import load_query


@dataclass(frozen=True)
class ReadIndex:
    """Series parts in key order (then graph), looked up by area and by indicator; provenance per graph."""

    parts: tuple[SeriesPart, ...]
    by_area: dict[str, tuple[SeriesPart, ...]]
    by_indicator: dict[str, tuple[SeriesPart, ...]]
    by_area_indicator: dict[tuple[str, str], tuple[SeriesPart, ...]]
    provenance: dict[str, Provenance]
    restricted: dict[str, str] = field(default_factory=dict)  # restricted graph -> its submission's graph
    rows: ViewRows | None = None  # the view's observations (the column files); None in a folded listing

    @property
    def observations(self) -> int:
        return sum(len(p.periods) for p in self.parts)

    def folded(self) -> ReadIndex:
        """The same index with each restricted graph's series counted in its submission's graph (one entry
        per submission, for listings of datasets)."""
        if not self.restricted:
            return self
        owner = self.restricted
        parts = tuple(sorted((SeriesPart(p.key, owner.get(p.graph, p.graph), p.periods) for p in self.parts),
                             key=lambda p: (p.key, p.graph)))
        return ReadIndex(parts, {}, {}, {}, {g: p for g, p in self.provenance.items() if g not in owner})


log = logging.getLogger("mpr")


def read_index(registry: Registry, view: PublicView) -> ReadIndex:
    """The index of ``view`` (built once per view, kept in the registry's caches; agencies' views apart, so that
    they never evict the public index)."""
    return registry.caches.get("read_index" if view.public else "agency_read_index", view.tag,
                               lambda: _build(registry, view))


def reconciled_index(registry: Registry, view: PublicView, datasets: tuple[str, ...] = ()) -> ReadIndex:
    """The index of the reconciled view: each key's periods given to the graph precedence chooses
    (api/services/reconcile.py), so that a key and period appear once; only ``datasets``' graphs when given."""
    def build() -> ReadIndex:
        return _reconciled(read_index(registry, view), reconciler(registry, view), datasets)

    if datasets:
        return registry.caches.get("dataset_index" if view.public else "agency_dataset_index",
                                   (view.tag, tuple(sorted(datasets))), build)
    return registry.caches.get("reconciled_index" if view.public else "agency_reconciled_index", view.tag, build)


def _reconciled(index: ReadIndex, ranked: Reconciler, datasets: tuple[str, ...]) -> ReadIndex:
    by_key: dict[str, dict[str, tuple[str, ...]]] = defaultdict(dict)
    for part in index.parts:
        if not datasets or (part.graph in ranked.sources and ranked.dataset(part.graph) in datasets):
            by_key[part.key][part.graph] = part.periods
    parts: list[SeriesPart] = []
    for key, periods_of in by_key.items():
        if len(periods_of) == 1:  # one source: it answers every period it gives (if it is a known source)
            graph, periods = next(iter(periods_of.items()))
            if graph in ranked.sources:
                parts.append(SeriesPart(key, graph, periods))
            continue
        fields = key.split(".")
        won = assign(ranked.order(periods_of, fields[1], fields[2]), periods_of)
        # Each graph's periods are already in period order (the view's rows are sorted by first and last day).
        parts.extend(SeriesPart(key, graph, tuple(found)) for graph, found in won.items())
    return _indexed(tuple(sorted(parts, key=lambda p: (p.key, p.graph))), index.provenance, index.restricted,
                    index.rows)


_AREA, _INDICATOR = SERIES_DIMENSIONS.index("REF_AREA"), SERIES_DIMENSIONS.index("INDICATOR")


def _indexed(parts: tuple[SeriesPart, ...], provenance: dict[str, Provenance], restricted: dict[str, str],
             rows: ViewRows | None) -> ReadIndex:
    by_area: dict[str, list[SeriesPart]] = defaultdict(list)
    by_indicator: dict[str, list[SeriesPart]] = defaultdict(list)
    by_both: dict[tuple[str, str], list[SeriesPart]] = defaultdict(list)
    for part in parts:
        fields = part.key.split(".")
        area, indicator = fields[_AREA], fields[_INDICATOR]
        by_area[area].append(part)
        by_indicator[indicator].append(part)
        by_both[(area, indicator)].append(part)
    return ReadIndex(parts, {k: tuple(v) for k, v in by_area.items()},
                     {k: tuple(v) for k, v in by_indicator.items()}, {k: tuple(v) for k, v in by_both.items()},
                     provenance, dict(restricted), rows)


def _build(registry: Registry, view: PublicView) -> ReadIndex:
    rows = registry.view_rows(view)
    parts = tuple(SeriesPart(key, graph, tuple(periods)) for key, graph, periods in rows.periods())
    return _indexed(parts, _provenance(registry, view), view.restricted, rows)


def _provenance(registry: Registry, view: PublicView) -> dict[str, Provenance]:
    if not view.data_graphs:
        return {}
    rows = registry.store.select(load_query("api/provenance"), default_graphs=view.data_graphs)
    facts: dict[str, dict[str, object]] = {}
    sources: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        graph = row["g"]
        if graph is None or row["submission"] is None or graph.value != row["submission"].value:
            continue  # only the submission that owns the graph
        g = graph.value
        if g not in facts:
            generated = row["generated"].value if row["generated"] is not None else "1970-01-01T00:00:00Z"
            facts[g] = {
                "dataset": vocab.code_id_from_iri(row["dataset"].value) if row["dataset"] is not None else "",
                "dataset_title": row["title"].value if row["title"] is not None else "",
                "agency": row["agencyId"].value if row["agencyId"] is not None else "",
                "submission": row["id"].value if row["id"] is not None else "",
                "version": int(row["version"].value) if row["version"] is not None else 1,
                "submitted": datetime.fromisoformat(generated.replace("Z", "+00:00")),
                "primary_source": row["primary"].value if row["primary"] is not None else None,
                "licence": row["licence"].value if row["licence"] is not None else None,
                "definition_basis": row["basis"].value if row["basis"] is not None else None,
            }
        source = row["source"]
        if source is not None and source.value not in sources[g]:
            sources[g].append(source.value)
    found = {g: Provenance(sources=tuple(sorted(sources[g])), **f) for g, f in facts.items()}  # type: ignore[arg-type]
    # A restricted graph holds observations only: their provenance is their submission's.
    found.update({g: found[owner] for g, owner in view.restricted.items() if owner in found})
    return found


def read_observation(registry: Registry, index: ReadIndex, part: SeriesPart, period: str) -> Record | None:
    """One observation of ``part`` (a row of the view's column files)."""
    if index.rows is None or part.graph not in index.provenance:
        return None
    return index.rows.record(part.key, part.graph, period)


_TOTALS = ("_T", "_Z")


def is_headline(part: SeriesPart) -> bool:
    """A series with no breakdown: totals (or not applicable) for counterpart area, sex, age and status."""
    return all(part.code(d) in _TOTALS for d in ("COUNTERPART_AREA", "SEX", "AGE", "MIGRATION_STATUS"))


def headline(parts: Iterable[SeriesPart], index: ReadIndex) -> SeriesPart | None:
    """The series that stands for an indicator in one area: a headline series, annual first, then the one
    with the most recent period, then the newest submission."""
    candidates = [p for p in parts if is_headline(p) and p.periods and p.graph in index.provenance]
    if not candidates:
        return None
    return max(candidates, key=lambda p: (p.code("FREQ") == "A", period_bounds(p.periods[-1])[1],
                                          index.provenance[p.graph].submitted))
