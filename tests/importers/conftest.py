"""Fixtures shared by the importer tests: the publishers' files, an area index and a catalogue."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from api.importers.areas import AreaIndex
from api.model.catalogue import Catalogue
from api.services.catalogue import load_catalogue

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def sources_dir() -> Path:
    """The publishers' original files: MPR_SOURCES, else the shared data folder beside the repository."""
    path = Path(os.environ.get("MPR_SOURCES", REPO / ".." / "shared" / "data")).resolve()
    if not path.is_dir():
        pytest.skip(f"the publishers' files are not at {path} (set MPR_SOURCES)")
    return path


@pytest.fixture(scope="session")
def area_index() -> AreaIndex:
    """The registry's area code list (ontology/codes/areas.ttl)."""
    return AreaIndex.load(REPO / "ontology")


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The registry's indicator catalogue (ontology/indicators.ttl)."""
    return load_catalogue(REPO / "ontology")
