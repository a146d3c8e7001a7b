"""World Bank Remittance Prices Worldwide (Corridors), DataBank export -> a submission (issue: importers).

Layout: header ``Sending Countries Name, Sending Countries Code, Series Name, Series Code,
Receiving Countries  Name, Receiving Countries  Code`` (DataBank writes a double space) then one column per
survey round, ``2011Q1 [YR2011Q1]`` ...; one row per corridor; ``..`` = no figure. After the data, rows of
commas only, then ``Data from database: ...`` and ``Last Updated: MM/DD/YYYY``: reading stops at the first
all-empty row. Rounds were semi-annual in the first years (Q1, Q3) and quarterly later; every round is
written as FREQ Q and TIME_PERIOD "2011-Q1", the semi-annual ones with a COMMENT saying so.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult
from api.importers.csv_text import is_blank, layout_error, observation_cells, plain_number, read_csv, sdmx_id
from api.model.catalogue import Indicator
from api.model.structure import COMPONENTS
from api.model.submission import ObservationRecord, ParsedFile, SubmissionMetadata

EXPECTED = "a World Bank DataBank export of Remittance Prices Worldwide (Corridors)"
HEADER = (
    "Sending Countries Name",
    "Sending Countries Code",
    "Series Name",
    "Series Code",
    "Receiving Countries Name",
    "Receiving Countries Code",
)
PUBLISHER = "The World Bank, Remittance Prices Worldwide"
URL = "https://remittanceprices.worldbank.org/"
LICENCE = "https://creativecommons.org/licenses/by/4.0/"
SEMI_ANNUAL_COMMENT = "semi-annual survey round"
_ROUND = re.compile(r"(\d{4})Q([1-4])(?:\s*\[YR\1Q\2\])?")
_UPDATED = re.compile(r"Last Updated:\s*(\d{1,2})/(\d{1,2})/(\d{4})")


class RemittancePricesImporter:
    """`mpr import remittance-prices FILE.csv`: average total cost per sending-receiving corridor."""

    name = "remittance-prices"

    def read(self, path: Path, context: ImportContext) -> ImportResult:
        text = read_csv(path, EXPECTED)
        header_line, header = text.rows[0]
        rounds = _round_columns(text.name, header_line, header)
        semi_annual = _semi_annual_years(rounds)

        end = next((i for i, (_line, f) in enumerate(text.rows) if i and is_blank(f)), len(text.rows))
        updated = _last_updated([f for _line, f in text.rows[end:]])
        detail_suffix = f", DataBank export last updated {updated}" if updated else ""

        records: list[ObservationRecord] = []
        unmapped: Counter[str] = Counter()
        indicators: dict[str, Indicator] = {}
        series_names: dict[str, str] = {}
        for line, fields in text.rows[1:end]:
            if len(fields) < len(HEADER):
                raise layout_error(text.name, line, f"{len(header)} fields as in the header of {EXPECTED}", fields)
            send_name, send_code, series_name, code, recv_name, recv_code = (f.strip() for f in fields[:6])
            indicator = indicators.get(code) or _indicator(context, code, text.name, line)
            indicators[code] = indicator
            series_names.setdefault(code, series_name)
            present = [(r, v) for r, v in ((r, plain_number(fields[i])) for i, r in rounds if i < len(fields))
                       if v is not None]
            sender = _country(context, send_code, send_name)
            receiver = _country(context, recv_code, recv_name)
            if sender is None or receiver is None:
                if present:
                    missing = (send_code, send_name) if sender is None else (recv_code, recv_name)
                    unmapped[f"{missing[0]} ({missing[1]})"] += len(present)
                continue
            for (year, quarter), value in present:
                cells = observation_cells(
                    indicator, freq="Q", ref_area=sender, time_period=f"{year}-Q{quarter}", value=value,
                    given={"COUNTERPART_AREA": receiver}, source_detail=f"RPW {code}{detail_suffix}",
                    comment=SEMI_ANNUAL_COMMENT if year in semi_annual else "",
                )
                records.append(ObservationRecord(cells=cells, row=line))
        if not indicators:
            raise InputFileError(f"{text.name}: line {header_line + 1}: no corridor rows after the header; "
                                 f"expected {EXPECTED}.", details={"line": header_line + 1})

        first = next(iter(indicators))
        notes = _notes(updated, semi_annual, unmapped)
        metadata = SubmissionMetadata(
            dataset_id=sdmx_id("WB", "RPW", first),
            agency_id="WB",
            title=f"Remittance Prices Worldwide: {series_names[first]} (World Bank, {first})",
            sources=(PUBLISHER, URL),
            licence=LICENCE,
            original_url=URL,
            importer=self.name,
            extra_notes=notes,
        )
        parsed = ParsedFile(name=text.name, format="rpw-databank-csv", records=records, columns=COMPONENTS,
                            sha256=text.sha256, size=text.size)
        return ImportResult(parsed=parsed, metadata=metadata, unmapped=dict(unmapped), notes=notes)


def _round_columns(name: str, line: int, header: list[str]) -> list[tuple[int, tuple[str, str]]]:
    """(column index, (year, quarter)) of the survey-round columns, after checking the six leading names."""
    leading = tuple(" ".join(h.split()) for h in header[: len(HEADER)])
    if leading != HEADER:
        raise layout_error(name, line, "the header " + ",".join(HEADER) + ",2011Q1 [YR2011Q1],...", header)
    rounds: list[tuple[int, tuple[str, str]]] = []
    for index, title in enumerate(header[len(HEADER):], start=len(HEADER)):
        match = _ROUND.fullmatch(title.strip())
        if match is None:
            if title.strip():
                raise layout_error(name, line, f"a survey-round column such as '2011Q1 [YR2011Q1]' in column "
                                   f"{index + 1}", [title])
            continue
        rounds.append((index, (match.group(1), match.group(2))))
    if not rounds:
        raise layout_error(name, line, "survey-round columns ('2011Q1 [YR2011Q1]', ...)", header)
    return rounds


def _semi_annual_years(rounds: list[tuple[int, tuple[str, str]]]) -> frozenset[str]:
    """Years whose rounds are only Q1 and Q3 (the survey was semi-annual then)."""
    quarters: dict[str, set[str]] = defaultdict(set)
    for _index, (year, quarter) in rounds:
        quarters[year].add(quarter)
    return frozenset(y for y, q in quarters.items() if q == {"1", "3"})


def _country(context: ImportContext, code: str, name: str) -> str | None:
    """A corridor end by its ISO code, else by its DataBank name (KSV: Kosovo); never a region."""
    area = context.areas.code(code) or context.areas.name(name)
    return None if area is None or context.areas.is_region(area) else area


def _indicator(context: ImportContext, code: str, name: str, line: int) -> Indicator:
    indicator = context.catalogue.by_source("WB", code)
    if indicator is None:
        raise InputFileError(
            f"{name}: line {line}: the Remittance Prices series '{code}' matches no indicator of the catalogue. "
            f"Add the series to ontology/indicators.ttl (skos:exactMatch <https://w3id.org/migration-profile/"
            f"code/series/WB/{code}>) on the indicator it measures, then import again.",
            details={"line": line, "series": code},
        )
    return indicator


def _last_updated(footer: list[list[str]]) -> str:
    """The footer's 'Last Updated: MM/DD/YYYY' as an ISO date, or '' when absent."""
    for fields in footer:
        match = _UPDATED.match(fields[0].strip()) if fields else None
        if match:
            month, day, year = (int(g) for g in match.groups())
            try:
                return datetime(year, month, day).date().isoformat()
            except ValueError:
                return ""
    return ""


def _notes(updated: str, semi_annual: frozenset[str], unmapped: Counter[str]) -> tuple[str, ...]:
    notes = []
    if updated:
        notes.append(f"Remittance Prices Worldwide (Corridors), DataBank export last updated {updated}.")
    if semi_annual:
        notes.append(f"Survey rounds of {', '.join(sorted(semi_annual))} were semi-annual (Q1, Q3); "
                     "later rounds are quarterly.")
    if unmapped:
        notes.append("Corridors with an area that has no code in the registry were skipped: "
                     + ", ".join(sorted(unmapped)))
    return tuple(notes)
