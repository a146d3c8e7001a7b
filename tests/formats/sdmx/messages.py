"""DataMessages for the writer tests: a few realistic series, grouped as a data query would group them.

``RECORDS`` holds full observations (every dimension, value, attributes); :func:`build_message` groups
them by the series dimensions for any dimension at observation (or AllDimensions), as the data service does.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from api.model.sdmx import ALL_DIMENSIONS, DataMessage, Observation, Series
from api.model.structure import ATTRIBUTES, DIMENSIONS, TIME_DIMENSION

PREPARED = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
COMMENT = 'Census <2015> & "register" data'


@dataclass(frozen=True)
class Record:
    """One observation with its full key."""

    key: Mapping[str, str]
    value: str | None
    attributes: Mapping[str, str] = field(default_factory=dict)


def _key(area: str, indicator: str, year: str, sex: str = "_T", freq: str = "A") -> dict[str, str]:
    return {"FREQ": freq, "REF_AREA": area, "INDICATOR": indicator, "COUNTERPART_AREA": "_Z", "SEX": sex,
            "AGE": "_T", "MIGRATION_STATUS": "_Z", "TIME_PERIOD": year}


_STOCK = {"UNIT_MEASURE": "PS", "UNIT_MULT": "0", "CONF_STATUS": "F", "DECIMALS": "0",
          "SOURCE_DETAIL": "UN DESA International Migrant Stock 2020"}
_SHARE = {"UNIT_MEASURE": "PT", "UNIT_MULT": "0", "CONF_STATUS": "F", "DECIMALS": "1"}

RECORDS: tuple[Record, ...] = (
    Record(_key("DEU", "STK_IMM", "2015"), "10220418", {**_STOCK, "OBS_STATUS": "A"}),
    Record(_key("DEU", "STK_IMM", "2020"), "15762457", {**_STOCK, "OBS_STATUS": "A", "COMMENT": COMMENT}),
    Record(_key("DEU", "STK_IMM", "2015", sex="F"), "5020100", {**_STOCK, "OBS_STATUS": "E"}),
    Record(_key("DEU", "STK_IMM", "2020", sex="F"), None, {**_STOCK, "OBS_STATUS": "M", "CONF_STATUS": "C"}),
    Record(_key("FRA", "STK_IMM", "2015"), "7902783", {**_STOCK, "OBS_STATUS": "A"}),
    Record(_key("FRA", "STK_IMM", "2020"), "8524876", {"UNIT_MEASURE": "PS", "CONF_STATUS": "F"}),
    Record(_key("FRA", "STK_IMM_PCT", "2020"), "13.1", {**_SHARE, "OBS_STATUS": "E"}),
    Record(_key("FRA", "STK_IMM_PCT", "2020-Q3", freq="Q"), "-0.25", {**_SHARE}),
)

NAMES: dict[str, dict[str, str]] = {
    "FREQ": {"A": "Annual", "Q": "Quarterly"},
    "REF_AREA": {"DEU": "Germany", "FRA": "France"},
    "INDICATOR": {"STK_IMM": "International migrant stock", "STK_IMM_PCT": "Migrant stock, % of population"},
    "COUNTERPART_AREA": {"_Z": "Not applicable"},
    "SEX": {"_T": "Total", "F": "Female"},
    "AGE": {"_T": "All ages"},
    "MIGRATION_STATUS": {"_Z": "Not applicable"},
    "UNIT_MEASURE": {"PS": "Persons", "PT": "Percent"},
    "UNIT_MULT": {"0": "Units"},
    "OBS_STATUS": {"A": "Normal value", "E": "Estimated value", "M": "Missing value; data cannot exist"},
    "CONF_STATUS": {"F": "Free", "C": "Confidential statistical information"},
}
COMPONENT_NAMES: dict[str, str] = {
    "FREQ": "Frequency", "REF_AREA": "Reference area", "INDICATOR": "Indicator",
    "COUNTERPART_AREA": "Counterpart area", "SEX": "Sex", "AGE": "Age", "MIGRATION_STATUS": "Migration status",
    "TIME_PERIOD": "Time period", "OBS_VALUE": "Observation value", "UNIT_MEASURE": "Unit of measure",
    "UNIT_MULT": "Unit multiplier", "OBS_STATUS": "Observation status", "CONF_STATUS": "Confidentiality status",
    "DECIMALS": "Decimals", "COMMENT": "Comment", "SOURCE_DETAIL": "Source details",
}

# (dimension at observation, detail) combinations every writer is tested with.
CASES: tuple[tuple[str, str], ...] = (
    (TIME_DIMENSION, "full"),
    ("REF_AREA", "full"),
    (ALL_DIMENSIONS, "full"),
    (TIME_DIMENSION, "dataonly"),
    (TIME_DIMENSION, "serieskeysonly"),
    (TIME_DIMENSION, "nodata"),
)


def build_message(
    records: tuple[Record, ...] = RECORDS,
    dimension_at_observation: str = TIME_DIMENSION,
    detail: str = "full",
    *,
    message_id: str = "MPR-TEST-1",
) -> DataMessage:
    """A DataMessage over ``records`` grouped by the series dimensions, series ordered by key."""
    obs_dims = DIMENSIONS if dimension_at_observation == ALL_DIMENSIONS else (dimension_at_observation,)
    series_dims = tuple(d for d in DIMENSIONS if d not in obs_dims)
    attributes = () if detail == "dataonly" else ATTRIBUTES
    keys_only = detail in ("serieskeysonly", "nodata")

    def observation(record: Record) -> Observation:
        return Observation(tuple(record.key[d] for d in obs_dims), record.value,
                           {a: v for a, v in record.attributes.items() if a in attributes})

    def series() -> Iterator[Series]:
        ordered = sorted(records, key=lambda r: (tuple(r.key[d] for d in series_dims),
                                                 tuple(r.key[d] for d in obs_dims)))
        for key, group in itertools.groupby(ordered, key=lambda r: tuple(r.key[d] for d in series_dims)):
            members = list(group)
            yield Series(key, () if keys_only else tuple(observation(r) for r in members))

    return DataMessage(
        id=message_id, prepared=PREPARED, series=series, observation_dimensions=obs_dims, detail=detail,
        attributes=attributes, names=NAMES, component_names=COMPONENT_NAMES,
    )


def expected_observations(message: DataMessage) -> dict[tuple[str, ...], tuple[str | None, dict[str, str]]]:
    """Full key (DSD order) -> (value, attributes) of every observation the message holds."""
    out: dict[tuple[str, ...], tuple[str | None, dict[str, str]]] = {}
    for series in message.series():
        for obs in series.observations:
            cells = dict(zip(message.series_dimensions, series.key, strict=True))
            cells.update(zip(message.observation_dimensions, obs.key, strict=True))
            out[tuple(cells[d] for d in DIMENSIONS)] = (obs.value, dict(obs.attributes))
    return out


def expected_series_keys(message: DataMessage) -> set[tuple[str, ...]]:
    return {series.key for series in message.series()}


def large_message(observations: int, *, dimension_at_observation: str = TIME_DIMENSION) -> DataMessage:
    """A generated message of ``observations`` observations, built lazily: 40 years per series, series
    over 250 areas x 25 indicators (as many distinct codes as the registry really has)."""
    years = [str(1980 + i) for i in range(40)]
    areas = [f"A{i:03d}" for i in range(250)]

    def series() -> Iterator[Series]:
        made = 0
        index = 0
        while made < observations:
            count = min(len(years), observations - made)
            key = ("A", areas[index % len(areas)], f"IND_{index // len(areas):02d}", "_Z", "_T", "_T", "_Z")
            yield Series(key, tuple(
                Observation((years[i],), f"{(index * 7919 + i * 104729) % 10_000_000}.5",
                            {"UNIT_MEASURE": "PS", "OBS_STATUS": "A", "CONF_STATUS": "F"})
                for i in range(count)))
            made += count
            index += 1

    return DataMessage(id="MPR-LARGE", prepared=PREPARED, series=series,
                       observation_dimensions=(dimension_at_observation,))
