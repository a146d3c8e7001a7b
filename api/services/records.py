"""An observation as every reader sees it: a record of component id -> text (DESIGN §4 data model).

The SDMX data routes and the read API's index both build records from an observation's stored (predicate,
object) pairs here, so they agree on every value.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from pyoxigraph import NamedNode

from api import vocab
from api.model.sdmx_period import is_period
from api.model.structure import ATTRIBUTES, SERIES_DIMENSIONS, TIME_DIMENSION

Record = dict[str, str]

CODED = {"FREQ", "REF_AREA", "INDICATOR", "COUNTERPART_AREA", "SEX", "AGE", "MIGRATION_STATUS",
          "UNIT_MEASURE", "UNIT_MULT", "OBS_STATUS", "CONF_STATUS"}
_PROPERTY_COMPONENT = {NamedNode(vocab.prop(c)).value: c for c in (TIME_DIMENSION, "OBS_VALUE", *ATTRIBUTES)}


@lru_cache(maxsize=1 << 16)
def _code(iri: str) -> str:
    return vocab.code_id_from_iri(iri)


def _text(name: str, term: object) -> str:
    value: str = term.value  # type: ignore[attr-defined]
    return _code(value) if name in CODED else value


def observation_record(key: str, pairs: Iterable[tuple[NamedNode, object]]) -> Record | None:
    """One observation's (predicate, object) pairs as a record keyed by component id; None without a period
    or with one the readers cannot render (stored by an older version that accepted it: skipped, never a 500)."""
    record = dict(zip(SERIES_DIMENSIONS, key.split("."), strict=True))
    for predicate, term in pairs:
        component = _PROPERTY_COMPONENT.get(predicate.value)
        if component is not None:
            record[component] = _text(component, term)
    return record if TIME_DIMENSION in record and is_period(record[TIME_DIMENSION]) else None
