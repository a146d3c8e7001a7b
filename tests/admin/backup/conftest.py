"""A data folder worth backing up: agencies with a token, a submission with a confidential observation and an
embargoed one, built once and copied for each test (the tests replace and damage it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pyoxigraph import Quad, Store

from api.config import Settings
from api.model.submission import SubmissionMetadata
from api.services.admin import agencies
from api.services.registry import Registry, open_registry
from api.services.submissions import ingest
from tests.admin.agencies.conftest import add_all
from tests.conftest import REPO, make_settings, sources_dir
from tests.services.samples import stock_row, valid_rows, write

SECRET_VALUE = "31337"  # CONF_STATUS C: only in the restricted graph
EMBARGOED_VALUE = "424242"  # released a year from now


@dataclass(frozen=True)
class DataFolder:
    settings: Settings
    env: dict[str, str]
    token: str  # a token created before the backup

    @property
    def data(self) -> Path:
        assert self.settings.data_dir is not None
        return self.settings.data_dir

    @property
    def store(self) -> Path:
        return self.data / "store"


def submit(registry: Registry, path: Path, dataset: str, release: datetime | None = None) -> None:
    meta = SubmissionMetadata(dataset_id=dataset, agency_id="DESTATIS", title=dataset, sources=("census",),
                              release=release)
    ingest.submit(registry, ingest.read_file(registry, path), meta)


def quads(store_path: Path) -> set[Quad]:
    """Every quad of a closed on-disk store (default graph and all named graphs)."""
    store = Store.read_only(str(store_path))
    try:
        return set(store)
    finally:
        del store


def mpr(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The real command line in a child process."""
    return subprocess.run([sys.executable, "-m", "api.cli", *args], env={**os.environ, **env}, cwd=REPO,
                          capture_output=True, text=True, timeout=300, check=False)


def env_for(data: Path) -> dict[str, str]:
    return {"MPR_DATA": str(data), "MPR_BASE_IRI": "http://registry.test", "MPR_SOURCES": str(sources_dir()),
            "COLUMNS": "200"}


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("backup-world")
    settings = make_settings(root / "data")
    registry = open_registry(settings)
    try:
        add_all(registry)
        submit(registry, write(root / "deu.csv", *valid_rows(), stock_row("AND", "2020", SECRET_VALUE, conf="C")),
               "NSO_DEU_STOCK")
        submit(registry, write(root / "prt.csv", stock_row("PRT", "2020", EMBARGOED_VALUE)), "NSO_PRT_STOCK",
               release=datetime.now(UTC) + timedelta(days=365))
        credentials = agencies.credentials_for(registry)
        token = agencies.create_token(credentials, "DESTATIS", label="before the backup").secret
        credentials.close()
    finally:
        registry.close()
    return root / "data", token


@pytest.fixture
def folder(built: tuple[Path, str], tmp_path: Path) -> DataFolder:
    source, token = built
    data = tmp_path / "data"
    shutil.copytree(source, data)
    return DataFolder(make_settings(data), env_for(data), token)
