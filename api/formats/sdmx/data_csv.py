"""SDMX-CSV data messages, streamed: version 1.0 (SDMX 2.1) and 2.0 (SDMX 3.0).

Field guides: sdmx-twg/sdmx-csv tags v1.0 and v2.0.0, ``data-message/docs/sdmx-csv-field-guide.md``.
One row per observation (RFC 4180, written by the csv module); a column for every dimension, OBS_VALUE and
every attribute the message carries, whether used or not ("in case of streaming"); a missing value is an
empty cell. With ``detail=serieskeysonly|nodata`` each series is one row with empty observation columns.

Options (media-type parameters):

- ``labels``: ``id`` (codes), ``both`` (``ID: Name`` in headers and coded cells; the OBS_VALUE header of
  1.0 stays ``OBS_VALUE``), ``name`` (2.0 only: each column followed by a name column; STRUCTURE_NAME);
- ``time_format``: ``original`` or ``normalized``. Normalized turns a period into the ISO 8601 date of its
  first day (``2015`` -> ``2015-01-01``, ``2020-Q3`` -> ``2020-07-01``): the field guide asks for the most
  granular ISO 8601 form; a day is the most granular the registry's frequencies need, and the registry
  records reference periods by their start.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator

from api.formats import csv_columns as columns
from api.formats.sdmx.data_json import CODED_ATTRIBUTES
from api.formats.sdmx.data_ml21 import CHUNK_SIZE
from api.formats.sdmx.spec import DataFormat, DataOptions
from api.model.sdmx import DataMessage
from api.model.sdmx_period import PeriodError, normalized_start
from api.model.structure import DIMENSIONS, MEASURE, TIME_DIMENSION

LABELS_10 = ("id", "both")
LABELS_20 = ("id", "both", "name")
TIME_FORMATS = ("original", "normalized")
ACTIONS = {"Information": "I", "Append": "A", "Replace": "R", "Delete": "D"}


class _Labeller:
    """Headers and cells for one ``labels`` option."""

    def __init__(self, message: DataMessage, labels: str, time_format: str) -> None:
        self.message = message
        self.labels = labels
        self.time_format = time_format

    def header(self, component: str) -> str:
        if self.labels == "both":
            return f"{component}: {self.message.component_names.get(component, component)}"
        return component

    def name(self, component: str, value: str) -> str:
        """The name column of ``labels=name``: code names; a period as itself; other values left empty."""
        if value == "":
            return ""
        if component == TIME_DIMENSION:
            return self.period(value)
        if component in DIMENSIONS or component in CODED_ATTRIBUTES:
            return self.message.names.get(component, {}).get(value, value)
        return ""

    def period(self, value: str) -> str:
        if self.time_format == "normalized" and value:
            try:
                return normalized_start(value)
            except PeriodError:
                return value
        return value

    def cell(self, component: str, value: str) -> str:
        if component == TIME_DIMENSION:
            return self.period(value)
        if self.labels == "both" and value != "" and (component in DIMENSIONS or component in CODED_ATTRIBUTES):
            return f"{value}: {self.message.names.get(component, {}).get(value, value)}"
        return value


def _rows(message: DataMessage) -> Iterator[dict[str, str]]:
    """Each observation (or each series, when there are no observations) as component id -> value."""
    with_obs = message.detail not in ("serieskeysonly", "nodata")
    with_attributes = message.detail != "dataonly"
    for series in message.series():
        base = dict(zip(message.series_dimensions, series.key, strict=True))
        observations = series.observations if with_obs else ()
        if not observations:
            if not message.is_flat:
                yield base
            continue
        for obs in observations:
            cells = dict(base)
            cells.update(zip(message.observation_dimensions, obs.key, strict=True))
            cells[MEASURE] = obs.value or ""
            if with_attributes:
                cells.update((a, obs.attributes.get(a, "")) for a in message.attributes)
            yield cells


def _stream(message: DataMessage, header: list[str], lead: list[str], labeller: _Labeller,
            name_columns: bool) -> Iterator[bytes]:
    if message.frames is not None and not message.history:
        yield from columns.stream(message.frames(), header, lead, _cells(message, labeller, name_columns))
        return
    yield from _stream_records(message, header, lead, labeller, name_columns)


def _cells(message: DataMessage, labeller: _Labeller, name_columns: bool) -> list[columns.Cell]:
    """What :func:`_stream_records` writes per component, as column cells for :mod:`columns` (a cell
    function is applied once per distinct value)."""
    cells: list[columns.Cell] = []
    for component in [*DIMENSIONS, MEASURE, *message.attributes]:
        coded = component in DIMENSIONS or component in CODED_ATTRIBUTES
        changes = (component == TIME_DIMENSION and labeller.time_format == "normalized") or (
            labeller.labels == "both" and coded)
        cells.append(columns.Cell(component, _bound(labeller.cell, component) if changes else None))
        if name_columns:
            named = component == TIME_DIMENSION or coded
            cells.append(columns.Cell(component, _bound(labeller.name, component) if named else None,
                                      blank=not named))
    return cells


def _bound(method: Callable[[str, str], str], component: str) -> Callable[[str], str]:
    return lambda value: method(component, value)


def _stream_records(message: DataMessage, header: list[str], lead: list[str], labeller: _Labeller,
                    name_columns: bool) -> Iterator[bytes]:
    """The record writer: one csv row per observation of ``message.series()``."""
    components = [*DIMENSIONS, MEASURE, *message.attributes]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    for cells in _rows(message):
        row = list(lead)
        for component in components:
            value = cells.get(component, "")
            row.append(labeller.cell(component, value))
            if name_columns:
                row.append(labeller.name(component, value))
        writer.writerow(row)
        if text.tell() >= CHUNK_SIZE:
            yield text.getvalue().encode("utf-8")
            text.seek(0)
            text.truncate()
    yield text.getvalue().encode("utf-8")


def _check(value: str, allowed: tuple[str, ...], option: str, version: str) -> None:
    if value not in allowed:
        raise ValueError(f"SDMX-CSV {version} {option} must be one of {', '.join(allowed)}, not {value!r}")


def write_csv10(message: DataMessage, *, labels: str = "id", time_format: str = "original",
                dataflow_name: str | None = None) -> Iterator[bytes]:
    """SDMX-CSV 1.0: ``DATAFLOW`` (``AGENCY:ID(VERSION)``, with its name for ``labels=both``), the
    dimensions, ``OBS_VALUE``, the attributes."""
    _check(labels, LABELS_10, "labels", "1.0")
    _check(time_format, TIME_FORMATS, "timeFormat", "1.0")
    labeller = _Labeller(message, labels, time_format)
    ref = message.structure
    flow = f"{ref.agency}:{ref.dataflow_id}({ref.dataflow_version})"
    if labels == "both" and dataflow_name:
        flow = f"{flow}: {dataflow_name}"
    header = ["DATAFLOW", *(labeller.header(d) for d in DIMENSIONS), MEASURE,
              *(labeller.header(a) for a in message.attributes)]
    yield from _stream(message, header, [flow], labeller, name_columns=False)


def write_csv20(message: DataMessage, *, labels: str = "id", time_format: str = "original",
                dataflow_name: str | None = None) -> Iterator[bytes]:
    """SDMX-CSV 2.0: ``STRUCTURE`` (``dataflow``), ``STRUCTURE_ID``, ``ACTION`` (I|A|R|D), the dimensions,
    ``OBS_VALUE``, the attributes; ``labels=name`` adds ``STRUCTURE_NAME`` and a name column per component."""
    _check(labels, LABELS_20, "labels", "2.0")
    _check(time_format, TIME_FORMATS, "timeFormat", "2.0")
    labeller = _Labeller(message, labels, time_format)
    ref = message.structure
    flow_id = f"{ref.agency}:{ref.dataflow_id}({ref.dataflow_version})"
    name = dataflow_name or ref.dataflow_id
    components = [*DIMENSIONS, MEASURE, *message.attributes]
    action = ACTIONS.get(message.action, "I")
    if labels == "name":
        header = ["STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION"]
        for component in components:
            header.extend([component, message.component_names.get(component, component)])
        lead = ["dataflow", flow_id, name, action]
    else:
        header = ["STRUCTURE", "STRUCTURE_ID", "ACTION", *(labeller.header(c) for c in components)]
        lead = ["dataflow", f"{flow_id}: {name}" if labels == "both" else flow_id, action]
    yield from _stream(message, header, lead, labeller, name_columns=labels == "name")


def _csv10(message: DataMessage, options: DataOptions) -> Iterator[bytes]:
    return write_csv10(message, labels=options.labels, time_format=options.time_format,
                       dataflow_name=options.dataflow_name)


def _csv20(message: DataMessage, options: DataOptions) -> Iterator[bytes]:
    return write_csv20(message, labels=options.labels, time_format=options.time_format,
                       dataflow_name=options.dataflow_name)


_CSV = ("text/csv",)
CSV20 = DataFormat(
    id="data-csv20", media_type="application/vnd.sdmx.data+csv;version=2.0.0", title="SDMX-CSV 2.0",
    names=("csvdata", "csv"), aliases=_CSV, error="csv", labels=LABELS_20, write=_csv20, columns=True)
CSV10 = DataFormat(
    id="data-csv10", media_type="application/vnd.sdmx.data+csv;version=1.0.0", title="SDMX-CSV 1.0",
    names=("csvdata", "csv"), aliases=_CSV, error="csv", labels=LABELS_10, write=_csv10, columns=True)
