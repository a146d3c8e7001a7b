"""The submission template as an Excel workbook (Office Open XML, ECMA-376 Part 1 §18) -> ObservationRecords.

The data sheet (``Data``, else the first sheet) is read like the CSV template (``template.read_table``): the
header in row 1, one observation per row, and every finding names the worksheet's row. The workbook is a zip
archive of XML parts; before openpyxl opens it, the archive's directory is checked without reading a part:

- the uncompressed size of every part and of them all (a zip bomb is refused before it expands),
- no macros (``.xlsm``, or a ``vbaProject.bin`` part), no links to other workbooks (``externalLink`` parts),
- then, in the data sheet: no hidden or very hidden sheet, and no formula cell (a figure must be a value).

It runs where the other parsers run: in the upload worker for the server (a crash costs one request), in
process for ``mpr validate`` / ``mpr load``.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from api.errors import InputFileError
from api.formats.input_limits import check_size, too_long, too_many, utf8_over
from api.formats.spec import FormatSpec, Reader
from api.formats.tabular.template import read_table
from api.model.submission import InputLimits, ParsedFile

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MACRO_MEDIA_TYPES = ("application/vnd.ms-excel.sheet.macroenabled.12",
                     "application/vnd.ms-excel.template.macroenabled.12",
                     "application/vnd.ms-excel.addin.macroenabled.12")
DATA_SHEET = "Data"
EXPANSION = 10  # the parts of a workbook may hold at most this many times the upload limit, uncompressed
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam")
MACROS_REFUSED = ("a macro-enabled workbook is refused (macros could run on the computers of those who open it): "
                  "save it as 'Excel Workbook (.xlsx)' and upload that.")
_SHOWN_FORMULAS = 5


def _refuse(name: str, why: str) -> InputFileError:
    return InputFileError(f"{name}: {why}")


def check_archive(path: Path, name: str, limits: InputLimits) -> None:
    """Refuse a workbook whose parts would expand past the bounds, or that holds macros or external links,
    reading only the archive's directory."""
    if path.suffix.lower() in MACRO_SUFFIXES:
        raise _refuse(name, MACROS_REFUSED)
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise _refuse(name, f"not an Excel workbook (.xlsx) ({exc}); save it from Excel as 'Excel Workbook' or "
                            "upload the CSV template.") from exc
    bound = (limits.max_bytes or 100 * 1024 * 1024) * EXPANSION
    total = 0
    for part in parts:
        total += part.file_size
        if part.file_size > bound or total > bound:
            raise _refuse(name, f"the workbook expands to more than {bound:,} bytes when unpacked (part "
                                f"{part.filename[:80]}); split the data into several workbooks or upload CSV.")
        lowered = part.filename.lower()
        if lowered.endswith("vbaproject.bin"):
            raise _refuse(name, "the workbook contains macros (a VBA project); save it as 'Excel Workbook (.xlsx)' "
                                "without macros and upload that.")
        if lowered.startswith("xl/externallinks/"):
            raise _refuse(name, "the workbook links to other workbooks (external links); copy the values in "
                                "(Paste Special > Values), remove the links (Data > Edit Links > Break Link) and "
                                "upload it again.")


