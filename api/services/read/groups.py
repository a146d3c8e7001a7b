"""Area groups: the EU with its members' dates, World Bank income groups and regions, SDG regions and UN DESA
development groups (SKOS collections of ontology/codes/groups*.ttl), expanded to their members for a period.

Issue: area groupings. A dated membership counts for a period when the member belonged on the period's last
day (the United Kingdom counts in EU27 for 2019, not for 2020; Croatia from 2013); over a window of periods
(``from``/``to`` of /api/observations) every member of some day of the window counts; an undated member
always counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from api import vocab
from api.errors import BadRequest
from api.model.sdmx_data_query import DataQuery, KeyPattern
from api.model.structure import SERIES_DIMENSIONS
from api.services.registry import Registry
from api.store.queries import load_query


@dataclass(frozen=True)
class Membership:
    area: str
    first: str = ""  # ISO date, "" = always
    last: str = ""  # ISO date, "" = still a member


@dataclass
class AreaGroup:
    id: str
    label: str = ""
    members: list[Membership] = field(default_factory=list)

    def areas(self, start: str | None = None, end: str | None = None) -> list[str]:
        """Members whose membership overlaps [start, end] (ISO dates; None: open), in code order."""
        found = {m.area for m in self.members
                 if (not end or not m.first or m.first <= end) and (not start or not m.last or m.last >= start)}
        return sorted(found)


def groups(registry: Registry) -> dict[str, AreaGroup]:
    """Every area group by id (kept per vocabulary)."""
    return registry.caches.get("groups", registry.vocabulary_tag, lambda: _read(registry))


def _read(registry: Registry) -> dict[str, AreaGroup]:
    found: dict[str, AreaGroup] = {}
    for row in registry.store.select(load_query("api/groups"), default_graphs=[vocab.VOCABULARY_GRAPH]):
        notation = row["notation"]
        if notation is None:
            continue
        group = found.setdefault(notation.value, AreaGroup(notation.value))
        if row["label"] is not None:
            group.label = row["label"].value
        if row["member"] is not None:
            group.members.append(Membership(
                vocab.code_id_from_iri(row["member"].value),
                row["from"].value if row["from"] is not None else "",
                row["until"].value if row["until"] is not None else ""))
    return found


def group_members(registry: Registry, text: str, start: str | None = None, end: str | None = None) -> list[str]:
    """The members of the group ``text`` (e.g. EU27, WB_HIC, SDG_947, UNDESA_LDC) over a period window."""
    known = groups(registry)
    group = known.get(text.strip().upper())
    if group is None:
        raise BadRequest(f"group={text}: no such area group; use one of {', '.join(sorted(known))}.",
                         details={"parameter": "group"})
    return group.areas(start[:10] if start else None, end[:10] if end else None)


_AREA_DIMENSIONS = ("REF_AREA", "COUNTERPART_AREA")


def expand_key_groups(registry: Registry, query: DataQuery) -> DataQuery:
    """An SDMX data query with every area group id in a REF_AREA or COUNTERPART_AREA key position replaced by
    the group's members over the query's startPeriod/endPeriod window (all of its members without one):
    ``A.EU27.STK_IMM....`` asks for ``A.AUT+BEL+...+SWE.STK_IMM....``."""
    known = groups(registry)
    start = query.start_period.start if query.start_period else None
    end = query.end_period.end if query.end_period else None
    keys: list[KeyPattern] = []
    for key in query.keys:
        values = list(key.values)
        for dimension in _AREA_DIMENSIONS:
            position = SERIES_DIMENSIONS.index(dimension)
            codes = values[position]
            if codes and any(c.upper() in known for c in codes):
                values[position] = frozenset(
                    member for code in codes
                    for member in (known[code.upper()].areas(start, end) if code.upper() in known else [code]))
        keys.append(KeyPattern(tuple(values)))
    return replace(query, keys=tuple(keys))
