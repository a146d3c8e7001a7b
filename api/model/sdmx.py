"""What an SDMX data message holds, independent of its format (SDMX 2.1 Information Model §5, SDMX 3.0 §5).

The data service fills a :class:`DataMessage`; each writer in ``api/formats/sdmx_*`` renders it.
Series come from a callable so that a writer may stream them (and read them twice when a format,
such as SDMX-JSON, needs every value of a dimension before the first observation).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from api.model.structure import (
    AGENCY,
    DATAFLOW_ID,
    DATAFLOW_VERSION,
    DIMENSIONS,
    DSD_ID,
    PUBLISHED_ATTRIBUTES,
    TIME_DIMENSION,
)

if TYPE_CHECKING:
    import polars as pl

ALL_DIMENSIONS = "AllDimensions"
URN_PREFIX = "urn:sdmx:org.sdmx.infomodel.datastructure."

DETAILS = ("full", "dataonly", "serieskeysonly", "nodata")


@dataclass(frozen=True)
class Observation:
    """One observation: its values of the message's observation-level dimensions, value, attributes."""

    key: tuple[str, ...]
    value: str | None
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Series:
    """Observations sharing the values of the message's series-level dimensions."""

    key: tuple[str, ...]
    observations: tuple[Observation, ...]


@dataclass(frozen=True)
class StructureRef:
    """The dataflow a message is about, and its data structure."""

    agency: str = AGENCY
    dataflow_id: str = DATAFLOW_ID
    dataflow_version: str = DATAFLOW_VERSION
    dsd_id: str = DSD_ID
    dsd_version: str = DATAFLOW_VERSION

    @property
    def dataflow_urn(self) -> str:
        return f"{URN_PREFIX}Dataflow={self.agency}:{self.dataflow_id}({self.dataflow_version})"

    @property
    def dsd_urn(self) -> str:
        return f"{URN_PREFIX}DataStructure={self.agency}:{self.dsd_id}({self.dsd_version})"


@dataclass(frozen=True)
class DataVersion:
    """One dissemination of the data (REST v2 ``includeHistory``): its series and when it was valid."""

    valid_from: datetime
    valid_to: datetime | None
    series: Callable[[], Iterator[Series]]


@dataclass(frozen=True)
class DataMessage:
    """Everything a writer needs.

    ``observation_dimensions`` are the dimensions given per observation (``("TIME_PERIOD",)`` by
    default; all eight for AllDimensions); ``series_dimensions`` the others, in DSD order.
    ``series()`` yields series ordered by key; with AllDimensions there is one series with key ``()``.
    ``detail`` is full | dataonly (no attributes) | serieskeysonly (series without observations) |
    nodata (series and their attributes, no observations).
    ``attributes`` are the attribute ids the message carries (in DSD order).
    ``names[component][code]`` is the name of a code in ``language`` (for JSON values and CSV labels).
    ``history`` (includeHistory) holds one data set per dissemination; ``series()`` then yields them all.
    ``frames`` (when the answer comes from the read model's columns) yields the same observations as
    ``series()``, in the same order, as frames of the dimensions, OBS_VALUE and ``attributes`` (absent: null),
    for writers that render whole columns at once; a series never spans two frames.
    """

    id: str
    prepared: datetime
    series: Callable[[], Iterator[Series]]
    structure: StructureRef = field(default_factory=StructureRef)
    observation_dimensions: tuple[str, ...] = (TIME_DIMENSION,)
    detail: str = "full"
    attributes: tuple[str, ...] = PUBLISHED_ATTRIBUTES
    names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    component_names: Mapping[str, str] = field(default_factory=dict)
    language: str = "en"
    sender: str = AGENCY
    action: str = "Information"
    history: tuple[DataVersion, ...] = ()
    frames: Callable[[], Iterator[pl.DataFrame]] | None = None

    @property
    def series_dimensions(self) -> tuple[str, ...]:
        return tuple(d for d in DIMENSIONS if d not in self.observation_dimensions)

    @property
    def is_flat(self) -> bool:
        """True for AllDimensions: observations are not grouped in series."""
        return not self.series_dimensions


def dimension_position(dimension_id: str) -> int:
    """0-based position of a dimension in the data structure (SDMX-JSON ``keyPosition``)."""
    return DIMENSIONS.index(dimension_id)


@dataclass(frozen=True)
class CubeRegion:
    """The values present (mode=exact) or still selectable (mode=available) per dimension.

    Rendered as an actual ContentConstraint (SDMX 2.1) or DataConstraint (SDMX 3.0) by the availability
    routes. ``values`` maps each dimension id except TIME_PERIOD to its sorted codes; the time
    dimension is given as a range (``time_start``/``time_end``, SDMX periods, inclusive).
    ``observations`` and ``series`` count what the query matched (annotations ``obs_count``, ``series_count``).
    """

    values: Mapping[str, tuple[str, ...]]
    time_start: str | None = None
    time_end: str | None = None
    observations: int = 0
    series: int = 0
    structure: StructureRef = field(default_factory=StructureRef)
    constraint_id: str = "CC_MIGRATION_PROFILE"
