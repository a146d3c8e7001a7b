"""`mpr agency add|list` and `mpr token create|list|revoke` through the real command line."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.services.admin import agencies
from api.store.credentials import FILE_NAME
from tests.conftest import make_settings, sources_dir

runner = CliRunner()
TOKEN = re.compile(r"^mpr_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$", re.MULTILINE)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"MPR_DATA": str(tmp_path / "data"), "MPR_SOURCES": str(sources_dir()),
            "MPR_BASE_IRI": "http://registry.test", "COLUMNS": "200"}


def _add_destatis(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["agency", "add", "DESTATIS", "--name", "Federal Statistical Office",
                                 "--name", "Statistisches Bundesamt@de", "--kind", "nso", "--country", "DE",
                                 "--contact", "migration@destatis.de"], env=env)
    assert result.exit_code == 0, result.output
    assert "agency DESTATIS (national statistical office) added" in result.output
    assert "may write DEU" in result.output


def test_agency_add_and_list(env: dict[str, str]) -> None:
    _add_destatis(env)
    added = runner.invoke(app, ["agency", "add", "UNHCR", "--name", "UNHCR", "--kind", "international",
                                "--contact", "https://www.unhcr.org/"], env=env)
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["agency", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    lines = {line.split("│")[1].strip(): line for line in listed.stdout.splitlines() if line.count("│") > 3}
    assert set(lines) == {"DESTATIS", "UNHCR"}
    assert "Federal Statistical Office" in lines["DESTATIS"] and "migration@destatis.de" in lines["DESTATIS"]
    assert "any area" in lines["UNHCR"] and "international" in lines["UNHCR"]


@pytest.mark.parametrize(("args", "says"), [
    (["--kind", "nso", "--country", "Germany"], "--country 'Germany' is not a code of the area code list"),
    (["--kind", "nso", "--country", "DEU", "--area", "XYZ"], "--area 'XYZ' is not a code"),
    (["--kind", "nso"], "add --country"),
    (["--kind", "international", "--area", "DEU"], "leave out --area"),
])
def test_agency_add_explains_bad_input(env: dict[str, str], args: list[str], says: str) -> None:
    result = runner.invoke(app, ["agency", "add", "BAD", "--name", "Bad", *args], env=env)
    assert result.exit_code == 2
    assert says in " ".join(result.output.split())


def test_agency_add_refuses_an_unknown_kind(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["agency", "add", "X", "--name", "X", "--kind", "university"], env=env)
    assert result.exit_code == 2 and "university" in result.output


def test_agency_add_twice_needs_replace(env: dict[str, str]) -> None:
    _add_destatis(env)
    again = runner.invoke(app, ["agency", "add", "DESTATIS", "--name", "Destatis", "--kind", "nso",
                                "--country", "DEU"], env=env)
    assert again.exit_code == 2 and "--replace" in again.output
    replaced = runner.invoke(app, ["agency", "add", "DESTATIS", "--name", "Destatis", "--kind", "nso",
                                   "--country", "DEU", "--area", "DEU", "--area", "AUT", "--replace"], env=env)
    assert replaced.exit_code == 0, replaced.output
    assert "may write AUT, DEU" in replaced.output


def test_token_create_prints_it_once_and_list_never_shows_it(env: dict[str, str], tmp_path: Path) -> None:
    _add_destatis(env)
    created = runner.invoke(app, ["token", "create", "DESTATIS", "--label", "upload robot"], env=env)
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    assert TOKEN.fullmatch(token), created.stdout
    assert "not shown again" in " ".join(created.stderr.split())
    listed = runner.invoke(app, ["token", "list", "DESTATIS"], env=env)
    assert listed.exit_code == 0, listed.output
    token_id = token.split("_")[1]
    assert token_id in listed.stdout and "upload robot" in listed.stdout
    assert token not in listed.output and token.split("_", 2)[2] not in listed.output
    with sqlite3.connect(tmp_path / "data" / FILE_NAME) as db:
        (digest,) = db.execute("SELECT hash FROM token").fetchone()
    assert digest not in listed.output
    credentials = agencies.open_credentials(make_settings(tmp_path / "data"))
    try:
        assert agencies.verify_token(credentials, token).agency_id == "DESTATIS"
    finally:
        credentials.close()


def test_token_revoke(env: dict[str, str], tmp_path: Path) -> None:
    _add_destatis(env)
    token = runner.invoke(app, ["token", "create", "DESTATIS"], env=env).stdout.strip()
    token_id = token.split("_")[1]
    revoked = runner.invoke(app, ["token", "revoke", token_id], env=env)
    assert revoked.exit_code == 0, revoked.output
    assert f"token {token_id} of DESTATIS revoked" in revoked.output
    listed = runner.invoke(app, ["token", "list", "DESTATIS"], env=env)
    assert "UTC" in listed.stdout.split(token_id, 1)[1].splitlines()[0].split("│", 3)[-1]
    unknown = runner.invoke(app, ["token", "revoke", "0123456789ab"], env=env)
    assert unknown.exit_code == 2 and "no token 0123456789ab" in unknown.output


def test_token_commands_name_unknown_agencies(env: dict[str, str]) -> None:
    for args in (["token", "create", "NOPE"], ["token", "list", "NOPE"]):
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 2
        assert "there is no agency 'NOPE'" in result.output and "mpr agency add" in result.output
