"""Pick the parser for a submission file by its name and first bytes (DESIGN §5: accepted formats)."""

from __future__ import annotations

from pathlib import Path

from api.errors import InputFileError
from api.formats.rdf.reader import FORMATS, read_rdf
from api.formats.sdmx.ml_input import read_sdmx_ml
from api.formats.tabular.template import read_csv
from api.model.submission import InputLimits, ParsedFile

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
XML_SUFFIXES = {".xml"}
ACCEPTED = ("the CSV template or SDMX-CSV (.csv), SDMX-ML 2.1 GenericData or StructureSpecificData or SDMX-ML 3.0 "
            "StructureSpecificData (.xml), Turtle (.ttl), JSON-LD (.jsonld) or N-Triples (.nt)")


def read_submission(path: Path, limits: InputLimits | None = None) -> ParsedFile:
    """Read the CSV template, SDMX-CSV 1.0/2.0, SDMX-ML 2.1/3.0 data, Turtle, JSON-LD or N-Triples, within
    ``limits`` (the defaults of ``InputLimits`` when None): bytes, depth, value length and item count."""
    if not path.exists():
        raise InputFileError(f"{path}: no such file.")
    if path.is_dir():
        raise InputFileError(f"{path}: is a folder, not a file.")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return read_csv(path, limits)
    if suffix in XML_SUFFIXES:
        return read_sdmx_ml(path, limits)
    if suffix in FORMATS:
        return read_rdf(path, limits)
    raise InputFileError(
        f"{path.name}: the file type '{suffix or '(none)'}' is not accepted; submit {ACCEPTED}."
    )
