"""Backup beside a running `mpr serve` works (and holds what the server just wrote); restore beside it is
refused and changes nothing."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx
import pytest
from pyoxigraph import RdfFormat, parse

from tests.admin.backup.conftest import DataFolder, mpr, quads
from tests.live_server import serving
from tests.services.samples import HEADER, stock_row

pytestmark = pytest.mark.server


def test_backup_while_serving_restore_refused(folder: DataFolder, tmp_path: Path) -> None:
    backup, creds = tmp_path / "store.nq.gz", tmp_path / "credentials.sqlite"
    with serving(folder.env) as url:
        upload = httpx.post(url + "/api/submissions", params={"dataset": "DEU_UPLOAD", "source": "Census"},
                            content=f"{HEADER}\n{stock_row('DEU', '2021', '16123456')}\n",
                            headers={"Authorization": f"Bearer {folder.token}", "Content-Type": "text/csv"},
                            timeout=60)
        assert upload.status_code == 201, upload.text
        made = mpr(folder.env, "backup", str(backup), "--credentials", str(creds))
        assert made.returncode == 0, made.stderr
        refused = mpr(folder.env, "restore", str(backup), "--credentials", str(creds), "--yes")
        assert refused.returncode == 2
        message = " ".join(refused.stderr.split())
        assert "in use by another process" in message and "stop it first" in message, message
        assert "Nothing was changed" in message
        alone = mpr(folder.env, "restore", "--credentials", str(creds), "--yes")
        assert alone.returncode == 2 and "mpr serve" in alone.stderr
        assert httpx.get(url + "/health", timeout=10).status_code == 200
    after = quads(folder.store)
    with gzip.open(backup, "rb") as handle:
        saved = set(parse(handle, format=RdfFormat.N_QUADS))
    assert "16123456" in {q.object.value for q in saved}  # the upload the server had just written
    assert saved == after
    assert sorted(p.name for p in folder.data.iterdir()) == ["columns", "credentials.sqlite", "store"]
