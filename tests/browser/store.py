"""A small store for the browser tests: two real datasets (UN Statistical Yearbook, World Bank WDI net migration)
and an agency with a token, built once per session into a temporary folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from api.config import Settings
from api.services import build
from api.services.registry import open_registry
from tests.conftest import REPO, make_settings

DATASETS = ("UNSD_SYB65_MIGRANTS_REFUGEES", "WB_WDI_SM_POP_NETM")


def build_store(root: Path, sources: Path) -> tuple[Settings, dict[str, str], str]:
    """(settings, the server's environment, a token of the national office DESTATIS for DEU)."""
    datasets = root / "datasets"
    for name in DATASETS:
        shutil.copytree(REPO / "datasets" / name, datasets / name)
    settings = replace(make_settings(root / "data"), datasets_dir=datasets)
    registry = open_registry(settings)
    try:
        outcomes = build.build(registry)
    finally:
        registry.close()
    assert [o.status for o in outcomes] == ["loaded"] * len(DATASETS), outcomes
    env = {"MPR_DATA": str(root / "data"), "MPR_BASE_IRI": settings.base_iri, "MPR_SOURCES": str(sources)}

    def mpr(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "api.cli", *args], env={**os.environ, **env}, cwd=REPO,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    mpr("agency", "add", "DESTATIS", "--name", "Federal Statistical Office", "--kind", "nso", "--country", "DEU")
    return settings, env, mpr("token", "create", "DESTATIS", "--label", "browser tests")
