"""The validation report: a summary first, then the findings grouped (DESIGN §5).

As goodtables / Frictionless reports do, the report opens with counts — by severity, by rule and by column —
then gives one group per (severity, rule, column) with its first rows, then every finding. Its JSON shape is
``validation-report.schema.json`` (JSON Schema 2020-12) beside this module, served at
``/api/schemas/validation-report``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from api.model.submission import Problem

SEVERITIES = ("Violation", "Warning", "Info")
SCHEMA_FILE = Path(__file__).with_name("validation-report.schema.json")
GROUP_ROWS = 5  # the rows of a group that are shown; "and N more" says how many others

# What each rule checks, in plain words: the group headings of the report (the rule ids stay in the JSON, for
# programs). A rule without a title here is shown by its id.
RULE_TITLES = {
    "missing-column": "required column missing",
    "duplicate-column": "column given twice",
    "closed": "column or property not accepted (aggregates only)",
    "malformed-row": "row that cannot be read",
    "structure": "wrong dataflow or action",
    "multi-valued": "several values where one is allowed",
    "cardinality": "value required",
    "code-list": "unknown code",
    "datatype": "value of the wrong kind",
    "range": "value out of range",
    "indicator-unit": "unit not the indicator's",
    "not-applicable-dimension": "breakdown the indicator does not have",
    "breakdown-total": "breakdown marked not applicable",
    "missing-value-status": "empty value without a status",
    "disclosure": "small count that must be confidential",
    "duplicate-key": "same key and period twice",
    "sex-total": "total differs from the sum of women and men",
    "unit-consistency": "one series with several units",
    "formula-injection": "text a spreadsheet would run as a formula",
    "dataset-metadata": "dataset description incomplete",
    "area-scope": "area outside the agency's scope",
    "shape": "other rule of the structure",
}


def rule_title(rule: str) -> str:
    return RULE_TITLES.get(rule, rule)


@cache
def report_schema() -> dict[str, Any]:
    """The JSON Schema of :meth:`ValidationReport.to_dict`."""
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return loaded


@dataclass(frozen=True)
class FindingGroup:
    """The findings of one rule on one column (or on no column), in row order."""

    severity: str
    rule: str
    column: str | None
    findings: tuple[Problem, ...]

    @property
    def rows(self) -> list[int]:
        return sorted({p.row for p in self.findings if p.row is not None})

    def to_dict(self) -> dict[str, object]:
        rows = self.rows
        return {
            "severity": self.severity, "rule": self.rule, "title": rule_title(self.rule), "column": self.column,
            "count": len(self.findings), "rows": rows[:GROUP_ROWS], "more_rows": max(len(rows) - GROUP_ROWS, 0),
            "first": [p.message for p in self.findings[:GROUP_ROWS]],
            "more": max(len(self.findings) - GROUP_ROWS, 0),
        }


def _problem_dict(p: Problem) -> dict[str, object]:
    return {"severity": p.severity, "rule": p.rule, "message": p.message, "row": p.row, "column": p.column,
            "value": p.value, "focus": p.focus, "suggestions": list(p.suggestions)}


@dataclass(frozen=True)
class ValidationReport:
    file: str
    observations: int
    results: tuple[Problem, ...]

    @property
    def conforms(self) -> bool:
        return not any(p.severity == "Violation" for p in self.results)

    @property
    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for problem in self.results:
            counts[problem.severity] = counts.get(problem.severity, 0) + 1
        return {"observations": self.observations, **counts}

    def groups(self) -> list[FindingGroup]:
        """One group per (severity, rule, column): Violations first, then the largest groups."""
        found: dict[tuple[str, str, str | None], list[Problem]] = {}
        for p in self.results:
            found.setdefault((p.severity, p.rule, p.column), []).append(p)
        order = {s: i for i, s in enumerate(SEVERITIES)}
        groups = [FindingGroup(s, r, c, tuple(sorted(ps, key=lambda p: p.sort_key())))
                  for (s, r, c), ps in found.items()]
        return sorted(groups, key=lambda g: (order.get(g.severity, 3), -len(g.findings), g.rule, g.column or ""))

    def counts(self) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
        """Findings counted by rule (with severity) and by column, largest first."""
        by_rule: dict[tuple[str, str], int] = {}
        by_column: dict[str, int] = {}
        for p in self.results:
            by_rule[(p.severity, p.rule)] = by_rule.get((p.severity, p.rule), 0) + 1
            if p.column:
                by_column[p.column] = by_column.get(p.column, 0) + 1
        order = {s: i for i, s in enumerate(SEVERITIES)}
        rules = [{"severity": s, "rule": r, "title": rule_title(r), "count": n}
                 for (s, r), n in sorted(by_rule.items(), key=lambda kv: (order.get(kv[0][0], 3), -kv[1], kv[0][1]))]
        columns = [{"column": c, "count": n} for c, n in sorted(by_column.items(), key=lambda kv: (-kv[1], kv[0]))]
        return rules, columns

    def to_dict(self) -> dict[str, object]:
        by_rule, by_column = self.counts()
        return {
            "file": self.file,
            "conforms": self.conforms,
            "summary": self.summary,
            "by_rule": by_rule,
            "by_column": by_column,
            "groups": [g.to_dict() for g in self.groups()],
            "results": [_problem_dict(p) for p in self.results],
        }

    def to_text(self, limit: int | None = None) -> str:
        """The summary, then each group with its first findings ("and N more"); ``limit`` bounds the groups."""
        head = "conforms" if self.conforms else "does NOT conform"
        s = self.summary
        lines = [
            f"{self.file}: {head} — {s['observations']} observations, "
            f"{s['Violation']} violation(s), {s['Warning']} warning(s), {s['Info']} note(s)"
        ]
        by_rule, by_column = self.counts()
        if by_rule:
            lines.append("  by rule:   " + "; ".join(f"{r['title']} {r['count']}" for r in by_rule))
        if by_column:
            lines.append("  by column: " + "; ".join(f"{c['column']} {c['count']}" for c in by_column))
        groups = self.groups()
        shown = groups if limit is None else groups[:limit]
        for group in shown:
            where = f", {group.column}" if group.column else ""
            lines.append(f"{group.severity}: {rule_title(group.rule)}{where} — {len(group.findings)} finding(s)")
            lines.extend(f"  {p.message}" for p in group.findings[:GROUP_ROWS])
            if len(group.findings) > GROUP_ROWS:
                rest = group.rows[GROUP_ROWS:]
                rows = f" (rows {rest[0]}-{rest[-1]})" if rest else ""
                lines.append(f"  ... and {len(group.findings) - GROUP_ROWS} more{rows} (use --json for all)")
        if limit is not None and len(groups) > limit:
            lines.append(f"... and {len(groups) - limit} more group(s) (use --json for all)")
        return "\n".join(lines)
