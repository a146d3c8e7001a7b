"""Areas for the read API: the area code list with every notation, its parents and groupings (DESIGN §3).

``resolve`` accepts ISO 3166-1 alpha-3 or alpha-2, M49 (padded or not) or a publisher's variant and answers
with the canonical area; regions expand to their member countries and territories.
"""

from __future__ import annotations

from collections import defaultdict

from api import vocab
from api.errors import BadRequest, NotFound
from api.model.read_api import AreaOut
from api.services.registry import Registry
from api.store.queries import load_query

_NOTATIONS = {vocab.MP + "iso3166Alpha2": "alpha2", vocab.MP + "iso3166Alpha3": "alpha3", vocab.MP + "m49": "m49"}


def _facts(registry: Registry) -> dict[str, dict[str, object]]:
    """area code -> its notations, labels, parent, groupings and region flag (kept per vocabulary)."""
    return registry.caches.get("areas", registry.vocabulary_tag, lambda: _read_facts(registry))


def _read_facts(registry: Registry) -> dict[str, dict[str, object]]:
    facts: dict[str, dict[str, object]] = defaultdict(lambda: {"labels": {}, "groupings": []})
    rows = registry.store.select(load_query("api/areas"), default_graphs=[vocab.VOCABULARY_GRAPH])
    for row in rows:
        if row["area"] is None or row["field"] is None or row["value"] is None:
            continue
        code = vocab.code_id_from_iri(row["area"].value)
        field, value = row["field"].value, row["value"].value
        entry = facts[code]
        if field.startswith("notation:") and field[len("notation:"):] in _NOTATIONS:
            entry[_NOTATIONS[field[len("notation:"):]]] = value
        elif field.startswith("label:"):
            entry["labels"][field[len("label:"):] or "en"] = value  # type: ignore[index]
        elif field == "broader":
            entry["parent"] = vocab.code_id_from_iri(value)
        elif field == "memberOf":
            entry["groupings"].append(vocab.code_id_from_iri(value))  # type: ignore[attr-defined]
        elif field == "region":
            entry["region"] = True
    return dict(facts)


def _kind(entry: dict[str, object]) -> str:
    if entry.get("region"):
        return "region"
    return "country" if entry.get("alpha3") else "special"


def _out(registry: Registry, code: str, entry: dict[str, object], facts: dict[str, dict[str, object]],
         lang: str) -> AreaOut:
    labels: dict[str, str] = entry["labels"]  # type: ignore[assignment]
    regions: list[str] = []
    parent = entry.get("parent")
    while isinstance(parent, str) and parent not in regions:
        regions.append(parent)
        parent = facts.get(parent, {}).get("parent")
    return AreaOut(
        code=code, name=labels.get(lang) or labels.get("en") or code, kind=_kind(entry),
        iso3166_alpha2=entry.get("alpha2"), iso3166_alpha3=entry.get("alpha3"),  # type: ignore[arg-type]
        m49=entry.get("m49"), parent=entry.get("parent"), regions=regions,  # type: ignore[arg-type]
        groupings=sorted(entry["groupings"]), names=dict(sorted(labels.items())),  # type: ignore[call-overload]
        iri=vocab.code("area", code),
    )


def list_areas(registry: Registry, *, kind: str | None = None, lang: str = "en") -> list[AreaOut]:
    """Every area, or those of one kind (country, region, special), in code order."""
    if kind is not None and kind not in ("country", "region", "special"):
        raise BadRequest(f"kind={kind} is not a kind of area: use country, region or special.")
    facts = _facts(registry)
    return [_out(registry, code, entry, facts, lang) for code, entry in sorted(facts.items())
            if kind is None or _kind(entry) == kind]


def canonical(registry: Registry, text: str) -> str | None:
    """The canonical code of an area written as alpha-3, alpha-2, M49 or a publisher's variant."""
    code = registry.areas.code(text)
    return code if code is not None and code in _facts(registry) else None


def get_area(registry: Registry, text: str, *, lang: str = "en") -> AreaOut:
    """One area by any of its codes; NotFound says which forms are accepted."""
    code = canonical(registry, text)
    if code is None:
        raise NotFound(f"no area has the code '{text}': use an ISO 3166-1 alpha-3 or alpha-2 code or an M49 "
                       "number (e.g. DEU, DE or 276); /api/areas lists them all.")
    facts = _facts(registry)
    return _out(registry, code, facts[code], facts, lang)


def resolve_areas(registry: Registry, texts: list[str], parameter: str = "area") -> list[str]:
    """Canonical codes of the areas a caller named; an unknown one is BadRequest naming it."""
    codes: list[str] = []
    for text in texts:
        code = canonical(registry, text)
        if code is None:
            raise BadRequest(f"{parameter}={text}: no area has this code; use ISO 3166-1 alpha-3 or alpha-2 or an "
                             "M49 number (e.g. DEU, DE or 276); /api/areas lists them all.")
        if code not in codes:
            codes.append(code)
    return codes


def region_members(registry: Registry, text: str) -> list[str]:
    """The countries and territories of a region or grouping (transitively), in code order."""
    (code,) = resolve_areas(registry, [text], "region")
    if _kind(_facts(registry)[code]) != "region":
        raise BadRequest(f"region={text}: {code} is not a region or grouping; pass countries with area= instead.")
    return sorted(registry.areas.members(code))


def area_label(registry: Registry, code: str, lang: str = "en") -> str:
    entry = _facts(registry).get(code)
    if entry is None:
        return code
    labels: dict[str, str] = entry["labels"]  # type: ignore[assignment]
    return labels.get(lang) or labels.get("en") or code
