"""A registry for the read API tests: two real World Bank WDI files, small national submissions that
exercise comparability (definitions, unit multipliers, estimates, old periods), a confidential
observation and an embargoed submission (the leak suite's secrets), served in process."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.config import Settings
from api.model.submission import SubmissionMetadata
from api.services import build
from api.services.registry import Registry
from api.services.submissions import ingest
from api.web.app import create_app
from tests.conftest import REPO, WorldEngines, make_settings, on_engine, open_world
from tests.engines import Engine
from tests.services.samples import write

WDI_DATASETS = ("WB_WDI_SM_POP_NETM", "WB_WDI_SP_POP_TOTL")
PREFIX = "dataflow,MPR:MIGRATION_PROFILE(1.0),I,"
SECRET_VALUE = "31337"  # the confidential observation (AND, STK_IMM 2020, CONF_STATUS C)
EMBARGOED_VALUE = "424242"  # the embargoed submission (PRT, STK_IMM 2020)
EMBARGOED_DATASET = "NSO_PRT_STOCK"
FORMULA = '=HYPERLINK("http://example.org/x","click")'  # refused in uploads; exports defuse it all the same
COMMENT = 'Census, "register-based"; revised'


def row(area: str, year: str, value: str, *, indicator: str = "STK_IMM", sex: str = "_T", unit: str = "PS",
        mult: str = "0", status: str = "A", conf: str = "F", comment: str = "") -> str:
    comment_cell = '"' + comment.replace('"', '""') + '"' if comment else ""
    return f"{PREFIX}A,{area},{indicator},_T,{sex},_T,_Z,{year},{value},{unit},{mult},{status},{conf},,{comment_cell},"


@dataclass(frozen=True)
class ApiWorld:
    settings: Settings
    registry: Registry
    client: TestClient


def _submit(registry: Registry, path: Path, dataset: str, agency: str, basis: str | None,
            release: datetime | None = None) -> None:
    meta = SubmissionMetadata(dataset_id=dataset, agency_id=agency, title=f"{dataset} (national submission)",
                              sources=(f"{agency} census",), definition_basis=basis, release=release)
    ingest.submit(registry, ingest.read_file(registry, path), meta)


@pytest.fixture(scope="session")
def api_world(tmp_path_factory: pytest.TempPathFactory, shared_data: Path, world_engines: WorldEngines
              ) -> Iterator[ApiWorld]:
    with world_engines.world() as engine:
        yield from _api_world(tmp_path_factory.mktemp("api"), shared_data, engine)


def _api_world(root: Path, shared_data: Path, engine: Engine | None) -> Iterator[ApiWorld]:
    datasets = root / "datasets"
    for name in WDI_DATASETS:
        shutil.copytree(REPO / "datasets" / name, datasets / name)
    settings = on_engine(replace(make_settings(root / "data"), datasets_dir=datasets, sources_dir=shared_data),
                         engine)
    registry = open_world(settings, engine)
    outcomes = build.build(registry)
    assert [o.status for o in outcomes] == ["loaded"] * len(WDI_DATASETS), outcomes
    _submit(registry, write(root / "deu.csv",
                            row("DEU", "2019", "15000000"), row("DEU", "2020", "15762457", comment=COMMENT),
                            row("DEU", "2020", "7900000", sex="F"), row("DEU", "2020", "7862457", sex="M"),
                            row("AND", "2020", SECRET_VALUE, conf="C")),
            "NSO_DEU_STOCK", "DESTATIS", "foreign-born")
    _submit(registry, write(root / "fra.csv", row("FRA", "2016", "8.5", mult="6", status="E"),
                            row("ITA", "2020", "6386998")),
            "NSO_FRA_STOCK", "INSEE", "foreign citizens")
    _submit(registry, write(root / "prt.csv", row("PRT", "2020", EMBARGOED_VALUE)), EMBARGOED_DATASET, "INE",
            "foreign-born", release=datetime.now(UTC) + timedelta(days=365))
    try:
        yield ApiWorld(settings, registry, TestClient(create_app(registry)))
    finally:
        registry.close()


@pytest.fixture
def client(api_world: ApiWorld) -> TestClient:
    return api_world.client


def wdi_cells(shared_data: Path, file_name: str, area: str) -> dict[str, str]:
    """year -> the cell as written in a World Bank WDI CSV (the rows start after four metadata lines)."""
    import csv

    with (shared_data / "worldbank-wdi" / file_name).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header = next(r for r in rows if r[:2] == ["Country Name", "Country Code"])
    found = next(r for r in rows if len(r) > 1 and r[1] == area)
    return {year: cell for year, cell in zip(header[4:], found[4:], strict=False) if year and cell}
