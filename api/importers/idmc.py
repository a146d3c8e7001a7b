"""IDMC Global Internal Displacement Database (GIDD), country-year download (xlsx) -> a submission (issue: importers).

Layout (2023 release): sheet ``1_Displacement_data`` with the header in row 1 ``ISO3, Name, Year, Conflict Stock
Displacement, Conflict Stock Displacement (Raw), Conflict Internal Displacements, ...`` and one row per country
and year; ``README`` with the dates and the licence (CC BY-NC 4.0: non-commercial). Other releases name the
sheets and columns differently, so the data sheet is the one whose header (within its first rows) has an ISO3
column, a Year column and at least one displacement column, recognised by the words of its name:

- ``Conflict`` / ``Disaster`` (the cause) and ``Stock`` or ``Total number of IDPs`` (people displaced at year
  end: FDP_IDP_CV, FDP_IDP_DIS) or ``Internal Displacements`` / ``New displacements`` (movements during the
  year: FDP_NWCV, FDP_DIS).
- The ``(Raw)`` columns (unrounded) are not imported: IDMC publishes the rounded figures.

Empty cell = no figure; 0 is a real zero. Codes are ISO 3166-1 alpha-3; IDMC's own ``AB9`` (Abyei Area) and
any code without an area are listed as unmapped. The licence is recorded on the dataset and in every note.
The sheet of sex- and age-disaggregated estimates, where a release has one, is read by importers.idmc_sadd.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult, read_original
from api.importers.csv_text import observation_cells
from api.importers.idmc_sadd import read_sadd
from api.importers.workbook import open_xlsx
from api.model.catalogue import Indicator
from api.model.structure import COMPONENTS
from api.model.submission import ObservationRecord, ParsedFile, SubmissionMetadata

EXPECTED = ("an IDMC GIDD country-year workbook (a sheet with ISO3, Year and columns such as "
            "'Conflict Stock Displacement', 'Disaster Internal Displacements')")
LICENCE = "https://creativecommons.org/licenses/by-nc/4.0/"
LICENCE_NOTE = ("IDMC licenses this content under CC BY-NC 4.0: attribution required, non-commercial use only "
                "(https://creativecommons.org/licenses/by-nc/4.0/).")
URL = "https://www.internal-displacement.org/database/displacement-data"
PUBLISHER = "Internal Displacement Monitoring Centre (IDMC), Global Internal Displacement Database"
HEADER_ROWS = 10
_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


@dataclass(frozen=True)
class _Column:
    index: int  # 0-based
    title: str
    indicator: str


def _indicator_of(title: str) -> str | None:
    """The indicator a displacement column gives, from the words of its title; None for any other column."""
    text = title.lower()
    if "raw" in text:
        return None
    cause = "CV" if "conflict" in text else "DIS" if "disaster" in text else None
    if cause is None:
        return None
    if "stock" in text or "total number of idps" in text:
        return "FDP_IDP_CV" if cause == "CV" else "FDP_IDP_DIS"
    if "internal displacements" in text or "new displacements" in text:
        return "FDP_NWCV" if cause == "CV" else "FDP_DIS"
    return None


def _text(value: object) -> str:
    return "" if value is None else str(value).replace("\xa0", " ").strip()


class IdmcImporter:
    """`mpr import idmc IDMC_Internal_Displacement_Conflict-Violence_Disasters.xlsx`: IDPs by cause."""

    name = "idmc"

    def read(self, path: Path, context: ImportContext) -> ImportResult:
        data = read_original(path, EXPECTED)
        workbook = open_xlsx(data, path.name, EXPECTED)
        try:
            sheet, header_row, iso3, year, columns = _find_sheet(path.name, workbook)
            extracted, updated = _readme_dates(workbook)
            rows = list(workbook[sheet].iter_rows(min_row=header_row + 1, values_only=True))
            sadd = read_sadd(path.name, workbook, context)
        finally:
            workbook.close()
        indicators = _indicators(path.name, context, columns)
        records: list[ObservationRecord] = []
        unmapped: Counter[str] = Counter()
        for number, row in enumerate(rows, start=header_row + 1):
            code, period = _text(_cell(row, iso3)), _text(_cell(row, year))
            if not code and not period:
                continue
            if not re.fullmatch(r"\d{4}", period):
                raise InputFileError(f"{path.name}: sheet '{sheet}' row {number}: expected a year in the column "
                                     f"Year; found {period!r}.", details={"sheet": sheet, "row": number})
            values = [(c, _cell(row, c.index)) for c in columns]
            present = [(c, v) for c, v in values if v is not None and _text(v) != ""]
            area = context.areas.code(code)
            if area is None or context.areas.is_region(area):
                if present:
                    unmapped[f"{code} ({_text(_cell(row, iso3 + 1))})"] += len(present)
                continue
            for column, value in present:
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    raise InputFileError(f"{path.name}: sheet '{sheet}' row {number}, column '{column.title}': "
                                         f"expected a number of people or an empty cell; found {value!r}.",
                                         details={"sheet": sheet, "row": number})
                cells = observation_cells(indicators[column.indicator], freq="A", ref_area=area,
                                          time_period=period, value=str(int(value)),
                                          source_detail=f"IDMC GIDD {column.title}")
                records.append(ObservationRecord(cells=cells, row=number))
        records.extend(sadd.records)
        for code, n in sadd.unmapped.items():
            unmapped[f"{code} ({sadd.sheet})"] += n
        release = updated or extracted
        notes = [LICENCE_NOTE, *sadd.notes]
        if release:
            notes.append(f"GIDD data last updated {updated or '?'}, extracted {extracted or '?'}.")
        if unmapped:
            notes.append("Codes without an area in the registry were skipped: " + ", ".join(sorted(unmapped)) + ".")
        metadata = SubmissionMetadata(
            dataset_id="IDMC_GIDD" + (f"_{release[:4]}" if release else ""),
            agency_id="IDMC",
            title="Internal displacement by conflict and violence, and by disasters, with estimates by sex and age "
                  "(IDMC GIDD)",
            sources=(PUBLISHER, URL),
            licence=LICENCE,
            original_url=URL,
            importer=self.name,
            extra_notes=tuple(notes),
        )
        parsed = ParsedFile(name=path.name, format="xlsx", records=records, columns=COMPONENTS,
                            sha256=hashlib.sha256(data).hexdigest(), size=len(data))
        return ImportResult(parsed=parsed, metadata=metadata, unmapped=dict(unmapped), notes=tuple(notes))



def _cell(row: tuple[Any, ...], index: int) -> Any:
    return row[index] if index < len(row) else None


def _find_sheet(name: str, workbook: Any) -> tuple[str, int, int, int, list[_Column]]:
    """(sheet, 1-based header row, ISO3 column, Year column, displacement columns) found by content."""
    for sheet in workbook.sheetnames:
        for number, row in enumerate(workbook[sheet].iter_rows(max_row=HEADER_ROWS, values_only=True), start=1):
            titles = [_text(v) for v in row]
            lowered = [t.lower() for t in titles]
            if "iso3" not in lowered or "year" not in lowered:
                continue
            columns = [_Column(i, t, ind) for i, t in enumerate(titles) if (ind := _indicator_of(t))]
            if columns:
                return sheet, number, lowered.index("iso3"), lowered.index("year"), columns
    raise InputFileError(
        f"{name}: sheets {', '.join(workbook.sheetnames)}, rows 1-{HEADER_ROWS}: expected a header with the columns "
        "ISO3, Year and at least one of 'Conflict Stock Displacement', 'Conflict Internal Displacements', "
        f"'Disaster Internal Displacements', 'Disaster Stock Displacement'; found none. The importer reads {EXPECTED}.",
        details={"line": 1},
    )


def _indicators(name: str, context: ImportContext, columns: list[_Column]) -> dict[str, Indicator]:
    found: dict[str, Indicator] = {}
    for column in columns:
        indicator = context.catalogue.get(column.indicator)
        if indicator is None:
            raise InputFileError(f"{name}: column '{column.title}' gives {column.indicator}, which is not in the "
                                 "catalogue (ontology/indicators*.ttl).")
        found[column.indicator] = indicator
    return found


def _readme_dates(workbook: Any) -> tuple[str, str]:
    """('YYYY-MM-DD' extracted, 'YYYY-MM-DD' last update) from a README sheet's 'Date extracted' / 'Last update'."""
    found = {"date extracted": "", "last update": ""}
    for sheet in workbook.sheetnames:
        if "readme" not in sheet.lower():
            continue
        for row in workbook[sheet].iter_rows(max_row=40, values_only=True):
            key = _text(_cell(row, 0)).lower()
            match = _DATE.search(_text(_cell(row, 1)))
            if key in found and match:
                day, month, year = match.groups()
                found[key] = f"{year}-{int(month):02d}-{int(day):02d}"
    return found["date extracted"], found["last update"]
