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

from pyoxigraph import NamedNode

from api import vocab
from api.model.read_api import Provenance, SeriesPart
from api.model.sdmx_period import FIRST_YEAR, LAST_YEAR, is_period, period_bounds
from api.model.view import PublicView
from api.services.records import Record, observation_record
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


def _build(registry: Registry, view: PublicView) -> ReadIndex:
    periods: dict[tuple[str, str], list[str]] = defaultdict(list)
    unreadable = 0
    if view.data_graphs:
        _names, rows = registry.store.select_stream(load_query("api/series-periods"),
                                                    default_graphs=view.data_graphs)
        parse = registry.iris.observation_parts
        for graph, observation in rows:
            found = parse(observation.value) if graph is not None and observation is not None else None
            if found is None:
                continue
            if not is_period(found[2]):  # stored by an older version that accepted it: left out of every read
                unreadable += 1
                continue
            periods[(found[1], graph.value)].append(found[2])  # type: ignore[union-attr]
    if unreadable:
        log.warning("read index: %d stored observation(s) with a period outside what the registry accepts "
                    "(%d-%d, SDMX forms) left out; withdraw or revise their submissions", unreadable,
                    FIRST_YEAR, LAST_YEAR)
    parts = tuple(SeriesPart(key, graph, tuple(sorted(set(found), key=period_bounds)))
                  for (key, graph), found in sorted(periods.items()))
    by_area: dict[str, list[SeriesPart]] = defaultdict(list)
    by_indicator: dict[str, list[SeriesPart]] = defaultdict(list)
    by_both: dict[tuple[str, str], list[SeriesPart]] = defaultdict(list)
    for part in parts:
        area, indicator = part.code("REF_AREA"), part.code("INDICATOR")
        by_area[area].append(part)
        by_indicator[indicator].append(part)
        by_both[(area, indicator)].append(part)
    return ReadIndex(parts, {k: tuple(v) for k, v in by_area.items()},
                     {k: tuple(v) for k, v in by_indicator.items()}, {k: tuple(v) for k, v in by_both.items()},
                     _provenance(registry, view), dict(view.restricted))


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
    """One observation of ``part`` by its IRI (an index read in the part's graph)."""
    provenance = index.provenance.get(part.graph)
    if provenance is None:
        return None
    iri = registry.iris.observation(provenance.submission, part.key, period)
    record = observation_record(part.key, registry.store.subject_pairs(NamedNode(iri), part.graph))
    if record is not None:
        record["@iri"] = iri
    return record


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
