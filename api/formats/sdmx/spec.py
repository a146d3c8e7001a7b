"""What an SDMX format declares beside its writer: media type, ``format=`` names, error family, writer.

Each writer module declares its formats once (``data_ml21.GENERIC_ML21`` ...); ``negotiation.FORMATS`` lists
them. Media types and ``format=`` names: SDMX REST v1.5 §4.6 (``4_6_content_negotiation.md``) and REST v2
``doc/extend.md``; ``error`` names the error-message family of ``error.py`` (REST v1.5 §4.7).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from api.formats.spec import FormatSpec
from api.model.sdmx import DataMessage
from api.model.sdmx_structure import StructureResult


@dataclass(frozen=True)
class DataOptions:
    """What a data writer takes beside the message: SDMX-CSV ``labels`` and ``timeFormat``, the flow's name."""

    labels: str = "id"
    time_format: str = "original"
    dataflow_name: str | None = None


@dataclass(frozen=True)
class StructureHeader:
    """The header of a structure message: its id, when it was prepared, who sends it."""

    message_id: str
    prepared: datetime
    sender: str


DataWriter = Callable[[DataMessage, DataOptions], Iterator[bytes]]
StructureWriter = Callable[[StructureResult, StructureHeader], bytes]


@dataclass(frozen=True, kw_only=True)
class SdmxFormat(FormatSpec):
    """An SDMX representation; ``error`` is the family its error messages take (``error.KINDS``)."""

    error: str


@dataclass(frozen=True, kw_only=True)
class DataFormat(SdmxFormat):
    """A data message format; ``history``: it holds one data set per version (REST v2 ``includeHistory``);
    ``labels``: the SDMX-CSV ``labels`` values it takes (none: not a CSV format, no options); ``columns``: its
    writer renders ``DataMessage.frames`` (whole columns) when the message has them."""

    write: DataWriter
    history: bool = False
    labels: tuple[str, ...] = ()
    columns: bool = False


@dataclass(frozen=True, kw_only=True)
class StructureFormat(SdmxFormat):
    """A structure message format (structures and availability constraints)."""

    write: StructureWriter
