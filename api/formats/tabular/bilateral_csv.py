"""Bilateral tables (origins, abroad) as CSV (RFC 4180), cells guarded like the observations' CSV."""

from __future__ import annotations

import csv
import io

from api.formats.tabular.csv_writer import safe_cell
from api.model.bilateral import BilateralOut

COLUMNS = ("rank", "area", "counterpart_area", "counterpart_label", "indicator", "direction", "period", "value",
           "female", "male", "share_of_total", "status", "dataset", "agency", "sources", "licence")


def write_bilateral_csv(table: BilateralOut) -> bytes:
    """The header and one row per counterpart, ranked; each row names its dataset and sources (UTF-8, CRLF)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in table.rows:
        provenance = table.sources.get(row.dataset)
        values = (row.rank, table.area, row.area, row.area_label, table.indicator, table.direction, row.period,
                  row.value, row.female, row.male, row.share_of_total, row.status, row.dataset,
                  provenance.agency if provenance else None,
                  "; ".join(provenance.sources) if provenance else None, provenance.licence if provenance else None)
        writer.writerow([safe_cell(v) for v in values])
    return buffer.getvalue().encode("utf-8")
