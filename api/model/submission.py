"""What a parser yields and what a submission carries (DESIGN §4, §5)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from api.config import Settings

_ROW_NUMBER = re.compile(r"[0-9]{1,9}")  # ASCII digits only: str.isdigit() also accepts '²' and '٣'
_IDENTIFIER = re.compile(r"[A-Za-z0-9_@$-]{1,100}")  # an SDMX id (IDType), at most 100 characters here
MAX_IDENTIFIER = 100


def is_identifier(text: str) -> bool:
    """Whether ``text`` can be a dataset (or agency) id: letters, digits, '_', '-', '@', '$'; 1-100 characters."""
    return _IDENTIFIER.fullmatch(text) is not None


def row_number(text: str) -> int | None:
    """The line number an ``mp:sourceRow`` literal gives (1 to 9 ASCII digits), else None."""
    return int(text) if _ROW_NUMBER.fullmatch(text) else None


@dataclass(frozen=True)
class InputLimits:
    """Bounds every submission parser applies before (or while) it reads a file, so that no input can crash or
    exhaust the process that parses it: bytes, nesting depth (JSON, XML), the length of one value (a literal,
    an IRI, a JSON string, an XML text or attribute, a CSV field) and the number of items (JSON values, RDF
    triples, XML elements, CSV rows)."""

    max_bytes: int | None = Settings.max_upload_bytes  # the defaults are the settings' (MPR_MAX_UPLOAD_BYTES ...)
    max_depth: int = Settings.upload_max_depth
    max_literal_bytes: int = Settings.upload_max_literal_bytes
    max_items: int = Settings.upload_max_items

    @classmethod
    def from_settings(cls, settings: Settings) -> InputLimits:
        """The bounds every submission parser applies (uploads, ``mpr validate`` and ``mpr load``)."""
        return cls(max_bytes=settings.max_upload_bytes, max_depth=settings.upload_max_depth,
                   max_literal_bytes=settings.upload_max_literal_bytes, max_items=settings.upload_max_items)


@dataclass(frozen=True, slots=True)
class ObservationRecord:
    """One observation as read from a file: component id -> text as written, and its 1-based line."""

    cells: dict[str, str]
    row: int | None = None


@dataclass(frozen=True)
class ParsedFile:
    """A submission file read into records, before any validation."""

    name: str
    format: str
    records: Sequence[ObservationRecord]
    columns: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    sha256: str = ""
    size: int = 0


@dataclass(frozen=True)
class Problem:
    """One finding of validation; ``row`` is the 1-based line of the input file."""

    severity: str
    rule: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    focus: str | None = None
    suggestions: tuple[str, ...] = ()  # codes the value may have meant (an unknown code), best first

    def sort_key(self) -> tuple[int, int, str, str]:
        order = {"Violation": 0, "Warning": 1, "Info": 2}
        return (self.row or 0, order.get(self.severity, 3), self.column or "", self.rule)


@dataclass(frozen=True)
class SubmissionMetadata:
    """Who submits what: the dataset-level facts the shapes require (publisher, source, licence...)."""

    dataset_id: str
    agency_id: str
    title: str = ""
    sources: tuple[str, ...] = ()
    licence: str = "https://creativecommons.org/licenses/by/4.0/"
    definition_basis: str | None = None
    methodology: str | None = None
    release: datetime | None = None
    original_url: str | None = None
    importer: str | None = None
    extra_notes: tuple[str, ...] = field(default_factory=tuple)
