"""Validators built from the repository's ontology/ and shapes/, and a way to read the example files."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest
from pyoxigraph import Triple

from api.formats.tabular.template import read_csv
from api.model.submission import ParsedFile
from api.validation.validator import Validator

REPO = Path(__file__).resolve().parents[2]
ONTOLOGY = REPO / "ontology"
SHAPES = REPO / "shapes"
EXAMPLES = REPO / "tests" / "examples"
BASE = "http://registry.test"


def read_turtle(path: Path) -> list[Triple]:
    return [Triple(q.subject, q.predicate, q.object)
            for q in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)]


def read_example(name: str) -> ParsedFile:
    return read_csv(EXAMPLES / name)


@pytest.fixture(scope="session")
def pyshacl_validator() -> Validator:
    return Validator(ONTOLOGY, SHAPES, engine="pyshacl")


@pytest.fixture(scope="session")
def sparql_validator() -> Validator:
    return Validator(ONTOLOGY, SHAPES, engine="sparql")
