"""A store written by an earlier version is brought up to the public-view rules when it is opened for writing."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import Literal, NamedNode, Triple

from api import vocab
from api.model.submission import SubmissionMetadata
from api.services import store_upgrade
from api.services.registry import open_registry
from api.services.submissions import ingest
from tests.conftest import make_settings
from tests.services.samples import stock_row, write

SHA256 = NamedNode(vocab.MP + "sha256")
SOURCE_ROW = NamedNode(vocab.MP + "sourceRow")
PUBLIC_COUNT = NamedNode(vocab.MP + "publicObservationCount")
DERIVED = NamedNode(vocab.PROV + "wasDerivedFrom")
STARTED = NamedNode(vocab.PROV + "startedAtTime")


def test_an_earlier_layout_is_upgraded_once(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    registry = open_registry(settings)
    rows = (stock_row("DEU", "2019", "15000000"), stock_row("DEU", "2018", "31337", conf="C"),
            stock_row("DEU", "2020", "15762457"))
    ingest.submit(registry, ingest.read_file(registry, write(tmp_path / "s.csv", *rows)),
                  SubmissionMetadata("DEU_STOCK", "DESTATIS", "Stock", ("Destatis",)))
    sub = registry.iris.submission("DEU_STOCK-v1")
    private = sub + "/report"
    assert not store_upgrade.needed(registry.store, registry.iris.registry_graph)
    # Write the store as earlier versions did: the file in the public graph, source lines, no public count.
    file_triples = [t for t in registry.store.graph_triples(private) if t.predicate != NamedNode(
        vocab.MP + "validationReport")]
    observations = {t.subject for t in registry.store.graph_triples(sub)
                    if t.predicate == NamedNode(vocab.RDF + "type") and t.object == NamedNode(vocab.QB + "Observation")}
    registry.store.add_to_graph(sub, [*file_triples, *(Triple(o, SOURCE_ROW, Literal(str(n + 2),  # type: ignore[arg-type]
                                      datatype=NamedNode(vocab.XSD + "integer"))) for n, o in enumerate(observations))])
    report = [t for t in registry.store.graph_triples(private) if t not in file_triples]
    registry.store.replace_graph(private, report)
    registry.store.update(f"DELETE WHERE {{ GRAPH <{registry.iris.registry_graph}> {{ ?s {PUBLIC_COUNT} ?n }} }}")
    assert store_upgrade.needed(registry.store, registry.iris.registry_graph)
    registry.close()

    reopened = open_registry(settings)
    public = reopened.store.graph_triples(sub)
    assert not [t for t in public if t.predicate in (SHA256, SOURCE_ROW, DERIVED, STARTED)]
    moved = reopened.store.graph_triples(private)
    assert [t.object.value for t in moved if t.predicate == SHA256] == [
        t.object.value for t in file_triples if t.predicate == SHA256]
    assert {t.predicate for t in moved} >= {DERIVED, STARTED, NamedNode(vocab.MP + "validationReport")}
    counts = reopened.store.select(f"SELECT ?n WHERE {{ <{sub}> {PUBLIC_COUNT} ?n }}",
                                   default_graphs=[reopened.iris.registry_graph])
    assert [r["n"].value for r in counts] == ["2"]  # type: ignore[union-attr]
    assert not store_upgrade.needed(reopened.store, reopened.iris.registry_graph)
    assert not store_upgrade.upgrade(reopened.store, reopened.iris.registry_graph)
    reopened.close()
