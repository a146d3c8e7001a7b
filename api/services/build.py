"""Build the store from datasets/: each description names a publisher's file, its sha256 and importer."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
from pyoxigraph import RdfFormat

from api.errors import InputFileError, SubmissionRejected
from api.services.registry import Registry
from api.services.submissions.imports import import_source
from api.store.queries import load_query
from api.vocab import code_id_from_iri


@dataclass(frozen=True)
class DatasetDescription:
    id: str
    title: str
    source_path: str
    sha256: str
    importer: str
    url: str | None
    republishes: str | None = None  # the organisation id whose figures the dataset republishes (mp:republishes)


def read_descriptions(datasets_dir: Path) -> list[DatasetDescription]:
    """Every datasets/*/dataset.ttl, in id order."""
    store = pyoxigraph.Store()
    for path in sorted(datasets_dir.glob("*/dataset.ttl")):
        store.load(path=str(path), format=RdfFormat.TURTLE, base_iri=f"urn:mpr:dataset-description:{path.parent.name}/")
    descriptions = []
    for row in store.query(load_query("datasets/descriptions")):  # type: ignore[union-attr]
        descriptions.append(DatasetDescription(
            id=row["id"].value, title=row["title"].value, source_path=row["path"].value,
            sha256=row["sha256"].value, importer=row["importer"].value,
            url=row["url"].value if row["url"] is not None else None,
            republishes=code_id_from_iri(row["republishes"].value) if row["republishes"] is not None else None,
        ))
    return descriptions


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class BuildOutcome:
    dataset_id: str
    status: str
    detail: str


def build(
    registry: Registry, *, force: bool = False, progress: Callable[[str], None] | None = None
) -> list[BuildOutcome]:
    """Import every described dataset whose file is in the sources folder and unchanged (sha256)."""
    outcomes: list[BuildOutcome] = []
    loaded = {
        r["dataset"].value
        for r in registry.store.select(load_query("registry/loaded-datasets"),
                                       default_graphs=[registry.iris.registry_graph])
        if r["dataset"] is not None
    }
    for description in read_descriptions(registry.settings.datasets_dir):
        if progress:
            progress(description.id)
        if not force and registry.iris.dataset(description.id) in loaded:
            outcomes.append(BuildOutcome(description.id, "kept", "already loaded"))
            continue
        path = registry.settings.sources_dir / description.source_path
        if not path.is_file():
            outcomes.append(BuildOutcome(description.id, "missing", f"{path} not found"))
            continue
        actual = sha256_of(path)
        if actual != description.sha256:
            raise InputFileError(
                f"{path}: sha256 {actual} differs from {description.sha256} in datasets/{description.id}; "
                "the publisher's file changed: check it and update the description."
            )
        try:
            result, submission = import_source(
                registry, description.importer, path, dataset_id=description.id, title=description.title
            )
        except SubmissionRejected as exc:
            first = "; ".join(p.message for p in exc.report.results[:3])  # type: ignore[attr-defined]
            outcomes.append(BuildOutcome(description.id, "rejected", f"{exc.message} First: {first}"))
            continue
        outcomes.append(BuildOutcome(
            description.id, "loaded",
            f"{submission.observations} observations as {submission.submission_id}; "
            f"{sum(result.unmapped.values())} values not mapped",
        ))
    return outcomes
