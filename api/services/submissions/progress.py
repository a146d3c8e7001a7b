"""Progress of long work: the phase a submission is in and how many of its rows are done (issue: real sizes).

Ingest reports through a ``Progress`` callable; ``mpr validate`` / ``load`` / ``import`` draw it as a progress
bar on a terminal, and an upload that runs in the background keeps its phase in its job for clients that poll.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int | None], None]  # (phase, rows done, rows in all; None while unknown)

READING, VALIDATING, WRITING, COLUMNS, LOADING, COMMITTING = (
    "reading", "validating", "writing triples", "writing column files", "loading into the store", "committing")


def quiet(phase: str, done: int, total: int | None) -> None:
    """No progress shown."""
