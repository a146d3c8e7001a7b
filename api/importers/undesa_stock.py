"""UN DESA International Migrant Stock, "Destination" workbook -> a submission (issue: importers; DESIGN §4, §5).

The workbook (``undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx``) has sheets ``Table 1`` .. ``Table 6``,
each with a title block, a super-header naming the column blocks, the header (name, notes, M49 location code,
type of data, then one column per year or period) and the data rows. Editions lay these out differently
(2020: super-header in row 8, header in row 11; 2015-2019: a longer title block and a two-row header in
rows 15-16, heading rows without a code and '..' in every column), so every layout is found by its content
within the first rows: the edition from the title block, the header by its column names, the blocks by their
titles, the years in the header's row or the next. What cannot be found is refused naming the rows and
columns searched and what was expected there.

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
import itertools
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult, read_original
from api.importers.csv_text import observation_cells
from api.importers.workbook import open_xlsx
from api.model.catalogue import Indicator
from api.model.structure import COMPONENTS
from api.model.submission import ObservationRecord, ParsedFile, SubmissionMetadata

SCAN_ROWS = 30  # the title block and the header lie within the first rows of every edition
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

    indicator: str
    heading: str  # a regular expression the block's super-header cell matches (case-insensitive)
    title: str  # what error messages say the block's title contains
    sex: str | None = None  # "M" or "F"; None: both sexes / not by sex
    periods: bool = False  # header cells are "1990-1995" periods (rates of change)


@dataclass(frozen=True)
class Table:
    sheet: str
    blocks: tuple[Block, ...]
    unit_mult: str = "0"
    migrant_basis: bool = True  # the type of data describes the figures (not so for total population)


def _by_sex(indicator: str, periods: bool = False) -> tuple[Block, ...]:
    return (
        Block(indicator, r"\bboth sexes\b", "both sexes", None, periods),
        Block(indicator, r"\bmales?\b", "males", "M", periods),
        Block(indicator, r"\bfemales?\b", "females", "F", periods),
    )


TABLES: tuple[Table, ...] = (
    Table("Table 1", _by_sex("STK_IMM")),
    Table("Table 2", _by_sex("CTX_POP"), unit_mult="3", migrant_basis=False),
    Table("Table 3", _by_sex("STK_IMM_PCT")),
    Table("Table 4", (Block("CHR_FEM", r"female migrants as a percentage", "Female migrants as a percentage"),)),
    Table("Table 5", _by_sex("STK_IMM_GR", periods=True)),
    Table("Table 6", (
        Block("STK_REF", r"^(?!.*(percentage|rate of change)).*refugee.*(mid-year|stock)",
              "refugee ... at mid-year"),
        Block("STK_REF_PCT", r"refugee.*as a percentage of the international migrant stock",
              "refugee ... as a percentage of the international migrant stock"),
        Block("STK_REF_GR", r"annual rate of change of the refugee", "Annual rate of change of the refugee",
              periods=True),
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


@dataclass(frozen=True)
class _Located:
    """Where one block lies in one edition's sheet: its first column and its year or period labels."""

    first: int
    labels: tuple[str, ...]


@dataclass(frozen=True)
class _Layout:
    """One sheet's layout as found by its content: the header's columns, the row of years, the blocks."""

    name_column: int
    code: int
    type_column: int
    year_row: int  # 1-based; data follow it
    blocks: tuple[_Located, ...]


_EDITION_TITLE = re.compile(
    r"International Migrant Stock (\d{4})|(\d{4}) revision|POP/DB/MIG/Stock/Rev\.(\d{4})", re.IGNORECASE)
_YEAR = re.compile(r"\d{4}")


