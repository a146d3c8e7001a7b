"""Ingest: validate then store with provenance; revisions; nothing stored on violations or crashes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from api import vocab
from api.errors import SubmissionRejected
from api.model.submission import SubmissionMetadata
from api.services.admin import export
from api.services.registry import Registry, open_registry
from api.services.submissions import ingest
from api.services.submissions import records as submission_records
from api.store.oxigraph_store import OxigraphStore
from tests.conftest import make_settings
from tests.services.samples import stock_row, valid_rows, write


def meta(dataset: str = "DEU_STOCK", **kw: object) -> SubmissionMetadata:
    return SubmissionMetadata(dataset_id=dataset, agency_id="DESTATIS", title="Migrant stock",
                              sources=("Destatis, Mikrozensus",), **kw)  # type: ignore[arg-type]


def submit(registry: Registry, path: Path, **kw: object) -> ingest.SubmissionResult:
    return ingest.submit(registry, ingest.read_file(registry, path), meta(**kw))


def public_values(registry: Registry) -> dict[tuple[str, str], str]:
    return {(r["REF_AREA"], r["TIME_PERIOD"]): r["OBS_VALUE"] for r in export.public_rows(registry)}


def test_valid_file_is_stored_with_provenance(registry: Registry, tmp_path: Path) -> None:
    result = submit(registry, write(tmp_path / "deu.csv", *valid_rows()))
    assert (result.submission_id, result.version, result.observations) == ("DEU_STOCK-v1", 1, 3)
    assert public_values(registry)[("DEU", "2020")] == "15762457"
    sub = NamedNode(registry.iris.submission("DEU_STOCK-v1"))
    graph = registry.store.graph_triples(sub.value)
    predicates = {t.predicate.value for t in graph if t.subject == sub}
    for needed in ("prov:wasAttributedTo", "prov:generatedAtTime", "prov:wasGeneratedBy", "dct:source",
                   "dct:license", "qb:structure"):
        prefix, local = needed.split(":")
        ns = {"prov": vocab.PROV, "dct": vocab.DCT, "qb": vocab.QB}[prefix]
        assert ns + local in predicates, needed
    types = {t.object.value for t in graph if t.predicate.value == vocab.RDF + "type"}
    assert not any(v.startswith(vocab.INDICATOR) for v in types)  # validation-only typing is never stored
    # The file's name, hash and size are in the private graph only (a public hash would reveal confidential cells).
    assert vocab.PROV + "wasDerivedFrom" not in predicates
    assert not [t for t in graph if t.predicate.value in (vocab.MP + "sha256", vocab.MP + "sourceRow")]
    private = registry.store.graph_triples(sub.value + "/report")
    sha = [t.object.value for t in private if t.predicate.value == vocab.MP + "sha256"]
    assert sha == [ingest.read_file(registry, tmp_path / "deu.csv").sha256]


def test_revision_supersedes_and_keeps_the_old_version(registry: Registry, tmp_path: Path) -> None:
    submit(registry, write(tmp_path / "v1.csv", *valid_rows()))
    second = submit(registry, write(tmp_path / "v2.csv", stock_row("DEU", "2020", "15800000")))
    assert second.version == 2
    assert public_values(registry) == {("DEU", "2020"): "15800000"}
    old = registry.iris.submission("DEU_STOCK-v1")
    assert old in registry.store.list_graphs()  # still stored and queryable
    revision = [t for t in registry.store.graph_triples(registry.iris.submission("DEU_STOCK-v2"))
                if t.predicate.value == vocab.PROV + "wasRevisionOf"]
    assert [t.object.value for t in revision] == [old]
    statuses = {s: submission_records.get(registry, s).status for s in ("DEU_STOCK-v1", "DEU_STOCK-v2")}
    assert statuses == {"DEU_STOCK-v1": "superseded", "DEU_STOCK-v2": "published"}


def test_violations_store_nothing(registry: Registry, tmp_path: Path) -> None:
    submit(registry, write(tmp_path / "ok.csv", *valid_rows()))
    graphs_before = registry.store.list_graphs()
    registry_before = sorted(map(str, registry.store.graph_triples(registry.iris.registry_graph)))
    bad = write(tmp_path / "bad.csv", stock_row("DEU", "2021", "-5"), stock_row("XYZ", "2021", "10"))
    with pytest.raises(SubmissionRejected) as info:
        submit(registry, bad)
    assert not info.value.report.conforms  # type: ignore[attr-defined]
    assert registry.store.list_graphs() == graphs_before
    assert sorted(map(str, registry.store.graph_triples(registry.iris.registry_graph))) == registry_before


def test_ten_thousand_duplicate_rows_are_refused(registry: Registry, tmp_path: Path) -> None:
    rows = [stock_row("DEU", "2020", "15762457")] * 10_000
    with pytest.raises(SubmissionRejected) as info:
        submit(registry, write(tmp_path / "dups.csv", *rows))
    rules = {p.rule for p in info.value.report.results}  # type: ignore[attr-defined]
    assert "duplicate-key" in rules
    assert registry.public_graphs() == [vocab.VOCABULARY_GRAPH]


def test_a_crash_before_the_commit_leaves_the_store_as_it_was(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit(registry, write(tmp_path / "ok.csv", *valid_rows()))
    before = registry.store.list_graphs()

    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(ingest, "_commit", crash)
    with pytest.raises(KeyboardInterrupt):
        submit(registry, write(tmp_path / "v2.csv", stock_row("DEU", "2020", "100")))
    assert registry.store.list_graphs() == before
    assert public_values(registry)[("DEU", "2020")] == "15762457"


def test_graphs_orphaned_by_a_killed_process_are_removed_on_open(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    store = OxigraphStore(settings.store_path)
    registry = open_registry(settings, store)
    orphan = registry.iris.submission("HALF-v1")
    store.add_to_graph(orphan, [])  # nothing refers to it: as if the process died before the commit
    from pyoxigraph import Literal, Triple

    store.add_to_graph(orphan, [Triple(NamedNode(orphan), NamedNode(vocab.RDFS + "label"), Literal("half"))])
    store.close()
    del registry, store
    reopened = open_registry(settings)
    assert orphan not in reopened.store.list_graphs()
    reopened.close()


def test_confidential_observations_are_kept_out_of_the_public_view(registry: Registry, tmp_path: Path) -> None:
    rows = [*valid_rows(), stock_row("LUX", "2020", "", conf="C", status="Q")]
    result = submit(registry, write(tmp_path / "conf.csv", *rows))
    assert result.restricted == 1
    assert ("LUX", "2020") not in public_values(registry)
    restricted = registry.iris.submission(result.submission_id) + "/restricted"
    assert restricted in registry.store.list_graphs()
    assert restricted not in registry.public_graphs()


def test_embargoed_submission_becomes_public_at_its_release_time(registry: Registry, tmp_path: Path) -> None:
    release = datetime.now(UTC) + timedelta(days=2)
    result = submit(registry, write(tmp_path / "emb.csv", *valid_rows()), release=release)
    sub = registry.iris.submission(result.submission_id)
    assert sub not in registry.public_graphs()
    assert sub in registry.public_graphs(now=release + timedelta(seconds=1))
