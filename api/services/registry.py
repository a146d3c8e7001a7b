"""The registry context: settings + store + what is read once from ontology/ (catalogue, areas, shapes).

``open_registry(settings)`` is the one place a store is opened; the web app factory and the CLI both use it.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from cachetools import LRUCache
from pyoxigraph import Literal, NamedNode, Triple

from api import vocab
from api.config import Settings
from api.formats.rdf.provenance import datetime_literal
from api.model.agency import Principal
from api.model.catalogue import Catalogue
from api.model.view import PublicView, PublishedVersion
from api.services import store_upgrade
from api.services.caches import Caches
from api.services.catalogue import load_catalogue
from api.services.ontology import ontology_files, ontology_triples
from api.services.single_flight import SingleFlight
from api.store.base import Store
from api.store.credentials import CredentialStore, open_credentials
from api.store.oxigraph_store import OxigraphStore
from api.store.queries import fill_update, load_query

if TYPE_CHECKING:
    from api.importers.areas import AreaIndex
    from api.services.readmodel.view import ReadModel, ViewRows
    from api.services.submissions.jobs import UploadJobs
    from api.services.submissions.worker import UploadWorker
    from api.validation.validator import Validator

XSD_DATETIME = NamedNode(vocab.XSD + "dateTime")
XSD_BOOLEAN = NamedNode(vocab.XSD + "boolean")
ONTOLOGY_HASH = NamedNode(vocab.MP + "ontologyHash")


class Registry:
    """Everything a service needs; built once per process (or per test)."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.iris = vocab.InstanceIris(settings.base_iri)
        self._current_view: tuple[int, datetime | None, PublicView] | None = None
        self._agency_views: LRUCache[str, tuple[int, datetime | None, PublicView]] = LRUCache(maxsize=64)
        self.caches = Caches()  # every derived answer kept between requests, keyed by what it was built from
        # Held while a write checks what is current and commits (versions, withdrawals): one writer at a time.
        self.write_lock = threading.RLock()
        # When writes happen (a submission's generation time, its audit record); tests set a fixed clock.
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._followers: list[Callable[[int | None], None]] = []
        self._followed: int | None = store.generation
        self._generation_reads = (SingleFlight(self._read_store_generation)
                                  if callable(getattr(store, "refresh", None)) else None)
        self.instance = uuid.uuid4().hex[:12]  # this registry object (a process's own store counts its writes)

    # -- following the store's generation (several workers or machines on one store) -----------
    def on_generation(self, callback: Callable[[int | None], None]) -> None:
        """Call ``callback(generation)`` whenever :meth:`follow_generation` finds that the store changed (a write
        through this process or another one): what is derived from the store and kept (the read model) hooks in
        here. Views and caches keyed by the view's tag follow by themselves."""
        self._followers.append(callback)

    @property
    def generation_key(self) -> str:
        """What names the store's content now for files derived from it: the generation token the processes
        sharing a remote store all read, else this registry's own write counter (unique to this process)."""
        shared = getattr(self.store, "shared_generation", None)
        if isinstance(shared, str) and shared:
            return "s" + hashlib.sha256(shared.encode()).hexdigest()[:16]
        return f"p{self.instance}-{self.store.generation}"

    @property
    def follows_a_remote_store(self) -> bool:
        """Whether :meth:`follow_generation` asks a server (in a thread, for the web app) or counts its own writes."""
        return self._generation_reads is not None

    def follow_generation(self) -> int | None:
        """Read the store's generation once (the web app calls it at the start of every request; a remote store
        answers one small query, shared by the requests that arrived before it began: ``SingleFlight``; the
        embedded one counts its own writes) and tell the followers if it changed."""
        if self._generation_reads is None:
            return self._generation_moved(self.store.generation)
        return self._generation_reads.run()

    def _read_store_generation(self) -> int | None:
        """One query to a remote store for its generation (``RemoteStore.refresh``), then the followers told."""
        return self._generation_moved(self.store.refresh())  # type: ignore[attr-defined]

    def _generation_moved(self, generation: int | None) -> int | None:
        if generation != self._followed:
            self._followed = generation
            for callback in list(self._followers):
                callback(generation)
        return generation

    def now(self) -> datetime:
        """The time a write records, in UTC."""
        return self.clock().astimezone(UTC)

    @cached_property
    def catalogue(self) -> Catalogue:
        return load_catalogue(self.settings.ontology_dir)

    @cached_property
    def areas(self) -> AreaIndex:
        from api.importers.areas import AreaIndex

        return AreaIndex.load(self.settings.ontology_dir)

    @cached_property
    def validator(self) -> Validator:
        from api.validation.validator import Validator

        return Validator.from_settings(self.settings)

    @cached_property
    def credentials(self) -> CredentialStore:
        """The agencies' credentials (token hashes, scopes): ``credentials.sqlite`` in the data folder, or in
        memory; never in the RDF store."""
        return open_credentials(self.settings.data_dir)

    @cached_property
    def read_model(self) -> ReadModel:
        """The columnar read model: a Parquet file per submission graph under ``columns/`` in the data folder
        (in memory without one), rebuilt from the store when missing (DESIGN §6)."""
        from api.services.readmodel.view import ReadModel

        folder = None if self.settings.data_dir is None else self.settings.data_dir / "columns"
        return ReadModel(self.store, folder)

    def view_rows(self, view: PublicView) -> ViewRows:
        """Every observation of ``view``'s data graphs, from the column files (kept per view)."""
        return self.caches.get("view_rows" if view.public else "agency_view_rows", view.tag,
                               lambda: self.read_model.rows(view))

    @cached_property
    def upload_jobs(self) -> UploadJobs:
        """Uploads above the synchronous size, running in the background (``submissions/jobs.py``)."""
        from api.services.submissions.jobs import UploadJobs

        return UploadJobs()

    @cached_property
    def upload_worker(self) -> UploadWorker:
        """The process that parses and validates uploads (started on first use or by ``start()``)."""
        from api.services.submissions.worker import UploadWorker

        return UploadWorker(self.settings)

    # -- the vocabulary graph -------------------------------------------------------------
    def ontology_hash(self) -> str:
        digest = hashlib.sha256()
        for path in ontology_files(self.settings.ontology_dir):
            digest.update(path.relative_to(self.settings.ontology_dir).as_posix().encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def ensure_vocabulary(self) -> bool:
        """Load ontology/ into the vocabulary graph when it is missing or changed; True if (re)loaded."""
        current = self.ontology_hash()
        graph = vocab.VOCABULARY_GRAPH
        rows = self.store.select(load_query("registry/ontology-hash"), {"graph": NamedNode(graph)},
                                 default_graphs=[graph])
        if rows and rows[0]["hash"] is not None and rows[0]["hash"].value == current:
            return False
        triples = ontology_triples(self.settings.ontology_dir)
        triples.append(Triple(NamedNode(graph), ONTOLOGY_HASH, Literal(current)))
        self.store.replace_graph(graph, triples)
        return True

    # -- the public view ------------------------------------------------------------------
    def public_graphs(self, now: datetime | None = None) -> list[str]:
        """The vocabulary plus the public part of every current, published, released submission."""
        return self.public_view(now).graphs

    def public_view(self, now: datetime | None = None, *, as_of: datetime | None = None) -> PublicView:
        """The public view now, or as it was at ``as_of`` (earlier versions of revised datasets).

        The current view is kept until a write through this registry's store or the next release time,
        whichever comes first; a store other processes write to (remote) is asked every time."""
        if now is None and as_of is None and self.store.generation is not None:
            generation = self.store.generation
            moment = datetime.now(UTC)
            kept = self._current_view
            if kept is not None and kept[0] == generation and (kept[1] is None or moment < kept[1]):
                return kept[2]
            view = self._public_view(moment, None)
            self._current_view = (generation, self._next_release(moment), view)
            return view
        return self._public_view((now or datetime.now(UTC)).astimezone(UTC), as_of)

    def _next_release(self, moment: datetime) -> datetime | None:
        rows = self.store.select(load_query("registry/next-release"),
                                 {"now": datetime_literal(moment, exact=True)},
                                 default_graphs=[self.iris.registry_graph])
        found = rows[0]["next"] if rows else None
        return datetime.fromisoformat(found.value.replace("Z", "+00:00")) if found is not None else None

    def _public_view(self, moment: datetime, as_of: datetime | None) -> PublicView:
        if as_of is not None:
            rows = self.store.select(
                load_query("registry/public-submissions-as-of"),
                {"asOf": datetime_literal(min(as_of.astimezone(UTC), moment), exact=True)},
                default_graphs=[self.iris.registry_graph],
            )
        else:
            rows = self.store.select(
                load_query("registry/public-submissions"),
                {"now": datetime_literal(moment, exact=True)},
                default_graphs=[self.iris.registry_graph],
            )
        generated: dict[str, datetime] = {}
        versions: list[PublishedVersion] = []
        observations = 0
        for row in rows:
            graph, when, count = row["graph"], row["generated"], row["observations"]
            if graph is None or when is None:
                continue
            generated[graph.value] = datetime.fromisoformat(when.value.replace("Z", "+00:00"))
            public = int(count.value) if count is not None else 0
            observations += public
            dataset, version, by = row.get("dataset"), row.get("version"), row.get("by")
            if dataset is not None and version is not None and by is not None:
                versions.append(PublishedVersion(vocab.code_id_from_iri(dataset.value), graph.value,
                                                 int(version.value), vocab.code_id_from_iri(by.value), public,
                                                 generated[graph.value]))
        return PublicView(vocab.VOCABULARY_GRAPH, generated, observations, self.vocabulary_tag,
                          descriptions=self._description_graphs(),
                          versions=tuple(sorted(versions, key=lambda v: v.dataset)))

    def _description_graphs(self) -> tuple[str, ...]:
        """The graphs of the agencies' public descriptions (name, kind, country, contact)."""
        prefix = self.iris.agency_graph("")
        return tuple(g for g in self.store.list_graphs() if g.startswith(prefix))

    # -- an agency's view -----------------------------------------------------------------
    def agency_view(self, principal_or_agency_id: Principal | str, *, admin: bool = False,
                    as_of: datetime | None = None, now: datetime | None = None) -> PublicView:
        """The public view plus, for each dataset with versions attributed to the agency (admins: every dataset),
        its newest published version even under embargo, with the restricted graphs of the agency's versions.

        Kept like the public view (until a write or the next release time), one entry per audience."""
        if isinstance(principal_or_agency_id, Principal):
            agency_id, admin = principal_or_agency_id.agency_id, admin or principal_or_agency_id.admin
        else:
            agency_id = principal_or_agency_id
        audience = "admin" if admin else f"agency:{agency_id}"
        if now is None and as_of is None and self.store.generation is not None:
            generation, moment = self.store.generation, datetime.now(UTC)
            kept = self._agency_views.get(audience)
            if kept is not None and kept[0] == generation and (kept[1] is None or moment < kept[1]):
                return kept[2]
            view = self._agency_view(agency_id, admin, audience, moment, None)
            self._agency_views[audience] = (generation, self._next_release(moment), view)
            return view
        return self._agency_view(agency_id, admin, audience, (now or datetime.now(UTC)).astimezone(UTC), as_of)

    def _agency_view(self, agency_id: str, admin: bool, audience: str, moment: datetime,
                     as_of: datetime | None) -> PublicView:
        agency = NamedNode(self.iris.agency(agency_id))
        bindings: dict[str, NamedNode | Literal] = {"agency": agency, "admin": Literal(
            "true" if admin else "false", datatype=XSD_BOOLEAN)}
        if as_of is None:
            name, bindings["now"] = "registry/agency-submissions", datetime_literal(moment, exact=True)
        else:
            name, bindings["asOf"] = "registry/agency-submissions-as-of", datetime_literal(
                min(as_of.astimezone(UTC), moment), exact=True)
        rows = self.store.select(load_query(name), bindings, default_graphs=[self.iris.registry_graph])
        generated: dict[str, datetime] = {}
        restricted: dict[str, str] = {}
        observations = 0
        for row in rows:
            graph, when, count, hidden = row["graph"], row["generated"], row["observations"], row["restricted"]
            if graph is None or when is None:
                continue
            generated[graph.value] = datetime.fromisoformat(when.value.replace("Z", "+00:00"))
            observations += int(count.value) if count is not None else 0
            if hidden is not None and (admin or row["by"] == agency):
                restricted[hidden.value] = graph.value
                generated[hidden.value] = generated[graph.value]
        return PublicView(vocab.VOCABULARY_GRAPH, generated, observations, self.vocabulary_tag, audience, restricted,
                          self._description_graphs())

    @cached_property
    def vocabulary_tag(self) -> str:
        return self.ontology_hash()[:16]

    def clean_orphans(self) -> list[str]:
        """Drop submission graphs that no registry entry refers to (left by a crash mid-load)."""
        referenced = {
            row["graph"].value
            for row in self.store.select(load_query("registry/referenced-graphs"),
                                         default_graphs=[self.iris.registry_graph])
            if row["graph"] is not None
        }
        prefix = f"{self.iris.base}/id/submission/"
        orphans = [g for g in self.store.list_graphs() if g.startswith(prefix) and g not in referenced]
        for graph in orphans:
            self.store.drop_graph(graph)
        return orphans

    def close(self) -> None:
        """Stop the workers, drop the caches, close the credentials and the store."""
        if "upload_worker" in self.__dict__:
            self.upload_worker.close()
        if "credentials" in self.__dict__:
            self.credentials.close()
        self.caches.clear()
        self._agency_views.clear()
        self.store.close()


def open_store(settings: Settings, *, read_only: bool = False) -> Store:
    """The store MPR_STORE names: embedded pyoxigraph under MPR_DATA (or in memory), or a SPARQL server whose
    engine is recognised from its answer (Oxigraph server, Virtuoso 7, any SPARQL 1.1 engine)."""
    if settings.store == "sparql":
        from api.store.remote import remote_store

        assert settings.store_query_url is not None and settings.store_update_url is not None  # Settings checks
        return remote_store(settings.store_query_url, settings.store_update_url, settings.store_gsp_url,
                            timeout=max(30.0, settings.sparql_timeout_s + 5), user=settings.store_user,
                            password=settings.store_password,
                            generation_graph=vocab.InstanceIris(settings.base_iri).registry_graph,
                            public_user=settings.store_public_user, public_password=settings.store_public_password,
                            public_queries=settings.sparql_workers)
    return OxigraphStore(settings.store_path, read_only=read_only)


def open_registry(settings: Settings, store: Store | None = None, *, read_only: bool = False,
                  maintain: bool = True) -> Registry:
    """Open the configured store and make it consistent (``maintain``: load a changed vocabulary, drop orphan
    graphs, upgrade; the workers of ``mpr serve --workers N`` leave that to the command that starts them)."""
    if store is None:
        store = open_store(settings, read_only=read_only)
    registry = Registry(settings, store)
    registry.follow_generation()
    if not read_only and maintain:
        if isinstance(store, OxigraphStore):  # held by this process alone: no upload elsewhere can be in flight
            store.clean_staging()
            store.update(fill_update("registry/release-all-claims", registry=NamedNode(registry.iris.registry_graph)))
        registry.ensure_vocabulary()
        registry.clean_orphans()
        store_upgrade.upgrade(store, registry.iris.registry_graph)
    return registry
