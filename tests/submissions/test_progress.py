"""Long work reports its phase and rows: ingest's progress callback, and the CLI's bar on a terminal."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from api.cli import _progress_bar
from api.model.submission import SubmissionMetadata
from api.services.registry import Registry
from api.services.submissions import ingest
from tests.read.conftest import row
from tests.services.samples import HEADER


def test_submit_reports_each_phase_with_rows(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "stock.csv"
    path.write_text("\n".join([HEADER, row("DEU", "2020", "100"), row("DEU", "2021", "120")]) + "\n")
    seen: list[tuple[str, int, int | None]] = []
    parsed = ingest.read_file(registry, path, lambda *step: seen.append(step))
    ingest.submit(registry, parsed, SubmissionMetadata("DEU_STOCK", "DESTATIS", sources=("Census",)),
                  progress=lambda *step: seen.append(step))
    phases = list(dict.fromkeys(phase for phase, _, _ in seen))
    assert phases == ["reading", "validating", "writing triples", "writing column files", "loading into the store",
                      "committing"]
    assert seen[-1] == ("committing", 2, 2)
    assert ("writing triples", 2, 2) in seen


def test_the_cli_draws_a_bar_with_rows_on_a_terminal() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    with _progress_bar("big.csv", console) as progress:
        progress("validating", 500, 1000)
        console.print("")  # a refresh
    assert "big.csv: validating" in out.getvalue()
    assert "500/1000" in out.getvalue()
