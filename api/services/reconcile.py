"""The reconciled view: which dataset answers a key (all dimensions but time) and period when several give it
(DESIGN §4 "Reconciled view"; issue 14). Defined here once; every data reader orders its sources with it.

Precedence, highest first:

1. the responsible national agency's own submission for its own country (an agency whose public description
   gives that country, the series' REF_AREA);
2. the indicator's primary source (``mp:primarySource`` in the catalogue), when it publishes the figure
   itself;
3. any other original publication;
4. a republication (a dataset with ``mp:republishes``, e.g. the UNSD Yearbook's UN DESA figures): below
   every original, so it never outranks its origin and only fills periods nobody else gives.

Within a tier the most recent release wins (the submission's generation time), then the dataset id, so that
the choice never depends on the order graphs are read in. Confidentiality (CONF_STATUS) is decided before
precedence: a view holds only what its audience may see (public graphs carry CONF_STATUS F only; an agency's
view adds its restricted graphs), and :func:`admissible` refuses anything else for the public all the same,
so a withheld value is never chosen and never replaced by a guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from api import vocab
from api.model.view import PublicView
from api.services.registry import Registry
from api.store.queries import load_query

NATIONAL, PRIMARY, ORIGINAL, REPUBLICATION = range(4)
PUBLIC_CONF_STATUS = "F"


@dataclass(frozen=True)
class Source:
    """What precedence needs to know of one data graph of a view."""

    graph: str
    dataset: str
    agency: str
    generated: datetime
    republishes: str | None = None  # the organisation whose figures this dataset republishes


@dataclass(frozen=True)
class Reconciler:
    """The sources of one view with what ranks them: agencies' countries and the indicators' primary sources."""

    sources: Mapping[str, Source]  # data graph -> its source (a restricted graph shares its submission's)
    countries: Mapping[str, str]  # national agency id -> its country
    primary: Mapping[str, str]  # indicator id -> organisation id

    def tier(self, source: Source, area: str, indicator: str) -> int:
        if source.republishes is not None:
            return REPUBLICATION
        if self.countries.get(source.agency) == area:
            return NATIONAL
        if self.primary.get(indicator) == source.agency:
            return PRIMARY
        return ORIGINAL

    def rank(self, graph: str, area: str, indicator: str) -> tuple[int, float, str, str]:
        """Sort key of ``graph`` for one series (lower first)."""
        source = self.sources[graph]
        return (self.tier(source, area, indicator), -source.generated.timestamp(), source.dataset, graph)

    def order(self, graphs: Iterable[str], area: str, indicator: str) -> tuple[str, ...]:
        """The graphs holding one series, best first (graphs without a known source are left out)."""
        return tuple(sorted((g for g in graphs if g in self.sources), key=lambda g: self.rank(g, area, indicator)))

    def dataset(self, graph: str) -> str:
        return self.sources[graph].dataset


def admissible(conf_status: str | None, view: PublicView) -> bool:
    """Whether a value with this CONF_STATUS may be answered in ``view`` (the public sees F only)."""
    return not view.public or (conf_status or PUBLIC_CONF_STATUS) == PUBLIC_CONF_STATUS


def admissible_rows(frame: pl.DataFrame, view: PublicView) -> pl.DataFrame:
    """The rows of ``frame`` (a view's observations) that may be answered in ``view``: :func:`admissible`
    applied to every row at once."""
    if not view.public:
        return frame
    conf = pl.col("CONF_STATUS")
    return frame.filter(conf.is_null() | (conf == PUBLIC_CONF_STATUS))


def reconciler(registry: Registry, view: PublicView) -> Reconciler:
    """The view's reconciler (kept per view in the registry's caches)."""
    return registry.caches.get("reconciler" if view.public else "agency_reconciler", view.tag,
                               lambda: _build(registry, view))


def _build(registry: Registry, view: PublicView) -> Reconciler:
    from api.services.build import read_descriptions
    from api.services.read.index import read_index

    republished = {d.id: d.republishes for d in read_descriptions(registry.settings.datasets_dir)
                   if d.republishes}
    provenance = read_index(registry, view).provenance
    sources = {graph: Source(graph, p.dataset, p.agency, p.submitted, republished.get(p.dataset))
               for graph, p in provenance.items()}
    primary = {i.id: i.primary_source for i in registry.catalogue.indicators.values() if i.primary_source}
    return Reconciler(sources, agency_countries(registry, view), primary)


def agency_countries(registry: Registry, view: PublicView) -> dict[str, str]:
    """National agency id -> the country its public description gives (``dct:spatial``)."""
    if not view.descriptions:
        return {}
    rows = registry.store.select(load_query("agencies/descriptions"), default_graphs=list(view.descriptions))
    return {row["id"].value: vocab.code_id_from_iri(row["value"].value) for row in rows
            if row["field"] is not None and row["field"].value == "country" and row["id"] is not None
            and row["value"] is not None}


def assign(order: tuple[str, ...], periods_of: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """Each period of one series given to the best graph (in ``order``) that holds it: graph -> its periods.

    The one rule every reader applies: a period answered by a better source is never answered again."""
    taken: set[str] = set()
    won: dict[str, list[str]] = {}
    for graph in order:
        mine = [p for p in periods_of.get(graph, ()) if p not in taken]
        taken.update(mine)
        if mine:
            won[graph] = mine
    return won