def _label(value: object) -> str:
    """A header cell as text: 1990 (a number) -> '1990'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _text(value)


def _header_columns(row: tuple[Any, ...]) -> tuple[int, int, int] | None:
    """(name, code, type of data) columns when the row is the header of the area columns, else None."""
    texts = [(column, _text(v).lower()) for column, v in enumerate(row, start=1)]
    code = next((c for c, t in texts if t in ("code", "location code", "country code")), None)
    kind = next((c for c, t in texts if t.startswith("type of data")), None)
    name = next((c for c, t in texts if "country or area" in t or t.startswith(("region", "major area"))), None)
    if code is None or kind is None or name is None:
        return None
    return name, code, kind


def _locate(name: str, table: Table, head: list[tuple[Any, ...]]) -> _Layout:
    """Find the header, the row of years (the header's row or the next: a two-row header) and each block's
    columns by their titles (in any row above the years), as every edition lays them out differently."""
    found = next(((n, cols) for n, row in enumerate(head, start=1) if (cols := _header_columns(row))), None)
    if found is None:
        raise InputFileError(
            f"{name}: sheet '{table.sheet}' rows 1-{SCAN_ROWS}: expected a header row with the columns "
            "'Region, development group, country or area' (or 'Major area, region, country or area'), "
            "'Location code' (or 'Code') and 'Type of data'; found none. "
            f"The importer reads {EXPECTED}.",
            details={"sheet": table.sheet, "row": 1},
        )
    header_row, (name_column, code, kind) = found
    year_row = header_row
    if not any(_YEAR.match(_label(v)) for v in head[header_row - 1][kind:]) and header_row < len(head):
        year_row = header_row + 1
    years = head[year_row - 1]
    firsts: list[int] = []
    for block in table.blocks:
        first = _block_column(head[:year_row], kind, block, set(firsts))
        if first is None:
            raise InputFileError(
                f"{name}: sheet '{table.sheet}' rows 1-{year_row}: expected a block title containing "
                f"'{block.title}' above the year columns (right of column {get_column_letter(kind)}, "
                f"'Type of data'); found none. The importer reads {EXPECTED}.",
                details={"sheet": table.sheet, "row": year_row},
            )
        firsts.append(first)
    last = max((c for c, v in enumerate(years, start=1) if _label(v)), default=0)
    blocks: list[_Located] = []
    for block, first in zip(table.blocks, firsts, strict=True):
        end = min((f for f in firsts if f > first), default=last + 1)
        labels: list[str] = []
        for column in range(first, end):
            label = _label(_cell(years, column))
            if not (_PERIOD.fullmatch(label) if block.periods else _YEAR.fullmatch(label)):
                what = "a period such as '1990-1995'" if block.periods else "a year such as 1990"
                raise _layout_error(table.sheet, year_row, column, what, _cell(years, column), name)
            labels.append(label)
        blocks.append(_Located(first, tuple(labels)))
    return _Layout(name_column, code, kind, year_row, tuple(blocks))


def _block_column(rows: list[tuple[Any, ...]], after: int, block: Block, claimed: set[int]) -> int | None:
    """The column of the first unclaimed cell right of ``after`` whose text matches the block's title."""
    pattern = re.compile(block.heading, re.IGNORECASE)
    for row in rows:
        for column in range(after + 1, len(row) + 1):
            if column not in claimed and pattern.search(_text(_cell(row, column))):
                return column
    return None


class UndesaStockImporter:
    """``mpr import undesa-stock FILE``: the IMS "Destination" workbook, Tables 1-6."""

    name = "undesa-stock"

    def read(self, path: Path, context: ImportContext) -> ImportResult:
        data = read_original(path, EXPECTED)
        workbook = open_xlsx(data, path.name, EXPECTED)
        try:
            return _Reader(path.name, workbook, context).read(data)
        finally:
            workbook.close()



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
        """The edition and title from the title block of Table 1, wherever the edition writes them."""
        sheet = TABLES[0].sheet
        rows = list(self.workbook[sheet].iter_rows(min_row=1, max_row=SCAN_ROWS, values_only=True))
        texts = [_text(v) for row in rows for v in row if isinstance(v, str)]
        title = next((t for t in texts if _EDITION_TITLE.search(t)), "")
        match = _EDITION_TITLE.search(title)
        if match is None:
            raise InputFileError(
                f"{self.name}: sheet '{sheet}' rows 1-{SCAN_ROWS}: expected a title block naming the edition "
                "('International Migrant Stock 2020', 'International migrant stock: The 2017 revision' or "
                f"'POP/DB/MIG/Stock/Rev.2019'); found none. The importer reads {EXPECTED}.",
                details={"sheet": sheet, "row": 1},
            )
        self.edition = next(g for g in match.groups() if g)
        revision = next((t for t in texts if t.startswith("POP/DB/MIG/Stock")), "")
        if title.startswith("POP/DB/MIG/Stock"):
            title = f"International Migrant Stock {self.edition}: Destination"
        return title, revision or f"POP/DB/MIG/Stock/Rev.{self.edition}"

    def _usable(self, table: Table, block: Block, located: _Located) -> Indicator | None:
        indicator = self.context.catalogue.get(block.indicator)
        columns = f"{get_column_letter(located.first)}-{get_column_letter(located.first + len(located.labels) - 1)}"
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
        head = [next(rows, ()) for _ in range(SCAN_ROWS)]
        layout = _locate(self.name, table, head)
        blocks = [(b, located, self._usable(table, b, located))
                  for b, located in zip(table.blocks, layout.blocks, strict=True)]
        value_columns = [c for _, located, _ in blocks
                         for c in range(located.first, located.first + len(located.labels))]
        data = itertools.chain(head[layout.year_row:], rows)
        headings = 0
        for number, row in enumerate(data, start=layout.year_row + 1):
            code, label = _cell(row, layout.code), _text(_cell(row, layout.name_column))
            if (code is None or _text(code) == "") and not label:
                continue
            code_text = _text(code)
            if not re.fullmatch(r"\d+", code_text):
                if all(_text(_cell(row, c)) in NOT_AVAILABLE for c in value_columns):
                    headings += 1  # a heading row of an older edition: a name, '..' in every column
                    continue
                raise _layout_error(table.sheet, number, layout.code, "an M49 location code (digits)", code,
                                    self.name)
            area = self.context.areas.code(code_text)
            if area is None:
                label = label.rstrip("*").strip() or code_text
                self.unmapped[label] += 1
                self.unmapped_codes[label] = code_text
                continue
            letters = _type_of_data(_cell(row, layout.type_column))
            for block, located, indicator in blocks:
                if indicator is not None:
                    self._block(table, block, indicator, number, row, area, letters, located)
        if headings:
            self.notes.append(f"{table.sheet}: {headings} heading rows without a location code ('..' in every "
                              "column) skipped.")

    def _block(
        self, table: Table, block: Block, indicator: Indicator, number: int, row: tuple[Any, ...],
        area: str, letters: tuple[str, ...], located: _Located,
    ) -> None:
        for offset, label in enumerate(located.labels):
            column = located.first + offset
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
