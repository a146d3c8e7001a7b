"""`mpr template`: the submission template for chosen indicators (SDMX-CSV 2.0 compatible, CSV or an Excel
workbook), and what it accepts (`mpr indicators`, `mpr codes`)."""

from __future__ import annotations

import csv
import difflib
from pathlib import Path
from typing import TextIO

from api import vocab
from api.errors import BadRequest
from api.formats.tabular.template import template_header
from api.formats.tabular.xlsx_template import CodeSheet, IndicatorLine, write_xlsx_template
from api.model.catalogue import Catalogue, Indicator
from api.model.structure import COMPONENTS, DATAFLOW_REF, NOT_APPLICABLE, TOTAL
from api.services.registry import Registry

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


def indicator_listing(catalogue: Catalogue, section: str | None = None) -> list[Indicator]:
    """The indicators the template accepts, by id (``mpr indicators``), of one Migration Profile section if given;
    BadRequest names the sections for one that does not exist."""
    if section is not None and section.upper() not in catalogue.sections():
        raise BadRequest(f"--section '{section}' is not a section of the catalogue; use one of "
                         f"{', '.join(catalogue.sections())}.")
    return [catalogue.indicators[i] for i in sorted(catalogue.indicators)
            if section is None or catalogue.indicators[i].section == section.upper()]


def coded_columns(registry: Registry) -> dict[str, str]:
    """Each coded column of the template (not INDICATOR) -> the id of its code list (REF_AREA -> CL_AREA)."""
    ids = registry.validator.facts.code_list_ids
    return {c: ids.get(c, c) for c in COMPONENTS if c in ids and c != "INDICATOR"}


def code_listing(registry: Registry, name: str) -> tuple[str, tuple[str, ...], dict[str, str]]:
    """The codes a column accepts (``mpr codes LIST``): LIST is a code list id (CL_AREA), a column (REF_AREA) or
    a code list's name (area); returns the list id, the columns that use it and its codes with their labels."""
    wanted = name.strip().upper().replace("-", "_")
    columns = coded_columns(registry)
    for list_id in dict.fromkeys(columns.values()):
        using = tuple(c for c, i in columns.items() if i == list_id)
        names = {list_id, list_id.removeprefix("CL_"), *using,
                 *(vocab.CODE_LISTS[c].upper().replace("-", "_") for c in using)}
        if wanted in names:
            return list_id, using, registry.validator.codes.codes(using[0])
    known = sorted({*columns.values(), *columns})
    close = difflib.get_close_matches(wanted, known, n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise BadRequest(f"'{name}' is not a code list of the template.{hint} Use one of {', '.join(known)} "
                     "(`mpr indicators` lists the indicators).")


def write_xlsx(registry: Registry, path: Path, rows: list[dict[str, str]], indicator_ids: list[str]) -> None:
    """The template as a workbook (``mpr template ... --xlsx``): data sheet with drop-downs, code lists, indicators."""
    columns = coded_columns(registry)
    sheets = [CodeSheet(list_id, using, registry.validator.codes.codes(using[0]))
              for list_id in dict.fromkeys(columns.values())
              if (using := tuple(c for c, i in columns.items() if i == list_id))]
    catalogue = registry.catalogue
    lines = []
    for indicator_id in dict.fromkeys(indicator_ids):
        indicator = catalogue.get(indicator_id)
        if indicator is not None:
            lines.append(IndicatorLine(indicator.id, indicator.label("en"), indicator.section, indicator.unit,
                                       " ".join(sorted(indicator.breakdowns)), indicator.definitions.get("en", "")))
    write_xlsx_template(path, rows, sheets, lines)
