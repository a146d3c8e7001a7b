"""Eurostat asylum applicants by citizenship, age and sex (migr_asyappctza), Data Explorer CSV (issue: importers).

Layout: header ``"TIME","GEO","CITIZEN","SEX","AGE","ASYL_APP","UNIT","Value"`` (a ``Flag and Footnotes`` column
when the export was made with flags), one row per combination, labels rather than codes, thousands separators
inside quoted values, ``:`` = not available. The columns are found by name, in any order.

Mapping: ``Asylum applicant`` rows give FDP_ASYAP (other ASYL_APP values, such as first-time applicants, are
counted and reported, not imported); GEO and CITIZEN labels map through the area names (Eurostat's
``Germany (until 1990 former territory of the FRG)`` is tried without its parenthesis; Eurostat's own codes UK
and EL map too); ``Total`` citizenship is the counterpart total. SEX ``Males``/``Females``/``Unknown`` -> M/F/_U;
AGE ``Less than 18 years``, ``From 18 to 34 years``, ``From 35 to 64 years``, ``65 years or over``, ``Unknown``.
Where the export gives no totals, the totals over sex and over age are the sums of the parts it gives, with a
COMMENT saying so (Eurostat rounds each figure to 5, so its own totals can differ slightly). Flags: ``p``
provisional -> OBS_STATUS P, ``e`` estimated -> E, other flags kept in the COMMENT.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult
from api.importers.csv_text import is_blank, layout_error, observation_cells, plain_number, read_csv
from api.model.catalogue import Indicator
from api.model.structure import COMPONENTS
from api.model.submission import ObservationRecord, ParsedFile, SubmissionMetadata

EXPECTED = ("a Eurostat Data Explorer CSV of migr_asyappctza with the columns TIME, GEO, CITIZEN, SEX, AGE, "
            "ASYL_APP, UNIT and Value")
COLUMNS = ("TIME", "GEO", "CITIZEN", "SEX", "AGE", "ASYL_APP", "UNIT", "VALUE")
PUBLISHER = "Eurostat, Asylum and first time asylum applicants by citizenship, age and sex (migr_asyappctza)"
URL = "https://ec.europa.eu/eurostat/databrowser/view/migr_asyappctza/default/table"
LICENCE = "https://ec.europa.eu/eurostat/about-us/policies/copyright"
APPLICANT = "asylum applicant"
SEXES = {"males": "M", "females": "F", "unknown": "_U", "total": "_T"}
AGES = {"less than 18 years": "Y_LT18", "from 18 to 34 years": "Y18T34", "from 35 to 64 years": "Y35T64",
        "65 years or over": "Y_GE65", "unknown": "_U", "total": "_T"}
FLAG_STATUS = {"p": "P", "e": "E"}
SUM_COMMENT = "sum of the published figures by {what} (Eurostat rounds each to 5)"
_PAREN = re.compile(r"\s*\([^()]*\)\s*$")

Key = tuple[str, str, str, str, str]  # area, counterpart, sex, age, year


def _area(context: ImportContext, label: str) -> str | None:
    if label.lower() == "total":
        return "_T"
    area = context.areas.code(label) or context.areas.name(label)
    if area is None and _PAREN.search(label):
        area = context.areas.name(_PAREN.sub("", label))
    return area


class EurostatAsylumImporter:
    """`mpr import eurostat-asylum migrationData.csv`: asylum applicants by sex and age."""

    name = "eurostat-asylum"

    def read(self, path: Path, context: ImportContext) -> ImportResult:
        text = read_csv(path, EXPECTED)
        header_line, header = text.rows[0]
        names = [h.strip().upper() for h in header]
        missing = [c for c in COLUMNS if c not in names]
        if missing:
            raise layout_error(text.name, header_line, f"{EXPECTED}; the header lacks {', '.join(missing)}", header)
        index = {c: names.index(c) for c in COLUMNS}
        flags = next((i for i, n in enumerate(names) if n.startswith("FLAG")), None)
        indicator = context.catalogue.get("FDP_ASYAP")
        if indicator is None:
            raise InputFileError(f"{text.name}: indicator FDP_ASYAP is not in the catalogue.")
        given: dict[Key, tuple[str, int, str]] = {}
        unmapped: Counter[str] = Counter()
        other_kinds: Counter[str] = Counter()
        for line, fields in text.rows[1:]:
            if is_blank(fields):
                continue
            if len(fields) < len(header):
                raise layout_error(text.name, line, f"{len(header)} fields as in the header", fields)
            cell = {c: fields[i].strip() for c, i in index.items()}
            if cell["ASYL_APP"].lower() != APPLICANT:
                other_kinds[cell["ASYL_APP"]] += 1
                continue
            key = self._key(text.name, line, context, cell, unmapped)
            value = plain_number(cell["VALUE"]) if cell["VALUE"] != ":" else None
            if key is None or value is None:
                continue
            flag = fields[flags].strip() if flags is not None and flags < len(fields) else ""
            given[key] = (value, line, flag)
        records = _records(indicator, given)
        if not records and not unmapped:
            raise InputFileError(f"{text.name}: line 2: no 'Asylum applicant' rows; expected {EXPECTED}.",
                                 details={"line": 2})
        notes = ["Totals over sex or age that the export does not give are sums of its figures "
                 "(COMMENT on each)."]
        for kind, count in sorted(other_kinds.items()):
            notes.append(f"ASYL_APP '{kind}': {count} rows not imported (FDP_ASYAP counts all asylum applicants).")
        if unmapped:
            notes.append("Labels matching no area or code (rows skipped): " + ", ".join(sorted(unmapped)) + ".")
        years = sorted({k[4] for k in given})
        metadata = SubmissionMetadata(
            dataset_id="ESTAT_MIGR_ASYAPPCTZA" + (f"_{years[0]}_{years[-1]}" if years else ""),
            agency_id="ESTAT",
            title="Asylum applicants by sex and age (Eurostat, migr_asyappctza)",
            sources=(PUBLISHER, URL),
            licence=LICENCE,
            original_url=URL,
            importer=self.name,
            extra_notes=tuple(notes),
        )
        parsed = ParsedFile(name=text.name, format="eurostat-csv", records=records, columns=COMPONENTS,
                            sha256=text.sha256, size=text.size)
        return ImportResult(parsed=parsed, metadata=metadata, unmapped=dict(unmapped), notes=tuple(notes))

    @staticmethod
    def _key(name: str, line: int, context: ImportContext, cell: dict[str, str],
             unmapped: Counter[str]) -> Key | None:
        if not re.fullmatch(r"\d{4}", cell["TIME"]):
            raise InputFileError(f"{name}: line {line}: expected a year in TIME; found {cell['TIME']!r}.",
                                 details={"line": line})
        sex, age = SEXES.get(cell["SEX"].lower()), AGES.get(cell["AGE"].lower())
        if sex is None or age is None:
            unknown = cell["SEX"] if sex is None else cell["AGE"]
            raise InputFileError(f"{name}: line {line}: the {'SEX' if sex is None else 'AGE'} label {unknown!r} is "
                                 f"not one the importer knows ({', '.join(SEXES if sex is None else AGES)}).",
                                 details={"line": line})
        area, counterpart = _area(context, cell["GEO"]), _area(context, cell["CITIZEN"])
        if area is None or area == "_T" or counterpart is None:
            unmapped[cell["GEO"] if area is None or area == "_T" else cell["CITIZEN"]] += 1
            return None
        return area, counterpart, sex, age, cell["TIME"]


def _records(indicator: Indicator, given: dict[Key, tuple[str, int, str]]) -> list[ObservationRecord]:
    """The published figures, then the totals over sex and over age the export leaves out (sums)."""
    records: list[ObservationRecord] = []
    for (area, counterpart, sex, age, year), (value, line, flag) in sorted(given.items()):
        status = FLAG_STATUS.get(flag.lower(), "A")
        comment = f"Eurostat flag '{flag}'" if flag and flag.lower() not in FLAG_STATUS else ""
        records.append(ObservationRecord(cells=observation_cells(
            indicator, freq="A", ref_area=area, time_period=year, value=value, obs_status=status, comment=comment,
            given={"COUNTERPART_AREA": counterpart, "SEX": sex, "AGE": age},
            source_detail="Eurostat migr_asyappctza"), row=line))
    sums: dict[Key, int] = defaultdict(int)
    what: dict[Key, str] = {}
    for (area, counterpart, sex, age, year), (value, _line, _flag) in given.items():
        amount = int(float(value))
        for total_sex, total_age, label in ((sex, "_T", "age"), ("_T", age, "sex"), ("_T", "_T", "sex and age")):
            if (total_sex, total_age) != (sex, age) and age != "_T" and sex != "_T":
                key = (area, counterpart, total_sex, total_age, year)
                sums[key] += amount
                what[key] = label
    for key, amount in sorted(sums.items()):
        if key in given:
            continue
        area, counterpart, sex, age, year = key
        records.append(ObservationRecord(cells=observation_cells(
            indicator, freq="A", ref_area=area, time_period=year, value=str(amount),
            comment=SUM_COMMENT.format(what=what[key]),
            given={"COUNTERPART_AREA": counterpart, "SEX": sex, "AGE": age},
            source_detail="Eurostat migr_asyappctza, sum computed by the registry"), row=None))
    return records
