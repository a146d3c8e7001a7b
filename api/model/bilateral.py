"""What the bilateral routes answer: migrants present by origin, nationals abroad, the crisis view (issue 18)."""

from __future__ import annotations

from dataclasses import dataclass, field

from api.model.read_api import Provenance


@dataclass(frozen=True)
class BilateralRow:
    """One counterpart country: the figure for both sexes, the sexes where given, its rank and its source."""

    rank: int | None
    area: str
    area_label: str
    value: float | None
    female: float | None
    male: float | None
    share_of_total: float | None  # per cent of the reported total, when the same source gives one
    status: str | None
    period: str
    dataset: str
    abroad: str  # the counterpart's own "abroad" view


@dataclass(frozen=True)
class BilateralOut:
    """Ranked counterparts of one area for one indicator and period, with the sources used."""

    area: str
    area_label: str
    direction: str  # origins | abroad
    indicator: str
    indicator_label: str
    period: str | None
    unit: str | None
    unit_multiplier: int
    total: float | None  # the reported total over all counterparts (COUNTERPART_AREA _T), when given
    total_dataset: str | None
    rows: list[BilateralRow]
    periods_available: list[str]
    sources: dict[str, Provenance]
    sdmx: str  # the same figures through SDMX REST
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Figure:
    """One figure of the crisis view with its period and source."""

    indicator: str
    indicator_label: str
    area: str
    counterpart_area: str
    value: float | None
    unit: str | None
    unit_multiplier: int
    period: str
    status: str | None
    dataset: str


@dataclass(frozen=True)
class RemittanceRow:
    """What the host sends to one origin and the share of that origin's inflows it is."""

    rank: int | None
    origin: str
    origin_label: str
    sent_usd: float | None
    origin_inflows_usd: float | None
    share_of_origin_inflows: float | None  # per cent of origin_inflows_usd (the same matrix's total)
    origin_recorded_inflows_usd: float | None  # REM_IN of the origin in the same year (balance of payments)
    share_of_recorded_inflows: float | None  # per cent of origin_recorded_inflows_usd
    period: str
    dataset: str
    abroad: str


@dataclass(frozen=True)
class CrisisSection:
    """One part of the crisis view: its figures (or rows), how old they are, and what is missing."""

    id: str
    label: str
    period: str | None
    age_years: float | None
    stale: str | None  # the note when the figures are years old
    gaps: list[str]


@dataclass(frozen=True)
class CrisisOut:
    """Migrants in a country in crisis: who is there, who is displaced, who depends on their remittances."""

    area: str
    area_label: str
    migrants: BilateralOut | None
    refugees_and_asylum_seekers: list[BilateralOut]
    displacement: list[Figure]
    remittances: list[RemittanceRow]
    dead_and_missing: list[Figure]
    sections: list[CrisisSection]
    sources: dict[str, Provenance]
