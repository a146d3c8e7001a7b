"""`mpr backup` then `mpr restore` give back every quad (restricted and embargoed graphs too) and every token."""

from __future__ import annotations

import hashlib
import shutil
import stat
from pathlib import Path

from pyoxigraph import Literal, Quad
from typer.testing import CliRunner

from api.cli import app
from api.services.admin import agencies
from tests.admin.backup.conftest import EMBARGOED_VALUE, SECRET_VALUE, DataFolder, mpr, quads, submit
from tests.services.samples import stock_row, write

runner = CliRunner()


def _literals(found: set[Quad]) -> set[str]:
    return {q.object.value for q in found if isinstance(q.object, Literal)}


def test_round_trip_through_the_command_line(folder: DataFolder, tmp_path: Path) -> None:
    before = quads(folder.store)
    assert {SECRET_VALUE, EMBARGOED_VALUE} <= _literals(before)
    restricted = {q.graph_name.value for q in before if q.object.value == SECRET_VALUE}
    assert restricted == {"http://registry.test/id/submission/NSO_DEU_STOCK-v1/restricted"}
    backup, creds = tmp_path / "store.nq.gz", tmp_path / "credentials.sqlite"

    made = mpr(folder.env, "backup", str(backup), "--credentials", str(creds))
    assert made.returncode == 0, made.stderr
    assert f"{len(before):,} quads" in made.stderr
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600 and stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left
    printed = made.stdout + made.stderr
    assert folder.token not in printed and hashlib.sha256(folder.token.encode()).hexdigest() not in printed

    shutil.rmtree(folder.data)  # the machine is lost
    restored = mpr(folder.env, "restore", str(backup), "--credentials", str(creds))
    assert restored.returncode == 0, restored.stderr
    assert quads(folder.store) == before
    assert stat.S_IMODE((folder.data / "credentials.sqlite").stat().st_mode) == 0o600
    credentials = agencies.open_credentials(folder.settings)
    try:
        principal = agencies.verify_token(credentials, folder.token)
    finally:
        credentials.close()
    assert principal.agency_id == "DESTATIS"


def test_uncompressed_backup_round_trips(folder: DataFolder, tmp_path: Path) -> None:
    before = quads(folder.store)
    backup = tmp_path / "store.nq"
    assert runner.invoke(app, ["backup", str(backup)], env=folder.env).exit_code == 0
    lines = backup.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# mpr-backup 1 base=http://registry.test ")
    assert lines[-1].startswith(f"# mpr-backup end quads={len(before)} ")
    shutil.rmtree(folder.store)
    result = runner.invoke(app, ["restore", str(backup)], env=folder.env)
    assert result.exit_code == 0, result.output
    assert quads(folder.store) == before


def test_restore_over_data_needs_yes_and_keeps_the_old_store(folder: DataFolder, tmp_path: Path) -> None:
    from api.services.registry import open_registry

    before = quads(folder.store)
    backup = tmp_path / "store.nq.gz"
    assert runner.invoke(app, ["backup", str(backup)], env=folder.env).exit_code == 0
    registry = open_registry(folder.settings)
    try:
        submit(registry, write(tmp_path / "ita.csv", stock_row("ITA", "2020", "6386998")), "NSO_ITA_STOCK")
    finally:
        registry.close()
    changed = quads(folder.store)
    assert changed != before

    refused = runner.invoke(app, ["restore", str(backup)], env=folder.env)
    assert refused.exit_code == 2 and "--yes" in refused.output
    assert quads(folder.store) == changed

    replaced = runner.invoke(app, ["restore", str(backup), "--yes"], env=folder.env)
    assert replaced.exit_code == 0, replaced.output
    assert quads(folder.store) == before
    kept = [p for p in folder.data.iterdir() if p.name.startswith("store.before-restore-")]
    assert len(kept) == 1 and quads(kept[0]) == changed
    assert not [p for p in folder.data.iterdir() if p.name.startswith("store.restoring-")]


def test_credentials_alone(folder: DataFolder, tmp_path: Path) -> None:
    creds = tmp_path / "credentials.sqlite"
    assert runner.invoke(app, ["backup", "--credentials", str(creds)], env=folder.env).exit_code == 0
    credentials = agencies.open_credentials(folder.settings)
    try:
        revoked = agencies.revoke_token(credentials, folder.token)
    finally:
        credentials.close()
    assert revoked.revoked is not None
    refused = runner.invoke(app, ["restore", "--credentials", str(creds)], env=folder.env)
    assert refused.exit_code == 2 and "--yes" in refused.output
    result = runner.invoke(app, ["restore", "--credentials", str(creds), "--yes"], env=folder.env)
    assert result.exit_code == 0, result.output
    assert "3 agencies and 1 tokens" in result.output
    credentials = agencies.open_credentials(folder.settings)
    try:
        assert agencies.verify_token(credentials, folder.token).agency_id == "DESTATIS"  # not revoked any more
    finally:
        credentials.close()


def test_nothing_to_do(folder: DataFolder) -> None:
    for command in ("backup", "restore"):
        result = runner.invoke(app, [command], env=folder.env)
        assert result.exit_code == 2 and "nothing to" in result.output
    memory = runner.invoke(app, ["backup", "x.nq"], env={**folder.env, "MPR_DATA": ":memory:"})
    assert memory.exit_code == 2 and "in-memory" in memory.output
