"""IOM Missing Migrants Project incident downloads -> aggregates only (issue: importers; DESIGN §1 "do no harm").

The downloads have one row per incident (date, counts of dead and missing, sex, cause, place, coordinates,
sources, URLs), as CSV or as an HTML table saved with an ``.xls`` name. Incidents are **aggregated while the
file is read, before anything is stored**: per UN M49 sub-region (IOM's ``UNSD Geographical Grouping``) and
year, for the world, and per country of incident where it can be known from the coordinates and the location
text (importers.incident_country: on land, every populated place within 25 km in one country, no other country
named, within IOM's sub-region; incidents at sea, in deserts far from towns or near borders count in their
sub-region only); the sums are dead and missing (IRR_DEAD, by sex where given: F, M and _U for the rest) and
missing (IRR_MISS). No incident, name, place, coordinate, source or URL is kept: an observation
carries no row number either, since each sums many incidents. Small sums are withheld by the registry's
disclosure control like any count; where the total of an area and year is withheld, so are the figures
that would reveal that it exists (missing, the split by sex, zeros included).

Columns are found by their names (editions rename them: ``Number Dead`` / ``Number of Dead``, ``Reported Year``
/ ``Incident year``, ``Total Dead and Missing`` / ``Total Number of Dead and Missing``); a file without a year,
the total and the grouping is refused naming the columns expected. ``Uncategorized`` or empty groupings (most
of them at sea) count in the world's figures only; groupings that match no M49 area are listed.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree, html

from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult
from api.importers.csv_text import numbered_rows, observation_cells
from api.importers.incident_country import MAX_KM, IncidentCountries
from api.model.catalogue import Indicator
from api.model.structure import COMPONENTS
from api.model.submission import ObservationRecord, ParsedFile, SubmissionMetadata

EXPECTED = ("an IOM Missing Migrants Project incident download (CSV, or the HTML table named .xls) with the "
            "columns Reported Year, Total Dead and Missing and UNSD Geographical Grouping")
PUBLISHER = "International Organization for Migration (IOM), Missing Migrants Project"
URL = "https://missingmigrants.iom.int/downloads"
# The downloads state no licence; IOM's terms of use allow reuse with attribution.
LICENCE = "https://www.iom.int/terms-and-conditions-use"
WORLD = "001"
UNCATEGORISED = frozenset({"", "uncategorized", "uncategorised"})
# IOM's spellings of M49 sub-regions that the area names do not carry
GROUPING_ALIASES = {"central africa": "017", "south asia": "034"}
_YEAR = re.compile(r"(?:19|20)\d{2}")


@dataclass
class _Sums:
    """The aggregate of the incidents of one area and year."""

    total: int = 0
    missing: int = 0
    females: int = 0
    males: int = 0
    incidents: int = 0


@dataclass(frozen=True)
class _Columns:
    year: int
    date: int | None
    total: int
    missing: int | None
    females: int | None
    males: int | None
    grouping: int
    coordinates: int | None = None
    description: int | None = None
    cause: int | None = None
    region: int | None = None


@dataclass
class _Aggregate:
    sums: dict[tuple[str, str], _Sums] = field(default_factory=lambda: defaultdict(_Sums))
    unmapped: Counter[str] = field(default_factory=Counter)
    uncategorised: int = 0
    incidents: int = 0
    countries: IncidentCountries | None = None  # None: the file has no coordinates column


def _find(header: list[str], *patterns: str, exclude: str = "") -> int | None:
    names = [" ".join(h.lower().split()) for h in header]
    for pattern in patterns:
        for index, name in enumerate(names):
            if re.fullmatch(pattern, name) and not (exclude and exclude in name):
                return index
    return None


def _columns(name: str, header: list[str]) -> _Columns:
    year = _find(header, r"reported year", r"incident year", r"year")
    date = _find(header, r"reported date", r"incident date", r"date")
    total = _find(header, r"total (number of )?dead and missing")
    grouping = _find(header, r"uns?d geographical grouping", r"un geographical grouping")
    if (year is None and date is None) or total is None or grouping is None:
        missing = [n for n, c in (("Reported Year (or Reported Date)", year if year is not None else date),
                                  ("Total Dead and Missing", total), ("UNSD Geographical Grouping", grouping))
                   if c is None]
        shown = ",".join(header)[:160]
        raise InputFileError(f"{name}: line 1: expected {EXPECTED}; the header lacks {', '.join(missing)} "
                             f"(found '{shown}').", details={"line": 1})
    return _Columns(
        year=year if year is not None else -1, date=date, total=total,
        missing=_find(header, r"(minimum estimated )?number of missing", r"missing"),
        females=_find(header, r"number of females"), males=_find(header, r"number of males"), grouping=grouping,
        coordinates=_find(header, r"location coordinates", r"coordinates"),
        description=_find(header, r"location description", r"location"),
        cause=_find(header, r"cause of death"), region=_find(header, r"region of incident", r"region"),
    )


def _count(name: str, line: int, column: str, text: str) -> int:
    """A count as written ('' = not reported = 0 for the sum; '1,022' has a thousands separator)."""
    value = text.strip().replace(",", "")
    if not value:
        return 0
    try:
        number = float(value)
    except ValueError:
        raise InputFileError(f"{name}: line {line}, column {column}: expected a number of people or an empty "
                             f"cell; found {text!r}.", details={"line": line}) from None
    if number < 0 or not number.is_integer():
        raise InputFileError(f"{name}: line {line}, column {column}: expected a whole number of people; "
                             f"found {text!r}.", details={"line": line})
    return int(number)


def _rows(path: Path, data: bytes) -> list[tuple[int, list[str]]]:
    """The file's rows (header first): an HTML table (the '.xls' export) or CSV text."""
    head = data[:2048].lstrip().lower()
    if head.startswith((b"<html", b"<!doctype html", b"<table")) or b"<table" in head:
        try:
            document = html.fromstring(data)
        except (etree.ParserError, ValueError) as exc:
            raise InputFileError(f"{path.name}: not a readable HTML table ({exc}); expected {EXPECTED}.") from exc
        rows = []
        for number, tr in enumerate(document.iter("tr"), start=1):
            rows.append((number, [" ".join(cell.text_content().split()) for cell in tr if cell.tag in ("td", "th")]))
        return rows
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputFileError(f"{path.name}: a legacy Excel (.xls) workbook; save it as CSV (UTF-8) or download the "
                             f"CSV export; expected {EXPECTED}.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return list(numbered_rows(text, path.name))


class IomMissingImporter:
    """`mpr import iom-missing MissingMigrants-Global-....csv`: dead and missing by region and year."""

    name = "iom-missing"

    def read(self, path: Path, context: ImportContext) -> ImportResult:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputFileError(f"{path.name}: cannot be read ({exc.strerror}); expected {EXPECTED}.") from exc
        if not data.strip():
            raise InputFileError(f"{path.name}: line 1: the file is empty; expected {EXPECTED}.", details={"line": 1})
        rows = [(n, r) for n, r in _rows(path, data) if any(f.strip() for f in r)]
        if not rows:
            raise InputFileError(f"{path.name}: line 1: no table found; expected {EXPECTED}.", details={"line": 1})
        columns = _columns(path.name, rows[0][1])
        aggregate = _aggregate(path.name, context, columns, rows[1:])
        if not aggregate.incidents:
            raise InputFileError(f"{path.name}: line 2: no incident rows after the header; expected {EXPECTED}.",
                                 details={"line": 2})
        records = _records(context, aggregate)
        notes = [f"{aggregate.incidents} incidents aggregated by UN M49 sub-region, country of incident (where it "
                 "can be known) and year before import; no incident, place, coordinate, source or name is kept."]
        notes.extend(_country_notes(aggregate))
        if aggregate.uncategorised:
            notes.append(f"{aggregate.uncategorised} incidents without a UN geographical grouping (mostly at sea) "
                         "count in the world's figures only.")
        if aggregate.unmapped:
            notes.append("Groupings matching no M49 area (world figures only): "
                         + ", ".join(sorted(aggregate.unmapped)) + ".")
        stamp = re.search(r"(\d{4})-(\d{2})-(\d{2})", path.name)
        metadata = SubmissionMetadata(
            dataset_id="IOM_MMP" + (f"_{stamp.group(1)}{stamp.group(2)}{stamp.group(3)}" if stamp else ""),
            agency_id="IOM",
            title="Dead and missing migrants by country of incident (where known), UN sub-region and year "
                  "(IOM Missing Migrants Project)",
            sources=(PUBLISHER, URL),
            licence=LICENCE,
            original_url=URL,
            importer=self.name,
            methodology="Sums of IOM's incident records by the incident's UN M49 sub-region and reported year, "
                        "and by country where the country of incident can be known: on land (not at sea, on a "
                        f"river or lake, or by drowning), every GeoNames populated place within {MAX_KM:g} km of "
                        "the coordinates in one country, and no other country named in the location text.",
            extra_notes=tuple(notes),
        )
        parsed = ParsedFile(name=path.name, format="iom-mmp", records=records, columns=COMPONENTS,
                            sha256=hashlib.sha256(data).hexdigest(), size=len(data))
        return ImportResult(parsed=parsed, metadata=metadata, unmapped=dict(aggregate.unmapped), notes=tuple(notes))


def _year(name: str, line: int, columns: _Columns, fields: list[str]) -> str:
    text = fields[columns.year].strip() if 0 <= columns.year < len(fields) else ""
    if not _YEAR.fullmatch(text) and columns.date is not None and columns.date < len(fields):
        found = _YEAR.findall(fields[columns.date])
        text = found[-1] if found else text
    if not _YEAR.fullmatch(text):
        raise InputFileError(f"{name}: line {line}: expected the incident's year (Reported Year or Reported Date); "
                             f"found {text!r}.", details={"line": line})
    return text


def _aggregate(name: str, context: ImportContext, columns: _Columns,
               rows: list[tuple[int, list[str]]]) -> _Aggregate:
    """Sum the incidents per (area, year); the incidents themselves are dropped here."""
    out = _Aggregate()
    if columns.coordinates is not None:
        out.countries = IncidentCountries(context.areas)
    widest = max(c for c in (columns.year, columns.total, columns.grouping) if c is not None)
    for line, fields in rows:
        if len(fields) <= widest:
            raise InputFileError(f"{name}: line {line}: expected {widest + 1} fields or more as in the header; "
                                 f"found {len(fields)}.", details={"line": line})
        year = _year(name, line, columns, fields)

        def count(index: int | None, column: str, fields: list[str] = fields, line: int = line) -> int:
            return _count(name, line, column, fields[index]) if index is not None and index < len(fields) else 0

        total = count(columns.total, "Total Dead and Missing")
        missing = count(columns.missing, "Minimum Estimated Number of Missing")
        females, males = count(columns.females, "Number of Females"), count(columns.males, "Number of Males")
        grouping = " ".join(fields[columns.grouping].split())
        areas = [WORLD]
        sub_region = None
        if grouping.lower() in UNCATEGORISED:
            out.uncategorised += 1
        else:
            sub_region = GROUPING_ALIASES.get(grouping.lower()) or context.areas.name(grouping)
            if sub_region is None:
                out.unmapped[grouping] += 1
            else:
                areas.append(sub_region)
        country = _country(out, columns, fields, sub_region)
        if country is not None and country not in areas:
            areas.append(country)
        for area in areas:
            sums = out.sums[(area, year)]
            sums.total += total
            sums.missing += missing
            sums.females += females
            sums.males += males
            sums.incidents += 1
        out.incidents += 1
    return out


def _field(fields: list[str], index: int | None) -> str:
    return fields[index] if index is not None and index < len(fields) else ""


def _country(out: _Aggregate, columns: _Columns, fields: list[str], sub_region: str | None) -> str | None:
    """The incident's country where it can be known (importers.incident_country), else None."""
    if out.countries is None:
        return None
    return out.countries.country(_field(fields, columns.coordinates), _field(fields, columns.description),
                                 _field(fields, columns.cause), _field(fields, columns.region), sub_region)


def _country_notes(aggregate: _Aggregate) -> list[str]:
    countries = aggregate.countries
    if countries is None:
        return ["The file has no Location Coordinates column: no figure by country of incident."]
    reasons = "; ".join(f"{n} {reason}" for reason, n in countries.not_placed.most_common())
    return [f"{countries.placed} incidents placed in a country of incident ({MAX_KM:g} km rule); the others "
            f"count in their sub-region only: {reasons or 'none'}."]


def _records(context: ImportContext, aggregate: _Aggregate) -> list[ObservationRecord]:
    dead = _indicator(context, "IRR_DEAD")
    missing = _indicator(context, "IRR_MISS")
    records: list[ObservationRecord] = []
    for (area, year), sums in sorted(aggregate.sums.items()):
        detail = f"IOM Missing Migrants Project, {sums.incidents} incidents"

        def add(indicator: Indicator, value: int, sex: str, comment: str = "",
                area: str = area, year: str = year, detail: str = detail) -> None:
            cells = observation_cells(indicator, freq="A", ref_area=area, time_period=year, value=str(value),
                                      given={"SEX": sex}, source_detail=detail, comment=comment)
            records.append(ObservationRecord(cells=cells, row=None))

        add(dead, sums.total, "_T")
        if 0 < sums.total < context.disclosure_threshold:
            continue  # the total is withheld: its companions (zeros included) would reveal that it exists
        unknown = sums.total - sums.females - sums.males
        parts = (sums.females, sums.males, unknown)
        # a withheld part of the split could be had by difference from the others: then no split at all
        small = any(0 < part < context.disclosure_threshold for part in parts)
        if (sums.females or sums.males) and unknown >= 0 and not small:
            add(dead, sums.females, "F")
            add(dead, sums.males, "M")
            add(dead, unknown, "_U", "sex not reported")
        add(missing, sums.missing, "_T")
    return records


def _indicator(context: ImportContext, indicator_id: str) -> Indicator:
    indicator = context.catalogue.get(indicator_id)
    if indicator is None:
        raise InputFileError(f"indicator {indicator_id} is not in the catalogue (ontology/indicators*.ttl).")
    return indicator
