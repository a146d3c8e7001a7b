"""The validation report as a statistician reads it (after goodtables / Frictionless reports): a verdict, the
count of findings per rule, and per rule the failing rows of the file with the bad cell marked.

``findings_by_rule`` groups the report's results; ``failing_rows`` reads the rows they name from a CSV upload
(row numbers are the file's line numbers, the header being line 1, as the report gives them).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from api.formats.tabular.xlsx_input import workbook_rows

SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}
ROWS_SHOWN = 20


@dataclass
class RuleFindings:
    """Every finding of one rule: how many, the first message (what to fix), the (row, column) pairs."""

    rule: str
    severity: str
    fix: str
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def cells(self) -> set[tuple[int, str]]:
        return {(f["row"], f["column"]) for f in self.findings if f.get("row") and f.get("column")}

    @property
    def rows(self) -> list[int]:
        return sorted({f["row"] for f in self.findings if f.get("row")})


def findings_by_rule(results: Sequence[Mapping[str, Any]]) -> list[RuleFindings]:
    """Results grouped by rule, Violations first, then by how many findings each rule has."""
    grouped: dict[str, RuleFindings] = {}
    for result in results:
        rule = str(result.get("rule") or "")
        entry = grouped.setdefault(rule, RuleFindings(rule, str(result.get("severity") or ""),
                                                      str(result.get("message") or "")))
        entry.findings.append(dict(result))
    return sorted(grouped.values(), key=lambda g: (SEVERITY_ORDER.get(g.severity, 3), -len(g.findings), g.rule))


@dataclass(frozen=True)
class FileRows:
    """The header and the rows of an uploaded CSV file (by line) or workbook (by worksheet row)."""

    header: list[str]
    rows: dict[int, list[str]]


def read_rows(text: str, wanted: set[int]) -> FileRows:
    """The header and the ``wanted`` lines of a CSV text (line 1 is the header)."""
    reader = csv.reader(io.StringIO(text))
    header: list[str] = []
    rows: dict[int, list[str]] = {}
    for line, cells in enumerate(reader, start=1):
        if line == 1:
            header = cells
        elif line in wanted:
            rows[line] = cells
        if wanted and line >= max(wanted):
            break
    return FileRows(header, rows)


def rows_of_file(path: Path, suffix: str, wanted: set[int], max_bytes: int) -> FileRows | None:
    """The header and the ``wanted`` rows of an uploaded CSV template or Excel workbook; None for other formats
    (an SDMX-ML or RDF file has no rows), for a file over ``max_bytes`` or when no row is wanted."""
    if not wanted or path.stat().st_size > max_bytes:
        return None
    if suffix == ".csv":
        return read_rows(path.read_text(encoding="utf-8-sig", errors="replace"), wanted)
    if suffix == ".xlsx":
        header, rows = workbook_rows(path, wanted)
        return FileRows(header, rows)
    return None


def kept_rows(kept: Mapping[str, Any]) -> FileRows:
    """The rows kept with a stored submission (``{"header": [...], "rows": {"<line>": [cells]}}``)."""
    rows = kept.get("rows") or {}
    return FileRows([str(h) for h in kept.get("header") or []],
                    {int(line): [str(c) for c in cells] for line, cells in rows.items()})


def failing_rows(group: RuleFindings, file: FileRows | None) -> list[tuple[int, list[tuple[str, bool]]]]:
    """The first rows of ``group`` as (line, [(cell, is the bad cell)]); empty when the file is not at hand."""
    if file is None:
        return []
    bad = group.cells
    shown = []
    for line in group.rows[:ROWS_SHOWN]:
        cells = file.rows.get(line)
        if cells is not None:
            shown.append((line, [(cell, (line, file.header[i] if i < len(file.header) else "") in bad)
                                 for i, cell in enumerate(cells)]))
    return shown
