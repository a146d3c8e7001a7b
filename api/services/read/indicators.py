"""Indicators for the read API: the catalogue with filters, and one indicator with its coverage (DESIGN §4)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from pyoxigraph import Literal, NamedNode

from api import vocab
from api.errors import BadRequest, NotFound
from api.model.catalogue import Indicator
from api.model.read_api import IndicatorOut, SourceSeriesOut
from api.model.sdmx_period import period_bounds
from api.model.sdmx_structure import pick
from api.services.read.index import reconciled_index
from api.services.registry import Registry
from api.store.queries import load_query

# The sections in the order of a Migration Profile (IOM guidance; the Extended profile's context first).
SECTION_ORDER = ("CTX", "STK", "FLW", "CHR", "LAB", "REM", "DIA", "IRR", "FDP", "RET", "GOV")


def scheme_labels(registry: Registry, scheme: str) -> dict[str, dict[str, str]]:
    """code -> {language: preferred label} for the concepts of a code list such as ``section``."""
    def build() -> dict[str, dict[str, str]]:
        labels: dict[str, dict[str, str]] = defaultdict(dict)
        for row in registry.store.select(load_query("api/scheme-labels"), {"scheme": NamedNode(vocab.CODE + scheme)},
                                         default_graphs=[vocab.VOCABULARY_GRAPH]):
            label = row["label"]
            if row["concept"] is not None and isinstance(label, Literal):
                labels[vocab.code_id_from_iri(row["concept"].value)][label.language or "en"] = label.value
        return dict(labels)

    return registry.caches.get("scheme_labels", (registry.vocabulary_tag, scheme), build)


def sections(registry: Registry) -> list[str]:
    """The sections that have indicators, in profile order."""
    present = set(registry.catalogue.sections())
    return [s for s in SECTION_ORDER if s in present] + sorted(present - set(SECTION_ORDER))


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def indicator_out(indicator: Indicator, lang: str) -> IndicatorOut:
    return IndicatorOut(
        id=indicator.id, label=indicator.label(lang), definition=pick(indicator.definitions, lang),
        unit=indicator.unit, section=indicator.section, sdg_targets=list(indicator.sdg),
        breakdowns=sorted(indicator.breakdowns), is_count=indicator.is_count,
        min_value=_number(indicator.min_value), max_value=_number(indicator.max_value),
        source_series=[SourceSeriesOut(s.organisation, s.code, s.match) for s in indicator.source_series],
        comparability=dict(indicator.comparability), iri=vocab.indicator(indicator.id),
        labels=dict(sorted(indicator.labels.items())),
    )


def list_indicators(registry: Registry, *, section: str | None = None, sdg: str | None = None,
                    q: str | None = None, lang: str = "en") -> list[IndicatorOut]:
    """The catalogue's indicators in profile order, filtered by section, SDG target (prefix) and text."""
    known = sections(registry)
    if section is not None and section.upper() not in known:
        raise BadRequest(f"section={section} is not a section: use one of {', '.join(known)}.")
    words = (q or "").casefold().split()
    found: list[tuple[int, Indicator]] = []
    for indicator in registry.catalogue.indicators.values():
        if section is not None and indicator.section != section.upper():
            continue
        if sdg is not None and not any(t == sdg or t.startswith(sdg.rstrip(".") + ".") for t in indicator.sdg):
            continue
        relevance = 0
        if words:  # every word in the id or a label ranks first; in a definition, after
            named = " ".join([indicator.id, *indicator.labels.values()]).casefold()
            defined = " ".join(indicator.definitions.values()).casefold()
            if all(w in named for w in words):
                relevance = 0
            elif all(w in named or w in defined for w in words):
                relevance = 1
            else:
                continue
        found.append((relevance, indicator))
    order = {s: i for i, s in enumerate(known)}
    found.sort(key=lambda pair: (pair[0], order.get(pair[1].section, len(order)), pair[1].id))
    return [indicator_out(i, lang) for _, i in found]


def get_indicator(registry: Registry, indicator_id: str, *, lang: str = "en") -> IndicatorOut:
    """One indicator with the areas that have public data, its time coverage and observation count."""
    indicator = registry.catalogue.get(indicator_id) or registry.catalogue.get(indicator_id.upper())
    if indicator is None:
        raise NotFound(f"no indicator has the id '{indicator_id}': /api/indicators lists them "
                       "(search with ?q=).")
    parts = reconciled_index(registry, registry.public_view()).by_indicator.get(indicator.id, ())
    periods = [p for part in parts for p in part.periods]
    out = indicator_out(indicator, lang)
    return IndicatorOut(**{
        **out.__dict__,
        "areas_with_data": sorted({part.code("REF_AREA") for part in parts}),
        "first_period": min(periods, key=period_bounds) if periods else None,
        "last_period": max(periods, key=period_bounds) if periods else None,
        "observations": len(periods),
    })
