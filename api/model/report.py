"""The validation report: one list of problems, counts by severity (DESIGN §5)."""

from __future__ import annotations

from dataclasses import dataclass

from api.model.submission import Problem

SEVERITIES = ("Violation", "Warning", "Info")


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

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "conforms": self.conforms,
            "summary": self.summary,
            "results": [
                {
                    "severity": p.severity,
                    "rule": p.rule,
                    "message": p.message,
                    "row": p.row,
                    "column": p.column,
                    "value": p.value,
                    "focus": p.focus,
                }
                for p in self.results
            ],
        }

    def to_text(self, limit: int | None = None) -> str:
        head = "conforms" if self.conforms else "does NOT conform"
        s = self.summary
        lines = [
            f"{self.file}: {head} — {s['observations']} observations, "
            f"{s['Violation']} violation(s), {s['Warning']} warning(s), {s['Info']} note(s)"
        ]
        shown = self.results if limit is None else self.results[:limit]
        for p in shown:
            lines.append(f"  {p.severity:<9} [{p.rule}] {p.message}")
        if limit is not None and len(self.results) > limit:
            lines.append(f"  ... and {len(self.results) - limit} more (use --json for all)")
        return "\n".join(lines)
