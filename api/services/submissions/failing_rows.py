"""The failing rows of a stored submission's report, kept for its agency (issue: pages for people, report page).

The uploaded file itself is not kept. So that the report page of a stored submission can still show each
group's first failing rows with the bad cell marked (as goodtables / Frictionless reports do), the cells of those
rows — and only those: at most ``ROWS_SHOWN`` rows per rule, ``MAX_ROWS`` in all, each cell cut to ``MAX_CELL``
characters — are kept as one rdf:JSON literal (``mp:failingRows``) in the submission's report graph, beside the
report itself. That graph is private: only the agency that submitted and administrators read it
(``records.failing_rows``), never the public SPARQL endpoint or another agency.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, Triple

from api import vocab
from api.formats.html.report_view import ROWS_SHOWN, findings_by_rule, rows_of_file

RDF_JSON = NamedNode(vocab.RDF + "JSON")
PREDICATE = NamedNode(vocab.MP + "failingRows")
MAX_ROWS = 200
MAX_CELL = 500
MAX_COLUMNS = 64
MAX_FILE_BYTES = 20 * 1024 * 1024  # rows are read from CSV files and workbooks up to this size


def wanted_rows(results: Sequence[Mapping[str, Any]]) -> set[int]:
    """The lines the report page shows: the first ``ROWS_SHOWN`` rows of each rule, ``MAX_ROWS`` in all."""
    wanted: set[int] = set()
    for group in findings_by_rule(results):
        for line in group.rows[:ROWS_SHOWN]:
            if len(wanted) >= MAX_ROWS:
                return wanted
            wanted.add(line)
    return wanted


def collect(path: Path, suffix: str, results: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """``{"header": [...], "rows": {"<line>": [cells]}}`` of the failing rows of a CSV file or workbook; None when
    the report names no row, or the file has no rows (SDMX-ML, RDF)."""
    found = rows_of_file(path, suffix, wanted_rows(results), MAX_FILE_BYTES)
    if found is None:
        return None

    def cut(cells: Sequence[str]) -> list[str]:
        return [cell[:MAX_CELL] for cell in cells[:MAX_COLUMNS]]

    return {"header": cut(found.header), "rows": {str(line): cut(cells) for line, cells in found.rows.items()}}


def triple(submission_iri: str, rows: Mapping[str, Any]) -> Triple:
    """The kept rows as one rdf:JSON literal (RDF 1.1 JSON-LD §10.2), for the submission's report graph."""
    return Triple(NamedNode(submission_iri), PREDICATE,
                  Literal(json.dumps(rows, ensure_ascii=False, separators=(",", ":")), datatype=RDF_JSON))
