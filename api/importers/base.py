"""What every importer returns and receives (issue: `mpr import SOURCE FILE`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from api.errors import InputFileError
from api.model.catalogue import Catalogue
from api.model.submission import ParsedFile, SubmissionMetadata

if TYPE_CHECKING:
    from api.importers.areas import AreaIndex


@dataclass(frozen=True)
class ImportContext:
    areas: AreaIndex
    catalogue: Catalogue
    # counts above 0 and below it are withheld by the registry after import; importers that derive figures from
    # one count (IOM's sums) withhold those too, so that a withheld count is not revealed by its companions
    disclosure_threshold: int = 0


@dataclass(frozen=True)
class ImportResult:
    """A publisher's file read as a submission, with what could not be mapped.

    ``parsed.records`` carry the template's columns (SDMX component ids) and ``row`` = the
    1-based line (CSV) or worksheet row (xlsx) of the publisher's file the value came from.
    ``unmapped`` counts, per publisher name or code, the values skipped because no area matched.
    """

    parsed: ParsedFile
    metadata: SubmissionMetadata
    unmapped: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


class Importer(Protocol):
    name: str

    def read(self, path: Path, context: ImportContext) -> ImportResult: ...


def read_original(path: Path, expected: str) -> bytes:
    """The bytes of a publisher's file; InputFileError (exit 2) naming the file and ``expected`` (the layout,
    e.g. "a WDI API_*.csv download") when it cannot be read or holds nothing (a BOM and white space count as
    nothing)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"{path.name}: cannot be read ({exc.strerror}); expected {expected}.") from exc
    if not data.strip(b"\xef\xbb\xbf \t\r\n"):
        raise InputFileError(f"{path.name}: line 1: the file is empty; expected {expected}.", details={"line": 1})
    return data
