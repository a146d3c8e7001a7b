"""The indicator catalogue read from the ontology (DESIGN §4: adding an indicator is a data change)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pyoxigraph

from api import vocab
from api.model.catalogue import Catalogue, Indicator, SourceSeries
from api.services.ontology import ontology_store
from api.store.queries import load_query

_BREAKDOWN_IDS = {vocab.prop(cid): cid for cid in ("COUNTERPART_AREA", "SEX", "AGE", "MIGRATION_STATUS")}


def _text(term: object) -> str:
    return str(getattr(term, "value", ""))


def catalogue_from_store(store: pyoxigraph.Store) -> Catalogue:
    """Build the Catalogue from a store holding the ontology (three queries, no per-indicator query)."""
    base: dict[str, dict[str, object]] = {}
    for row in store.query(load_query("catalogue/indicators")):  # type: ignore[union-attr]
        iri = _text(row["indicator"])
        base[iri] = {
            "id": _text(row["id"]),
            "unit": vocab.code_id_from_iri(_text(row["unit"])),
            "section": vocab.code_id_from_iri(_text(row["section"])),
            "is_count": _text(row["isCount"]) in ("true", "1"),
            "min": Decimal(_text(row["min"])) if row["min"] is not None else None,
            "max": Decimal(_text(row["max"])) if row["max"] is not None else None,
            "primary": vocab.code_id_from_iri(_text(row["primary"])) if row["primary"] is not None else None,
        }
    texts: dict[str, dict[str, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    for row in store.query(load_query("catalogue/indicator-texts")):  # type: ignore[union-attr]
        literal = row["text"]
        lang = getattr(literal, "language", None) or "en"
        texts[_text(row["indicator"])][_text(row["kind"])][lang] = _text(literal)
    links: dict[str, dict[str, list[object]]] = defaultdict(lambda: defaultdict(list))
    for row in store.query(load_query("catalogue/indicator-links")):  # type: ignore[union-attr]
        kind = _text(row["kind"])
        iri = _text(row["indicator"])
        if kind == "breakdown":
            links[iri]["breakdown"].append(_BREAKDOWN_IDS.get(_text(row["value"]), _text(row["value"])))
        elif kind == "sdg":
            links[iri]["sdg"].append(_text(row["value"]))
        else:
            links[iri]["series"].append(
                SourceSeries(vocab.code_id_from_iri(_text(row["organisation"])), _text(row["code"]), kind)
            )
    indicators: dict[str, Indicator] = {}
    for iri, b in base.items():
        t = texts[iri]
        lk = links[iri]
        indicators[str(b["id"])] = Indicator(
            id=str(b["id"]),
            labels=dict(t["label"]),
            definitions=dict(t["definition"]),
            unit=str(b["unit"]),
            section=str(b["section"]),
            breakdowns=frozenset(str(x) for x in lk["breakdown"]),
            min_value=b["min"],  # type: ignore[arg-type]
            max_value=b["max"],  # type: ignore[arg-type]
            is_count=bool(b["is_count"]),
            sdg=tuple(sorted(str(x) for x in lk["sdg"])),
            source_series=tuple(sorted(lk["series"], key=lambda s: (s.organisation, s.code))),  # type: ignore[arg-type]
            comparability=dict(t["comparability"]),
            primary_source=b["primary"],  # type: ignore[arg-type]
        )
    return Catalogue(indicators=dict(sorted(indicators.items())))


def load_catalogue(ontology_dir: Path) -> Catalogue:
    """The catalogue of the ontology folder."""
    return catalogue_from_store(ontology_store(ontology_dir))
