"""`mpr backup` / `mpr restore` on a SPARQL server: the same checked N-Quads file as for the embedded store."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.errors import InputFileError, RegistryError
from api.services.admin import backup, backup_remote
from api.services.registry import open_registry
from tests.conftest import emptied, engine_settings
from tests.engines import Engine
from tests.read.conftest import _submit, row
from tests.services.samples import write

pytestmark = pytest.mark.server


def _content(settings: object) -> dict[str, int]:
    registry = open_registry(settings, maintain=False)  # type: ignore[arg-type]
    try:
        return {g: len(registry.store.graph_triples(g)) for g in registry.store.list_graphs()}
    finally:
        registry.close()


def test_backup_and_restore_round_trip_on_the_server(oxigraph_engine: Engine, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backup_remote, "RESTORE_PART", 7)  # every graph goes in several parts, and arrives whole
    settings = engine_settings(emptied(oxigraph_engine), tmp_path / "data")
    registry = open_registry(settings)
    _submit(registry, write(tmp_path / "deu.csv", row("DEU", "2020", "15762457")), "NSO_DEU_STOCK", "DESTATIS",
            "foreign-born")
    registry.close()
    before = _content(settings)
    assert any(g.endswith("/NSO_DEU_STOCK-v1") for g in before)

    copy = backup.backup_store(settings, tmp_path / "registry.nq.gz")
    assert (copy.graphs, copy.quads) == (len(before), sum(before.values()))

    with pytest.raises(RegistryError, match="--yes"):
        backup.restore(settings, copy.path, None)
    truncated = tmp_path / "cut.nq"
    (tmp_path / "plain.nq").write_bytes(b"")
    plain = backup.backup_store(settings, tmp_path / "plain.nq")
    truncated.write_bytes(plain.path.read_bytes()[:-200])
    with pytest.raises(InputFileError):
        backup.restore(settings, truncated, None, replace=True)
    assert _content(settings) == before  # a damaged file changes nothing

    emptied(oxigraph_engine, everything=True)
    assert _content(settings) == {}
    restored, _ = backup.restore(settings, copy.path, None)
    assert restored is not None and restored.quads == copy.quads
    assert _content(settings) == before
    assert not list((tmp_path / "data").glob("restore-check-*"))  # the checked copy on disk is gone
