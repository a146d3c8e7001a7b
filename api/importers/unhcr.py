"""UNHCR population statistics exports -> a submission (issue: importers; DESIGN §4, §5).

Two historical layouts, told apart by their header line:

- **PopStats time series** (popstats.unhcr.org, 2014): a preamble, then ``Country / territory of residence,
  Origin / Returned from,Population type,2000,...,2013`` (one column per year). ``*`` = suppressed for
  confidentiality -> a record without value, CONF_STATUS ``C``, OBS_STATUS ``Q``. Empty = no data.
  The export has a few negative cells (e.g. ``-1``): a negative number of persons is not a figure the
  registry can publish, so they are skipped and listed in the notes.
- **Refugee Data Finder** origin x asylum (``Year,Country of origin,Country of asylum,Refugees under
  UNHCR's mandate,Asylum-seekers``; newer downloads add ISO columns and a preamble): each row gives
  FDP_REF_A and FDP_ASY. The 2020 download mixes UTF-8 (header) and Windows-1252 (body), so each line is
  decoded on its own. Zeros are real zeros and kept.

REF_AREA is the country of residence / asylum; COUNTERPART_AREA the origin (or returned-from country)
when the indicator is broken down by counterpart area, else ``_Z``. Names are matched with
``AreaIndex.name`` (UNHCR spellings and pseudo-areas such as "Stateless", "Various", "Tibetan").
Publisher rows that fall on the same observation key (e.g. "Various" and "Tibetan" both -> XXX, or
several origins of an indicator without counterpart breakdown) are summed into one observation, with
a COMMENT naming the lines; if one of them is suppressed the sum is withheld as suppressed too, since a
partial sum would understate the figure.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult
from api.importers.csv_text import is_blank, layout_error, numbered_rows, observation_cells
from api.model.catalogue import Indicator
from api.model.structure import COMPONENTS
from api.model.submission import ObservationRecord, ParsedFile, SubmissionMetadata

if TYPE_CHECKING:
    from api.importers.areas import AreaIndex

EXPECTED = (
    "a UNHCR export: the PopStats time series (header 'Country / territory of residence,Origin / Returned "
    "from,Population type,2000,...') or a Refugee Data Finder download (header 'Year,Country of origin,"
    "Country of asylum,Refugees under UNHCR's mandate,Asylum-seekers')"
)
POPSTATS_LEADING = ("country / territory of residence", "origin / returned from", "population type")
RDF_LABELS = {"FDP_REF_A": "Refugees under UNHCR's mandate", "FDP_ASY": "Asylum-seekers"}
RDF_COLUMNS = {
    "year": "year",
    "origin": "country of origin",
    "asylum": "country of asylum",
    "origin_iso": "country of origin (iso)",
    "asylum_iso": "country of asylum (iso)",
    "FDP_REF_A": "refugees under unhcr's mandate",
    "FDP_ASY": "asylum-seekers",
}
POPULATION_TYPES = {
    "Refugees": "FDP_REF_A",
    "Asylum seekers": "FDP_ASY",
    "Returned refugees": "RET_REF",
    "Internally displaced": "FDP_IDP",
    "Returned IDPs": "RET_IDP",
    "Stateless": "FDP_STA",
    "Others of concern": "FDP_OOC",
}
HEADER_SEARCH_LINES = 25
SUPPRESSED = "*"
POPSTATS_URL = "http://popstats.unhcr.org/"
POPSTATS_TERMS = "https://www.unhcr.org/terms-of-use"
RDF_URL = "https://www.unhcr.org/refugee-statistics/download/"
RDF_LICENCE = "https://creativecommons.org/licenses/by/4.0/"
_COUNT = re.compile(r"\d+")
_NEGATIVE = re.compile(r"-\d+")
_YEAR = re.compile(r"\d{4}")


def decode_lines(data: bytes, name: str) -> str:
    """The file's text: each line UTF-8 if it is, else Windows-1252; a leading BOM dropped."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines: list[str] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            try:
                line = raw.decode("cp1252")
            except UnicodeDecodeError as exc:
                raise InputFileError(
                    f"{name}: line {number}: byte 0x{raw[exc.start]:02X} is neither UTF-8 nor Windows-1252 "
                    f"text; expected {EXPECTED}.",
                    details={"line": number},
                ) from exc
        control = re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", line)
        if control:
            raise InputFileError(
                f"{name}: line {number}: control character U+{ord(control.group()):04X} (binary data, not "
                f"CSV text); expected {EXPECTED}.",
                details={"line": number},
            )
        lines.append(line)
    return "\n".join(lines)


