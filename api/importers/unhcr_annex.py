"""UNHCR Global Trends statistical annex (Excel, ``TabN`` sheets) -> a submission (issue: importers).

The annex's tables each have a title row (``Table 1. ..., end-2015``), notes, a header of one to five rows whose
words are split across rows, the data, then numbered footnotes and ``Source: UNHCR/Governments.``. Tables are
recognised by content, not by sheet name: the header row whose first column reads ``Country/territory of
asylum`` (by asylum) and whose columns name the populations. Imported:

- the table of all populations of concern by country of asylum (Table 1 in 2015): total refugees (incl.
  refugee-like situations) FDP_REF_A, asylum-seekers FDP_ASY, returned refugees RET_REF, IDPs protected or
  assisted by UNHCR FDP_IDP, returned IDPs RET_IDP, persons under the statelessness mandate FDP_STA, others of
  concern FDP_OOC, total population of concern FDP_POC;
- the table of refugees by origin and country of asylum (Table 5): the end-year population as FDP_REF_A with
  COUNTERPART_AREA = the origin (``*`` = a figure from 1 to 4, suppressed: CONF_STATUS C without value);
- the table of all populations of concern by origin (Table 2): total refugees (incl. refugee-like situations)
  by origin as FDP_REF_O (COUNTERPART_AREA ``_T``, all countries of asylum);
- major voluntary repatriation movements (Table 21, origin "Returning to" x asylum "Returning from"; pairs of
  100 or more, rounded to the nearest 10): RET_REF of the origin with COUNTERPART_AREA = the country returned from;
- resettlement departures from first-asylum countries (Table 22, pairs of 50 or more): FDP_RST_DEP of the
  country of first asylum with COUNTERPART_AREA = the origin; resettlement arrivals (Table 23): FDP_RST of the
  country of arrival.

The reference year comes from the title (``end-2015``). Footnote numbers glued to names (``Algeria10``) are
removed; names map through the area names (UNHCR's short names are aliases of the area list) and the ``Total``
row is the world; ``..`` and ``-`` (zero or not available) give no figure. Names matching no area are listed.
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
from api.importers.workbook import open_xlsx
from api.model.structure import COMPONENTS
from api.model.submission import ObservationRecord, ParsedFile, SubmissionMetadata

EXPECTED = ("the UNHCR Global Trends statistical annex (sheets with a 'Country/territory of asylum' header and "
            "population columns such as 'Total refugees and people in refugee-like situations')")
URL = "https://www.unhcr.org/statistics"
PUBLISHER = "UNHCR, Global Trends: Forced Displacement, statistical annex"
LICENCE = "https://www.unhcr.org/terms-and-conditions-data"
HEADER_ROWS = 15
COLUMNS = (  # (pattern of the header text without footnote digits, indicator)
    (r"total refugees and people in refugee-like situations", "FDP_REF_A"),
    (r"asylum-seekers", "FDP_ASY"),
    (r"returned refugees", "RET_REF"),
    (r"idps protected", "FDP_IDP"),
    (r"returned idps", "RET_IDP"),
    (r"statelessness mandate", "FDP_STA"),
    (r"others of concern", "FDP_OOC"),
    (r"total population of concern", "FDP_POC"),
)
# UNHCR short names the area list does not carry (the annex's own spellings)
ALIASES = {"congo, republic of": "COG", "czech rep.": "CZE", "saint-pierre-et-miquelon": "SPM",
           "us virgin islands": "VIR"}
NOT_AVAILABLE = frozenset({"", "..", "-", "\u2013", "\u2014"})
SUPPRESSED = "*"
_YEAR = re.compile(r"(?:end|mid)-(\d{4})|, (\d{4})\s*$")
_FOOTNOTE = re.compile(r"(?<=[A-Za-z)\.])\d{1,2}$")


def _text(value: object) -> str:
    return "" if value is None else " ".join(str(value).split())


def _clean(label: str) -> str:
    """A label without the footnote number glued to it ('Algeria10' -> 'Algeria', 'Refugees 2' -> 'Refugees')."""
    return _FOOTNOTE.sub("", re.sub(r"\s+\d{1,2}$", "", label)).strip()


@dataclass(frozen=True)
class _Table:
    sheet: str
    year: str
    header_row: int  # 1-based
    rows: list[tuple[Any, ...]]


class UnhcrAnnexImporter:
    """`mpr import unhcr-annex 15-WRD-tab_v3.xlsx`: populations of concern by asylum, refugees by origin."""

    name = "unhcr-annex"

    def read(self, path: Path, context: ImportContext) -> ImportResult:
        data = read_original(path, EXPECTED)
        workbook = open_xlsx(data, path.name, EXPECTED)
        try:
            found = _all_tables(workbook)
            populations, by_origin = found.get("populations"), found.get("by_origin")
        finally:
            workbook.close()
        if populations is None:
            raise InputFileError(
                f"{path.name}: sheets 1-{len(workbook.sheetnames)}: expected a table whose header (within rows "
                f"1-{HEADER_ROWS}) starts with 'Country/territory of asylum' and names populations ('Total "
                "refugees and people in refugee-like situations', 'Asylum-seekers', ...); found none. "
                f"The importer reads {EXPECTED}.", details={"line": 1})
        reader = _Reader(path.name, context)
        reader.populations(populations)
        if by_origin is not None:
            reader.origins(by_origin)
        notes = [f"UNHCR Global Trends annex, end-{populations.year}: populations of concern by country of asylum "
                 f"(sheet {populations.sheet})" + (f" and refugees by origin (sheet {by_origin.sheet})."
                                                   if by_origin else ".")]
        notes.extend(reader.more(found))
        if reader.unmapped:
            notes.append("Names matching no area (not imported): " + ", ".join(sorted(reader.unmapped)) + ".")
        metadata = SubmissionMetadata(
            dataset_id=f"UNHCR_GLOBAL_TRENDS_{populations.year}",
            agency_id="UNHCR",
            title=f"Global Trends {populations.year}: populations of concern by country of asylum and origin, "
                  "returns and resettlement (UNHCR)",
            sources=(PUBLISHER, URL), licence=LICENCE, original_url=URL, importer=self.name,
            extra_notes=tuple(notes))
        parsed = ParsedFile(name=path.name, format="xlsx", records=reader.records, columns=COMPONENTS,
                            sha256=hashlib.sha256(data).hexdigest(), size=len(data))
        return ImportResult(parsed=parsed, metadata=metadata, unmapped=dict(reader.unmapped), notes=tuple(notes))


# tables of pairs (origin, country of asylum) or of one area: title words -> (indicator, the row's area is the
# origin (pairs), what the comment says)
PAIRS = {
    "voluntary repatriation": ("RET_REF", True, "pairs of 100 returnees or more; rounded to the nearest 10 by UNHCR"),
    "resettlement departures": ("FDP_RST_DEP", False, "pairs of 50 refugees or more"),
}
LISTS = {"resettlement arrivals": ("FDP_RST", "arrivals with and without UNHCR assistance, governments' figures")}


def _tables(workbook: Any) -> tuple[_Table | None, _Table | None]:
    """The populations-by-asylum table and the refugees-by-origin-and-asylum table, found by their headers."""
    found = _all_tables(workbook)
    return found.get("populations"), found.get("by_origin")


def _all_tables(workbook: Any) -> dict[str, _Table]:
    """Every table the importer reads, by kind ('populations', 'by_origin', 'origin_populations' and the title
    words of PAIRS and LISTS), found by their titles and headers."""
    found: dict[str, _Table] = {}
    for sheet in workbook.sheetnames:
        rows = list(workbook[sheet].iter_rows(values_only=True))
        if not rows:
            continue
        title = _text(rows[0][0] if rows[0] else "")
        match = _YEAR.search(title)
        year = next((g for g in match.groups() if g), "") if match else ""
        head = [[_clean(_text(v)).lower() for v in row] for row in rows[:HEADER_ROWS]]
        for index, names in enumerate(head):
            if names and names[0] in ("country/territory of asylum", "origin") and any(
                    "refugee" in n for n in names[1:]):
                kind = "origin_populations" if names[0] == "origin" else "populations"
                if kind not in found and year:
                    found[kind] = _Table(sheet, year, index + 1, rows)
                break
        lowered = title.lower()
        if "by_origin" not in found and year and "by origin and country of asylum" in lowered:
            found["by_origin"] = _Table(sheet, year, _origin_header(rows), rows)
        for words in (*PAIRS, *LISTS):
            if words in lowered and words not in found and year:
                found[words] = _Table(sheet, year, _origin_header(rows) if words in PAIRS else _list_header(rows), rows)
    return found


def _list_header(rows: list[tuple[Any, ...]]) -> int:
    """The last header row of a one-area list: the row just above the first row with a name and a number."""
    for index, row in enumerate(rows[:HEADER_ROWS + 5]):
        if len(row) > 1 and _text(row[0]) and isinstance(row[1], (int, float)):
            return index
    return HEADER_ROWS


def _total_column(table: _Table) -> int | None:
    """The column headed 'Total' in the table's header rows."""
    return next((c for row in table.rows[:table.header_row] for c, v in enumerate(row)
                 if _clean(_text(v)).lower() == "total"), None)


