"""SDMX-JSON data messages, streamed: version 1.0 (SDMX 2.1) and 2.0 (SDMX 3.0).

Field guides: sdmx-twg/sdmx-json tag v1.0 and v2.0.0, ``data-message/docs/1-sdmx-json-field-guide.md``.
Every dimension and attribute value must be listed in ``structure`` before the observations refer to
them by index, so ``message.series()`` is read twice: once to collect the distinct values (memory bounded
by the number of distinct values), once to write the data set. Values are sorted (periods by their
start date). Only attributes with at least one value are listed. A missing OBS_VALUE is ``null``.

SDMX-JSON 1.0 comes in two layouts (keyword ``layout``):

- ``"standard"``: ``{"meta", "data": {"structure", "dataSets"}}`` as the v1.0 field guide and JSON schema say;
- ``"legacy"``: ``{"meta", "structure", "dataSets"}`` at the top level, as in the v1.0 samples (and the
  ECB/OECD services of the time). This is the only one sdmx1's JSON reader reads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl

from api.formats.sdmx.data_ml21 import ChunkBuffer, xml_datetime
from api.formats.sdmx.spec import DataFormat
from api.model.sdmx import DataMessage, DataVersion, Observation, dimension_position
from api.model.sdmx_period import PeriodError, period_range
from api.model.structure import MEASURE, TIME_DIMENSION

SCHEMA_10 = ("https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/data-message/tools/schemas/1.0/"
             "sdmx-json-data-schema.json")
SCHEMA_20 = ("https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/data-message/tools/schemas/2.0.0/"
             "sdmx-json-data-schema.json")
LAYOUTS = ("standard", "legacy")

# Attributes whose values are codes of a code list (the others are free text or numbers).
CODED_ATTRIBUTES = frozenset({"UNIT_MEASURE", "UNIT_MULT", "OBS_STATUS", "CONF_STATUS"})

_JSON_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_number(value: str | None) -> str:
    """The JSON token for an observation value: the decimal text as a number, ``null`` when missing."""
    if value is None or value == "":
        return "null"
    text = value.strip()
    if _JSON_NUMBER.fullmatch(text):
        return text
    try:
        number = Decimal(text)
    except InvalidOperation:
        return _dumps(text)  # not a number: keep the text rather than lose it
    if not number.is_finite():
        return "null"
    return format(number, "f")


def _period_sort_key(code: str) -> tuple[str, str, str]:
    try:
        start, end = period_range(code)
    except PeriodError:
        return ("9999", "", code)
    return (start.isoformat(), end.isoformat(), code)


@dataclass
class _Values:
    """Distinct values of one component, collected in the first pass, then indexed."""

    seen: dict[str, None] = field(default_factory=dict)
    index: dict[str, int] = field(default_factory=dict)

    def freeze(self, sort_key: Callable[[str], Any]) -> list[str]:
        ordered = sorted(self.seen, key=sort_key)
        self.index = {v: i for i, v in enumerate(ordered)}
        return ordered


@dataclass
class _Collected:
    dimensions: dict[str, _Values]
    attributes: dict[str, _Values]
    listed_attributes: list[str] = field(default_factory=list)


def _by_columns(message: DataMessage) -> bool:
    """Whether the message's frames are written (series with TIME_PERIOD at observation level, one data set)."""
    return (message.frames is not None and not message.history and not message.is_flat
            and message.detail not in ("serieskeysonly", "nodata"))


