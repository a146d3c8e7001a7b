"""What the read API (``/api``) answers: plain frozen dataclasses that FastAPI documents and serialises.

The index types (:class:`SeriesPart`, :class:`Provenance`) describe the public view; the others are the
JSON bodies of the routes (DESIGN §7 "REST JSON").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from api.model.structure import SERIES_DIMENSIONS


@dataclass(frozen=True)
class SeriesPart:
    """One series key as one public graph holds it, with its periods in time order."""

    key: str
    graph: str
    periods: tuple[str, ...]

    def code(self, dimension: str) -> str:
        return self.key.split(".")[SERIES_DIMENSIONS.index(dimension)]


@dataclass(frozen=True)
class Provenance:
    """Where the figures of one public graph come from (PROV-O and DCAT of its submission)."""

    dataset: str
    dataset_title: str
    agency: str
    submission: str
    version: int
    submitted: datetime
    sources: tuple[str, ...] = ()
    primary_source: str | None = None
    licence: str | None = None
    definition_basis: str | None = None


@dataclass(frozen=True)
class ObservationOut:
    """One public observation with its unit, status and provenance."""

    indicator: str
    indicator_label: str
    area: str
    area_label: str
    period: str
    value: float | None
    unit: str | None
    unit_multiplier: int | None
    status: str | None
    freq: str
    counterpart_area: str
    sex: str
    age: str
    migration_status: str
    decimals: int | None
    comment: str | None
    source_detail: str | None
    iri: str
    provenance: Provenance


@dataclass(frozen=True)
class ObservationPage:
    """One page of observations; ``total`` counts every match."""

    total: int
    page: int
    per_page: int
    pages: int
    observations: list[ObservationOut]


@dataclass(frozen=True)
class AreaOut:
    """An area of the code list with all its notations and the regions it belongs to."""

    code: str
    name: str
    kind: str  # country | region | special
    iso3166_alpha2: str | None
    iso3166_alpha3: str | None
    m49: str | None
    parent: str | None
    regions: list[str]
    groupings: list[str]
    names: dict[str, str]
    iri: str


@dataclass(frozen=True)
class SourceSeriesOut:
    organisation: str
    code: str
    match: str


@dataclass(frozen=True)
class IndicatorOut:
    """An indicator of the catalogue; the coverage fields are filled on the detail route."""

    id: str
    label: str
    definition: str
    unit: str
    section: str
    sdg_targets: list[str]
    breakdowns: list[str]
    is_count: bool
    min_value: float | None
    max_value: float | None
    source_series: list[SourceSeriesOut]
    comparability: dict[str, str]
    iri: str
    labels: dict[str, str] = field(default_factory=dict)
    areas_with_data: list[str] | None = None
    first_period: str | None = None
    last_period: str | None = None
    observations: int | None = None


@dataclass(frozen=True)
class ObservationQuery:
    """The filters of ``/api/observations`` after parsing: canonical codes, inclusive period bounds."""

    indicators: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    counterpart_areas: tuple[str, ...] = ()
    sexes: tuple[str, ...] = ()
    ages: tuple[str, ...] = ()
    migration_statuses: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    start: str | None = None  # ISO date of the first day the from-period covers
    end: str | None = None  # ISO date of the last day the to-period covers
    latest: bool = False
    as_of: datetime | None = None
    page: int = 1
    per_page: int = 100
    all_sources: bool = False  # every dataset's value of a key and period, not the reconciled view's one


@dataclass(frozen=True)
class PointOut:
    """One period's value of a short series."""

    period: str
    value: float | None
    status: str | None = None


@dataclass(frozen=True)
class ProfileIndicator:
    """An indicator of a country profile: its latest figure, the last few, and where they come from."""

    id: str
    label: str
    unit: str | None
    unit_multiplier: int | None
    latest: PointOut
    series: list[PointOut]
    series_key: str
    provenance: Provenance


@dataclass(frozen=True)
class Gap:
    """An indicator of the catalogue with no public figure for the area."""

    id: str
    label: str


@dataclass(frozen=True)
class ProfileSection:
    """A Migration Profile section: completeness is the share of its catalogue indicators with data,
    freshness the age in years of its newest figure (None without data)."""

    id: str
    label: str
    completeness: float
    freshness_years: float | None
    indicators: list[ProfileIndicator]
    gaps: list[Gap]


@dataclass(frozen=True)
class ProfileOut:
    area: AreaOut
    completeness: float
    sections: list[ProfileSection]


@dataclass(frozen=True)
class ComparabilityFlag:
    """Why figures side by side may not compare: code, a sentence, and the areas concerned."""

    code: str  # definition | period_gap | estimated | sources | unit
    message: str
    areas: list[str]


@dataclass(frozen=True)
class ComparisonRow:
    rank: int | None
    area: str
    area_label: str
    period: str
    value: float | None
    reported_value: float | None
    reported_unit_multiplier: int | None
    unit: str | None
    status: str | None
    flags: list[str]
    provenance: Provenance


@dataclass(frozen=True)
class ComparisonOut:
    """Values side by side in one unit multiplier (``unit_multiplier``), ranked, with comparability flags."""

    indicator: str
    indicator_label: str
    period: str
    unit_multiplier: int
    rows: list[ComparisonRow]
    missing: list[str]
    flags: list[ComparabilityFlag]


@dataclass(frozen=True)
class SectionCoverage:
    completeness: float
    freshness_years: float | None
    indicators_with_data: int


@dataclass(frozen=True)
class AreaCoverage:
    area: str
    area_label: str
    kind: str
    completeness: float
    sections: dict[str, SectionCoverage]


@dataclass(frozen=True)
class CoverageOut:
    """Completeness and freshness for every area and section (what to check before comparing)."""

    sections: dict[str, str]
    indicators_per_section: dict[str, int]
    areas: list[AreaCoverage]


@dataclass(frozen=True)
class DistributionOut:
    """A dcat:Distribution: one way to download the dataset."""

    title: str
    media_type: str
    access_url: str


@dataclass(frozen=True)
class DatasetOut:
    """A public dataset (its current, released version) as a DCAT record with its coverage."""

    id: str
    title: str
    agency: str
    version: int
    submitted: datetime
    licence: str | None
    sources: list[str]
    primary_source: str | None
    definition_basis: str | None
    observations: int
    indicators: list[str]
    areas: list[str]
    first_period: str | None
    last_period: str | None
    iri: str
    submission_iri: str
    distributions: list[DistributionOut]


@dataclass(frozen=True)
class VersionOut:
    """A version of a dataset as it was public: from its release until the next version replaced it."""

    version: int
    submission: str
    submission_iri: str
    generated: datetime
    valid_from: datetime
    valid_to: datetime | None
    observations: int
    current: bool
