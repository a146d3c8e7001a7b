"""UN DESA International Migration Flows to and from Selected Countries, totals workbook -> a submission.

Issue: importers. Layout (2015 revision): sheet ``Totals`` with a title block (rows 5-14, the revision in
``POP/DB/MIG/Flow/Rev.2015``), a group-label row, the header ``CntName, Criteria, Type, Coverage, 1980, ...,
2013`` (row 17) and one row per reporting country, criterion, type and coverage; ``..`` = not available; names
only. The header is found by its content (a row with the country, Criteria, Type and Coverage columns followed by
years), within the first rows of any sheet, so other revisions with other title blocks import the same way.

Mapping: ``Immigrants`` -> FLW_IN, ``Emigrants`` -> FLW_OUT; ``Coverage`` ``Both`` -> MIGRATION_STATUS _T,
``Citizens`` -> CIT, ``Foreigners`` -> NCIT; the criterion (residence, citizenship, place of birth) goes into the
COMMENT and SOURCE_DETAIL, since flows defined differently are not comparable. Where a country reports the same
type and coverage under two criteria, the first row is imported and the others are listed in the notes.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path
from typing import Any

from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult, read_original
from api.importers.csv_text import observation_cells
from api.importers.workbook import open_xlsx
from api.model.structure import COMPONENTS
from api.model.submission import ObservationRecord, ParsedFile, SubmissionMetadata

EXPECTED = ("the UN DESA 'International Migration Flows to and from Selected Countries' totals workbook "
            "(header CntName, Criteria, Type, Coverage, 1980, ...)")
URL = "https://www.un.org/development/desa/pd/data/international-migration-flows"
PUBLISHER = "United Nations, Department of Economic and Social Affairs, Population Division"
# The workbook says "All rights reserved"; UN DESA data are free to use with attribution (un.org terms of use).
LICENCE = "https://www.un.org/en/about-us/terms-of-use"
TYPES = {"immigrants": "FLW_IN", "emigrants": "FLW_OUT"}
COVERAGE = {"both": "_T", "citizens": "CIT", "foreigners": "NCIT"}
SCAN_ROWS = 30
_REVISION = re.compile(r"Rev\.(\d{4})|(\d{4}) Revision", re.IGNORECASE)


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _year(value: object) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        value = int(value)
    text = _text(value)
    return text if re.fullmatch(r"(19|20)\d{2}", text) else None


class UndesaFlowsImporter:
    """`mpr import undesa-flows undesa_pd_2015_migration_flow_totals.xlsx`: FLW_IN / FLW_OUT by coverage."""

    name = "undesa-flows"

    def read(self, path: Path, context: ImportContext) -> ImportResult:
        data = read_original(path, EXPECTED)
        workbook = open_xlsx(data, path.name, EXPECTED)
        try:
            sheet, rows = _find(path.name, workbook)
        finally:
            workbook.close()
        return _Reader(path.name, context).read(sheet, rows, data)


def _header(row: tuple[Any, ...]) -> dict[str, int] | None:
    names = [_text(v).lower() for v in row]
    found = {}
    for key, options in (("country", ("cntname", "country", "reporting country")), ("criteria", ("criteria",)),
                         ("type", ("type",)), ("coverage", ("coverage",))):
        index = next((i for i, n in enumerate(names) if n in options), None)
        if index is None:
            return None
        found[key] = index
    return found if any(_year(v) for v in row) else None


def _find(name: str, workbook: Any) -> tuple[str, list[tuple[Any, ...]]]:
    for sheet in workbook.sheetnames:
        rows = list(workbook[sheet].iter_rows(values_only=True))
        if any(_header(r) for r in rows[:SCAN_ROWS]):
            return sheet, rows
    raise InputFileError(
        f"{name}: sheets {', '.join(workbook.sheetnames)}, rows 1-{SCAN_ROWS}: expected a header row with the "
        "columns CntName (the reporting country), Criteria, Type and Coverage followed by year columns (1980, ...); "
        f"found none. The importer reads {EXPECTED}.", details={"line": 1})


class _Reader:
    def __init__(self, name: str, context: ImportContext) -> None:
        self.name = name
        self.context = context
        self.unmapped: Counter[str] = Counter()
        self.repeats: list[str] = []

    def read(self, sheet: str, rows: list[tuple[Any, ...]], data: bytes) -> ImportResult:
        header_at = next(i for i, r in enumerate(rows[:SCAN_ROWS]) if _header(r))
        columns = _header(rows[header_at]) or {}
        years = [(i, y) for i, v in enumerate(rows[header_at]) if (y := _year(v))]
        revision = next((m for r in rows[:header_at] for v in r if (m := _REVISION.search(_text(v)))), None)
        edition = next((g for g in revision.groups() if g), "") if revision else ""
        records: list[ObservationRecord] = []
        seen: dict[tuple[str, str, str], tuple[int, str]] = {}
        for number, row in enumerate(rows[header_at + 1:], start=header_at + 2):
            cell = {k: _text(row[i]) if i < len(row) else "" for k, i in columns.items()}
            if not any(cell.values()):
                continue
            indicator_id, status = TYPES.get(cell["type"].lower()), COVERAGE.get(cell["coverage"].lower())
            if indicator_id is None or status is None:
                raise InputFileError(
                    f"{self.name}: sheet '{sheet}' row {number}: expected Type Immigrants or Emigrants and Coverage "
                    f"Both, Citizens or Foreigners; found {cell['type']!r}, {cell['coverage']!r}.",
                    details={"sheet": sheet, "row": number})
            indicator = self.context.catalogue.get(indicator_id)
            area = self.context.areas.name(cell["country"])
            values = [(y, row[i] if i < len(row) else None) for i, y in years]
            present = [(y, v) for y, v in values if v is not None and _text(v) not in ("", "..")]
            if area is None or indicator is None:
                self.unmapped[cell["country"]] += len(present)
                continue
            key = (area, indicator_id, status)
            if key in seen:
                self.repeats.append(f"{cell['country']} {cell['type']} {cell['coverage']} by {cell['criteria']} "
                                    f"(row {number}; row {seen[key][0]} by {seen[key][1]} imported)")
                continue
            seen[key] = (number, cell["criteria"])
            for year, value in present:
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    raise InputFileError(f"{self.name}: sheet '{sheet}' row {number}, year {year}: expected a "
                                         f"number or '..'; found {value!r}.", details={"sheet": sheet, "row": number})
                cells = observation_cells(
                    indicator, freq="A", ref_area=area, time_period=year, value=str(int(value)),
                    given={"MIGRATION_STATUS": status}, comment=f"criterion: {cell['criteria'].lower()}",
                    source_detail=f"UN DESA Migration Flows {edition or ''} {sheet} row {number}, "
                                  f"{cell['criteria']}".replace("  ", " "))
                records.append(ObservationRecord(cells=cells, row=number))
        notes = ["Flows are defined by residence, citizenship or place of birth as each country reports them "
                 "(COMMENT): compare countries only on the same criterion."]
        if self.repeats:
            notes.append("Also reported under another criterion, not imported: " + "; ".join(self.repeats) + ".")
        if self.unmapped:
            notes.append("Names matching no area (not imported): " + ", ".join(sorted(self.unmapped)) + ".")
        metadata = SubmissionMetadata(
            dataset_id=f"UNDESA_MIGFLOWS{edition}",
            agency_id="UNDESA",
            title="International migration flows to and from selected countries (UN DESA Population Division)",
            sources=(f"{PUBLISHER} ({edition or 'n.d.'}). International Migration Flows to and from Selected "
                     f"Countries: The {edition} Revision (POP/DB/MIG/Flow/Rev.{edition}).", URL),
            licence=LICENCE,
            original_url=URL,
            importer=UndesaFlowsImporter.name,
            extra_notes=tuple(notes),
        )
        parsed = ParsedFile(name=self.name, format="xlsx", records=records, columns=COMPONENTS,
                            sha256=hashlib.sha256(data).hexdigest(), size=len(data))
        return ImportResult(parsed=parsed, metadata=metadata, unmapped=dict(self.unmapped), notes=tuple(notes))
