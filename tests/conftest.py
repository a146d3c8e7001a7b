"""Shared fixtures: settings pointing at the repository's ontology and the shared publishers' files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.config import Settings
from api.services.registry import Registry, open_registry
from api.store.oxigraph_store import OxigraphStore

REPO = Path(__file__).resolve().parents[1]


def sources_dir() -> Path:
    """The publishers' files: MPR_SOURCES, else the shared data folder beside the repository."""
    return Path(os.environ.get("MPR_SOURCES", REPO.parent / "shared" / "data")).resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = sources_dir()
    if not path.is_dir():
        pytest.skip(f"the publishers' files are not at {path} (set MPR_SOURCES)")
    return path


def make_settings(data_dir: Path | None = None, **overrides: object) -> Settings:
    return Settings(base_iri="http://registry.test", data_dir=data_dir, sources_dir=sources_dir(), **overrides)  # type: ignore[arg-type]


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def registry(settings: Settings) -> Iterator[Registry]:
    reg = open_registry(settings, OxigraphStore(None))
    yield reg
    reg.close()
