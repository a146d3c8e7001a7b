"""A submission's life: its resource and report, revisions that build on the newest version (409 / 412),
datasets owned by one agency, embargoed status, withdrawal by an admin and the audit trail."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.config import Settings
from api.errors import Conflict
from api.model.submission import SubmissionMetadata
from api.services.admin import agencies
from api.services.registry import Registry
from api.services.submissions import ingest
from api.web.app import create_app
from tests.admin.agencies.conftest import add_all
from tests.read.conftest import row
from tests.services.samples import HEADER


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


@dataclass
class World:
    client: TestClient
    registry: Registry
    tokens: dict[str, str]

    def auth(self, agency: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[agency]}"} if agency else {}

    def upload(self, agency: str, body: bytes, dataset: str = "DEU_STOCK", headers: dict[str, str] | None = None,
               **fields: str) -> Any:
        return self.client.post("/api/submissions", headers={**self.auth(agency), **(headers or {})},
                                files={"file": ("stock.csv", body, "text/csv")},
                                data={"dataset": dataset, "source": "Census 2020", **fields})


@pytest.fixture
def world(settings: Settings, registry: Registry) -> World:
    return make_world(settings, registry)


def make_world(settings: Settings, registry: Registry) -> World:
    """The app over ``registry`` with DESTATIS, UNHCR and MPR_ADMIN and a token each."""
    add_all(registry)
    credentials = agencies.credentials_for(registry)
    tokens = {a: agencies.create_token(credentials, a).secret for a in ("DESTATIS", "UNHCR", "MPR_ADMIN")}
    return World(TestClient(create_app(registry)), registry, tokens)


FIRST = _csv(row("DEU", "2019", "15000000"), row("DEU", "2020", "15762457"),
             row("DEU", "2020", "8000000", sex="F"), row("DEU", "2020", "7000000", sex="M"))  # F + M != _T


def test_submission_resource_report_and_provenance(world: World) -> None:
    created = world.upload("DESTATIS", FIRST, definition_basis="foreign-born")
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"DEU_STOCK-v1"'
    assert created.headers["location"] == "/api/submissions/DEU_STOCK-v1"
    own = world.client.get("/api/submissions/DEU_STOCK-v1", headers=world.auth("DESTATIS")).json()
    assert (own["status"], own["version"], own["dataset"], own["observations"], own["restricted"]) == (
        "published", 1, "DEU_STOCK", 4, 0)
    provenance = own["provenance"]
    assert provenance["agency"] == "DESTATIS" and provenance["revision_of"] is None
    assert provenance["file"]["sha256"] == hashlib.sha256(FIRST).hexdigest()
    assert provenance["file"]["bytes"] == len(FIRST)
    assert provenance["definition_basis"] == "foreign-born" and provenance["sources"] == ["Census 2020"]
    assert own["report"]["summary"]["Warning"] >= 1
    assert own["links"]["report"] == "/api/submissions/DEU_STOCK-v1/report"
    report = world.client.get("/api/submissions/DEU_STOCK-v1/report", headers=world.auth("DESTATIS")).json()
    warnings = [r for r in report["results"] if r["severity"] == "Warning"]
    assert warnings and all(r["row"] for r in warnings)  # the stored report points to rows of the file
    page = world.client.get("/api/submissions/DEU_STOCK-v1/report", headers={**world.auth("DESTATIS"),
                                                                             "Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Validation report" in page.text and warnings[0]["rule"] in page.text
    assert page.headers["cache-control"] == "private, no-store"
    # the public sees status and provenance, not the report
    public = world.client.get("/api/submissions/DEU_STOCK-v1").json()
    assert public["status"] == "published" and public["report"] is None and public["restricted"] is None
    assert "report" not in public["links"]
    anonymous = world.client.get("/api/submissions/DEU_STOCK-v1/report")
    assert anonymous.status_code == 401 and "token" in anonymous.json()["error"]["message"]
    other = world.client.get("/api/submissions/DEU_STOCK-v1/report", headers=world.auth("UNHCR"))
    assert other.status_code == 403 and "DESTATIS" in other.json()["error"]["message"]
    admin = world.client.get("/api/submissions/DEU_STOCK-v1/report", headers=world.auth("MPR_ADMIN"))
    assert admin.status_code == 200 and admin.json() == report
    assert world.client.get("/api/submissions/NOPE-v1").status_code == 404


def test_confidential_cells_are_counted_for_the_agency_only(world: World) -> None:
    body = _csv(row("DEU", "2019", "15000000"), row("DEU", "2020", "123", conf="C"))
    assert world.upload("DESTATIS", body).status_code == 201
    own = world.client.get("/api/submissions/DEU_STOCK-v1", headers=world.auth("DESTATIS")).json()
    public = world.client.get("/api/submissions/DEU_STOCK-v1").json()
    assert (own["observations"], own["restricted"]) == (2, 1)
    assert (public["observations"], public["restricted"]) == (1, None)


def test_revisions_build_on_the_newest_version(world: World) -> None:
    assert world.upload("DESTATIS", FIRST).status_code == 201
    revised = world.upload("DESTATIS", _csv(row("DEU", "2020", "15800000")), base_version="1")
    assert revised.status_code == 201 and revised.json()["submission"] == "DEU_STOCK-v2"
    v2 = world.client.get("/api/submissions/DEU_STOCK-v2").json()
    assert v2["provenance"]["revision_of"] == "DEU_STOCK-v1" and v2["status"] == "published"
    assert world.client.get("/api/submissions/DEU_STOCK-v1").json()["status"] == "superseded"
    stale = world.upload("DESTATIS", _csv(row("DEU", "2020", "100")), base_version="1")
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["details"]["current_version"] == 2 and error["details"]["etag"] == '"DEU_STOCK-v2"'
    assert "base_version=2" in error["message"]
    wrong_tag = world.upload("DESTATIS", _csv(row("DEU", "2020", "100")), headers={"If-Match": '"DEU_STOCK-v1"'})
    assert wrong_tag.status_code == 412 and wrong_tag.json()["error"]["details"]["current_version"] == 2
    other_dataset_tag = world.upload("DESTATIS", _csv(row("DEU", "2020", "100")), headers={"If-Match": '"X-v2"'})
    assert other_dataset_tag.status_code == 412
    exists = world.upload("DESTATIS", _csv(row("DEU", "2020", "100")), headers={"If-None-Match": "*"})
    assert exists.status_code == 412
    right_tag = world.upload("DESTATIS", _csv(row("DEU", "2020", "15810000")), headers={"If-Match": '"DEU_STOCK-v2"'})
    assert right_tag.status_code == 201 and right_tag.json()["version"] == 3
    bad = world.upload("DESTATIS", _csv(row("DEU", "2020", "100")), base_version="two")
    assert bad.status_code == 400
    totals = world.client.get("/api/observations", params={"area": "DEU", "dataset": "DEU_STOCK"}).json()
    assert [o["value"] for o in totals["observations"]] == [15810000.0]  # nothing of the refused uploads


def test_a_dataset_belongs_to_the_agency_that_created_it(world: World) -> None:
    assert world.upload("DESTATIS", FIRST).status_code == 201
    taken = world.upload("UNHCR", _csv(row("DEU", "2020", "100")))
    assert taken.status_code == 403 and "belongs to agency DESTATIS" in taken.json()["error"]["message"]
    dry = world.client.post("/api/submissions", params={"dataset": "DEU_STOCK", "dry_run": "true"},
                            content=_csv(row("DEU", "2020", "100")),
                            headers={**world.auth("UNHCR"), "Content-Type": "text/csv"})
    assert dry.status_code == 403  # a dry run says so too


def test_an_embargoed_only_dataset_looks_unused_to_another_agency(world: World) -> None:
    """An id an agency cannot see gets the same answer as an unused id, unless the agency owns it (DESIGN §4)."""
    later = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert world.upload("DESTATIS", FIRST, dataset="DEU_SECRET", release=later).status_code == 201
    body = _csv(row("DEU", "2020", "100"))

    def dry(dataset: str, **params: str) -> Any:
        return world.client.post("/api/submissions", params={"dataset": dataset, "dry_run": "true", **params},
                                 content=body, headers={**world.auth("UNHCR"), "Content-Type": "text/csv"})

    for extra in ({}, {"base_version": "1"}):
        hidden, unused = dry("DEU_SECRET", **extra), dry("NEVER_USED", **extra)
        assert hidden.status_code == unused.status_code and hidden.status_code in (200, 409)
        assert hidden.text.replace("DEU_SECRET", "X") == unused.text.replace("NEVER_USED", "X")
    star = [world.client.post("/api/submissions", params={"dataset": d, "dry_run": "true"}, content=body,
                              headers={**world.auth("UNHCR"), "Content-Type": "text/csv", "If-Match": "*"})
            for d in ("DEU_SECRET", "NEVER_USED")]
    assert [a.status_code for a in star] == [412, 412]
    assert star[0].text.replace("DEU_SECRET", "X") == star[1].text.replace("NEVER_USED", "X")
    stored = world.upload("UNHCR", body, dataset="DEU_SECRET")  # a real write cannot reuse the id...
    assert stored.status_code == 403
    message = stored.json()["error"]["message"]
    assert "DESTATIS" not in message and "version" not in message  # ...but names neither owner nor versions
    own = world.client.post("/api/submissions", params={"dataset": "DEU_SECRET", "dry_run": "true"}, content=body,
                            headers={**world.auth("DESTATIS"), "Content-Type": "text/csv"})
    assert own.status_code == 200  # the owner builds on its embargoed version


def test_concurrent_revisions_one_wins_the_other_is_told_what_to_build_on(world: World) -> None:
    """The check runs again under the write lock after validation: the upload validated second loses."""
    assert world.upload("DESTATIS", FIRST).status_code == 201
    registry = world.registry
    validate = registry.validator.validate_table  # a CSV: the columnar engine
    first_validating, second_stored = threading.Event(), threading.Event()

    def slow_validate(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("submission_id") == "DEU_STOCK-v2" and not first_validating.is_set():
            first_validating.set()
            assert second_stored.wait(30)
        return validate(*args, **kwargs)

    registry.validator.validate_table = slow_validate  # type: ignore[method-assign]
    results: dict[str, object] = {}

    def submit(name: str, value: str) -> None:
        meta = SubmissionMetadata(dataset_id="DEU_STOCK", agency_id="DESTATIS", sources=("Census",))
        parsed = ingest.read_file(registry, _write(registry, name, _csv(row("DEU", "2020", value))))
        try:
            results[name] = ingest.submit(registry, parsed, meta).submission_id
        except Conflict as exc:
            results[name] = exc

    slow = threading.Thread(target=submit, args=("slow", "1000"))
    slow.start()
    assert first_validating.wait(30)
    submit("fast", "2000")  # validated while "slow" waits, stored first
    second_stored.set()
    slow.join(30)
    assert results["fast"] == "DEU_STOCK-v2"
    lost = results["slow"]
    assert isinstance(lost, Conflict) and lost.details["current_version"] == 2
    assert ingest.dataset_state(registry, "DEU_STOCK").version == 2
    prefix = registry.iris.submission("DEU_STOCK-v")
    assert sorted(g for g in registry.store.list_graphs() if g.startswith(prefix) and g.count("/") ==
                  prefix.count("/")) == [prefix + "1", prefix + "2"]


def _write(registry: Registry, name: str, body: bytes) -> Any:
    import tempfile
    from pathlib import Path
    folder = Path(tempfile.mkdtemp(prefix="mpr-test-"))
    path = folder / f"{name}.csv"
    path.write_bytes(body)
    return path


def test_embargoed_submissions_exist_only_for_their_agency(world: World) -> None:
    release = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert world.upload("DESTATIS", FIRST, release=release).status_code == 201
    own = world.client.get("/api/submissions/DEU_STOCK-v1", headers=world.auth("DESTATIS"))
    assert own.status_code == 200 and own.json()["status"] == "embargoed" and own.json()["release"].startswith(
        release[:19])
    for headers in ({}, world.auth("UNHCR")):
        hidden = world.client.get("/api/submissions/DEU_STOCK-v1", headers=headers)
        assert hidden.status_code == 404 and "DEU_STOCK" not in hidden.text.replace("DEU_STOCK-v1", "")
    assert world.client.get("/api/submissions/DEU_STOCK-v1", headers=world.auth("MPR_ADMIN")).json()["status"] == (
        "embargoed")
    listing = world.client.get("/api/submissions", headers=world.auth("DESTATIS")).json()
    assert [(s["id"], s["status"]) for s in listing] == [("DEU_STOCK-v1", "embargoed")]
    assert world.client.get("/api/submissions", headers=world.auth("UNHCR")).json() == []


def test_withdrawal_by_an_admin_and_the_audit_trail(world: World) -> None:
    assert world.upload("DESTATIS", FIRST).status_code == 201
    assert world.upload("DESTATIS", _csv(row("DEU", "2020", "99000")), base_version="1").status_code == 201
    reason = {"reason": "2020 figure published in error"}
    refused = world.client.post("/api/submissions/DEU_STOCK-v2/withdraw", json=reason, headers=world.auth("DESTATIS"))
    assert refused.status_code == 403
    assert world.client.post("/api/submissions/DEU_STOCK-v2/withdraw", json=reason).status_code == 401
    done = world.client.post("/api/submissions/DEU_STOCK-v2/withdraw", json=reason, headers=world.auth("MPR_ADMIN"))
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "withdrawn" and done.json()["withdrawal"]["reason"] == reason["reason"]
    again = world.client.post("/api/submissions/DEU_STOCK-v2/withdraw", json=reason, headers=world.auth("MPR_ADMIN"))
    assert again.status_code == 409
    # no longer public: version 1 is the public one again; the withdrawn one keeps its record
    values = [o["value"] for o in world.client.get("/api/observations", params={"area": "DEU"}).json()["observations"]]
    assert 99000.0 not in values and 15762457.0 in values
    public = world.client.get("/api/submissions/DEU_STOCK-v2").json()
    assert public["status"] == "withdrawn" and public["withdrawal"]["reason"] is None  # the reason is for admins
    assert world.client.get("/api/submissions/DEU_STOCK-v1").json()["status"] == "published"
    # the audit trail: admins only; who, which token id, what, when
    assert world.client.get("/api/audit", headers=world.auth("DESTATIS")).status_code == 403
    trail = world.client.get("/api/audit", headers=world.auth("MPR_ADMIN")).json()
    assert [(e["kind"], e["agency"], e["submission"]) for e in trail["entries"] if e["submission"]] == [
        ("withdrawal", "MPR_ADMIN", "DEU_STOCK-v2"), ("upload", "DESTATIS", "DEU_STOCK-v2"),
        ("upload", "DESTATIS", "DEU_STOCK-v1")]
    assert trail["entries"][0]["reason"] == reason["reason"]
    assert trail["entries"][1]["token"] == agencies.token_id_of(world.tokens["DESTATIS"])
    only = world.client.get("/api/audit", params={"kind": "withdrawal"}, headers=world.auth("MPR_ADMIN")).json()
    assert only["total"] == 1
    # scope and token changes are in the trail too (made with the command line, kept beside the tokens)
    created = world.client.get("/api/audit", params={"kind": "token-created", "agency": "DESTATIS"},
                               headers=world.auth("MPR_ADMIN")).json()["entries"]
    assert [(e["subject"], e["token"]) for e in created] == [
        ("DESTATIS", agencies.token_id_of(world.tokens["DESTATIS"]))]
    assert created[0]["agency"].startswith("operator:") and created[0]["activity"] is None
    agencies.revoke_token(agencies.credentials_for(world.registry), world.tokens["UNHCR"])
    revoked = world.client.get("/api/audit", params={"kind": "token-revoked"}, headers=world.auth("MPR_ADMIN")).json()
    assert [(e["subject"], e["token"]) for e in revoked["entries"]] == [
        ("UNHCR", agencies.token_id_of(world.tokens["UNHCR"]))]
    added = world.client.get("/api/audit", params={"kind": "agency-added"}, headers=world.auth("MPR_ADMIN")).json()
    assert sorted(e["subject"] for e in added["entries"]) == ["DESTATIS", "MPR_ADMIN", "UNHCR"]
    # a new version after a withdrawal numbers on (v3) and builds on the newest stored version
    assert world.upload("DESTATIS", _csv(row("DEU", "2020", "100")), base_version="2").json()["version"] == 3


def test_tokens_are_never_in_the_rdf_store(world: World) -> None:
    assert world.upload("DESTATIS", FIRST).status_code == 201
    world.client.post("/api/submissions/DEU_STOCK-v1/withdraw", json={"reason": "test"},
                      headers=world.auth("MPR_ADMIN"))
    quads = " ".join(str(q) for q in world.registry.store.quads())
    for secret in world.tokens.values():
        assert secret not in quads and hashlib.sha256(secret.encode()).hexdigest() not in quads
        assert secret.split("_", 2)[2] not in quads  # mpr_<id>_<secret>: the secret may itself hold "_"


def test_reports_and_the_audit_trail_stay_out_of_public_routes(world: World) -> None:
    assert world.upload("DESTATIS", FIRST).status_code == 201
    world.client.post("/api/submissions/DEU_STOCK-v1/withdraw", json={"reason": "secret reason"},
                      headers=world.auth("MPR_ADMIN"))
    assert world.upload("DESTATIS", _csv(row("DEU", "2020", "15762457")), base_version="1").status_code == 201
    report_iri = "/id/submission/DEU_STOCK-v2/report"
    assert world.client.get(report_iri, headers={"Accept": "text/turtle"}).status_code == 404
    query = ("PREFIX mp: <https://w3id.org/migration-profile/def#> "
             "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> SELECT ?s ?p ?o WHERE { "
             "{ GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o } FILTER (STR(?o) = 'secret reason' "
             "|| ?p IN (mp:validationReport, mp:tokenId, mp:withdrawalReason, mp:reportGraph) "
             "|| (?p = rdf:type && ?o IN (mp:Upload, mp:Withdrawal)) || ?o = mp:Withdrawn) }")
    answer = world.client.get("/sparql", params={"query": query},
                              headers={"Accept": "application/sparql-results+json", **world.auth("MPR_ADMIN")})
    assert answer.status_code == 200 and answer.json()["results"]["bindings"] == []
    assert "secret reason" not in world.client.get("/api/submissions/DEU_STOCK-v1").text


def test_provenance_as_prov_o(world: World) -> None:
    import pyoxigraph

    assert world.upload("DESTATIS", FIRST).status_code == 201
    assert world.upload("DESTATIS", _csv(row("DEU", "2020", "15762457")), base_version="1").status_code == 201
    answer = world.client.get("/api/submissions/DEU_STOCK-v2", headers={"Accept": "text/turtle"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/turtle")
    graph = pyoxigraph.Store()
    graph.load(answer.content, format=pyoxigraph.RdfFormat.TURTLE)
    prov = "http://www.w3.org/ns/prov#"
    sub = pyoxigraph.NamedNode(world.registry.iris.submission("DEU_STOCK-v2"))

    def one(subject: object, predicate: str) -> str:
        found = list(graph.quads_for_pattern(subject, pyoxigraph.NamedNode(predicate), None))  # type: ignore[arg-type]
        assert len(found) == 1, predicate
        return found[0].object.value

    assert one(sub, prov + "wasRevisionOf") == world.registry.iris.submission("DEU_STOCK-v1")
    assert one(sub, prov + "wasAttributedTo") == world.registry.iris.agency("DESTATIS")
    activity = pyoxigraph.NamedNode(one(sub, prov + "wasGeneratedBy"))
    assert one(activity, prov + "endedAtTime")
    assert one(sub, "https://w3id.org/migration-profile/def#status").endswith("#Published")
    # The file (name, SHA-256, size) and the start of the ingest: for the agency's token only.
    assert not list(graph.quads_for_pattern(sub, pyoxigraph.NamedNode(prov + "wasDerivedFrom"), None))
    assert not list(graph.quads_for_pattern(activity, pyoxigraph.NamedNode(prov + "startedAtTime"), None))
    owned = world.client.get("/api/submissions/DEU_STOCK-v2", headers={"Accept": "text/turtle",
                                                                       **world.auth("DESTATIS")})
    graph = pyoxigraph.Store()
    graph.load(owned.content, format=pyoxigraph.RdfFormat.TURTLE)
    file = pyoxigraph.NamedNode(one(sub, prov + "wasDerivedFrom"))
    assert one(file, "https://w3id.org/migration-profile/def#sha256") == hashlib.sha256(
        _csv(row("DEU", "2020", "15762457"))).hexdigest()
    assert one(activity, prov + "startedAtTime") and one(activity, prov + "used") == file.value
    old = world.client.get("/api/submissions/DEU_STOCK-v1", params={"format": "nt"})
    assert old.status_code == 200 and "#Superseded>" in old.text


def test_wildcard_preconditions(world: World) -> None:
    """If-Match: * needs an existing dataset; If-None-Match: * creates one and refuses if it exists (RFC 9110 §13.1)."""
    missing = world.upload("DESTATIS", FIRST, headers={"If-Match": "*"})
    assert missing.status_code == 412 and "no version yet" in missing.json()["error"]["message"]
    created = world.upload("DESTATIS", FIRST, headers={"If-None-Match": "*"})
    assert created.status_code == 201 and created.json()["version"] == 1
    revised = world.upload("DESTATIS", _csv(row("DEU", "2020", "15800000")), headers={"If-Match": "*"})
    assert revised.status_code == 201 and revised.json()["version"] == 2