def _collect(message: DataMessage) -> _Collected:
    collected = _Collected({d: _Values() for d in (*message.series_dimensions, *message.observation_dimensions)},
                           {a: _Values() for a in message.attributes})
    if _by_columns(message):
        return _collect_columns(message, collected)
    with_obs = message.detail not in ("serieskeysonly", "nodata")
    with_attributes = message.detail != "dataonly"
    for series in message.series():
        for dim, code in zip(message.series_dimensions, series.key, strict=True):
            collected.dimensions[dim].seen[code] = None
        for obs in series.observations if with_obs else ():
            for dim, code in zip(message.observation_dimensions, obs.key, strict=True):
                collected.dimensions[dim].seen[code] = None
            if with_attributes:
                for attr, values in collected.attributes.items():
                    value = obs.attributes.get(attr, "")
                    if value != "":
                        values.seen[value] = None
    collected.listed_attributes = [a for a in message.attributes if collected.attributes[a].seen]
    return collected


def _name(message: DataMessage, component: str, code: str) -> str:
    return message.names.get(component, {}).get(code, code)


def _component_name(message: DataMessage, component: str) -> str:
    return message.component_names.get(component, component)


def _dimension(message: DataMessage, dim: str, values: _Values) -> dict[str, Any]:
    codes = values.freeze(_period_sort_key if dim == TIME_DIMENSION else str)
    listed: list[dict[str, Any]] = []
    for code in codes:
        item: dict[str, Any] = {"id": code, "name": _name(message, dim, code)}
        if dim == TIME_DIMENSION:
            try:
                start, end = period_range(code)
            except PeriodError:
                pass
            else:
                item["start"] = f"{start.isoformat()}T00:00:00Z"
                item["end"] = f"{end.isoformat()}T23:59:59Z"
        listed.append(item)
    out: dict[str, Any] = {"id": dim, "name": _component_name(message, dim), "keyPosition": dimension_position(dim)}
    if dim == TIME_DIMENSION:
        out["roles"] = [TIME_DIMENSION]
    out["values"] = listed
    return out


def _attribute(message: DataMessage, attr: str, values: _Values, version: str) -> dict[str, Any]:
    codes = values.freeze(str)
    if attr in CODED_ATTRIBUTES:
        listed = [{"id": c, "name": _name(message, attr, c)} for c in codes]
    elif version == "1.0":
        listed = [{"name": c} for c in codes]
    else:
        listed = [{"value": c} for c in codes]
    relationship: dict[str, Any] = {"primaryMeasure": MEASURE} if version == "1.0" else {"observation": {}}
    return {"id": attr, "name": _component_name(message, attr), "relationship": relationship, "values": listed}


def _structure(message: DataMessage, collected: _Collected, version: str) -> dict[str, Any]:
    ref = message.structure
    links = [{"urn": ref.dataflow_urn, "rel": "dataflow"}, {"urn": ref.dsd_urn, "rel": "datastructure"}]
    series = [_dimension(message, d, collected.dimensions[d]) for d in message.series_dimensions]
    observation = [_dimension(message, d, collected.dimensions[d]) for d in message.observation_dimensions]
    if version == "2.0":  # the 2.0 schema wants at least one value per listed dimension
        series = [d for d in series if d["values"]]
        observation = [d for d in observation if d["values"]]
    attributes = [_attribute(message, a, collected.attributes[a], version) for a in collected.listed_attributes]
    structure: dict[str, Any] = {
        "links": links,
        "dimensions": {"dataSet": [], "series": series, "observation": observation},
    }
    if version == "2.0":
        structure["measures"] = {"observation": [{"id": MEASURE, "name": _component_name(message, MEASURE)}]}
    structure["attributes"] = {"dataSet": [], "series": [], "observation": attributes}
    if version == "2.0":
        structure["dataSets"] = list(range(len(message.history) or 1))
    return structure


def _observation(collected: _Collected, message: DataMessage, obs: Observation) -> str:
    cells = [json_number(obs.value)]
    indexes: list[int | None] = []
    if message.detail != "dataonly":
        for attr in collected.listed_attributes:
            value = obs.attributes.get(attr, "")
            indexes.append(collected.attributes[attr].index[value] if value != "" else None)
    while indexes and indexes[-1] is None:
        indexes.pop()
    cells.extend("null" if i is None else str(i) for i in indexes)
    key = ":".join(str(collected.dimensions[d].index[c])
                   for d, c in zip(message.observation_dimensions, obs.key, strict=True))
    return f'"{key}":[{",".join(cells)}]'


