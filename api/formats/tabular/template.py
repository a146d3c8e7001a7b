"""The CSV submission template and SDMX-CSV 1.0 / 2.0 (sdmx-csv v1.0 §2, v2.0.0 §3) -> ObservationRecords.

The template *is* SDMX-CSV 2.0: ``STRUCTURE,STRUCTURE_ID,ACTION`` then one column per component id.
Also read: SDMX-CSV 1.0 (first column ``DATAFLOW``), plain CSV with only component columns, headers and
values in the ``labels=both`` form (``REF_AREA: Reference area``, ``DEU: Germany``), and `,` `;` or tab.
Problems that concern the file's shape (unknown or missing columns, a wrong dataflow, a row with the wrong
number of fields, a quoted value that runs over several lines: an unclosed quote) become Problems with row and
column; a file that is not readable text at all, or that passes a bound of ``InputLimits`` (rows, the length of
one field), raises InputFileError.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from api.errors import InputFileError
from api.formats.input_limits import check_size, too_long, too_many, utf8_over
from api.formats.spec import FormatSpec, Reader
from api.formats.tabular import csv_table
from api.formats.tabular.csv_writer import CSV
from api.formats.tabular.table import ObservationTable, TableBuilder
from api.model.structure import (
    AGENCY,
    COMPONENTS,
    DATAFLOW_ID,
    DATAFLOW_REF,
    REQUIRED_COLUMNS,
)
from api.model.submission import InputLimits, ObservationRecord, ParsedFile, Problem

SDMX_CSV_2_LEADING = ("STRUCTURE", "STRUCTURE_ID", "ACTION")
SDMX_CSV_1_LEADING = ("DATAFLOW",)
_ACCEPTED_ACTIONS = {"", "I", "A", "R", "M"}


def template_header() -> list[str]:
    """The template's header row: SDMX-CSV 2.0 leading columns, then every component id in DSD order."""
    return [*SDMX_CSV_2_LEADING, *COMPONENTS]


def _decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM); on failure name the line and column of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputFileError(
            f"{name}: line {line}, byte {column}: the file is not UTF-8 text "
            f"(byte 0x{data[exc.start]:02X}). Save it as UTF-8 (in Excel: 'CSV UTF-8') and upload it again.",
            details={"line": line},
        ) from exc


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _strip_label(text: str) -> str:
    """'DEU: Germany' -> 'DEU' (SDMX-CSV labels=both); other text unchanged."""
    head, sep, _ = text.partition(": ")
    return head.strip() if sep else text.strip()


def _format(header: list[str]) -> str:
    """The CSV template, or SDMX-CSV 2.0 / 1.0 by their leading columns."""
    if header[:3] == list(SDMX_CSV_2_LEADING):
        return "sdmx-csv-2"
    if header[:1] == list(SDMX_CSV_1_LEADING):
        return "sdmx-csv-1"
    return "csv"


