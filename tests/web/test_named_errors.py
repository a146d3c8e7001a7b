"""411 and 415 are named domain errors (api/errors.py), answered by the one handler in the one error shape."""

from __future__ import annotations

import gzip

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.exceptions import HTTPException

from api.errors import HttpError, LengthRequired, RegistryError, UnsupportedMediaType
from api.services.admin import agencies
from api.services.registry import Registry
from api.web.app import create_app
from tests.admin.agencies.conftest import add_all


@pytest.fixture
def app(registry: Registry) -> FastAPI:
    add_all(registry)
    app = create_app(registry)

    @app.post("/test/refuse/{status}")
    def refuse(status: int) -> None:
        raise HTTPException(status_code=status, detail=f"refused with {status}")

    return app


@pytest.mark.parametrize(("status", "code"), [(411, "length_required"), (415, "unsupported_media_type"),
                                              (405, "method_not_allowed"), (418, "http_error")])
def test_http_refusals_keep_their_names(app: FastAPI, status: int, code: str) -> None:
    answer = TestClient(app).post(f"/test/refuse/{status}")
    assert answer.status_code == status
    assert answer.json() == {"error": {"status": status, "code": code, "message": f"refused with {status}",
                                       "details": {}}}


def test_a_compressed_upload_is_unsupported_media_type(app: FastAPI, registry: Registry) -> None:
    token = agencies.create_token(agencies.credentials_for(registry), "DESTATIS").secret
    answer = TestClient(app).post("/api/submissions", params={"dataset": "DEU_STOCK", "source": "Census"},
                                  content=gzip.compress(b"REF_AREA\n"),
                                  headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv",
                                           "Content-Encoding": "gzip"})
    assert answer.status_code == 415
    assert answer.json()["error"]["code"] == "unsupported_media_type"


def test_the_named_errors_are_domain_errors() -> None:
    for error, status in ((LengthRequired("no length"), 411), (UnsupportedMediaType("zip"), 415)):
        assert isinstance(error, RegistryError) and not isinstance(error, HttpError)
        assert (error.status, error.sdmx_code) == (status, 140)
