"""A damaged, truncated, altered or foreign backup is refused with a clear message and the store is unchanged."""

from __future__ import annotations

import gzip
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.admin.backup.conftest import DataFolder, quads

runner = CliRunner()


def _lines_cut(text: str) -> str:  # cut at a line end: still valid N-Quads, but the end line is gone
    lines = text.splitlines(keepends=True)
    return "".join(lines[: len(lines) // 2])


def _mid_line(text: str) -> str:
    return text[: len(text) // 2]


def _altered(text: str) -> str:  # still valid N-Quads, one figure changed
    return text.replace('"15762457"', '"15762458"', 1)


def _bad_line(text: str) -> str:
    lines = text.splitlines(keepends=True)
    lines[3] = "<http://registry.test/x> <not an iri> .\n"
    return "".join(lines)


def _other_registry(text: str) -> str:
    return text.replace("base=http://registry.test ", "base=https://mpr.example.org ", 1)


@pytest.mark.parametrize(("damage", "expected"), [
    (_lines_cut, "ends without its '# mpr-backup end ...' line: it is truncated"),
    (_mid_line, "column"),
    (_altered, "was altered after it was written"),
    (_bad_line, "line 4 column"),
    (_other_registry, "Set MPR_BASE_IRI=https://mpr.example.org"),
    (lambda text: "REF_AREA,TIME_PERIOD\nDEU,2020\n", "is not a store backup"),
])
def test_damaged_backup_is_refused(folder: DataFolder, tmp_path: Path, damage: Callable[[str], str],
                                   expected: str) -> None:
    backup = tmp_path / "store.nq"
    assert runner.invoke(app, ["backup", str(backup)], env=folder.env).exit_code == 0
    before = quads(folder.store)
    backup.write_text(damage(backup.read_text(encoding="utf-8")), encoding="utf-8")
    result = runner.invoke(app, ["restore", str(backup), "--yes"], env=folder.env)
    message = " ".join(result.output.split())
    assert result.exit_code == 2 and expected in message, message
    assert str(backup) in message
    assert quads(folder.store) == before
    assert sorted(p.name for p in folder.data.iterdir()) == ["columns", "credentials.sqlite", "store"]


def test_truncated_gzip_is_refused(folder: DataFolder, tmp_path: Path) -> None:
    backup = tmp_path / "store.nq.gz"
    assert runner.invoke(app, ["backup", str(backup)], env=folder.env).exit_code == 0
    before = quads(folder.store)
    data = backup.read_bytes()
    assert gzip.decompress(data).startswith(b"# mpr-backup 1 ")
    backup.write_bytes(data[: len(data) * 2 // 3])
    result = runner.invoke(app, ["restore", str(backup), "--yes"], env=folder.env)
    message = " ".join(result.output.split())
    assert result.exit_code == 2 and "damaged or cut short" in message, message
    assert quads(folder.store) == before
    assert sorted(p.name for p in folder.data.iterdir()) == ["columns", "credentials.sqlite", "store"]


def test_foreign_credentials_are_refused(folder: DataFolder, tmp_path: Path) -> None:
    not_sqlite = tmp_path / "notes.sqlite"
    not_sqlite.write_text("not a database\n" * 100, encoding="utf-8")
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE token (id TEXT)")
    original = (folder.data / "credentials.sqlite").read_bytes()
    for path, expected in ((not_sqlite, "is not a credentials database"),
                           (other, "credentials schema version 0"),
                           (tmp_path / "missing.sqlite", "there is no credentials file")):
        result = runner.invoke(app, ["restore", "--credentials", str(path), "--yes"], env=folder.env)
        message = " ".join(result.output.split())
        assert result.exit_code == 2 and expected in message, message
    assert (folder.data / "credentials.sqlite").read_bytes() == original
