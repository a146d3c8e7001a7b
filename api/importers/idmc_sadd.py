"""IDMC GIDD sex- and age-disaggregated IDP estimates (the ``2_IDPs_SADD_estimates`` sheet; issue 18).

The sheet (2023 release) has the header ``ISO3, Country, Year, Sex, Cause, 0-1, 0-4, 0-14, 0-17, 0-24, 5-11,
5-14, 12-14, 12-16, 15-17, 15-24, 25-64, 65+`` and one row per country, year, sex and cause. It is found by
content (a header with ISO3, Year, Sex, Cause and age columns such as ``0-4`` or ``65+``), so a release that
renames the sheet is still read. Each age cell becomes the year-end stock of IDPs by cause (``Conflict``
FDP_IDP_CV, ``Disaster`` FDP_IDP_DIS) with SEX (``Female`` F, ``Male`` M, ``Both sexes`` _T) and AGE
(``0-4`` Y0T4, ``65+`` Y_GE65; the age groups overlap, as IDMC publishes them). The sheet has no all-ages
column: the totals come from the main sheet. Empty cell = no figure; 0 is a real zero.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from api.errors import InputFileError
from api.importers.base import ImportContext
from api.importers.csv_text import observation_cells
from api.model.submission import ObservationRecord

HEADER_ROWS = 10
SEXES = {"female": "F", "females": "F", "male": "M", "males": "M", "both sexes": "_T", "total": "_T"}
CAUSES = {"conflict": "FDP_IDP_CV", "conflict and violence": "FDP_IDP_CV", "disaster": "FDP_IDP_DIS",
          "disasters": "FDP_IDP_DIS"}
_AGE = re.compile(r"(\d{1,3})\s*[-\u2013]\s*(\d{1,3})|(\d{1,3})\s*\+")


def age_code(title: str) -> str | None:
    """'0-4' -> 'Y0T4', '65+' -> 'Y_GE65'; None for a column that is not an age group."""
    match = _AGE.fullmatch(title.strip())
    if match is None:
        return None
    if match.group(3):
        return f"Y_GE{int(match.group(3))}"
    return f"Y{int(match.group(1))}T{int(match.group(2))}"


def _text(value: object) -> str:
    return "" if value is None else str(value).replace("\xa0", " ").strip()


@dataclass
class SaddSheet:
    """What the sheet gave: records, codes without an area, and notes."""

    sheet: str = ""
    records: list[ObservationRecord] = field(default_factory=list)
    unmapped: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Header:
    row: int  # 1-based
    iso3: int
    year: int
    sex: int
    cause: int
    ages: tuple[tuple[int, str, str], ...]  # (column, title, AGE code)


def _header(workbook: Any) -> tuple[str, _Header] | None:
    for sheet in workbook.sheetnames:
        for number, row in enumerate(workbook[sheet].iter_rows(max_row=HEADER_ROWS, values_only=True), start=1):
            titles = [_text(v) for v in row]
            lowered = [t.lower() for t in titles]
            if not {"iso3", "year", "sex", "cause"} <= set(lowered):
                continue
            ages = tuple((c, t, code) for c, t in enumerate(titles) if (code := age_code(t)))
            if ages:
                return sheet, _Header(number, lowered.index("iso3"), lowered.index("year"), lowered.index("sex"),
                                      lowered.index("cause"), ages)
    return None


def read_sadd(name: str, workbook: Any, context: ImportContext) -> SaddSheet:
    """The sex- and age-disaggregated estimates, or an empty result when the workbook has no such sheet."""
    out = SaddSheet()
    found = _header(workbook)
    if found is None:
        return out
    out.sheet, header = found
    indicators = {code: context.catalogue.get(code) for code in set(CAUSES.values())}
    for code, indicator in indicators.items():
        if indicator is None or "AGE" not in indicator.breakdowns or "SEX" not in indicator.breakdowns:
            out.notes.append(f"sheet '{out.sheet}' not imported: {code} is not in the catalogue by sex and age.")
            return out
    rows = workbook[out.sheet].iter_rows(min_row=header.row + 1, values_only=True)
    for number, row in enumerate(rows, start=header.row + 1):
        cells = [_text(v) for v in row]
        code = cells[header.iso3] if header.iso3 < len(cells) else ""
        if not code:
            continue
        period, sex_text, cause_text = (cells[i] if i < len(cells) else "" for i in
                                        (header.year, header.sex, header.cause))
        sex, cause = SEXES.get(sex_text.lower()), CAUSES.get(cause_text.lower())
        if not re.fullmatch(r"\d{4}", period) or sex is None or cause is None:
            raise InputFileError(
                f"{name}: sheet '{out.sheet}' row {number}: expected a year, a sex (Female, Male, Both sexes) and a "
                f"cause (Conflict, Disaster); found {period!r}, {sex_text!r}, {cause_text!r}.",
                details={"sheet": out.sheet, "row": number})
        area = context.areas.code(code)
        if area is None or context.areas.is_region(area):
            out.unmapped[code] += 1
            continue
        indicator = indicators[cause]
        assert indicator is not None
        for column, title, age in header.ages:
            value = row[column] if column < len(row) else None
            if value is None or _text(value) == "":
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise InputFileError(f"{name}: sheet '{out.sheet}' row {number}, column '{title}': expected a "
                                     f"number of people or an empty cell; found {value!r}.",
                                     details={"sheet": out.sheet, "row": number})
            record = observation_cells(indicator, freq="A", ref_area=area, time_period=period, value=str(int(value)),
                                       given={"SEX": sex, "AGE": age},
                                       source_detail=f"IDMC GIDD {out.sheet}, {sex_text}, {cause_text}, {title}")
            out.records.append(ObservationRecord(cells=record, row=number))
    out.notes.append(f"Sex- and age-disaggregated IDP estimates (sheet {out.sheet}): {len(out.records)} figures by "
                     "sex and overlapping age groups as IDMC publishes them; the all-ages totals are the main sheet's.")
    return out
