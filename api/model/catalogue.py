"""The indicator catalogue as plain data, read from ontology/ (DESIGN §4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class SourceSeries:
    """A publisher's series that an indicator matches (skos:exactMatch or skos:closeMatch)."""

    organisation: str
    code: str
    match: str = "exact"


@dataclass(frozen=True)
class Indicator:
    id: str
    labels: dict[str, str]
    definitions: dict[str, str]
    unit: str
    section: str
    breakdowns: frozenset[str] = frozenset()
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    is_count: bool = False
    sdg: tuple[str, ...] = ()
    source_series: tuple[SourceSeries, ...] = ()
    comparability: dict[str, str] = field(default_factory=dict)
    primary_source: str | None = None  # the organisation id of mp:primarySource (code/organisation)

    def label(self, lang: str = "en") -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.id


@dataclass(frozen=True)
class Catalogue:
    indicators: dict[str, Indicator]

    def get(self, indicator_id: str) -> Indicator | None:
        return self.indicators.get(indicator_id)

    def by_source(self, organisation: str, code: str) -> Indicator | None:
        """The indicator exactly matching a publisher's series code (e.g. WB, SM.POP.NETM)."""
        for indicator in self.indicators.values():
            for series in indicator.source_series:
                if series.organisation == organisation and series.code == code and series.match == "exact":
                    return indicator
        return None

    def sections(self) -> list[str]:
        return sorted({i.section for i in self.indicators.values()})
