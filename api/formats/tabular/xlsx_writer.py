"""A country profile and a comparison as Excel workbooks (ECMA-376 SpreadsheetML, written with openpyxl).

One sheet of figures (a header row, then one row per figure, numbers as numbers) and one of sources (each
dataset once: title, agency, licence, version). Text cells are written as text, never as formulas, so that a
value beginning with ``=``, ``+``, ``-`` or ``@`` cannot run in the reader's spreadsheet.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from api.formats.spec import FormatSpec
from api.formats.tabular.xlsx_input import XLSX_MEDIA_TYPE
from api.model.read_api import ComparisonOut, ProfileOut, Provenance

XLSX_TABLES = FormatSpec(id="xlsx", media_type=XLSX_MEDIA_TYPE, title="Excel workbook", names=("xlsx",),
                         suffixes=(".xlsx",))
Cell = str | int | float | None


def _fill(sheet: Worksheet, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> None:
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text as typed: never evaluated as a formula
    sheet.freeze_panes = "A2"


def _sources(book: Workbook, provenances: Iterable[Provenance]) -> None:
    seen: dict[str, Provenance] = {}
    for provenance in provenances:
        seen.setdefault(provenance.dataset, provenance)
    _fill(book.create_sheet("Sources"), ("DATASET", "TITLE", "AGENCY", "VERSION", "SUBMITTED", "LICENCE"),
          ((p.dataset, p.dataset_title, p.agency, p.version, p.submitted.isoformat(), p.licence)
           for _, p in sorted(seen.items())))


def _bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def profile_workbook(profile: ProfileOut) -> bytes:
    """Every indicator of the profile with its figures (one row per period), then the gaps, then the sources."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"Profile {profile.area.code}"[:31]
    rows: list[Sequence[Cell]] = []
    for section in profile.sections:
        for item in section.indicators:
            for point in item.series:
                rows.append((section.label, item.id, item.label, point.period, point.value, item.unit,
                             item.unit_multiplier, item.provenance.dataset))
        for gap in section.gaps:
            rows.append((section.label, gap.id, gap.label, None, None, None, None, None))
    _fill(sheet, ("SECTION", "INDICATOR", "LABEL", "TIME_PERIOD", "OBS_VALUE", "UNIT", "UNIT_MULT", "DATASET"), rows)
    _sources(book, (i.provenance for s in profile.sections for i in s.indicators))
    return _bytes(book)


def comparison_workbook(comparison: ComparisonOut) -> bytes:
    """The ranked rows with their flags, then the comparability notes, then the sources."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"Compare {comparison.indicator}"[:31]
    _fill(sheet, ("RANK", "REF_AREA", "AREA", "TIME_PERIOD", "OBS_VALUE", "UNIT", "UNIT_MULT", "OBS_STATUS",
                  "FLAGS", "DATASET"),
          ((r.rank, r.area, r.area_label, r.period, r.value, r.unit, comparison.unit_multiplier, r.status,
            " ".join(r.flags), r.provenance.dataset) for r in comparison.rows))
    _fill(book.create_sheet("Comparability"), ("FLAG", "MESSAGE", "AREAS"),
          ((f.code, f.message, " ".join(f.areas)) for f in comparison.flags))
    _sources(book, (r.provenance for r in comparison.rows))
    return _bytes(book)