def _norm(header: str) -> str:
    return " ".join(header.replace("\u2019", "'").replace("\ufeff", "").split()).lower()


def area_by_name(areas: AreaIndex, text: str) -> str | None:
    """A UNHCR name (trailing spaces, "Antigua.and.Barbuda") -> canonical area id."""
    name = text.strip()
    found = areas.name(name)
    if found is None and "." in name and " " not in name:
        found = areas.name(name.replace(".", " "))
    return found


@dataclass
class _Observation:
    """One observation key's figure, summed over the publisher rows that fall on it."""

    indicator: Indicator
    ref_area: str
    counterpart: str | None
    year: str
    detail: str
    rows: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    total: Decimal = Decimal(0)
    suppressed: bool = False


class _Collector:
    """Accumulates cells by observation key; keeps unmapped names, skipped cells and notes."""

    def __init__(self, name: str, context: ImportContext) -> None:
        self.name = name
        self.context = context
        self.observations: dict[tuple[str, str, str, str], _Observation] = {}
        self.unmapped: Counter[str] = Counter()
        self.negative: list[str] = []
        self.notes: list[str] = []
        self.skipped_types: Counter[str] = Counter()

    def area(self, text: str, iso: str = "") -> str | None:
        found = self.context.areas.code(iso.strip()) if iso.strip() else None
        found = found or area_by_name(self.context.areas, text)
        if found is None:
            self.unmapped[text.strip() or "(empty)"] += 1
        return found

    def add(
        self, indicator: Indicator, ref_area: str, counterpart: str | None, year: str, raw: str,
        line: int, detail: str, name: str,
    ) -> None:
        value = raw.strip()
        if not value:
            return
        if _NEGATIVE.fullmatch(value):
            self.negative.append(f"line {line} {year} ({value})")
            return
        if value != SUPPRESSED and not _COUNT.fullmatch(value):
            raise InputFileError(
                f"{self.name}: line {line}: {year}: expected a count of persons, '*' (suppressed) or an "
                f"empty cell; found '{value}'.",
                details={"line": line, "column": year},
            )
        key = (indicator.id, ref_area, counterpart or "", year)
        obs = self.observations.get(key)
        if obs is None:
            obs = self.observations[key] = _Observation(indicator, ref_area, counterpart, year, detail)
        obs.rows.append(line)
        obs.names.append(name)
        if value == SUPPRESSED:
            obs.suppressed = True
        else:
            obs.total += int(value)

    def records(self) -> list[ObservationRecord]:
        out: list[ObservationRecord] = []
        merged = withheld = 0
        for obs in self.observations.values():
            comment = ""
            if len(obs.rows) > 1:
                merged += 1
                lines = ", ".join(str(r) for r in obs.rows)
                comment = f"sum of {len(obs.rows)} publisher rows on the same key (lines {lines}: " \
                          f"{'; '.join(obs.names)})"
                if obs.suppressed:
                    withheld += 1
                    comment += "; one of them is suppressed, so the sum is withheld"
            given = {"COUNTERPART_AREA": obs.counterpart} if obs.counterpart else {}
            cells = observation_cells(
                obs.indicator, freq="A", ref_area=obs.ref_area, time_period=obs.year,
                value="" if obs.suppressed else str(obs.total), source_detail=obs.detail, given=given,
                obs_status="Q" if obs.suppressed else "A", conf_status="C" if obs.suppressed else "F",
                comment=comment,
            )
            out.append(ObservationRecord(cells=cells, row=obs.rows[0]))
        if merged:
            self.notes.append(f"{merged} observations are sums of several publisher rows mapping to the same key "
                              f"(see COMMENT); {withheld} of them include a suppressed cell and are withheld.")
        suppressed = sum(1 for r in out if r.cells["CONF_STATUS"] == "C")
        if suppressed:
            self.notes.append(f"{suppressed} suppressed cells ('*') imported without value, CONF_STATUS C.")
        if self.negative:
            shown = "; ".join(self.negative[:12]) + ("; ..." if len(self.negative) > 12 else "")
            self.notes.append(f"{len(self.negative)} negative cells skipped (a negative count of persons cannot "
                              f"be published): {shown}.")
        for label, rows in sorted(self.skipped_types.items()):
            self.notes.append(f"population type {label}: {rows} rows not imported.")
        if self.unmapped:
            self.notes.append(f"{sum(self.unmapped.values())} rows skipped for {len(self.unmapped)} names without "
                              f"an area: {', '.join(sorted(self.unmapped))}.")
        return out