def _header_problems(header: list[str], header_raw: list[str], known: set[str]) -> list[Problem]:
    """Columns outside the structure (closed: aggregates only), duplicated or missing required ones."""
    problems: list[Problem] = []
    for position, column in enumerate(header, start=1):
        if column == "" and position == len(header):
            continue  # a trailing delimiter
        if column not in known:
            problems.append(
                Problem(
                    "Violation",
                    "closed",
                    f"row 1, column {position}: '{header_raw[position - 1]}' is not part of the "
                    f"{DATAFLOW_ID} structure; the registry accepts aggregates only, so remove the column "
                    f"(allowed columns: {', '.join(COMPONENTS)}).",
                    row=1,
                    column=header_raw[position - 1],
                    value=header_raw[position - 1],
                )
            )
    seen_columns = [c for c in header if c in known]
    duplicates = {c for c in seen_columns if seen_columns.count(c) > 1}
    for column in sorted(duplicates):
        problems.append(
            Problem("Violation", "duplicate-column", f"row 1: column {column} appears twice; keep one.",
                    row=1, column=column)
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    for column in missing:
        problems.append(
            Problem(
                "Violation",
                "missing-column",
                f"row 1: the required column {column} is missing; add it (download the template with "
                "`mpr template INDICATOR`).",
                row=1,
                column=column,
            )
        )
    return problems


def read_csv_bytes(data: bytes, name: str, limits: InputLimits | None = None, *, split: bool = True
                   ) -> ParsedFile:
    """Parse the bytes of a CSV submission; rows are numbered as lines of the file (header = 1). A file without
    quotes is split by columns (``csv_table``) unless ``split`` is False; the csv module reads the others."""
    limits = limits or InputLimits()
    check_size(name, len(data), limits)
    text = _decode(data, name)
    if not text or text.isspace():
        raise InputFileError(f"{name}: the file is empty; start from the template (`mpr template INDICATOR`).")
    end = text.find("\n")
    first_line = text if end < 0 else text[:end]
    delimiter = _sniff_delimiter(first_line)
    sha256 = hashlib.sha256(data).hexdigest()
    if split and csv_table.splittable(data):
        del text  # the lines are read from the bytes; the text is only decoded again if they cannot be
        header_raw = next(csv.reader([first_line.removesuffix("\r")], delimiter=delimiter), [])
        parsed = _read_split(header_raw, data, delimiter, name, sha256, limits) if header_raw else None
        if parsed is not None:
            return parsed
        text = _decode(data, name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header_raw = next(reader)
    except csv.Error as exc:
        raise InputFileError(f"{name}: line 1: the header is not valid CSV ({exc}).") from exc
    return read_table(header_raw, _rows(reader, name, limits), name, sha256, len(data))


@dataclass(frozen=True)
class _Header:
    """A table's header as read: its columns, format, problems and the positions of the known columns."""

    raw: list[str]
    labels_both: bool
    columns: list[str]
    format: str
    problems: list[Problem]
    index: dict[str, int]
    components: dict[str, int]
    structure: list[int]

    def cell(self, column: str, text: str) -> str:
        """A cell's value: the code of ``DEU: Germany`` in a labels=both table (notes kept whole)."""
        return _strip_label(text) if self.labels_both and column not in ("COMMENT", "SOURCE_DETAIL") else text


def _header(header_raw: list[str]) -> _Header:
    labels_both = any(": " in h for h in header_raw)
    header = [_strip_label(h).upper() if labels_both else h.strip().upper() for h in header_raw]
    known = set(COMPONENTS) | set(SDMX_CSV_2_LEADING) | set(SDMX_CSV_1_LEADING)
    index = {c: header.index(c) for c in header if c in known}
    return _Header(header_raw, labels_both, header, _format(header), _header_problems(header, header_raw, known),
                   index, {c: i for c, i in index.items() if c in COMPONENTS},
                   [i for c, i in index.items() if c not in COMPONENTS])


def _malformed(line_no: int, fields: int, width: int) -> Problem:
    return Problem("Violation", "malformed-row", f"row {line_no}: {fields} fields but the header has {width}; "
                   "check for an unquoted delimiter inside a value.", row=line_no)


def read_table(header_raw: list[str], rows: Iterable[tuple[int, int, list[str]]], name: str, sha256: str,
               size: int) -> ParsedFile:
    """The records of a table in the template's columns: a header, then (first line, last line, fields) of each
    row, as the CSV reader and the workbook reader (``xlsx_input``) give them."""
    head = _header(header_raw)
    header, index, problems = head.columns, head.index, list(head.problems)
    component_index = list(head.components.items())
    builder = TableBuilder([c for c, _ in component_index])
    checked: set[tuple[str, ...]] = set()  # leading columns already found clean (the same on most rows)
    for row_start, line_no, fields in rows:
        if not any(f.strip() for f in fields):
            continue
        if line_no > row_start:
            problems.append(_spanning(fields, header_raw, row_start, line_no))
            continue
        if len(fields) > len(header) and any(f.strip() for f in fields[len(header):]):
            problems.append(_malformed(line_no, len(fields), len(header)))
            continue
        if len(fields) < len(header):
            fields = fields + [""] * (len(header) - len(fields))
        leading = tuple(fields[i] for i in head.structure)
        if leading not in checked:
            found = _check_structure_columns(head.format, fields, index, line_no)
            problems.extend(found)
            if not found:
                checked.add(leading)
        builder.add([head.cell(c, fields[i]) for c, i in component_index] if head.labels_both
                    else [fields[i] for _, i in component_index], line_no)
    return ParsedFile(
        name=name,
        format=head.format,
        records=builder.finish(),
        columns=tuple(header),
        problems=tuple(problems),
        sha256=sha256,
        size=size,
    )


def _read_split(header_raw: list[str], data: bytes, delimiter: str, name: str, sha256: str, limits: InputLimits
                ) -> ParsedFile | None:
    """As :func:`read_table` for a file without quotes (``csv_table``): the same records and problems, rows judged
    one by one only where they may be blank, too wide or refused by their structure columns. None when the lines
    cannot be split so, or may pass a bound (the csv module then reads them and names the bound passed)."""
    lines = csv_table.file_lines(data)
    if lines is None or not csv_table.fits(lines, limits.max_items, limits.max_literal_bytes):
        return None
    head = _header(header_raw)
    width = len(head.columns)

    def fields_of(leading: tuple[str, ...]) -> list[str]:
        fields = [""] * width
        for i, value in zip(head.structure, leading, strict=True):
            fields[i] = value
        return fields

    def refused(leading: tuple[str, ...]) -> bool:
        return bool(_check_structure_columns(head.format, fields_of(leading), head.index, 0))

    convert = head.cell if head.labels_both else None
    split = csv_table.split_lines(lines, delimiter, width, head.components, head.structure, refused, convert)
    del lines
    found: list[tuple[int, list[Problem]]] = [
        (line_no, _check_structure_columns(head.format, fields_of(leading), head.index, line_no))
        for line_no, leading in split.refused]
    kept: list[tuple[int, list[str]]] = []
    for line_no, fields in split.odd:
        if not any(f.strip() for f in fields):
            continue
        if len(fields) > width and any(f.strip() for f in fields[width:]):
            found.append((line_no, [_malformed(line_no, len(fields), width)]))
            continue
        fields = fields + [""] * (width - len(fields))
        found.append((line_no, _check_structure_columns(head.format, fields, head.index, line_no)))
        kept.append((line_no, fields))
    split.add(kept, head.components, convert)
    found.sort(key=lambda item: item[0])
    return ParsedFile(
        name=name,
        format=head.format,
        records=ObservationTable(split.frame(head.components)),
        columns=tuple(head.columns),
        problems=(*head.problems, *(p for _, problems in found for p in problems)),
        sha256=sha256,
        size=len(data),
    )


def _rows(reader: Iterator[list[str]], name: str, limits: InputLimits) -> Iterator[tuple[int, int, list[str]]]:
    """Yield (first line, last line, fields) of each row: the lines of the file it was read from (a quoted value
    may hold line breaks); InputFileError above ``limits`` (rows, the length of one field)."""
    line_no: int = reader.line_num  # type: ignore[attr-defined]  # the header's last line
    rows = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputFileError(f"{name}: line {line_no + 1}: not valid CSV ({exc}).") from exc
        first, line_no = line_no + 1, reader.line_num  # type: ignore[attr-defined]
        rows += 1
        if rows > limits.max_items:
            raise too_many(name, first, limits.max_items, "rows")
        if sum(map(len, fields)) * 4 > limits.max_literal_bytes:  # no field can be over: none is encoded
            for field in fields:
                if (size := utf8_over(field, limits.max_literal_bytes)) is not None:
                    raise too_long(name, first, size, limits.max_literal_bytes, "a field")
        yield first, line_no, fields


def _spanning(fields: list[str], header: list[str], first: int, last: int) -> Problem:
    """A row whose quoted value runs over several lines: most often a quote that is never closed, which swallows
    the rows after it into one value; it is refused with the lines it covers (no row may be lost unseen)."""
    position = next((i for i, f in enumerate(fields) if "\n" in f or "\r" in f), len(fields) - 1)
    column = header[position] if position < len(header) else f"column {position + 1}"
    swallowed = f"line {last} was" if last == first + 1 else f"lines {first + 1}-{last} were"
    return Problem(
        "Violation", "malformed-row",
        f"row {first}, {column}: a quoted value runs from line {first} to line {last}, so {swallowed} read as part "
        "of it: a quote (\") is not closed. Close the quote; a value cannot hold a line break.",
        row=first, column=column, value=fields[position][:80] if position < len(fields) else None)


def _check_structure_columns(
    fmt: str, fields: list[str], index: dict[str, int], line_no: int
) -> list[Problem]:
    """SDMX-CSV leading columns must name this registry's dataflow; only insert/replace actions."""
    problems: list[Problem] = []
    if fmt == "sdmx-csv-2":
        kind = fields[index["STRUCTURE"]].strip().lower()
        ref = fields[index["STRUCTURE_ID"]].strip()
        action = fields[index["ACTION"]].strip().upper()
        if kind not in ("dataflow", ""):
            problems.append(Problem("Violation", "structure",
                                    f"row {line_no}, STRUCTURE: '{kind}' — the registry takes data for the "
                                    "dataflow only; write 'dataflow'.", row=line_no, column="STRUCTURE",
                                    value=kind))
        if ref and not _same_flow(ref):
            problems.append(Problem("Violation", "structure",
                                    f"row {line_no}, STRUCTURE_ID: '{ref}' is not {DATAFLOW_REF}.",
                                    row=line_no, column="STRUCTURE_ID", value=ref))
        if action not in _ACCEPTED_ACTIONS:
            problems.append(Problem("Violation", "structure",
                                    f"row {line_no}, ACTION: '{action}' is not supported; use I (insert) or R "
                                    "(replace) — to remove figures submit a revision without them.",
                                    row=line_no, column="ACTION", value=action))
    elif fmt == "sdmx-csv-1":
        ref = fields[index["DATAFLOW"]].strip()
        if ref and not _same_flow(ref):
            problems.append(Problem("Violation", "structure",
                                    f"row {line_no}, DATAFLOW: '{ref}' is not {DATAFLOW_REF}.",
                                    row=line_no, column="DATAFLOW", value=ref))
    return problems


def _same_flow(ref: str) -> bool:
    """Accept MPR:MIGRATION_PROFILE(1.0), MPR:MIGRATION_PROFILE and MIGRATION_PROFILE."""
    ref = _strip_label(ref)
    if ref in (DATAFLOW_REF, f"{AGENCY}:{DATAFLOW_ID}", DATAFLOW_ID):
        return True
    return ref.startswith(f"{AGENCY}:{DATAFLOW_ID}(")


def read_csv(path: Path, limits: InputLimits | None = None) -> ParsedFile:
    """Read a CSV submission from disk, refusing files above the size limit before reading them."""
    limits = limits or InputLimits()
    check_size(path.name, _size(path), limits)
    return read_csv_bytes(path.read_bytes(), path.name, limits)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror}).") from exc


def write_csv(records: list[ObservationRecord], out: io.TextIOBase | io.StringIO) -> None:
    """Write records in the template's columns (SDMX-CSV 2.0)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(template_header())
    for record in records:
        writer.writerow(["dataflow", DATAFLOW_REF, "I", *(record.cells.get(c, "") for c in COMPONENTS)])


TEMPLATE = FormatSpec(id="template-csv", media_type=CSV.media_type, title="the CSV template or SDMX-CSV 1.0/2.0",
                      aliases=("application/csv",), suffixes=(".csv", ".txt", ".tsv"), charset=True)
READER = Reader(TEMPLATE, read_csv)
