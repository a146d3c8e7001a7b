"""Which writer renders which negotiated SDMX format (one module per format lives in api/formats)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from api.formats.sdmx import data_csv as sdmx_data_csv
from api.formats.sdmx import data_json as sdmx_data_json
from api.formats.sdmx import data_ml21 as sdmx_data_ml21
from api.formats.sdmx import data_ml30 as sdmx_data_ml30
from api.formats.sdmx import structure_json as sdmx_structure_json
from api.formats.sdmx import structure_ml as sdmx_structure_ml
from api.formats.sdmx.negotiation import Negotiated
from api.model.sdmx import DataMessage
from api.model.sdmx_structure import StructureResult


def data(message: DataMessage, negotiated: Negotiated, *, dataflow_name: str | None = None) -> Iterator[bytes]:
    """The chunks of a data message in the negotiated format."""
    fmt = negotiated.format.id
    options = negotiated.options
    if fmt == "generic-ml21":
        return sdmx_data_ml21.write_generic_ml21(message)
    if fmt == "ss-ml21":
        return sdmx_data_ml21.write_structure_specific_ml21(message)
    if fmt == "data-ml30":
        return sdmx_data_ml30.write_ml30(message)
    if fmt == "data-json10":
        return sdmx_data_json.write_json10(message, layout="legacy")
    if fmt == "data-json20":
        return sdmx_data_json.write_json20(message)
    if fmt == "data-csv10":
        return sdmx_data_csv.write_csv10(message, labels=options["labels"], time_format=options["time_format"],
                                         dataflow_name=dataflow_name)
    if fmt == "data-csv20":
        return sdmx_data_csv.write_csv20(message, labels=options["labels"], time_format=options["time_format"],
                                         dataflow_name=dataflow_name)
    raise ValueError(f"{fmt} is not a data format")


def structure(result: StructureResult, negotiated: Negotiated, *, message_id: str, prepared: datetime,
              sender: str) -> bytes:
    """A structure message (structures, or an availability constraint) in the negotiated format."""
    fmt = negotiated.format.id
    if fmt == "structure-ml21":
        return sdmx_structure_ml.write_structure_ml(result, "2.1", message_id=message_id, prepared=prepared,
                                                    sender=sender)
    if fmt == "structure-ml30":
        return sdmx_structure_ml.write_structure_ml(result, "3.0", message_id=message_id, prepared=prepared,
                                                    sender=sender)
    if fmt == "structure-json20":
        return sdmx_structure_json.write_structure_json(result, message_id=message_id, prepared=prepared,
                                                        sender=sender)
    raise ValueError(f"{fmt} is not a structure format")
