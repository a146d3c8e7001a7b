"""The findings of any engine, made into a report a statistician can act on (DESIGN §5).

Works on what every engine gives — severity, rule, row, column, value, message — after validation:

- a missing column is one finding: the per-row findings of a column the header lacks say the same thing again
  (3 rows without 3 columns are 3 findings, not 12);
- an unknown code gets the codes it may have meant (``GER`` -> ``DEU``, ``stk_imm`` -> ``STK_IMM``), from the
  code lists and their notations (``suggestions``), in the finding and in its sentence.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from api.model.report import ValidationReport
from api.model.submission import Problem
from api.validation.suggestions import CodeIndex

MISSING_COLUMN = "missing-column"
UNKNOWN_CODE = "code-list"


def without_missing_columns(problems: Iterable[Problem]) -> list[Problem]:
    """Drop the per-row findings of a column the file does not have: its missing-column finding says it once."""
    found = list(problems)
    missing = {p.column for p in found if p.rule == MISSING_COLUMN}
    return [p for p in found if p.rule == MISSING_COLUMN or p.column not in missing]


def with_suggestions(problems: Iterable[Problem], codes: CodeIndex) -> list[Problem]:
    """Unknown codes with the codes they may have meant, in ``suggestions`` and at the end of the sentence."""
    cache: dict[tuple[str, str], tuple[str, ...]] = {}
    reviewed: list[Problem] = []
    for p in problems:
        if p.rule != UNKNOWN_CODE or not p.column or not p.value or p.suggestions:
            reviewed.append(p)
            continue
        key = (p.column, p.value)
        if key not in cache:
            cache[key] = codes.suggest(p.column, p.value)
        suggested = cache[key]
        if not suggested:
            reviewed.append(p)
            continue
        named = [f"{code} ({label})" if (label := codes.label(p.column, code)) else code for code in suggested]
        hint = named[0] if len(named) == 1 else ", ".join(named[:-1]) + f" or {named[-1]}"
        reviewed.append(dataclasses.replace(p, suggestions=suggested,
                                            message=f"{p.message.rstrip('.')}; did you mean {hint}?"))
    return reviewed


def review(report: ValidationReport, codes: CodeIndex) -> ValidationReport:
    """The report with the rules above applied (order kept)."""
    results = with_suggestions(without_missing_columns(report.results), codes)
    return dataclasses.replace(report, results=tuple(results))
