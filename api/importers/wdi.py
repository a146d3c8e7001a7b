"""World Bank WDI per-indicator download (API_<code>_DS2_en_csv_v2_<n>.csv) -> a submission (issue: importers).

Layout: 4 preamble lines ("Data Source", blank, "Last Updated Date", blank), then the header
``Country Name, Country Code, Indicator Name, Indicator Code, 1960, ..., <last year>,`` and one wide row per
economy or aggregate. Every line ends with a trailing comma; UTF-8 with BOM; CRLF or LF. Next to it, the
same download has Metadata_Country_<name> (Region empty = aggregate) and Metadata_Indicator_<name>.
The indicator is the catalogue entry whose skos:exactMatch is the WB series code; countries map by alpha-3;
WLD is the world (M49 001); other WB aggregates are not M49 areas (unless the area code list says a WB code
is the same concept as an M49 region) and are reported as unmapped. Releases
that give a series every fifth year only (net migration before 2024) get a COMMENT saying so.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult
from api.importers.csv_text import (
    CsvText,
    is_blank,
    layout_error,
    observation_cells,
    plain_number,
    read_csv,
    sdmx_id,
    without_trailing_empty,
)
from api.model.catalogue import Indicator
from api.model.structure import COMPONENTS
from api.model.submission import ObservationRecord, ParsedFile, SubmissionMetadata

EXPECTED = ('a World Bank WDI download "API_<code>_DS2_en_csv_v2_<n>.csv" (or its Excel download), or a '
            'DataBank export (.xlsx)')
HEADER = ("Country Name", "Country Code", "Indicator Name", "Indicator Code")
WORLD = {"WLD": "001"}
PUBLISHER = "The World Bank, World Development Indicators"
LICENCE = "https://creativecommons.org/licenses/by/4.0/"
_YEAR = re.compile(r"\d{4}")
_PREAMBLE_LINES = 10
# Releases before 2024 gave net migration (SM.POP.NETM) as five-year estimates only (UN WPP).
FIVE_YEAR_COMMENT = "five-year estimate: the release gives this series every fifth year only"


class WdiImporter:
    """`mpr import wdi API_....csv`: one WDI indicator, every economy and year."""

    name = "wdi"

    def read(self, path: Path, context: ImportContext) -> ImportResult:
        from api.importers import wdi_excel

        if wdi_excel.is_workbook(path):
            workbook = wdi_excel.read_workbook(path, EXPECTED)
            if workbook.databank:
                return wdi_excel.read_databank(workbook, context)
            return self.read_text(workbook.as_text(), path, context)
        return self.read_text(read_csv(path, EXPECTED), path, context)

    def read_text(self, text: CsvText, path: Path, context: ImportContext) -> ImportResult:
        """A per-indicator download as numbered rows (from the CSV, or from the Excel download's Data sheet)."""
        header_at, release = _preamble(text.name, text.rows)
        header_line, header = text.rows[header_at]
        years = _year_columns(text.name, header_line, header)
        countries = _country_metadata(path)
        series_meta = _indicator_metadata(path)

        records: list[ObservationRecord] = []
        unmapped: Counter[str] = Counter()
        indicators: dict[str, Indicator] = {}
        names: dict[str, str] = {}
        data = [(line, fields) for line, fields in text.rows[header_at + 1:] if not is_blank(fields)]
        five_yearly = _five_yearly({year for _line, fields in data for i, year in years
                                    if i < len(fields) and plain_number(fields[i]) is not None})
        comment = FIVE_YEAR_COMMENT if five_yearly else ""
        for line, fields in data:
            if len(fields) < len(HEADER):
                raise layout_error(text.name, line, f"{len(header)} fields as in the header of {EXPECTED}", fields)
            country_name, country_code, indicator_name, code = (f.strip() for f in fields[:4])
            indicator = indicators.get(code) or _indicator(context, code, text.name, line)
            indicators[code] = indicator
            names.setdefault(code, indicator_name)
            area = _area(context, country_code, countries)
            values = [(year, plain_number(fields[i])) for i, year in years if i < len(fields)]
            present = [(year, v) for year, v in values if v is not None]
            if area is None:
                if present:
                    unmapped[f"{country_code} ({country_name})"] += len(present)
                continue
            detail = f"WDI {code}, release {release}" if release else f"WDI {code}"
            for year, value in present:
                cells = observation_cells(indicator, freq="A", ref_area=area, time_period=year, value=value,
                                          source_detail=detail, comment=comment)
                records.append(ObservationRecord(cells=cells, row=line))
        if not indicators:
            raise InputFileError(f"{text.name}: line {header_line + 1}: no data rows after the header; "
                                 f"expected {EXPECTED}.", details={"line": header_line + 1})

        first = next(iter(indicators))
        notes = _notes(release, first, series_meta, unmapped, countries)
        if five_yearly:
            notes += (f"{first}: values every five years only ({FIVE_YEAR_COMMENT}).",)
        metadata = SubmissionMetadata(
            dataset_id=sdmx_id("WB", "WDI", first),
            agency_id="WB",
            title=f"{names[first]} (World Bank WDI, {first})",
            sources=(PUBLISHER, _download_url(first)),
            licence=LICENCE,
            definition_basis=series_meta.get("SOURCE_NOTE") or None,
            original_url=_download_url(first),
            importer=self.name,
            extra_notes=notes,
        )
        parsed = ParsedFile(name=text.name, format="wdi-csv", records=records, columns=COMPONENTS,
                            sha256=text.sha256, size=text.size)
        return ImportResult(parsed=parsed, metadata=metadata, unmapped=dict(unmapped), notes=notes)


def _preamble(name: str, rows: list[tuple[int, list[str]]]) -> tuple[int, str]:
    """Index of the header row and the 'Last Updated Date' (the WDI release), checking the preamble."""
    if not rows or not rows[0][1] or rows[0][1][0].strip() != "Data Source":
        line, fields = rows[0] if rows else (1, [])
        raise layout_error(name, line, f'"Data Source","World Development Indicators" as in {EXPECTED}', fields)
    release = ""
    for index, (_line, fields) in enumerate(rows[:_PREAMBLE_LINES]):
        first = fields[0].strip() if fields else ""
        if first == "Last Updated Date" and len(fields) > 1:
            release = fields[1].strip()
        if tuple(f.strip() for f in fields[:4]) == HEADER:
            return index, release
    line = rows[min(4, len(rows) - 1)][0]
    raise layout_error(name, line, "the header " + ",".join(f'"{h}"' for h in HEADER) + ',"1960",...',
                       rows[min(4, len(rows) - 1)][1])


def _year_columns(name: str, line: int, header: list[str]) -> list[tuple[int, str]]:
    """(column index, year) of the year columns; the trailing comma's empty column is ignored."""
    columns = without_trailing_empty(header)[len(HEADER):]
    bad = [c for c in columns if not _YEAR.fullmatch(c.strip())]
    if bad or not columns:
        raise layout_error(name, line, "year columns (\"1960\", \"1961\", ...) after the four name and code columns",
                           header)
    return [(len(HEADER) + i, c.strip()) for i, c in enumerate(columns)]


def _five_yearly(years: set[str]) -> bool:
    """True when the file has figures for every fifth year only (e.g. 1962, 1967, ..., 2017)."""
    return len(years) >= 2 and len({int(y) % 5 for y in years}) == 1


def _indicator(context: ImportContext, code: str, name: str, line: int) -> Indicator:
    indicator = context.catalogue.by_source("WB", code)
    if indicator is None:
        raise InputFileError(
            f"{name}: line {line}: the WDI series '{code}' matches no indicator of the catalogue. Add the series "
            f"to ontology/indicators.ttl (skos:exactMatch <https://w3id.org/migration-profile/code/series/WB/"
            f"{code}>) on the indicator it measures, then import again.",
            details={"line": line, "series": code},
        )
    return indicator


def _area(context: ImportContext, code: str, countries: dict[str, dict[str, str]]) -> str | None:
    """The canonical area of a WDI economy, or None for an aggregate that is not an M49 area.

    By code only: a WB aggregate can share a name with an M49 region ("Sub-Saharan Africa") while its
    composition differs. An aggregate (Region empty in Metadata_Country) is kept only when the area code
    list maps its WB code to a region (WLD -> 001, LDC -> 199: the same concept).
    """
    area = context.areas.code(code) or WORLD.get(code)
    meta = countries.get(code)
    if area is not None and meta is not None and not meta.get("Region", "").strip():
        return area if area in WORLD.values() or context.areas.is_region(area) else None
    return area


def _companion(path: Path, prefix: str) -> Path | None:
    candidate = path.with_name(prefix + path.name)
    return candidate if candidate.is_file() else None


def _metadata_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a WDI Metadata_* file as dicts by header name (trailing comma column dropped)."""
    text = read_csv(path, "a WDI Metadata_*.csv file")
    if not text.rows:
        return []
    header = [h.strip() for h in without_trailing_empty(text.rows[0][1])]
    return [dict(zip(header, (f.strip() for f in fields), strict=False))
            for _line, fields in text.rows[1:] if not is_blank(fields)]


def _country_metadata(path: Path) -> dict[str, dict[str, str]]:
    """Metadata_Country_<file>: Country Code -> its row (Region empty = aggregate); {} when absent."""
    companion = _companion(path, "Metadata_Country_")
    if companion is None:
        return {}
    rows = _metadata_rows(companion)
    if rows and "Country Code" not in rows[0]:
        raise layout_error(companion.name, 1, '"Country Code","Region","IncomeGroup",...', list(rows[0]))
    return {r["Country Code"]: r for r in rows if r.get("Country Code")}


def _indicator_metadata(path: Path) -> dict[str, str]:
    """Metadata_Indicator_<file>: INDICATOR_NAME, SOURCE_NOTE, SOURCE_ORGANIZATION; {} when absent."""
    companion = _companion(path, "Metadata_Indicator_")
    if companion is None:
        return {}
    rows = _metadata_rows(companion)
    return rows[0] if rows else {}


def _download_url(code: str) -> str:
    return f"https://api.worldbank.org/v2/en/indicator/{code}?downloadformat=csv"


def _notes(
    release: str,
    code: str,
    series_meta: dict[str, str],
    unmapped: Counter[str],
    countries: dict[str, dict[str, str]],
) -> tuple[str, ...]:
    notes = []
    if release:
        notes.append(f"World Development Indicators release {release} (file's Last Updated Date), series {code}.")
    if series_meta.get("SOURCE_ORGANIZATION"):
        notes.append(f"Original source: {series_meta['SOURCE_ORGANIZATION']}")
    if unmapped:
        source = "Metadata_Country Region empty" if countries else "no M49 area for the code"
        notes.append(f"{len(unmapped)} World Bank aggregates or unknown economies skipped ({source}): "
                     + ", ".join(sorted(unmapped)))
    return tuple(notes)
