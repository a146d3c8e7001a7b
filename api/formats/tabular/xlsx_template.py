"""The submission template as an Excel workbook (ECMA-376 Part 1 §18.3.1.32 data validation), via openpyxl.

Sheet ``Data`` has the template's columns (SDMX-CSV 2.0, as the CSV template) and its pre-filled rows; each
coded column offers its code list as a drop-down (a data-validation list pointing at the code list's sheet),
so that only codes can be picked. One sheet per code list used (code, label), and sheet ``Indicators`` with
the chosen indicators' definitions (also the list of column INDICATOR). ``xlsx_input`` reads it back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from api.formats.tabular.template import template_header
from api.formats.tabular.xlsx_input import DATA_SHEET
from api.model.structure import COMPONENTS, DATAFLOW_REF

INDICATOR_SHEET = "Indicators"
VALIDATED_ROWS = 10_000  # the data rows that get the drop-downs (more rows can be added by copying one)
_TEXT_COLUMNS = ("TIME_PERIOD", "COMMENT", "SOURCE_DETAIL")  # kept as text: Excel would turn 2019-01 into a date


@dataclass(frozen=True)
class CodeSheet:
    """One code list of the workbook: its id (the sheet's name), the columns that use it, its codes."""

    list_id: str
    columns: tuple[str, ...]
    codes: Mapping[str, str]  # code -> English label


@dataclass(frozen=True)
class IndicatorLine:
    """One row of the indicator definitions sheet."""

    id: str
    label: str
    section: str
    unit: str
    breakdowns: str
    definition: str


def _bold_header(sheet: object, names: Sequence[str]) -> None:
    from openpyxl.styles import Font

    sheet.append(list(names))  # type: ignore[attr-defined]
    for cell in sheet[1]:  # type: ignore[index]
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"  # type: ignore[attr-defined]


def write_xlsx_template(path: Path, rows: Sequence[Mapping[str, str]], code_sheets: Sequence[CodeSheet],
                        indicators: Sequence[IndicatorLine]) -> None:
    """Write the workbook to ``path`` (openpyxl is imported here: reading and validating a CSV never needs it)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    data = workbook.active
    data.title = DATA_SHEET
    header = template_header()
    _bold_header(data, header)
    for cells in rows:
        data.append(["dataflow", DATAFLOW_REF, "I", *(cells.get(c, "") for c in COMPONENTS)])
    last = max(VALIDATED_ROWS, len(rows) + 1)
    for column in _TEXT_COLUMNS:
        letter = get_column_letter(header.index(column) + 1)
        for row in range(2, len(rows) + 2):
            data[f"{letter}{row}"].number_format = "@"
    lists: list[tuple[str, str, int]] = [(INDICATOR_SHEET, "INDICATOR", len(indicators))]
    for code_sheet in code_sheets:
        sheet = workbook.create_sheet(code_sheet.list_id[:31])
        _bold_header(sheet, ["code", "label", "columns"])
        for n, (code, label) in enumerate(code_sheet.codes.items()):
            sheet.append([code, label, ", ".join(code_sheet.columns) if n == 0 else None])
        lists.extend((sheet.title, column, len(code_sheet.codes)) for column in code_sheet.columns)
    definitions = workbook.create_sheet(INDICATOR_SHEET)
    _bold_header(definitions, ["id", "label", "section", "unit", "breakdowns", "definition"])
    for line in indicators:
        definitions.append([line.id, line.label, line.section, line.unit, line.breakdowns, line.definition])
    for sheet_name, column, count in lists:
        if column not in header or count == 0:
            continue
        letter = get_column_letter(header.index(column) + 1)
        validation = DataValidation(type="list", formula1=f"'{sheet_name}'!$A$2:$A${count + 1}", allow_blank=True,
                                    showErrorMessage=True, errorTitle=f"{column}: not a code",
                                    error=f"Pick a code of sheet {sheet_name} for {column}.")
        validation.add(f"{letter}2:{letter}{last}")
        data.add_data_validation(validation)
    workbook.save(path)