def _header(rows: list[tuple[int, list[str]]], name: str) -> tuple[str, int]:
    """The layout ('popstats' or 'rdf') and the index in ``rows`` of its header."""
    for index, (_, fields) in enumerate(rows[:HEADER_SEARCH_LINES]):
        normalised = [_norm(f) for f in fields]
        if tuple(normalised[:3]) == POPSTATS_LEADING:
            return "popstats", index
        if normalised[:1] == ["year"] and RDF_COLUMNS["origin"] in normalised:
            return "rdf", index
    first = next(((line, fields) for line, fields in rows if not is_blank(fields)), (1, []))
    raise layout_error(name, first[0], EXPECTED, first[1])


class UnhcrImporter:
    """``mpr import unhcr FILE``: a PopStats time series or a Refugee Data Finder origin x asylum file."""

    name = "unhcr"

    def read(self, path: Path, context: ImportContext) -> ImportResult:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputFileError(f"{path.name}: cannot be read ({exc.strerror}); expected {EXPECTED}.") from exc
        if not data.strip(b"\xef\xbb\xbf \t\r\n"):
            raise InputFileError(f"{path.name}: line 1: the file is empty; expected {EXPECTED}.", details={"line": 1})
        rows = list(numbered_rows(decode_lines(data, path.name), path.name))
        layout, index = _header(rows, path.name)
        collector = _Collector(path.name, context)
        if layout == "popstats":
            metadata = _popstats(rows, index, collector)
            fmt = "unhcr-popstats-csv"
        else:
            metadata = _refugee_data_finder(rows, index, collector)
            fmt = "unhcr-rdf-csv"
        parsed = ParsedFile(
            name=path.name, format=fmt, records=collector.records(), columns=COMPONENTS,
            sha256=hashlib.sha256(data).hexdigest(), size=len(data),
        )
        return ImportResult(parsed=parsed, metadata=metadata, unmapped=dict(collector.unmapped),
                            notes=tuple(collector.notes))


def _popstats(  # noqa: C901 (one pass over the rows; each branch is one rule of the PopStats layout)
    rows: list[tuple[int, list[str]]], index: int, collector: _Collector,
) -> SubmissionMetadata:
    """PopStats "Time Series - Persons of concern": one row per residence x origin x type, one column per year."""
    header_line, header = rows[index]
    years = [h.strip() for h in header[3:]]
    for offset, year in enumerate(years):
        if not _YEAR.fullmatch(year):
            raise layout_error(collector.name, header_line, f"a year in column {4 + offset} of the header "
                               f"({EXPECTED})", header)
    if not years:
        raise layout_error(collector.name, header_line, f"year columns after 'Population type' ({EXPECTED})", header)
    extracted = next((f[0].split(":", 1)[1].strip() for _, f in rows[:index]
                      if f and f[0].startswith("Date extracted:")), "")
    indicators: dict[str, Indicator | None] = {}
    for line, fields in rows[index + 1:]:
        if is_blank(fields):
            continue
        if len(fields) != len(header):
            raise layout_error(collector.name, line, f"{len(header)} fields as in the header (line {header_line})",
                               fields)
        residence, origin, ptype = fields[0], fields[1], fields[2].strip()
        if ptype not in POPULATION_TYPES:
            collector.skipped_types[f"'{ptype}' (no indicator)"] += 1
            continue
        if ptype not in indicators:
            indicators[ptype] = collector.context.catalogue.get(POPULATION_TYPES[ptype])
        indicator = indicators[ptype]
        if indicator is None:
            collector.skipped_types[f"'{ptype}' ({POPULATION_TYPES[ptype]} is not in the catalogue)"] += 1
            continue
        ref_area = collector.area(residence)
        if ref_area is None:
            continue
        counterpart = None
        if "COUNTERPART_AREA" in indicator.breakdowns:
            counterpart = collector.area(origin)
            if counterpart is None:
                continue
        detail = f"UNHCR PopStats: {ptype}; residence {residence.strip()}; origin {origin.strip()}"
        for year, raw in zip(years, fields[3:], strict=True):
            collector.add(indicator, ref_area, counterpart, year, raw, line, detail, origin.strip())
    span = f"{years[0]}-{years[-1]}"
    collector.notes.append("The PopStats export states no licence; UNHCR's terms of use apply "
                           f"({POPSTATS_TERMS}).")
    return SubmissionMetadata(
        dataset_id=f"UNHCR_POPSTATS_{years[0]}_{years[-1]}",
        agency_id="UNHCR",
        title=f"UNHCR Population Statistics: persons of concern to UNHCR, time series {span}",
        sources=(
            "United Nations High Commissioner for Refugees (UNHCR), Population Statistics Reference Database, "
            f"'Time Series - Persons of concern to UNHCR'{', extracted ' + extracted if extracted else ''}.",
            POPSTATS_URL,
        ),
        licence=POPSTATS_TERMS,
        definition_basis="UNHCR population types (refugees, asylum-seekers, returnees, IDPs, stateless, "
        "others of concern), end-year figures",
        original_url=POPSTATS_URL,
        importer=UnhcrImporter.name,
        extra_notes=("The export states no licence; the IRI given is UNHCR's terms of use page.",),
    )


