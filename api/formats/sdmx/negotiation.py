"""Choose the SDMX format of an answer from ``Accept`` or ``format=`` (REST v1.5 §4.6; REST v2 doc/extend.md).

:data:`FORMATS` lists every SDMX writer's declaration once; the one Accept negotiator
(:mod:`api.formats.negotiation`, RFC 9110 §12.5.1) picks among the offers of a root and kind of resource, where the
server's preference decides between equally acceptable formats, so ``*/*`` or no header gives the root's default.
``format=`` (with ``formatVersion=``) beats the header; SDMX-CSV ``labels``/``timeFormat`` come from the media type's
parameters or the query.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from api.errors import BadRequest, NotAcceptable
from api.formats.negotiation import by_name
from api.formats.negotiation import negotiate as negotiate_accept
from api.formats.sdmx.data_csv import CSV10, CSV20, TIME_FORMATS
from api.formats.sdmx.data_json import JSON10, JSON20
from api.formats.sdmx.data_ml21 import GENERIC_ML21, STRUCTURE_SPECIFIC_ML21
from api.formats.sdmx.data_ml30 import DATA_ML30
from api.formats.sdmx.spec import DataFormat, DataOptions, SdmxFormat, StructureFormat, StructureHeader
from api.formats.sdmx.structure_json import STRUCTURE_JSON20
from api.formats.sdmx.structure_ml import STRUCTURE_ML21, STRUCTURE_ML30
from api.model.sdmx import DataMessage
from api.model.sdmx_structure import StructureResult

# Every SDMX format, in the order ``format=`` candidates are tried (then kept to ``formatVersion``).
FORMATS: tuple[SdmxFormat, ...] = (GENERIC_ML21, STRUCTURE_SPECIFIC_ML21, DATA_ML30, JSON20, JSON10, CSV20, CSV10,
                                   STRUCTURE_ML21, STRUCTURE_ML30, STRUCTURE_JSON20)
# Server preference per (root, kind of resource): the first is the default (REST v1.5: SDMX-ML 2.1; v2: SDMX-JSON).
OFFERS: dict[tuple[str, str], tuple[SdmxFormat, ...]] = {
    ("v1", "structure"): (STRUCTURE_ML21, STRUCTURE_ML30, STRUCTURE_JSON20),
    ("v1", "data"): (GENERIC_ML21, STRUCTURE_SPECIFIC_ML21, DATA_ML30, JSON10, JSON20, CSV10, CSV20),
    ("v2", "structure"): (STRUCTURE_JSON20, STRUCTURE_ML30, STRUCTURE_ML21),
    ("v2", "data"): (JSON20, DATA_ML30, CSV20, CSV10, GENERIC_ML21, STRUCTURE_SPECIFIC_ML21, JSON10),
}
HISTORY_FORMATS: tuple[DataFormat, ...] = tuple(f for f in FORMATS if isinstance(f, DataFormat) and f.history)


@dataclass(frozen=True)
class Negotiated:
    """The chosen format, plus SDMX-CSV options taken from the media type or the query."""

    format: SdmxFormat
    options: dict[str, str] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return self.format.content_type

    def write_data(self, message: DataMessage, *, dataflow_name: str | None = None) -> Iterator[bytes]:
        """The chunks of a data message in the chosen format, by the writer that declared it."""
        if not isinstance(self.format, DataFormat):
            raise ValueError(f"{self.format.id} is not a data format")
        options = DataOptions(labels=self.options.get("labels", "id"),
                              time_format=self.options.get("time_format", "original"), dataflow_name=dataflow_name)
        return self.format.write(message, options)

    def write_structure(self, result: StructureResult, header: StructureHeader) -> bytes:
        """A structure message (structures, or an availability constraint) in the chosen format."""
        if not isinstance(self.format, StructureFormat):
            raise ValueError(f"{self.format.id} is not a structure format")
        return self.format.write(result, header)


def negotiate(api: str, kind: str, accept: str | None, query: dict[str, str]) -> Negotiated:
    """The format to answer with, or NotAcceptable naming what is offered (406)."""
    offered = OFFERS[(api, kind)]
    if "format" in query:
        chosen = _from_format_param(query["format"], query.get("formatVersion"), offered)
        params: dict[str, str] = {}
    else:
        choice = negotiate_accept(accept, offered, hint=" (or use ?format=)")
        chosen, params = choice.format, choice.params
    return Negotiated(chosen, _csv_options(chosen, params, query))


def check_history(negotiated: Negotiated) -> None:
    """REST v2 ``includeHistory=true`` gives one data set per version: only some formats can hold them."""
    if negotiated.format not in HISTORY_FORMATS:
        raise NotAcceptable(
            "includeHistory=true gives one data set per version, which "
            + " and ".join(f.title for f in HISTORY_FORMATS) + " can hold: ask for "
            + " or ".join(f.media_type for f in HISTORY_FORMATS) + ".")


def _from_format_param(value: str, version: str | None, offered: tuple[SdmxFormat, ...]) -> SdmxFormat:
    candidates = by_name(value, [f for f in FORMATS if f in offered], version=version)
    if not candidates:
        names = sorted({n for f in offered for n in f.names})
        raise NotAcceptable(
            f"format={value}" + (f"&formatVersion={version}" if version else "")
            + f" cannot be given here; use format= one of {', '.join(names)}, or an Accept header with one of "
            + ", ".join(f.media_type for f in offered) + "."
        )
    return candidates[0]


def _csv_options(fmt: SdmxFormat, params: dict[str, str], query: dict[str, str]) -> dict[str, str]:
    if not isinstance(fmt, DataFormat) or not fmt.labels:
        return {}
    labels = query.get("labels", params.get("labels", "id"))
    time_format = query.get("timeFormat", params.get("timeformat", "original"))
    if labels not in fmt.labels:
        raise BadRequest(f"labels={labels} is not one of {', '.join(fmt.labels)} for {fmt.media_type}.")
    if time_format not in TIME_FORMATS:
        raise BadRequest(f"timeFormat={time_format} is not one of {', '.join(TIME_FORMATS)}.")
    return {"labels": labels, "time_format": time_format}