def _data_set(message: DataMessage, collected: _Collected, version: str, buffer: ChunkBuffer,
              validity: DataVersion | None = None) -> Iterator[bytes]:
    ref = message.structure
    head: dict[str, Any] = {"action": message.action,
                            "links": [{"urn": ref.dataflow_urn, "rel": "dataflow"}]}
    if version == "2.0":
        head = {"structure": 0, **head}
    if validity is not None:
        head["validFrom"] = xml_datetime(validity.valid_from)
        if validity.valid_to is not None:
            head["validTo"] = xml_datetime(validity.valid_to)
    buffer.add(_dumps(head)[:-1])
    with_obs = message.detail not in ("serieskeysonly", "nodata")
    if message.is_flat:
        buffer.add(',"observations":{')
        first = True
        for series in message.series():
            for obs in series.observations if with_obs else ():
                buffer.add(("" if first else ",") + _observation(collected, message, obs))
                first = False
                if buffer.full:
                    yield buffer.take()
        buffer.add("}}")
        return
    buffer.add(',"series":{')
    yield from (_series_columns if _by_columns(message) else _series_records)(message, collected, buffer)
    buffer.add("}}")


def _series_records(message: DataMessage, collected: _Collected, buffer: ChunkBuffer) -> Iterator[bytes]:
    with_obs = message.detail not in ("serieskeysonly", "nodata")
    first_series = True
    for series in message.series():
        key = ":".join(str(collected.dimensions[d].index[c])
                       for d, c in zip(message.series_dimensions, series.key, strict=True))
        buffer.add(("" if first_series else ",") + f'"{key}":{{"observations":{{')
        first_series = False
        first = True
        for obs in series.observations if with_obs else ():
            buffer.add(("" if first else ",") + _observation(collected, message, obs))
            first = False
            if buffer.full:
                yield buffer.take()
        buffer.add("}}")
        if buffer.full:
            yield buffer.take()


# -- from whole columns (DataMessage.frames): the same bytes as the record path above ----------------------------
_PLAIN_NUMBER = r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$"  # json_number gives it unchanged


def _collect_columns(message: DataMessage, collected: _Collected) -> _Collected:
    with_attributes = message.detail != "dataonly"
    for frame in message.frames():  # type: ignore[misc]
        for dim, values in collected.dimensions.items():
            values.seen.update(dict.fromkeys(frame.get_column(dim).drop_nulls().unique().to_list()))
        if with_attributes:
            for attr, values in collected.attributes.items():
                found = frame.get_column(attr).drop_nulls().unique().to_list()
                values.seen.update(dict.fromkeys(v for v in found if v != ""))
    collected.listed_attributes = [a for a in message.attributes if collected.attributes[a].seen]
    return collected


def _indexes(column: str, values: _Values) -> pl.Expr:
    """The index of each value in its component's list (every non-empty value is listed), ``null`` if none."""
    codes = list(values.index)
    text = pl.col(column)
    return pl.when(text.is_null() | (text == "")).then(pl.lit("null")).otherwise(
        text.replace(codes, [str(values.index[c]) for c in codes]))


