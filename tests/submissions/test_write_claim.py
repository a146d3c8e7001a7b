"""The write claim is a compare-and-set that holds under snapshot isolation (issue 17, point 3).

Two writers on different machines can both insert a claim when each reads the registry graph before the other's
insert commits (write skew). These tests put such a second claim into the store right after ours, as the other
writer's transaction would, and check that the upload neither proceeds beside it nor gives up when the other
claim is withdrawn."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from api import vocab
from api.errors import Conflict
from api.formats.rdf.provenance import datetime_literal
from api.services.registry import Registry
from api.services.submissions import ingest
from tests.services.samples import valid_rows, write
from tests.submissions.test_ingest import submit

OTHER = NamedNode("urn:mpr:claim:other-writer")


def _other_claim(registry: Registry, dataset: str) -> str:
    return (f"INSERT DATA {{ GRAPH <{registry.iris.registry_graph}> {{ "
            f"<{registry.iris.dataset(dataset)}> <{vocab.MP}writeClaim> {OTHER} . "
            f"{OTHER} <{vocab.MP}claimedAt> {datetime_literal(registry.now(), exact=True)} }} }}")


def _claims(registry: Registry) -> set[str]:
    return {t.object.value for t in registry.store.graph_triples(registry.iris.registry_graph)
            if t.predicate.value == vocab.MP + "writeClaim"}


def _interpose(registry: Registry, monkeypatch: pytest.MonkeyPatch,
               after_claim: Callable[[int], str | None], after_release: Callable[[int], str | None]) -> None:
    """Run an extra update (the other writer's) after our n-th claim insert or n-th claim release."""
    store = registry.store
    real_update = store.update
    counts = {"claim": 0, "release": 0}

    def update(text: str) -> None:
        real_update(text)
        kind = ("claim" if text.startswith("# Claim the next version") else
                "release" if text.startswith("# Release a write claim") else None)
        if kind is None:
            return
        counts[kind] += 1
        extra = (after_claim if kind == "claim" else after_release)(counts[kind])
        if extra:
            real_update(extra)

    monkeypatch.setattr(store, "update", update)


def test_a_claim_beside_ours_stops_the_upload(registry: Registry, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The other writer's claim stays: every attempt sees it, so the upload is a 409 and stores nothing."""
    graphs_before = set(registry.store.list_graphs()) - {registry.iris.registry_graph}
    _interpose(registry, monkeypatch, after_claim=lambda n: _other_claim(registry, "DEU_STOCK") if n == 1 else None,
               after_release=lambda n: None)
    with pytest.raises(Conflict) as info:
        submit(registry, write(tmp_path / "deu.csv", *valid_rows()))
    assert "being written by another upload" in info.value.message
    assert set(registry.store.list_graphs()) - {registry.iris.registry_graph} == graphs_before  # no data graph
    assert ingest.dataset_state(registry, "DEU_STOCK").version == 0
    assert _claims(registry) == {OTHER.value}  # ours withdrawn, the other writer's untouched


def test_claims_that_met_are_withdrawn_and_one_tries_again(registry: Registry, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Both writers saw each other's claim and withdrew: ours tries again, alone this time, and is stored."""
    other_gone = (f"DELETE DATA {{ GRAPH <{registry.iris.registry_graph}> {{ "
                  f"<{registry.iris.dataset('DEU_STOCK')}> <{vocab.MP}writeClaim> {OTHER} }} }}")
    _interpose(registry, monkeypatch, after_claim=lambda n: _other_claim(registry, "DEU_STOCK") if n == 1 else None,
               after_release=lambda n: other_gone if n == 1 else None)
    result = submit(registry, write(tmp_path / "deu.csv", *valid_rows()))
    assert (result.version, result.observations) == (1, 3)
    assert _claims(registry) == set()
