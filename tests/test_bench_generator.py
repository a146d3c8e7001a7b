"""bench/generate.py: deterministic, the template's header, the requested count, clean unless errors are asked."""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from api.formats.tabular.template import read_csv, template_header
from api.services.catalogue import load_catalogue

REPO = Path(__file__).resolve().parents[1]
ONTOLOGY = REPO / "ontology"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


@pytest.fixture(scope="module")
def universe() -> Any:
    return gen.load_universe(ONTOLOGY)


def _write(tmp_path: Path, universe: Any, name: str, n: int, seed: int = 1, errors: float = 0.0) -> Path:
    path = tmp_path / name
    gen.generate(path, n, seed=seed, errors=errors, universe=universe)
    return path


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path, universe: Any) -> None:
    a = _write(tmp_path, universe, "a.csv", 400, seed=7, errors=0.05)
    b = _write(tmp_path, universe, "b.csv", 400, seed=7, errors=0.05)
    c = _write(tmp_path, universe, "c.csv", 400, seed=8, errors=0.05)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_header_and_count(tmp_path: Path, universe: Any) -> None:
    rows = _rows(_write(tmp_path, universe, "n.csv", 1234))
    assert rows[0] == template_header()
    assert len(rows) == 1 + 1234
    assert {tuple(r[:3]) for r in rows[1:]} == {("dataflow", "MPR:MIGRATION_PROFILE(1.0)", "I")}
    meta = json.loads((tmp_path / "n.csv.meta.json").read_text(encoding="utf-8"))
    assert meta["rows"] == 1234 and sum(meta["errors"].values()) == 0


def test_clean_file_parses_without_problems_and_follows_the_catalogue(tmp_path: Path, universe: Any) -> None:
    parsed = read_csv(_write(tmp_path, universe, "clean.csv", 3000))
    assert parsed.problems == ()
    assert len(parsed.records) == 3000
    catalogue = load_catalogue(ONTOLOGY)
    keys: set[tuple[str, ...]] = set()
    sexes: dict[tuple[str, ...], dict[str, Decimal]] = defaultdict(dict)
    for record in parsed.records:
        c = record.cells
        indicator = catalogue.get(c["INDICATOR"])
        assert indicator is not None
        assert c["UNIT_MEASURE"] == indicator.unit and c["CONF_STATUS"] == "F"
        value = Decimal(c["OBS_VALUE"])
        if indicator.min_value is not None:
            assert value >= indicator.min_value, c
        if indicator.max_value is not None:
            assert value <= indicator.max_value, c
        for dim in ("COUNTERPART_AREA", "SEX", "AGE", "MIGRATION_STATUS"):
            assert (c[dim] == "_Z") == (dim not in indicator.breakdowns), (dim, c)
        key = tuple(c[d] for d in ("REF_AREA", "INDICATOR", "COUNTERPART_AREA", "SEX", "AGE", "MIGRATION_STATUS",
                                   "TIME_PERIOD"))
        assert key not in keys
        keys.add(key)
        if indicator.is_count and "SEX" in indicator.breakdowns:
            sexes[key[:3] + key[4:]][c["SEX"]] = value
    complete = [v for v in sexes.values() if len(v) == 3]
    assert complete, "the sample has no count broken down by sex"
    assert all(v["_T"] == v["F"] + v["M"] for v in complete)
    assert all(1990 <= int(k[-1]) <= 2024 for k in keys)


def test_errors_change_rows_but_not_the_count(tmp_path: Path, universe: Any) -> None:
    clean = _rows(_write(tmp_path, universe, "clean.csv", 2000))
    dirty = _rows(_write(tmp_path, universe, "dirty.csv", 2000, errors=0.2))
    assert len(dirty) == len(clean)
    changed = sum(a != b for a, b in zip(clean, dirty, strict=True))
    assert 200 < changed < 800
    meta = json.loads((tmp_path / "dirty.csv.meta.json").read_text(encoding="utf-8"))
    events, small = sum(meta["errors"].values()), meta["errors"]["small_count_not_confidential"]
    assert events <= changed <= events + small  # a small F count also moves its _T so that _T = F + M holds
    seeded = {k for k, v in meta["errors"].items() if v}
    assert {"out_of_range", "unknown_code", "duplicate_key", "wrong_unit", "missing_conf_status"} <= seeded


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli.csv"
    assert gen.main(["--observations", "50", "--out", str(out), "--seed", "3", "--ontology", str(ONTOLOGY)]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 50
    assert len(_rows(out)) == 51


def test_clean_file_conforms_and_each_seeded_error_is_found(tmp_path: Path, universe: Any) -> None:
    from api.config import Settings
    from api.validation.validator import Validator

    validator = Validator.from_settings(Settings(ontology_dir=ONTOLOGY, shacl_engine="sparql"))
    clean = validator.validate(read_csv(_write(tmp_path, universe, "clean.csv", 1500)))
    assert clean.conforms, clean.to_text(limit=5)
    dirty = validator.validate(read_csv(_write(tmp_path, universe, "dirty.csv", 1500, errors=0.05)))
    meta = json.loads((tmp_path / "dirty.csv.meta.json").read_text(encoding="utf-8"))
    rules = {p.rule for p in dirty.results}
    expected = {"unknown_code": "code-list", "duplicate_key": "duplicate-key", "wrong_unit": "indicator-unit",
                "missing_conf_status": "cardinality", "out_of_range": "range", "sex_total_mismatch": "sex-total",
                "small_count_not_confidential": "disclosure"}
    for kind, rule in expected.items():
        if meta["errors"][kind]:
            assert rule in rules, (kind, rules)
