"""UN DESA International Migrant Stock, "Destination" workbook -> a submission (issue: importers; DESIGN §4, §5).

The workbook (``undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx``) has sheets ``Table 1`` .. ``Table 6``,
each with a title block, a super-header in row 8 naming the column blocks, the real header in row 11
(B name, C notes, D M49 location code, E type of data, then one column per year or period) and data from
row 12. Every block and header cell is checked against the layout below before a value is read.

Decisions (documented for the comparison and validation layers):

- Areas come from the M49 code in column D, never from the indented name. Development and income groups
  that are not areas of the code list are reported in ``unmapped`` (name -> worksheet rows skipped).
- ``Type of data`` (B foreign-born, C foreign citizens, R refugees added, I imputed) goes into SOURCE_DETAIL;
  the definition basis ("foreign-born" / "foreign citizens") also into COMMENT; "I" gives OBS_STATUS ``I``.
  Table 2 (total population) is not a migrant count: it carries neither.
- Symbols: ``..`` not available -> no record; an em dash (nil or negligible) -> ``0``, a real zero;
  ``~`` protected -> a record without value, CONF_STATUS ``C``, OBS_STATUS ``Q``; a leading ``-`` is a sign.
- Table 5 and the third block of Table 6 give average annual rates of change over five-year periods
  ("1990-1995"). SDMX-RDF here has no period code for them, so TIME_PERIOD is the period's end year, FREQ
  ``A``, and COMMENT says "annual rate of change over 1990-1995". A block whose indicator is missing
  from the catalogue is skipped with a note rather than guessed.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult
from api.importers.csv_text import observation_cells
from api.model.catalogue import Indicator
from api.model.structure import COMPONENTS
from api.model.submission import ObservationRecord, ParsedFile, SubmissionMetadata

HEADER_ROW = 11
FIRST_DATA_ROW = 12
SUPER_HEADER_ROW = 8
TITLE_CELL = (2, 5)  # row 2, column E
REVISION_CELL = (4, 5)
LICENCE = "http://creativecommons.org/licenses/by/3.0/igo/"
DOWNLOAD_PAGE = "https://www.un.org/development/desa/pd/content/international-migrant-stock"
EXPECTED = "the UN DESA International Migrant Stock 'Destination' workbook (sheets Table 1 .. Table 6)"

TYPE_MEANINGS = {"B": "foreign-born", "C": "foreign citizens", "R": "refugees added", "I": "imputed"}
BASIS = {"B": "foreign-born", "C": "foreign citizens"}
NIL = frozenset({"\u2014", "\u2013"})  # em dash, en dash: magnitude nil or negligible
NOT_AVAILABLE = frozenset({"", ".."})
PROTECTED = "~"
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
_PERIOD = re.compile(r"(\d{4})-(\d{4})")


@dataclass(frozen=True)
class Block:
    """Adjacent columns of one sheet holding one indicator (and one sex) over several years or periods."""

    first: int  # 1-based column of the first year
    width: int
    indicator: str
    heading: str  # text the row-8 super-header cell of the block contains
    sex: str | None = None  # "M" or "F"; None: both sexes / not by sex
    periods: bool = False  # header cells are "1990-1995" periods (rates of change)


@dataclass(frozen=True)
class Table:
    sheet: str
    blocks: tuple[Block, ...]
    unit_mult: str = "0"
    migrant_basis: bool = True  # the type of data describes the figures (not so for total population)


def _by_sex(indicator: str, width: int = 7, periods: bool = False) -> tuple[Block, ...]:
    return (
        Block(6, width, indicator, ", both sexes combined", None, periods),
        Block(6 + width, width, indicator, ", males", "M", periods),
        Block(6 + 2 * width, width, indicator, ", females", "F", periods),
    )


TABLES: tuple[Table, ...] = (
    Table("Table 1", _by_sex("STK_IMM")),
    Table("Table 2", _by_sex("CTX_POP"), unit_mult="3", migrant_basis=False),
    Table("Table 3", _by_sex("STK_IMM_PCT")),
    Table("Table 4", (Block(6, 7, "STK_FEM", "Female migrants as a percentage"),)),
    Table("Table 5", _by_sex("STK_IMM_GR", width=6, periods=True)),
    Table("Table 6", (
        Block(6, 7, "STK_REF", "Refugee and asylum seekers at mid-year"),
        Block(13, 7, "STK_REF_PCT", "as a percentage of the international migrant stock"),
        Block(20, 6, "STK_REF_GR", "Annual rate of change of the refugee", periods=True),
    )),
)


def _layout_error(sheet: str, row: int, column: int, expected: str, found: object, name: str) -> InputFileError:
    cell = f"{get_column_letter(column)}{row}"
    return InputFileError(
        f"{name}: sheet '{sheet}' row {row} (cell {cell}): expected {expected}; found {found!r}. "
        f"The importer reads {EXPECTED}.",
        details={"sheet": sheet, "row": row, "cell": cell},
    )


def _cell(row: tuple[Any, ...], column: int) -> Any:
    return row[column - 1] if len(row) >= column else None


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _decimal_text(value: object) -> str:
    """A numeric cell as plain decimal text (no exponent, no thousands separators)."""
    if isinstance(value, bool):
        raise TypeError("boolean")
    if isinstance(value, int):
        return str(value)
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


@dataclass(frozen=True)
class _Value:
    text: str  # "" when protected
    protected: bool = False


def _value(raw: object) -> _Value | None:
    """The cell's value, or None for 'not available'; raises ValueError for anything unexpected."""
    if raw is None:
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return _Value(_decimal_text(raw))
    text = _text(raw)
    if text in NOT_AVAILABLE:
        return None
    if text in NIL:
        return _Value("0")
    if text == PROTECTED:
        return _Value("", protected=True)
    if _NUMBER.fullmatch(text):
        return _Value(_decimal_text(Decimal(text)))
    raise ValueError(text)


