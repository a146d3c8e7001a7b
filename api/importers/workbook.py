"""Reading publishers' Excel workbooks cell by cell (issue: bilateral importers; DESIGN §5 "parse").

The UN DESA and KNOMAD workbooks are read the same way: the file is opened (an unreadable, empty or
truncated file is an InputFileError naming what was expected), each sheet is read as a list of rows, a cell
that is not of the layout raises an error naming sheet, row and cell, and names without codes are mapped
through the registry's areas (``NameMapper``), counting what could not be mapped.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook as OpenpyxlWorkbook

from api.errors import InputFileError
from api.importers.areas import AreaIndex
from api.importers.base import read_original

Row = tuple[Any, ...]
NOT_AVAILABLE = frozenset({"", "..", "\u2026", "..."})  # not available; KNOMAD writes an ellipsis once
NIL = frozenset({"\u2014", "\u2013", "-"})  # em dash, en dash: nil or negligible
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
_NOTE = re.compile(r"\s*\([^()]*\)\s*$")  # "Israel (using CB data)": a publisher's note after the name
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")


@dataclass(frozen=True)
class Workbook:
    """A workbook's bytes' facts and its sheets' rows (index 0 = row 1)."""

    name: str
    sha256: str
    size: int
    sheets: dict[str, list[Row]]


def open_xlsx(data: bytes, name: str, expected: str) -> OpenpyxlWorkbook:
    """The bytes of an .xlsx file opened for streaming (read-only, cached values, no formulas); InputFileError
    (exit 2) naming ``expected`` when they are not a workbook or a truncated one. The caller closes it."""
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError, ValueError, EOFError) as exc:
        raise InputFileError(f"{name}: line 1: not an Excel workbook (.xlsx), or a truncated one ({exc}); expected "
                             f"{expected}.", details={"line": 1}) from exc


def read_workbook(path: Path, expected: str) -> Workbook:
    """Every sheet of an .xlsx file as rows of values; InputFileError (exit 2) when it cannot be read."""
    data = read_original(path, expected)
    book = open_xlsx(data, path.name, expected)
    try:
        sheets = {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    except (BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
        raise InputFileError(f"{path.name}: the workbook is damaged or truncated ({exc}); expected {expected}.",
                             details={"line": 1}) from exc
    finally:
        book.close()
    return Workbook(path.name, hashlib.sha256(data).hexdigest(), len(data), sheets)


def cell(row: Row, column: int) -> Any:
    """The value in 1-based ``column`` of ``row`` (None past its end)."""
    return row[column - 1] if len(row) >= column else None


def text(value: object) -> str:
    return "" if value is None else str(value).strip()


def cell_name(row: int, column: int) -> str:
    return f"{get_column_letter(column)}{row}"


def layout_error(name: str, sheet: str, row: int, column: int, expected: str, found: object,
                 reads: str) -> InputFileError:
    """The error for a cell that is not of the layout: where, what was expected, what the importer reads."""
    shown = repr(found)
    if len(shown) > 120:
        shown = shown[:117] + "..."
    where = cell_name(row, column)
    return InputFileError(
        f"{name}: sheet '{sheet}' row {row} (cell {where}): expected {expected}; found {shown}. "
        f"The importer reads {reads}.",
        details={"sheet": sheet, "row": row, "cell": where},
    )


def decimal_text(raw: object) -> str | None:
    """A cell as plain decimal text; None for 'not available' (empty, '..', '…'); ValueError otherwise."""
    if raw is None or isinstance(raw, bool):
        if raw is None:
            return None
        raise ValueError(raw)
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        number = Decimal(repr(raw))
    else:
        value = text(raw)
        if value in NOT_AVAILABLE:
            return None
        if value in NIL:
            return "0"
        if not _NUMBER.fullmatch(value):
            raise ValueError(value)
        number = Decimal(value)
    shown = format(number, "f")
    if "." in shown:
        shown = shown.rstrip("0").rstrip(".")
    return shown if shown not in ("", "-0") else "0"


def year_in(value: str) -> str | None:
    """The first year (1950-2099) a title names."""
    found = _YEAR.search(value)
    return found.group(1) if found else None


@dataclass
class NameMapper:
    """Publisher names -> area codes through the registry's area list, remembering what was not mapped.

    A name is tried as written (trailing '*' note marks and spaces removed), then without a trailing
    parenthesised note ("Zimbabwe (using CB data for 2021 & 2022)" -> "Zimbabwe"). ``skip`` holds names that
    are known not to be areas (residual groups such as "Other North"); they are reported apart.
    """

    areas: AreaIndex
    skip: frozenset[str] = frozenset()
    unmapped: Counter[str] = field(default_factory=Counter)
    residual: Counter[str] = field(default_factory=Counter)
    noted: dict[str, str] = field(default_factory=dict)  # name with note -> area

    def area(self, raw: object) -> str | None:
        name = text(raw).rstrip("*").strip()
        if not name:
            return None
        if name in self.skip:
            return None
        found = self.areas.code(name) if name.isdigit() else self.areas.name(name)
        if found is None and _NOTE.search(name):
            found = self.areas.name(_NOTE.sub("", name))
            if found is not None:
                self.noted[name] = found
        return found

    def count_unmapped(self, raw: object, values: int = 1) -> None:
        name = text(raw).rstrip("*").strip()
        (self.residual if name in self.skip else self.unmapped)[name] += values

    def notes(self) -> list[str]:
        out = []
        if self.noted:
            out.append("names with the publisher's note mapped without it: "
                       + "; ".join(f"{n} -> {a}" for n, a in sorted(self.noted.items())) + ".")
        if self.residual:
            out.append("residual groups that are not areas, not imported: "
                       + ", ".join(f"{n} ({c} values)" for n, c in sorted(self.residual.items())) + ".")
        if self.unmapped:
            out.append(f"{len(self.unmapped)} names not mapped to an area (their values are not imported): "
                       + ", ".join(sorted(self.unmapped)) + ".")
        return out

    def report(self) -> dict[str, int]:
        """What ImportResult.unmapped lists: every name not mapped (residual groups too), with its values."""
        return dict(self.unmapped + self.residual)
