"""What is loaded: submissions, their versions and status (read from the registry graph)."""

from __future__ import annotations

from dataclasses import dataclass

from api import vocab
from api.services.registry import Registry
from api.store.queries import load_query


@dataclass(frozen=True)
class SubmissionSummary:
    submission_id: str
    dataset_id: str
    version: int
    status: str
    current: bool
    generated: str
    agency_id: str
    observations: int


def submissions(registry: Registry) -> list[SubmissionSummary]:
    rows = registry.store.select(load_query("registry/submissions"), default_graphs=[registry.iris.registry_graph])
    result = []
    for row in rows:
        values = {k: (v.value if v is not None else "") for k, v in row.items()}
        result.append(SubmissionSummary(
            submission_id=vocab.code_id_from_iri(values["submission"]),
            dataset_id=vocab.code_id_from_iri(values["dataset"]),
            version=int(values["version"]),
            status=values["status"].rsplit("#", 1)[-1],
            current=values["current"] == "true",
            generated=values["generated"],
            agency_id=vocab.code_id_from_iri(values["agency"]),
            observations=int(values["observations"]),
        ))
    return result


def current_datasets(registry: Registry) -> list[SubmissionSummary]:
    return [s for s in submissions(registry) if s.current]
