"""UNDP Human Development Report Office, HDI time series (HDR data centre CSV) -> a submission (issue: importers).

Layout (HDR 2020 release): preamble lines (title, ``Dimension:``, ``Definition:``, ``Source:``, blank), then the
header ``HDI Rank,Country,1990,...,2019`` and one row per country (alphabetical, the rank of the last year),
then the aggregates (first field empty or a space: HDI groups, UNDP regions, LDC, SIDS, OECD, World). Other
releases name the rank column differently and span other years, so the header is found by its content: the
first line with a ``Country`` column followed by year columns.

Quirks handled: mixed encodings (a Windows-1252 em dash in the preamble of a UTF-8 file) are decoded line by
line; names carry a leading space; ``..`` = not available. Names only, no codes: countries map through the
area names (UNDP's ``(Kingdom of)``-style suffixes and ``, China (SAR)`` are tried without them), and names that
match no area are listed, never guessed. Aggregates are UNDP's groupings, not M49 areas: only ``World`` is
imported; the others are reported as not imported.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter
from pathlib import Path

from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult, read_original
from api.importers.csv_text import layout_error, observation_cells, plain_number
from api.model.structure import COMPONENTS
from api.model.submission import ObservationRecord, ParsedFile, SubmissionMetadata

EXPECTED = "a UNDP HDR data-centre CSV of the Human Development Index (header 'HDI Rank,Country,1990,...')"
PUBLISHER = "United Nations Development Programme, Human Development Report Office"
URL = "https://hdr.undp.org/data-center/human-development-index"
# The file states no licence; the HDR data centre publishes its data under CC BY 3.0 IGO.
LICENCE = "http://creativecommons.org/licenses/by/3.0/igo/"
SERIES = "HDI"
WORLD = "World"
_YEAR = re.compile(r"\d{4}")
_SUFFIX = re.compile(r"\s*\((?:[^()]*)\)\s*$")
_HEADER_LINES = 15


def decode_lines(data: bytes) -> list[str]:
    """Each line decoded as UTF-8, or as Windows-1252 where it is not UTF-8 (files mixing the two)."""
    lines: list[str] = []
    for raw in data.replace(b"\r\n", b"\n").split(b"\n"):
        try:
            lines.append(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            lines.append(raw.decode("cp1252", errors="replace"))
    return lines


class UndpHdiImporter:
    """`mpr import undp-hdi "Human Development Index (HDI)_2019.csv"`: CTX_HDI by country and year."""

    name = "undp-hdi"

    def read(self, path: Path, context: ImportContext) -> ImportResult:
        data = read_original(path, EXPECTED)
        indicator = context.catalogue.by_source("UNDP", SERIES)
        if indicator is None:
            raise InputFileError(f"{path.name}: the series UNDP {SERIES} matches no indicator of the catalogue.")
        rows = [(n, next(csv.reader([line]), [])) for n, line in enumerate(decode_lines(data), start=1)]
        header_at, country_column, years = _header(path.name, rows)
        release = next((m.group(0) for m in (re.search(r"\d{4}", path.stem),) if m), "")

        records: list[ObservationRecord] = []
        unmapped: Counter[str] = Counter()
        aggregates: list[str] = []
        for line, fields in rows[header_at + 1:]:
            if not any(f.strip() for f in fields):
                continue
            if len(fields) <= max(i for i, _ in years):
                raise layout_error(path.name, line, f"{max(i for i, _ in years) + 1} fields as in the header", fields)
            rank, name = fields[0].strip(), fields[country_column].strip()
            values = [(year, plain_number(fields[i])) for i, year in years]
            present = [(y, v) for y, v in values if v is not None]
            if not rank and name != WORLD:
                if present:
                    aggregates.append(name)
                continue
            area = _area(context, name)
            if area is None:
                unmapped[name] += len(present)
                continue
            for year, value in present:
                cells = observation_cells(indicator, freq="A", ref_area=area, time_period=year, value=value,
                                          source_detail=f"UNDP HDR {release or 'data centre'} HDI, line {line}")
                records.append(ObservationRecord(cells=cells, row=line))
        if not records:
            raise InputFileError(f"{path.name}: line {rows[header_at][0] + 1}: no country rows after the header; "
                                 f"expected {EXPECTED}.", details={"line": rows[header_at][0] + 1})
        notes = _notes(aggregates, unmapped)
        metadata = SubmissionMetadata(
            dataset_id=f"UNDP_HDR_HDI{('_' + release) if release else ''}",
            agency_id="UNDP",
            title="Human Development Index (UNDP Human Development Report Office)",
            sources=(PUBLISHER, URL),
            licence=LICENCE,
            original_url=URL,
            importer=self.name,
            extra_notes=tuple(notes),
        )
        parsed = ParsedFile(name=path.name, format="undp-hdr-csv", records=records, columns=COMPONENTS,
                            sha256=hashlib.sha256(data).hexdigest(), size=len(data))
        return ImportResult(parsed=parsed, metadata=metadata, unmapped=dict(unmapped), notes=tuple(notes))



def _notes(aggregates: list[str], unmapped: Counter[str]) -> list[str]:
    notes = []
    if aggregates:
        notes.append("UNDP groupings (not M49 areas) not imported: " + ", ".join(aggregates) + ".")
    if unmapped:
        notes.append("Names matching no area (not imported): " + ", ".join(sorted(unmapped)) + ".")
    return notes


def _header(name: str, rows: list[tuple[int, list[str]]]) -> tuple[int, int, list[tuple[int, str]]]:
    """(index of the header row, the Country column, [(column, year)]) found by content."""
    for index, (_line, fields) in enumerate(rows[:_HEADER_LINES]):
        names = [f.strip() for f in fields]
        if "Country" in names:
            country = names.index("Country")
            years = [(i, f) for i, f in enumerate(names) if i > country and _YEAR.fullmatch(f)]
            if years:
                return index, country, years
    _line, fields = rows[min(5, len(rows) - 1)]
    raise layout_error(name, 1, f"within lines 1-{_HEADER_LINES} a header with a 'Country' column followed by "
                       f"year columns (e.g. 'HDI Rank,Country,1990,...,2019') — {EXPECTED}", fields)


def _area(context: ImportContext, name: str) -> str | None:
    """A country by its UNDP name, else by the name without UNDP's suffix ('Eswatini (Kingdom of)')."""
    area = context.areas.name(name)
    if area is None:
        bare = _SUFFIX.sub("", name).removesuffix(", China").strip()
        area = context.areas.name(bare) if bare != name else None
    return None if area is None or (context.areas.is_region(area) and name != WORLD) else area