def _type_of_data(raw: object) -> tuple[str, ...]:
    return tuple(_text(raw).upper().split())


class UndesaStockImporter:
    """``mpr import undesa-stock FILE``: the IMS "Destination" workbook, Tables 1-6."""

    name = "undesa-stock"

    def read(self, path: Path, context: ImportContext) -> ImportResult:
        data = _read_bytes(path)
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
            raise InputFileError(
                f"{path.name}: line 1: not an Excel workbook (.xlsx) ({exc}); expected {EXPECTED}.",
                details={"line": 1},
            ) from exc
        try:
            return _Reader(path.name, workbook, context).read(data)
        finally:
            workbook.close()


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"{path.name}: cannot be read ({exc.strerror}); expected {EXPECTED}.") from exc
    if not data:
        raise InputFileError(f"{path.name}: line 1: the file is empty; expected {EXPECTED}.", details={"line": 1})
    return data


class _Reader:
    """One pass over the workbook's tables; collects records, unmapped areas and notes."""

    def __init__(self, name: str, workbook: Any, context: ImportContext) -> None:
        self.name = name
        self.workbook = workbook
        self.context = context
        self.records: list[ObservationRecord] = []
        self.unmapped: Counter[str] = Counter()
        self.unmapped_codes: dict[str, str] = {}
        self.seen: dict[tuple[str, ...], tuple[int, str]] = {}  # key -> (first row, value)
        self.repeats: Counter[tuple[str, int, int, bool]] = Counter()  # (sheet, row, first row, same values)
        self.notes: list[str] = []
        self.edition = ""

    def read(self, data: bytes) -> ImportResult:
        missing = [t.sheet for t in TABLES if t.sheet not in self.workbook.sheetnames]
        if missing:
            raise InputFileError(
                f"{self.name}: line 1: sheet(s) {', '.join(missing)} not found (the workbook has "
                f"{', '.join(self.workbook.sheetnames)}); expected {EXPECTED}.",
                details={"line": 1},
            )
        title, revision = self._title()
        for table in TABLES:
            self._table(table)
        protected = sum(1 for r in self.records if r.cells["CONF_STATUS"] == "C")
        if protected:
            self.notes.append(f"{protected} protected cells ('~') imported without value, CONF_STATUS C.")
        for (sheet, row, first, same), cells in sorted(self.repeats.items()):
            how = "the same values" if same else "DIFFERENT values (the first row's are kept)"
            self.notes.append(f"{sheet} row {row} repeats the area of row {first} with {how}; "
                              f"its {cells} cells are not imported twice.")
        if self.unmapped:
            names = ", ".join(f"{name} [{self.unmapped_codes[name]}]" for name in sorted(self.unmapped))
            self.notes.append(f"{len(self.unmapped)} aggregates whose location code is not an area skipped: {names}.")
        parsed = ParsedFile(
            name=self.name, format="xlsx", records=self.records, columns=COMPONENTS,
            sha256=hashlib.sha256(data).hexdigest(), size=len(data),
        )
        metadata = SubmissionMetadata(
            dataset_id=f"UNDESA_IMS{self.edition}_DESTINATION",
            agency_id="UNDESA",
            title=f"{title} (UN DESA Population Division)",
            sources=(
                "United Nations, Department of Economic and Social Affairs, Population Division "
                f"({self.edition}). {title.split(':')[0]} ({revision}).",
                DOWNLOAD_PAGE,
            ),
            licence=LICENCE,
            definition_basis="foreign-born where available, else foreign citizens; refugees added where "
            "marked R (type of data per area in SOURCE_DETAIL and COMMENT)",
            methodology="UN DESA estimates from censuses, registers and surveys, interpolated to mid-year.",
            original_url=DOWNLOAD_PAGE,
            importer=UndesaStockImporter.name,
        )
        return ImportResult(parsed=parsed, metadata=metadata, unmapped=dict(self.unmapped), notes=tuple(self.notes))

    def _title(self) -> tuple[str, str]:
        sheet = TABLES[0].sheet
        rows = list(self.workbook[sheet].iter_rows(min_row=1, max_row=REVISION_CELL[0], values_only=True))
        title = _text(_cell(rows[TITLE_CELL[0] - 1], TITLE_CELL[1])) if len(rows) >= TITLE_CELL[0] else ""
        match = re.fullmatch(r"International Migrant Stock (\d{4}): Destination", title)
        if not match:
            raise _layout_error(sheet, TITLE_CELL[0], TITLE_CELL[1],
                                "the title 'International Migrant Stock YYYY: Destination'", title, self.name)
        self.edition = match.group(1)
        revision = _text(_cell(rows[-1], REVISION_CELL[1])) if len(rows) >= REVISION_CELL[0] else ""
        return title, revision or f"POP/DB/MIG/Stock/Rev.{self.edition}"

    def _usable(self, table: Table, block: Block) -> Indicator | None:
        indicator = self.context.catalogue.get(block.indicator)
        columns = f"{get_column_letter(block.first)}-{get_column_letter(block.first + block.width - 1)}"
        if indicator is None:
            self.notes.append(f"{table.sheet} columns {columns}: indicator {block.indicator} is not in the "
                              "catalogue; not imported.")
            return None
        if block.sex and "SEX" not in indicator.breakdowns:
            self.notes.append(f"{table.sheet} columns {columns}: {block.indicator} is not broken down by sex; "
                              "the by-sex columns are not imported.")
            return None
        return indicator

    def _table(self, table: Table) -> None:
        sheet = self.workbook[table.sheet]
        rows = sheet.iter_rows(min_row=1, values_only=True)
        header_rows = [next(rows, ()) for _ in range(HEADER_ROW)]
        periods = self._check_header(table, header_rows[SUPER_HEADER_ROW - 1], header_rows[HEADER_ROW - 1])
        blocks = [(b, self._usable(table, b)) for b in table.blocks]
        for number, row in enumerate(rows, start=FIRST_DATA_ROW):
            code, label = _cell(row, 4), _text(_cell(row, 2))
            if code is None and not label:
                continue
            code_text = _text(code)
            if not re.fullmatch(r"\d+", code_text):
                raise _layout_error(table.sheet, number, 4, "an M49 location code (digits)", code, self.name)
            area = self.context.areas.code(code_text)
            if area is None:
                label = label.rstrip("*").strip() or code_text
                self.unmapped[label] += 1
                self.unmapped_codes[label] = code_text
                continue
            letters = _type_of_data(_cell(row, 5))
            for block, indicator in blocks:
                if indicator is not None:
                    self._block(table, block, indicator, number, row, area, letters, periods[block.first])

    def _check_header(
        self, table: Table, super_header: tuple[Any, ...], header: tuple[Any, ...]
    ) -> dict[int, list[str]]:
        """Verify the row-8 block titles and the row-11 header; return each block's periods."""
        for column, expected in ((2, "Region"), (4, "Location code"), (5, "Type of data")):
            if not _text(_cell(header, column)).startswith(expected):
                raise _layout_error(table.sheet, HEADER_ROW, column, f"the header '{expected}'",
                                    _cell(header, column), self.name)
        periods: dict[int, list[str]] = {}
        for block in table.blocks:
            heading = _text(_cell(super_header, block.first))
            if block.heading.lower() not in heading.lower():
                raise _layout_error(table.sheet, SUPER_HEADER_ROW, block.first,
                                    f"a block title containing '{block.heading.strip(', ')}'", heading, self.name)
            found: list[str] = []
            for column in range(block.first, block.first + block.width):
                label = _text(_cell(header, column))
                ok = _PERIOD.fullmatch(label) if block.periods else re.fullmatch(r"\d{4}", label)
                if not ok:
                    what = "a period such as '1990-1995'" if block.periods else "a year such as 1990"
                    raise _layout_error(table.sheet, HEADER_ROW, column, what, _cell(header, column), self.name)
                found.append(label)
            periods[block.first] = found
        return periods

    def _block(
        self, table: Table, block: Block, indicator: Indicator, number: int, row: tuple[Any, ...],
        area: str, letters: tuple[str, ...], labels: list[str],
    ) -> None:
        for offset, label in enumerate(labels):
            column = block.first + offset
            raw = _cell(row, column)
            try:
                value = _value(raw)
            except (ValueError, TypeError) as exc:
                raise _layout_error(table.sheet, number, column,
                                    "a number, '..' (not available), an em dash (nil) or '~' (protected)",
                                    raw, self.name) from exc
            if value is None:
                continue
            cell_ref = f"{get_column_letter(column)}{number}"
            comment: list[str] = []
            period = _PERIOD.fullmatch(label) if block.periods else None
            if period:
                comment.append(f"annual rate of change over {label}")
            detail = f"UN DESA IMS {self.edition} {table.sheet} {cell_ref}"
            status = "A"
            if table.migrant_basis and letters:
                meanings = [TYPE_MEANINGS.get(letter, letter) for letter in letters]
                detail += f"; type of data {' '.join(letters)}: {', '.join(meanings)}"
                comment.extend(BASIS[letter] for letter in letters if letter in BASIS)
                if "I" in letters:
                    status = "I"
            if value.protected:
                status = "Q"
            key = (indicator.id, area, block.sex or "", label)
            if key in self.seen:
                first, earlier = self.seen[key]
                self.repeats[(table.sheet, number, first, earlier == value.text)] += 1
                continue
            self.seen[key] = (number, value.text)
            given = {"SEX": block.sex} if block.sex else {}
            cells = observation_cells(
                indicator, freq="A", ref_area=area,
                time_period=period.group(2) if period else label,
                value=value.text, source_detail=detail, given=given, unit_mult=table.unit_mult,
                obs_status=status, conf_status="C" if value.protected else "F", comment="; ".join(comment),
            )
            self.records.append(ObservationRecord(cells=cells, row=number))