def _series_columns(message: DataMessage, collected: _Collected, buffer: ChunkBuffer) -> Iterator[bytes]:
    """Each frame's series as ``"key":{"observations":{...}}`` built by column expressions."""
    first = True
    for frame in message.frames():  # type: ignore[misc]
        if not frame.height:
            continue
        value = pl.col(MEASURE)
        plain = value.str.contains(_PLAIN_NUMBER).fill_null(False)
        others = [v for v in frame.filter(~plain).get_column(MEASURE).unique().to_list() if v is not None]
        cells = [pl.when(plain).then(value).when(value.is_null()).then(pl.lit("null")).otherwise(
            value.replace(others, [json_number(v) for v in others]))]
        if message.detail != "dataonly":
            cells += [_indexes(a, collected.attributes[a]) for a in collected.listed_attributes]
        values = pl.concat_str(cells, separator=",").str.replace(r"(,null)+$", "")
        time = _indexes(TIME_DIMENSION, collected.dimensions[TIME_DIMENSION])
        observation = pl.concat_str([pl.lit('"'), time, pl.lit('":['), values, pl.lit("]")])
        key = pl.concat_str([_indexes(d, collected.dimensions[d]) for d in message.series_dimensions],
                            separator=":")
        grouped = frame.with_columns(observation.alias("_OBS"), key.alias("_KEY")).group_by(
            "_KEY", maintain_order=True).agg(pl.col("_OBS").str.join(","))
        text = grouped.select(pl.concat_str([pl.lit('"'), pl.col("_KEY"), pl.lit('":{"observations":{'),
                                             pl.col("_OBS"), pl.lit("}}")]).str.join(",")).item()
        buffer.add(("" if first else ",") + text)
        first = False
        yield buffer.take()


def _meta(message: DataMessage, schema: str) -> dict[str, Any]:
    return {"schema": schema, "id": message.id, "test": False, "prepared": xml_datetime(message.prepared),
            "contentLanguages": [message.language], "sender": {"id": message.sender}}


def write_json10(message: DataMessage, *, layout: str = "standard") -> Iterator[bytes]:
    """SDMX-JSON 1.0 data message (``application/vnd.sdmx.data+json;version=1.0.0``).

    Component values carry ``name`` only (sdmx1 cannot read ``names``), attributes are related to the
    primary measure, uncoded attribute values are ``{"name": text}``.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    collected = _collect(message)
    structure = _dumps(_structure(message, collected, "1.0"))
    buffer = ChunkBuffer()
    meta = _dumps(_meta(message, SCHEMA_10))
    if layout == "standard":
        buffer.add(f'{{"meta":{meta},"data":{{"structure":{structure},"dataSets":[')
    else:
        buffer.add(f'{{"meta":{meta},"structure":{structure},"dataSets":[')
    yield from _data_set(message, collected, "1.0", buffer)
    buffer.add("]}}" if layout == "standard" else "]}")
    yield buffer.take()


def write_json20(message: DataMessage) -> Iterator[bytes]:
    """SDMX-JSON 2.0 data message (``application/vnd.sdmx.data+json;version=2.0.0``): one structure with
    its measures, attributes related to the observation, uncoded attribute values as ``{"value": text}``."""
    collected = _collect(message)
    structure = _dumps(_structure(message, collected, "2.0"))
    buffer = ChunkBuffer()
    buffer.add(f'{{"meta":{_dumps(_meta(message, SCHEMA_20))},"data":{{"structures":[{structure}],"dataSets":[')
    if not message.history:
        yield from _data_set(message, collected, "2.0", buffer)
    for position, version in enumerate(message.history):
        buffer.add("," if position else "")
        yield from _data_set(replace(message, series=version.series), collected, "2.0", buffer, version)
    buffer.add("]}}")
    yield buffer.take()


_JSON = ("application/json",)
JSON20 = DataFormat(
    id="data-json20", media_type="application/vnd.sdmx.data+json;version=2.0.0", title="SDMX-JSON 2.0",
    names=("jsondata", "json"), aliases=_JSON, error="json20", history=True, columns=True,
    write=lambda message, _options: write_json20(message))
JSON10 = DataFormat(
    id="data-json10", media_type="application/vnd.sdmx.data+json;version=1.0.0", title="SDMX-JSON 1.0",
    names=("jsondata", "json"), aliases=_JSON, error="json10", columns=True,
    write=lambda message, _options: write_json10(message, layout="legacy"))