def _origin_header(rows: list[tuple[Any, ...]]) -> int:
    """The last header row of the origin x asylum table: the row just above the first row with two names."""
    for index, row in enumerate(rows[:HEADER_ROWS + 5]):
        if len(row) > 2 and _text(row[0]) and _text(row[1]) and any(isinstance(v, (int, float)) for v in row[2:]):
            return index
    return HEADER_ROWS


class _Reader:
    def __init__(self, name: str, context: ImportContext) -> None:
        self.name = name
        self.context = context
        self.records: list[ObservationRecord] = []
        self.unmapped: Counter[str] = Counter()

    def _area(self, label: str) -> str | None:
        name = _clean(label)
        if name.lower() in ("total", "grand total"):
            return "001"
        area = ALIASES.get(name.lower()) or self.context.areas.name(name)
        return None if area is None or (self.context.areas.is_region(area) and area != "001") else area

    def _value(self, raw: object) -> tuple[str, bool] | None:
        if isinstance(raw, bool):
            return None
        if isinstance(raw, (int, float)):
            return (str(int(raw)) if float(raw).is_integer() else repr(raw)), False
        text = _text(raw)
        if text in NOT_AVAILABLE:
            return None
        if text == SUPPRESSED:
            return "", True
        if re.fullmatch(r"\d+", text.replace(",", "")):
            return text.replace(",", ""), False
        return None

    def _add(self, indicator_id: str, area: str, year: str, number: int, sheet: str, raw: object,
             counterpart: str = "", note: str = "") -> None:
        indicator = self.context.catalogue.get(indicator_id)
        value = self._value(raw)
        if indicator is None or value is None:
            return
        text, suppressed = value
        given = {"COUNTERPART_AREA": counterpart} if counterpart else {}
        self.records.append(ObservationRecord(cells=observation_cells(
            indicator, freq="A", ref_area=area, time_period=year, value=text, given=given,
            conf_status="C" if suppressed else "F", obs_status="Q" if suppressed else "A",
            comment="a figure from 1 to 4, suppressed by UNHCR" if suppressed else note,
            source_detail=f"UNHCR Global Trends {year} annex {sheet} row {number}"), row=number))

    def populations(self, table: _Table) -> None:
        header = [_clean(_text(v)).lower() for v in table.rows[table.header_row - 1]]
        columns = [(i, ind) for i, h in enumerate(header) for pattern, ind in COLUMNS if re.search(pattern, h)]
        for number, row in enumerate(table.rows[table.header_row:], start=table.header_row + 1):
            label = _text(row[0] if row else "")
            if not label or label.startswith("Source:") or re.match(r"\d+\s", label):
                if re.match(r"\d+\s", label) or label.startswith("Source:"):
                    break
                continue
            area = self._area(label)
            if area is None:
                self.unmapped[_clean(label)] += 1
                continue
            for column, indicator in columns:
                self._add(indicator, area, table.year, number, table.sheet, row[column] if column < len(row) else None)
            if area == "001":
                break  # the world total ends the country list; UNHCR's bureaux and UN major areas follow

    def origins(self, table: _Table) -> None:
        """End-year refugees per origin (col A) and asylum (col B), from the column headed 'Population end-'."""
        end_column = next((c for row in table.rows[:table.header_row] for c, v in enumerate(row)
                           if _text(v).lower().startswith("population end")), None)
        if end_column is None:
            raise InputFileError(f"{self.name}: sheet '{table.sheet}' rows 1-{table.header_row}: expected a column "
                                 "headed 'Population end-YYYY' in the refugees by origin and asylum table.",
                                 details={"sheet": table.sheet, "row": table.header_row})
        for number, row in enumerate(table.rows[table.header_row:], start=table.header_row + 1):
            origin, asylum = _text(row[0] if row else ""), _text(row[1] if len(row) > 1 else "")
            if origin.startswith("Source:") or re.match(r"\d+\s", origin):
                break
            if not origin or not asylum or origin.lower().startswith("total") or asylum.lower().startswith("total"):
                continue
            if end_column >= len(row):
                continue
            host, source = self._area(asylum), self._area(origin)
            if host is None or source is None:
                self.unmapped[_clean(asylum if host is None else origin)] += 1
                continue
            self._add("FDP_REF_A", host, table.year, number, table.sheet, row[end_column], counterpart=source)


    def more(self, found: dict[str, _Table]) -> list[str]:
        """Refugees by origin, repatriation and resettlement tables, where the edition has them; what was read."""
        notes: list[str] = []
        origin = found.get("origin_populations")
        if origin is not None:
            header = [_clean(_text(v)).lower() for v in origin.rows[origin.header_row - 1]]
            column = next((i for i, h in enumerate(header) if re.search(COLUMNS[0][0], h)), None)
            if column is not None:
                self._list(origin, "FDP_REF_O", column, "", counterpart="_T")
                notes.append(f"Refugees by origin (sheet {origin.sheet}) as FDP_REF_O.")
        for words, (indicator, row_is_origin, note) in PAIRS.items():
            table = found.get(words)
            column = _total_column(table) if table else None
            if table is not None and column is not None:
                self._pairs(table, indicator, column, row_is_origin, note)
                notes.append(f"{words.capitalize()} (sheet {table.sheet}) as {indicator}: {note}.")
        for words, (indicator, note) in LISTS.items():
            table = found.get(words)
            column = _total_column(table) if table else None
            if table is not None and column is not None:
                self._list(table, indicator, column, note)
                notes.append(f"{words.capitalize()} (sheet {table.sheet}) as {indicator}: {note}.")
        return notes

    def _rows(self, table: _Table) -> Any:
        for number, row in enumerate(table.rows[table.header_row:], start=table.header_row + 1):
            first = _text(row[0] if row else "")
            if first.startswith("Source:") or re.match(r"\d+\s", first):
                break
            yield number, row, first

    def _list(self, table: _Table, indicator: str, column: int, note: str, counterpart: str = "") -> None:
        for number, row, label in self._rows(table):
            if not label or column >= len(row):
                continue
            area = self._area(label)
            if area is None:
                self.unmapped[_clean(label)] += 1
                continue
            self._add(indicator, area, table.year, number, table.sheet, row[column], counterpart=counterpart,
                      note=note)
            if area == "001":
                break  # regional totals follow the world's

    def _pairs(self, table: _Table, indicator: str, column: int, row_is_origin: bool, note: str) -> None:
        for number, row, origin in self._rows(table):
            asylum = _text(row[1] if len(row) > 1 else "")
            if not origin or not asylum or "total" in (origin.lower()[:5], asylum.lower()[:5]) or column >= len(row):
                continue
            source, host = self._area(origin), self._area(asylum)
            if source is None or host is None:
                self.unmapped[_clean(origin if source is None else asylum)] += 1
                continue
            area, counterpart = (source, host) if row_is_origin else (host, source)
            self._add(indicator, area, table.year, number, table.sheet, row[column], counterpart=counterpart,
                      note=note)
