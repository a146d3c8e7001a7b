"""A data query as both SDMX REST versions express it, after parsing (REST v1.5 §4.4, REST v2 data.md).

v1 keys and v2 keys and ``c[ID]`` filters all become :class:`DataQuery`; the data service answers it
without knowing which API version asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from api.model.structure import SERIES_DIMENSIONS, TIME_DIMENSION

OPERATORS = ("eq", "ne", "lt", "le", "gt", "ge", "co", "nc", "sw", "ew")


@dataclass(frozen=True)
class Condition:
    """One ``operator:value`` of a ``c[ID]`` filter (REST v2 data.md, "Filtering")."""

    operator: str
    value: str


@dataclass(frozen=True)
class ComponentFilter:
    """``c[ID]=…``: any of ``alternatives`` holds; each alternative is conditions that must all hold."""

    component: str
    alternatives: tuple[tuple[Condition, ...], ...]


@dataclass(frozen=True)
class KeyPattern:
    """One series key: per series dimension, the allowed codes (``None`` = any)."""

    values: tuple[frozenset[str] | None, ...] = tuple(None for _ in SERIES_DIMENSIONS)

    def allowed(self, dimension: str) -> frozenset[str] | None:
        return self.values[SERIES_DIMENSIONS.index(dimension)]

    def matches(self, key: tuple[str, ...]) -> bool:
        return all(allowed is None or code in allowed for allowed, code in zip(self.values, key, strict=True))


@dataclass(frozen=True)
class Period:
    """An inclusive bound of ``startPeriod``/``endPeriod`` or a ``c[TIME_PERIOD]`` value, as a date range."""

    text: str
    start: str  # ISO date of the first day the period covers
    end: str  # ISO date of the last day


@dataclass(frozen=True)
class DataQuery:
    """What to answer; ``keys`` are alternatives (v2 allows several keys joined by ``,``)."""

    keys: tuple[KeyPattern, ...] = (KeyPattern(),)
    filters: tuple[ComponentFilter, ...] = ()
    start_period: Period | None = None
    end_period: Period | None = None
    first_n: int | None = None
    last_n: int | None = None
    updated_after: datetime | None = None
    as_of: datetime | None = None
    include_history: bool = False
    dimension_at_observation: str = TIME_DIMENSION
    detail: str = "full"
    attributes: tuple[str, ...] | None = None  # None: every attribute of the structure
    measures: bool = True
    offset: int = 0
    limit: int | None = None
    provider: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
