"""Checks on single cells as written, before any RDF (DESIGN §5: do no harm).

``formula-injection``: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
run as a formula by spreadsheets that open a CSV (OWASP "CSV Injection"; CWE-1236). The registry serves
every accepted cell back in SDMX-CSV and the API's CSV, so such a cell is refused with its row and column.
A number such as ``-5`` or ``+5`` is not a formula: the numeric rules (datatype, range) judge it.

``datatype`` on TIME_PERIOD: every period is read with the parser the readers use (api/model/sdmx_period.py),
so that nothing is accepted that a reader cannot render. The TIME_PERIOD shape says the forms and the years;
this check adds what a regular expression cannot (the days of a month, the ISO weeks of a year) and writes
the same sentence as the shape, so that a cell both refuse gives one problem.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from api.model.sdmx_period import period_problem
from api.model.submission import Problem
from api.validation.report import ObservationInfo, time_period_message

FORMULA_RULE = "formula-injection"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
FORMULA_SHOWN = {"\t": "a tab", "\r": "a carriage return"}
_VALUE_LIMIT = 80


def is_formula(text: str) -> bool:
    """True for a cell a spreadsheet would evaluate: a formula trigger first, and not a plain number."""
    return text.startswith(FORMULA_STARTS) and _NUMBER.fullmatch(text) is None


def formula_cells(observations: Mapping[str, ObservationInfo]) -> list[Problem]:
    """One Violation per cell that starts like a spreadsheet formula, with its row and column."""
    return [formula_problem(focus, info.row, column, text)
            for focus, info in observations.items() for column, text in info.cells.items() if is_formula(text)]


def formula_problem(focus: str, row: int | None, column: str, text: str) -> Problem:
    """The formula-injection Violation of one cell."""
    first = FORMULA_SHOWN.get(text[0], f"'{text[0]}'")
    where = f"row {row}" if row is not None else f"observation <{focus}>"
    shown = text if len(text) <= _VALUE_LIMIT else text[:_VALUE_LIMIT] + "…"
    return Problem(
        "Violation", FORMULA_RULE,
        f"{where}, {column}: {shown!r} starts with {first}: spreadsheet formula injection — a spreadsheet "
        "opening the registry's CSV would run it as a formula; remove the leading character or quote it "
        "(start the cell with an apostrophe ')",
        row=row, column=column, value=shown, focus=focus,
    )


def period_cells(observations: Mapping[str, ObservationInfo]) -> list[Problem]:
    """One Violation per TIME_PERIOD that the readers' parser refuses, with its row and column (an empty or
    missing period is the cardinality rule's)."""
    problems: list[Problem] = []
    for focus, info in observations.items():
        value = info.cells.get("TIME_PERIOD", "").strip()
        if value and period_problem(value) is not None:
            problems.append(period_cell_problem(focus, info.row, value))
    return problems


def period_cell_problem(focus: str, row: int | None, value: str) -> Problem:
    """The datatype Violation of a TIME_PERIOD the readers' parser refuses (``value`` stripped)."""
    where = f"row {row}" if row is not None else f"observation <{focus}>"
    return Problem("Violation", "datatype", time_period_message(f"{where}, TIME_PERIOD", value),
                   row=row, column="TIME_PERIOD", value=value, focus=focus)