def _refugee_data_finder(  # noqa: C901 (one pass over the rows; each branch is one rule of the layout)
    rows: list[tuple[int, list[str]]], index: int, collector: _Collector,
) -> SubmissionMetadata:
    """Refugee Data Finder origin x asylum: two indicators (refugees, asylum-seekers) per row."""
    header_line, header = rows[index]
    position = {_norm(h): i for i, h in enumerate(header)}
    columns = {key: position.get(label) for key, label in RDF_COLUMNS.items()}
    for key in ("year", "origin", "asylum", "FDP_REF_A", "FDP_ASY"):
        if columns[key] is None:
            raise layout_error(collector.name, header_line, f"a column '{RDF_COLUMNS[key]}' ({EXPECTED})", header)
    measures = [(i, collector.context.catalogue.get(i)) for i in ("FDP_REF_A", "FDP_ASY")]
    for indicator_id, found in measures:
        if found is None:
            collector.notes.append(f"column '{RDF_LABELS[indicator_id]}': {indicator_id} is not in the catalogue; "
                                   "not imported.")

    def field_of(fields: list[str], key: str) -> str:
        column = columns[key]
        return fields[column] if column is not None and column < len(fields) else ""

    needs_origin = any(ind is not None and "COUNTERPART_AREA" in ind.breakdowns for _, ind in measures)
    years: list[str] = []
    for line, fields in rows[index + 1:]:
        if is_blank(fields):
            continue
        if len(fields) != len(header):
            raise layout_error(collector.name, line, f"{len(header)} fields as in the header (line {header_line})",
                               fields)
        year = field_of(fields, "year").strip()
        if not _YEAR.fullmatch(year):
            raise layout_error(collector.name, line, "a year in the column 'Year'", fields)
        years.append(year)
        origin, asylum = field_of(fields, "origin"), field_of(fields, "asylum")
        ref_area = collector.area(asylum, field_of(fields, "asylum_iso"))
        if ref_area is None:
            continue
        counterpart = collector.area(origin, field_of(fields, "origin_iso")) if needs_origin else None
        if needs_origin and counterpart is None:
            continue
        for key, indicator in measures:
            if indicator is None:
                continue
            target = counterpart if "COUNTERPART_AREA" in indicator.breakdowns else None
            detail = f"UNHCR Refugee Data Finder: {RDF_LABELS[key]}; asylum {asylum.strip()}; origin {origin.strip()}"
            collector.add(indicator, ref_area, target, year, field_of(fields, key), line, detail, origin.strip())
    if not years:
        raise layout_error(collector.name, header_line, f"data rows after the header ({EXPECTED})", header)
    first, last = min(years), max(years)
    return SubmissionMetadata(
        dataset_id=f"UNHCR_RDF_{first}_{last}",
        agency_id="UNHCR",
        title=f"UNHCR Refugee Data Finder: refugees and asylum-seekers by country of origin and asylum, {first}-{last}",
        sources=(
            "United Nations High Commissioner for Refugees (UNHCR), Refugee Data Finder, "
            "end-year stocks by country of origin and country of asylum.",
            RDF_URL,
        ),
        licence=RDF_LICENCE,
        definition_basis="UNHCR population types REF (refugees under UNHCR's mandate) and ASY (asylum-seekers "
        "with pending claims), end-year stocks",
        original_url=RDF_URL,
        importer=UnhcrImporter.name,
    )
