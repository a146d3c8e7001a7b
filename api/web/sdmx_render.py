"""Which writer renders which negotiated SDMX format (one module per format lives in api/formats)."""

from __future__ import annotations

from collections.abc import Iterator

from api.formats import (
    sdmx_data_csv,
    sdmx_data_json,
    sdmx_data_ml21,
    sdmx_data_ml30,
)
from api.formats.sdmx_negotiation import Negotiated
from api.model.sdmx import DataMessage


def data(message: DataMessage, negotiated: Negotiated) -> Iterator[bytes]:
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
        return sdmx_data_csv.write_csv10(message, labels=options["labels"], time_format=options["time_format"])
    if fmt == "data-csv20":
        return sdmx_data_csv.write_csv20(message, labels=options["labels"], time_format=options["time_format"])
    raise ValueError(f"{fmt} is not a data format")
