"""``/api/whoami`` over a real HTTP server (uvicorn in a subprocess), and tokens kept out of its logs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from api.services.admin import agencies
from api.services.registry import open_registry
from tests.admin.agencies.conftest import add_all
from tests.conftest import make_settings, sources_dir
from tests.live_server import serving

pytestmark = pytest.mark.server


@dataclass(frozen=True)
class Server:
    url: str
    data: Path
    log: Path
    tokens: dict[str, str]

    @property
    def env(self) -> dict[str, str]:
        return {"MPR_DATA": str(self.data), "MPR_BASE_IRI": "http://registry.test", "MPR_SOURCES": str(sources_dir())}




@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("agencies-live")
    settings = make_settings(root / "data")
    registry = open_registry(settings)
    try:
        add_all(registry)
        credentials = agencies.credentials_for(registry)
        tokens = {a: agencies.create_token(credentials, a, label="live").secret for a in ("DESTATIS", "UNHCR")}
        tokens["REVOKE_ME"] = agencies.create_token(credentials, "DESTATIS", label="to revoke").secret
        credentials.close()
    finally:
        registry.close()
    log = root / "server.log"
    with serving({"MPR_DATA": str(root / "data"), "MPR_BASE_IRI": settings.base_iri,
                  "MPR_SOURCES": str(sources_dir())}, log=log) as url:
        yield Server(url, root / "data", log, tokens)


def _whoami(server: Server, token: str | None) -> httpx.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return httpx.get(server.url + "/api/whoami", headers=headers, timeout=10)


def test_whoami_over_http(server: Server) -> None:
    response = _whoami(server, server.tokens["DESTATIS"])
    assert response.status_code == 200, response.text
    assert response.json()["agency"] == "DESTATIS" and response.json()["areas"] == ["DEU"]
    assert _whoami(server, server.tokens["UNHCR"]).json()["any_area"] is True


def test_401_over_http(server: Server) -> None:
    missing = _whoami(server, None)
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == 'Bearer realm="mpr"'
    assert "needs a token" in missing.json()["error"]["message"]
    unknown = _whoami(server, "mpr_0123456789ab_" + "A" * 43)
    assert unknown.status_code == 401 and 'error="invalid_token"' in unknown.headers["www-authenticate"]


def test_a_token_revoked_by_the_cli_fails_at_once_on_the_running_server(server: Server) -> None:
    token = server.tokens["REVOKE_ME"]
    assert _whoami(server, token).status_code == 200
    result = CliRunner().invoke(cli, ["token", "revoke", token.split("_")[1]], env=server.env)
    assert result.exit_code == 0, result.output
    response = _whoami(server, token)
    assert response.status_code == 401 and "was revoked" in response.json()["error"]["message"]


def test_tokens_never_reach_the_server_log(server: Server) -> None:
    for token in server.tokens.values():
        _whoami(server, token)
    time.sleep(0.3)
    log = server.log.read_text(errors="replace")
    assert "/api/whoami" in log  # the access log is there ...
    for token in server.tokens.values():
        assert token not in log and token.split("_", 2)[2] not in log  # ... without any token


def test_tokens_put_in_urls_are_redacted_in_the_server_log(server: Server) -> None:
    """A client that puts its token in a query string or a path gets 401/404, and the log keeps only its id."""
    token = server.tokens["UNHCR"]
    in_query = httpx.get(server.url + "/api/whoami", params={"access_token": token}, timeout=10)
    assert in_query.status_code == 401  # tokens are read from the header only
    httpx.get(server.url + f"/api/submissions/{token}", timeout=10)
    httpx.get(server.url + "/api/observations", params={"token": "not-a-registry-token-but-secret"}, timeout=10)
    time.sleep(0.3)
    log = server.log.read_text(errors="replace")
    assert "/api/submissions/mpr_" in log and "access_token=[redacted]" in log
    assert token not in log and token.split("_", 2)[2] not in log
    assert "not-a-registry-token-but-secret" not in log