def _text(value: object) -> str:
    """A cell's value as the CSV template would have it: numbers without a trailing '.0', dates as ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _rows(sheet: Any, name: str, limits: InputLimits) -> Iterator[tuple[int, int, list[str]]]:
    """(row, row, texts) of every worksheet row after the header; formula cells refused, bounds applied."""
    formulas: list[str] = []
    for number, row in enumerate(sheet.iter_rows(min_row=2), start=2):
        if number - 1 > limits.max_items:
            raise too_many(name, number, limits.max_items, "rows")
        texts: list[str] = []
        for cell in row:
            value = getattr(cell, "value", None)
            if getattr(cell, "data_type", None) == "f":
                formulas.append(f"{getattr(cell, 'coordinate', '?')}")
                texts.append("")
                continue
            text = _text(value)
            if (size := utf8_over(text, limits.max_literal_bytes)) is not None:
                raise too_long(name, number, size, limits.max_literal_bytes, "a cell")
            texts.append(text)
        if formulas:
            break
        yield number, number, texts
    if formulas:
        raise _refuse(name, f"sheet {sheet.title!r}: cell {formulas[0]} holds a formula; a submission takes "
                            "values only (a formula's result can change when the workbook is opened elsewhere): "
                            "copy the sheet and paste it as values (Paste Special > Values), then upload it again.")


def read_xlsx(path: Path, limits: InputLimits | None = None) -> ParsedFile:
    """Read the data sheet of a workbook within ``limits``: bytes, unpacked size, rows, the length of a cell."""
    limits = limits or InputLimits()
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror}).") from exc
    check_size(name, size, limits)
    check_archive(path, name, limits)
    with path.open("rb") as handle:
        sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
    from openpyxl import load_workbook  # here, not at the top: reading a CSV never needs openpyxl (nor numpy)

    try:
        workbook = load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds (KeyError, ValueError, XML errors) for a broken file
        raise _refuse(name, f"the workbook cannot be read ({type(exc).__name__}: {str(exc)[:200]}); save it "
                            "again from Excel as 'Excel Workbook (.xlsx)' or upload the CSV template.") from exc
    try:
        hidden = [ws.title for ws in workbook.worksheets if ws.sheet_state != "visible"]
        if hidden:
            raise _refuse(name, f"the workbook has hidden sheets ({', '.join(repr(h) for h in hidden[:5])}); "
                                "hidden content is refused so that nothing is submitted unseen: unhide or delete "
                                "them (right-click a sheet tab > Unhide) and upload it again.")
        sheet = workbook[DATA_SHEET] if DATA_SHEET in workbook.sheetnames else workbook.worksheets[0]
        header_cells = next(sheet.iter_rows(min_row=1, max_row=1), ())
        header = [_text(getattr(c, "value", None)) for c in header_cells]
        while header and not header[-1].strip():
            header.pop()
        if not header:
            raise _refuse(name, f"sheet {sheet.title!r} has no header in row 1; start from the template "
                                "(`mpr template INDICATOR --xlsx`).")
        return read_table(header, _rows(sheet, name, limits), name, sha256, size)
    finally:
        workbook.close()


def workbook_rows(path: Path, wanted: set[int]) -> tuple[list[str], dict[int, list[str]]]:
    """The header and the ``wanted`` rows (worksheet row numbers, as the report names them) of the data sheet of a
    workbook that ``read_xlsx`` has read: what the report page shows beside each finding."""
    from openpyxl import load_workbook

    with path.open("rb") as handle:  # a handle: the kept copy of an upload has no .xlsx name to go by
        return _workbook_rows(load_workbook(handle, read_only=True, data_only=False, keep_links=False), wanted)


def _workbook_rows(workbook: Any, wanted: set[int]) -> tuple[list[str], dict[int, list[str]]]:
    try:
        sheet = workbook[DATA_SHEET] if DATA_SHEET in workbook.sheetnames else workbook.worksheets[0]
        header: list[str] = []
        rows: dict[int, list[str]] = {}
        last = max(wanted, default=1)
        for number, row in enumerate(sheet.iter_rows(min_row=1, max_row=last), start=1):
            if number == 1:
                header = [_text(getattr(c, "value", None)) for c in row]
            elif number in wanted:
                rows[number] = [_text(getattr(c, "value", None)) for c in row]
        while header and not header[-1].strip():
            header.pop()
        return header, {line: cells[:len(header)] for line, cells in rows.items()}
    finally:
        workbook.close()


XLSX = FormatSpec(id="template-xlsx", media_type=XLSX_MEDIA_TYPE, title="the Excel template", suffixes=(".xlsx",))
READER = Reader(XLSX, read_xlsx)
