"""Pick the reader of a submission file by its suffix or Content-Type (DESIGN §5: accepted formats).

:data:`READERS` lists every upload reader once (each declared beside its code: the CSV template, SDMX-ML data,
the RDF serialisations); the suffixes, the media types of a raw-body upload, the messages that name what is
accepted and the upload's OpenAPI body are all derived from it.
"""

from __future__ import annotations

from pathlib import Path

from api.errors import InputFileError
from api.formats.rdf import reader as rdf_reader
from api.formats.sdmx import ml_input
from api.formats.spec import Reader
from api.formats.tabular import template, xlsx_input
from api.model.submission import InputLimits, ParsedFile

READERS: tuple[Reader, ...] = (template.READER, xlsx_input.READER, ml_input.READER, *rdf_reader.READERS)
SUFFIXES: tuple[str, ...] = tuple(s for r in READERS for s in r.format.suffixes)
MEDIA_TYPES: tuple[str, ...] = tuple(m for r in READERS for m in r.media_types)


def _names(parts: list[str]) -> str:
    return ", ".join(parts[:-1]) + f" or {parts[-1]}" if len(parts) > 1 else "".join(parts)


def accepted(*, media_types: bool = False) -> str:
    """What uploads may be, for people: each reader's format with its suffixes (and media types)."""
    def one(reader: Reader) -> str:
        names = [*reader.format.suffixes, *(reader.media_types if media_types else ())]
        return f"{reader.format.title} ({', '.join(names)})"
    return _names([one(r) for r in READERS])


def reader_for_suffix(suffix: str) -> Reader | None:
    """The reader of files named with ``suffix`` (``.csv``), or None."""
    return next((r for r in READERS if suffix.lower() in r.format.suffixes), None)


def is_macro_workbook(file_name: str | None, media_type: str | None) -> bool:
    """Whether an upload names a macro-enabled workbook (``.xlsm``, its media types): refused, saying why."""
    suffix = Path(file_name).suffix.lower() if file_name else ""
    wanted = (media_type or "").split(";", 1)[0].strip().lower()
    return suffix in xlsx_input.MACRO_SUFFIXES or wanted in xlsx_input.MACRO_MEDIA_TYPES


def suffix_for_media_type(media_type: str) -> str | None:
    """The file suffix the readers choose by for a raw body of ``media_type`` (``text/turtle`` -> ``.ttl``)."""
    wanted = media_type.split(";", 1)[0].strip().lower()
    return next((r.format.suffixes[0] for r in READERS if wanted in r.media_types), None)


def read_submission(path: Path, limits: InputLimits | None = None) -> ParsedFile:
    """Read the CSV or Excel template, SDMX-CSV 1.0/2.0, SDMX-ML 2.1/3.0 data, Turtle, JSON-LD or N-Triples, within
    ``limits`` (the defaults of ``InputLimits`` when None): bytes, depth, value length and item count."""
    if not path.exists():
        raise InputFileError(f"{path}: no such file.")
    if path.is_dir():
        raise InputFileError(f"{path}: is a folder, not a file.")
    reader = reader_for_suffix(path.suffix)
    if path.suffix.lower() in xlsx_input.MACRO_SUFFIXES:
        raise InputFileError(f"{path.name}: {xlsx_input.MACROS_REFUSED}")
    if reader is None:
        raise InputFileError(
            f"{path.name}: the file type '{path.suffix.lower() or '(none)'}' is not accepted; submit {accepted()}.")
    return reader.read(path, limits)
