"""A live registry whose base IRI is its own address, so that every instance IRI it mints resolves over
HTTP: one real World Bank WDI dataset, a national submission with one confidential observation and an
embargoed submission (the leak tests' secrets). The store is copied before the server starts, so tests
compare answers with what the store holds without opening it a second time."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pyoxigraph import NamedNode, Quad, RdfFormat, Triple, serialize
from pyoxigraph import Store as OxStore
from rdflib import Graph

from api.model.submission import SubmissionMetadata
from api.services import build
from api.services.registry import Registry
from api.services.submissions import ingest
from tests.conftest import REPO, WorldEngines, make_settings, open_world, server_env
from tests.engines import Engine
from tests.live_server import free_port, serving
from tests.services.samples import stock_row, write

WDI_DATASET = "WB_WDI_SM_POP_NETM"
PUBLIC_DATASET = "NSO_DEU_STOCK"
EMBARGOED_DATASET = "NSO_PRT_STOCK"
SECRET_VALUE = "31337"  # the confidential observation (AND, STK_IMM 2020, CONF_STATUS C)
EMBARGOED_VALUE = "424242"  # the embargoed submission (PRT, STK_IMM 2020)
EMBARGOED_AGENCY = "INE_PT"  # an agency that only the embargoed submission mentions
KEY = "A.{area}.STK_IMM._T._T._T._Z"
MP = "https://w3id.org/migration-profile/def#"


@dataclass(frozen=True)
class LinkedWorld:
    """The live server's address (= its base IRI), a copy of its store and the public view's graphs."""

    url: str
    snapshot: OxStore
    public_graphs: tuple[str, ...]
    registry_graph: str

    def path(self, iri: str) -> str:
        """The server address of an IRI: instance IRIs are already on it, vocabulary IRIs are mapped."""
        return iri.replace("https://w3id.org/migration-profile/", self.url + "/")




def _submit(registry: Registry, path: Path, dataset: str, agency: str, release: datetime | None = None) -> None:
    meta = SubmissionMetadata(dataset_id=dataset, agency_id=agency, title=f"{dataset} (national submission)",
                              sources=(f"{agency} census",), licence="https://creativecommons.org/licenses/by/4.0/",
                              release=release)
    ingest.submit(registry, ingest.read_file(registry, path), meta)


@pytest.fixture(scope="session")
def linked(tmp_path_factory: pytest.TempPathFactory, shared_data: Path, world_engines: WorldEngines
           ) -> Iterator[LinkedWorld]:
    with world_engines.world() as engine:
        yield from _linked(tmp_path_factory.mktemp("linked"), shared_data, engine)


def _linked(root: Path, shared_data: Path, engine: Engine | None) -> Iterator[LinkedWorld]:
    shutil.copytree(REPO / "datasets" / WDI_DATASET, root / "datasets" / WDI_DATASET)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = replace(make_settings(root / "data"), base_iri=url, datasets_dir=root / "datasets",
                       sources_dir=shared_data)
    registry = open_world(settings, engine)
    try:
        outcomes = build.build(registry)
        assert [o.status for o in outcomes] == ["loaded"], outcomes
        _submit(registry, write(root / "deu.csv", stock_row("DEU", "2019", "15000000"),
                                stock_row("DEU", "2020", "15762457"), stock_row("AND", "2020", SECRET_VALUE, conf="C")),
                PUBLIC_DATASET, "DESTATIS")
        _submit(registry, write(root / "prt.csv", stock_row("PRT", "2020", EMBARGOED_VALUE)), EMBARGOED_DATASET,
                EMBARGOED_AGENCY, release=datetime.now(UTC) + timedelta(days=365))
        snapshot = OxStore()
        snapshot.bulk_extend(Quad(q.subject, q.predicate, q.object, q.graph_name)
                             for q in registry.store.quads() if isinstance(q.graph_name, NamedNode))
        public = tuple(registry.public_view().graphs)
        registry_graph = registry.iris.registry_graph
    finally:
        registry.close()
    with serving({"MPR_DATA": str(root / "data"), "MPR_BASE_IRI": url, "MPR_SOURCES": str(shared_data),
                  **server_env(engine)},
                 port=port, log=root / "server.log"):
        yield LinkedWorld(url, snapshot, public, registry_graph)


@pytest.fixture(scope="session")
def http(linked: LinkedWorld) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=linked.url, timeout=30) as client:
        yield client


def expected(world: LinkedWorld, subject: str, graphs: tuple[str, ...] | list[str]) -> Graph:
    """What the store holds about ``subject`` in ``graphs`` (read by index, not by the code under test)."""
    triples = {Triple(q.subject, q.predicate, q.object) for g in graphs
               for q in world.snapshot.quads_for_pattern(NamedNode(subject), None, None, NamedNode(g))}
    graph = Graph()
    if triples:
        graph.parse(data=serialize(list(triples), format=RdfFormat.N_TRIPLES).decode(), format="nt")
    return graph


def vocabulary_terms(world: LinkedWorld) -> Graph:
    """Every triple of the vocabulary graph about the vocabulary document or a def# term."""
    vocabulary = "https://w3id.org/migration-profile/graph/vocabulary"
    triples = [Triple(q.subject, q.predicate, q.object)
               for q in world.snapshot.quads_for_pattern(None, None, None, NamedNode(vocabulary))
               if isinstance(q.subject, NamedNode) and (q.subject.value == "https://w3id.org/migration-profile/def"
                                                        or q.subject.value.startswith(MP))]
    graph = Graph()
    graph.parse(data=serialize(triples, format=RdfFormat.N_TRIPLES).decode(), format="nt")
    return graph
