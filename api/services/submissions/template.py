"""`mpr template`: the CSV submission template for chosen indicators (SDMX-CSV 2.0 compatible)."""

from __future__ import annotations

import csv
import difflib
from typing import TextIO

from api.errors import BadRequest
from api.formats.tabular.template import template_header
from api.model.catalogue import Catalogue
from api.model.structure import COMPONENTS, DATAFLOW_REF, NOT_APPLICABLE, TOTAL

_BREAKDOWN_DIMENSIONS = ("COUNTERPART_AREA", "SEX", "AGE", "MIGRATION_STATUS")


def template_rows(catalogue: Catalogue, indicator_ids: list[str], area: str = "", years: list[str] | None = None
                  ) -> list[dict[str, str]]:
    """One pre-filled row per indicator and year: totals where a breakdown applies, _Z elsewhere."""
    rows = []
    for indicator_id in indicator_ids:
        indicator = catalogue.get(indicator_id)
        if indicator is None:
            close = difflib.get_close_matches(indicator_id, list(catalogue.indicators), n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else " `mpr indicators` lists them."
            raise BadRequest(f"'{indicator_id}' is not an indicator of the catalogue.{hint}")
        for year in years or [""]:
            cells = dict.fromkeys(COMPONENTS, "")
            cells.update(FREQ="A", REF_AREA=area, INDICATOR=indicator.id, TIME_PERIOD=year,
                         UNIT_MEASURE=indicator.unit, UNIT_MULT="0", OBS_STATUS="A", CONF_STATUS="F")
            for dim in _BREAKDOWN_DIMENSIONS:
                cells[dim] = TOTAL if dim in indicator.breakdowns else NOT_APPLICABLE
            rows.append(cells)
    return rows


def write_template(out: TextIO, rows: list[dict[str, str]]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(template_header())
    for cells in rows:
        writer.writerow(["dataflow", DATAFLOW_REF, "I", *(cells[c] for c in COMPONENTS)])
