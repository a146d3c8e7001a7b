"""Formats as plugins: a media type that names one format is written at most once in the code (its declaration;
others derive it), and so is the Cache-Control of cached answers."""

from __future__ import annotations

import ast
from collections import Counter
from functools import cache
from pathlib import Path

from api.formats.html import HTML
from api.formats.rdf.sparql_results import RESULT_OFFERS
from api.formats.rdf.writer import RDF_OFFERS
from api.formats.sdmx.negotiation import FORMATS as SDMX_FORMATS
from api.formats.spec import FormatSpec
from api.formats.submission_input import READERS
from api.formats.tabular.csv_writer import CSV
from api.formats.tabular.json_writer import JSON
from api.web.cached import CACHE_CONTROL

API = Path(__file__).resolve().parents[2] / "api"
SPECS: tuple[FormatSpec, ...] = (*SDMX_FORMATS, *RDF_OFFERS, *RESULT_OFFERS, JSON, CSV, HTML,
                                 *(r.format for r in READERS))


@cache
def _constants() -> dict[str, frozenset[str]]:
    """Every string constant of the modules of ``api`` (docstrings aside) -> the modules that hold it."""
    found: dict[str, set[str]] = {}
    for path in sorted(API.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                      and node.body and isinstance(node.body[0], ast.Expr)
                      and isinstance(node.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                found.setdefault(node.value, set()).add(str(path.relative_to(API)))
    return {text: frozenset(modules) for text, modules in found.items()}


def _modules_with(text: str) -> list[str]:
    return sorted(_constants().get(text, ()))


def test_a_media_type_of_one_format_is_written_once() -> None:
    declared = Counter(t for spec in SPECS for t in dict.fromkeys((spec.media_type, *spec.aliases)))
    own = sorted(t for t, n in declared.items() if n == 1)
    assert len(own) >= 15  # every SDMX, RDF and SPARQL-results type, HTML, the upload aliases
    repeated = {t: where for t in own if len(where := _modules_with(t)) > 1}
    assert not repeated, f"written again (derive it from the format's declaration instead): {repeated}"


def test_the_cache_control_of_cached_answers_is_written_once() -> None:
    assert _modules_with(CACHE_CONTROL) == ["web/cached.py"]


def test_ids_are_unique_within_each_family() -> None:
    for family in (SDMX_FORMATS, RDF_OFFERS, RESULT_OFFERS, tuple(r.format for r in READERS)):
        ids = [f.id for f in family]
        assert len(ids) == len(set(ids)), ids
