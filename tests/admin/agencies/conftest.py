"""Fixtures for agencies and tokens: a registry with one agency of each kind, on disk or in memory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.model.agency import AgencyKind
from api.services.admin import agencies
from api.services.admin.agencies import AgencyRequest
from api.services.registry import Registry, open_registry
from api.store.credentials import CredentialStore
from tests.conftest import make_settings

NSO = AgencyRequest("DESTATIS", ("Federal Statistical Office", "Statistisches Bundesamt@de"), AgencyKind.NSO,
                    country="DEU", contact="migration@destatis.de")
INTERNATIONAL = AgencyRequest("UNHCR", ("Office of the UN High Commissioner for Refugees",), AgencyKind.INTERNATIONAL,
                              contact="https://www.unhcr.org/")
OPERATOR = AgencyRequest("MPR_ADMIN", ("Registry operator",), AgencyKind.ADMIN)


def add_all(registry: Registry) -> None:
    for request in (NSO, INTERNATIONAL, OPERATOR):
        agencies.add_agency(registry, request)


@pytest.fixture
def agency_registry(registry: Registry) -> Registry:
    """The in-memory registry (in-memory credentials too) with DESTATIS, UNHCR and MPR_ADMIN."""
    add_all(registry)
    return registry


@pytest.fixture
def credentials(agency_registry: Registry) -> CredentialStore:
    return agencies.credentials_for(agency_registry)


@pytest.fixture
def disk_registry(tmp_path: Path) -> Iterator[Registry]:
    """A registry on disk: the credentials are the file ``credentials.sqlite`` in the data folder."""
    registry = open_registry(make_settings(tmp_path / "data"))
    add_all(registry)
    yield registry
    agencies.credentials_for(registry).close()
    registry.close()
