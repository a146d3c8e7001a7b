"""UNSD Statistical Yearbook table "International migrants and refugees" (UNdata CSV) -> a submission.

Issue: importers. Layout: line 1 the table id and title (``T05,International migrants and refugees,...``),
line 2 the header ``Region/Country/Area,,Year,Series,Value,Footnotes,Source`` (the 2nd column, the area
name, has no header), then one row per area, year and series. Areas are UN M49 numeric codes (1 = world,
regions, countries); values are quoted with thousands separators ("191,446,828"). The series label says
which indicator and sex a row gives; labels are matched case-insensitively ("Population"/"population").
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult
from api.importers.csv_text import is_blank, layout_error, observation_cells, plain_number, read_csv, sdmx_id
from api.model.structure import COMPONENTS
from api.model.submission import ObservationRecord, ParsedFile, SubmissionMetadata

EXPECTED = "a UNSD Statistical Yearbook CSV table from UNdata (SYB<issue>_<table>_<yyyymm>_<title>.csv)"
HEADER = ("Region/Country/Area", "", "Year", "Series", "Value", "Footnotes", "Source")
# The two leading columns (area code, area name) as the editions name them; the rest is the same.
AREA_HEADERS = (("region/country/area", ""), ("area code", "area name"))
_TITLE_LINES = 3  # a title line (table id and title) may precede the header; some editions have none
PUBLISHER = "United Nations Statistics Division (UNSD), Statistical Yearbook"
LICENCE = "http://data.un.org/Host.aspx?Content=UNdataUse"
UNDATA = "http://data.un.org/"

# Series label (lower case) -> (indicator id, the dimensions the label fixes). Totals (both sexes, all
# origins) need no entry: a breakdown dimension the label does not fix is written `_T`.
SERIES: dict[str, tuple[str, dict[str, str]]] = {
    "international migrant stock: both sexes (number)": ("STK_IMM", {}),
    "international migrant stock: both sexes (% total population)": ("STK_IMM_PCT", {}),
    "international migrant stock: male (% total population)": ("STK_IMM_PCT", {"SEX": "M"}),
    "international migrant stock: female (% total population)": ("STK_IMM_PCT", {"SEX": "F"}),
    "total refugees and people in refugee-like situations (number)": ("FDP_REF_A", {}),
    "asylum seekers, including pending cases (number)": ("FDP_ASY", {}),
    "other of concern to unhcr (number)": ("FDP_OOC", {}),
    "total population of concern to unhcr (number)": ("FDP_POC", {}),
}
_FILE_NAME = re.compile(r"SYB(\d+)_(\d+)_(\d{6})_(.+)\.csv", re.IGNORECASE)
DEFAULT_TITLE = "International migrants and refugees"
_YEAR = re.compile(r"\d{4}")


class UnsdSybImporter:
    """`mpr import unsd-syb SYB65_327_....csv`: migrant stock and UNHCR figures by area and year."""

    name = "unsd-syb"

    def read(self, path: Path, context: ImportContext) -> ImportResult:
        text = read_csv(path, EXPECTED)
        header_index = _header_index(text.name, text.rows)
        table_id, title = _table_title(text.name, text.rows[header_index - 1][1] if header_index else [])
        header_line = text.rows[header_index][0]

        records: list[ObservationRecord] = []
        unmapped: Counter[str] = Counter()
        unknown_series: Counter[str] = Counter()
        missing_indicators: Counter[str] = Counter()
        unmapped_areas: Counter[str] = Counter()
        for line, fields in text.rows[header_index + 1:]:
            if is_blank(fields):
                continue
            if len(fields) < len(HEADER):
                raise layout_error(text.name, line, f"{len(HEADER)} fields as in the header", fields)
            m49, area_name, year, label, raw_value, footnotes, source = (f.strip() for f in fields[: len(HEADER)])
            if not _YEAR.fullmatch(year):
                raise layout_error(text.name, line, "a year (e.g. 2020) in the column Year", fields)
            value = plain_number(raw_value)
            if value is None:
                continue
            mapping = SERIES.get(" ".join(label.lower().split()))
            if mapping is None:
                unknown_series[label] += 1
                unmapped[label] += 1
                continue
            indicator = context.catalogue.get(mapping[0])
            if indicator is None:
                missing_indicators[mapping[0]] += 1
                unmapped[label] += 1
                continue
            area = _area(context, m49)
            if area is None:
                unmapped_areas[f"{m49} ({area_name})"] += 1
                continue
            cells = observation_cells(indicator, freq="A", ref_area=area, time_period=year, value=value,
                                      given=mapping[1], source_detail=source, comment=footnotes)
            records.append(ObservationRecord(cells=cells, row=line))
        unmapped.update(unmapped_areas)
        if not records and not unmapped:
            raise InputFileError(f"{text.name}: line {header_line + 1}: no data rows after the header; "
                                 f"expected {EXPECTED}.", details={"line": header_line + 1})

        issue, table = _issue_and_table(text.name, table_id)
        notes = _notes(title, unmapped_areas, unknown_series, missing_indicators)
        url = _original_url(text.name)
        metadata = SubmissionMetadata(
            dataset_id=sdmx_id("UNSD", issue, table),
            agency_id="UNSD",
            title=f"{title} (UNSD Statistical Yearbook {issue.removeprefix('SYB')}, table {table})",
            sources=(PUBLISHER, url),
            licence=LICENCE,
            original_url=url,
            importer=self.name,
            extra_notes=notes,
        )
        parsed = ParsedFile(name=text.name, format="unsd-syb-csv", records=records, columns=COMPONENTS,
                            sha256=text.sha256, size=text.size)
        return ImportResult(parsed=parsed, metadata=metadata, unmapped=dict(unmapped), notes=notes)


def _header_index(name: str, rows: list[tuple[int, list[str]]]) -> int:
    """The index of the header row, recognised by its columns (either edition's names of the first two).

    Refuses the file, naming the line and both headers, when none of the first lines is a header.
    """
    for index, (_line, fields) in enumerate(rows[:_TITLE_LINES]):
        names = tuple(" ".join(f.split()).lower() for f in fields[: len(HEADER)])
        if len(names) == len(HEADER) and names[2:] == tuple(h.lower() for h in HEADER[2:]) \
                and names[:2] in AREA_HEADERS:
            return index
    title = rows[0][1]
    expected_at = 1 if len(rows) > 1 and len(title) >= 2 and title[0].strip() else 0
    line, fields = rows[expected_at] if len(rows) > expected_at else (rows[0][0] + 1, [])
    raise layout_error(name, line, "the header " + ",".join(HEADER) + " (or, in other editions, "
                       "Area Code,Area Name," + ",".join(HEADER[2:]) + "), after an optional line with the "
                       "table id and title", fields)


def _table_title(file_name: str, title_row: list[str]) -> tuple[str, str]:
    """The table id and title: from the line before the header, else from the UNdata file name."""
    fields = [f.strip() for f in title_row]
    if len(fields) >= 2 and fields[0] and fields[1]:
        return fields[0], fields[1]
    match = _FILE_NAME.fullmatch(file_name)
    return "", (match.group(4).strip() if match else DEFAULT_TITLE)


def _area(context: ImportContext, m49: str) -> str | None:
    """The canonical area of an M49 numeric code (written without leading zeros).

    By code only: the yearbook's own groupings ("420 Latin America") have names close to, but not the
    same areas as, M49 regions.
    """
    return context.areas.code(m49.zfill(3) if m49.isdigit() else m49)


def _issue_and_table(file_name: str, table_id: str) -> tuple[str, str]:
    """('SYB65', '327') from the UNdata file name, else ('SYB', the table id of line 1)."""
    match = _FILE_NAME.fullmatch(file_name)
    if match:
        return f"SYB{match.group(1)}", match.group(2)
    return "SYB", table_id


def _original_url(file_name: str) -> str:
    """UNdata publishes the yearbook's CSV tables under _Docs/SYB/CSV/ by their file name."""
    if _FILE_NAME.fullmatch(file_name):
        return f"https://data.un.org/_Docs/SYB/CSV/{quote(file_name)}"
    return UNDATA


def _notes(
    title: str, unmapped_areas: Counter[str], unknown_series: Counter[str], missing_indicators: Counter[str]
) -> tuple[str, ...]:
    notes = [f"UNSD Statistical Yearbook table '{title}', compiled from UN DESA and UNHCR figures "
             "(see each observation's source detail)."]
    for label, count in sorted(unknown_series.items()):
        notes.append(f"Series '{label}' is not known to the importer: {count} rows skipped.")
    for indicator_id, count in sorted(missing_indicators.items()):
        notes.append(f"Indicator {indicator_id} is not in the catalogue (ontology/indicators.ttl): "
                     f"{count} rows skipped.")
    if unmapped_areas:
        notes.append("Areas with no code in the registry were skipped: " + ", ".join(sorted(unmapped_areas)))
    return tuple(notes)
