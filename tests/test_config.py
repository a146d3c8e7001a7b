"""The settings table (api/config.py): every variable read, checked and documented from one place.

A bad value is an error at start-up naming the variable, the value and what is allowed: ``Settings.from_env``
raises it, and ``mpr serve`` and every other command print it and exit 2 (never a traceback).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from api.cli import app
from api.config import Rule, Settings, rules, settings_table, shown_default
from api.errors import BadSetting
from tests.conftest import REPO

VARIABLES = [rule.variable for _, rule in rules() if rule.variable is not None]


def _readme_settings() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    _, _, rest = text.partition("<!-- settings: written from api/config.py by scripts/readme_settings.py -->\n")
    block, end, _ = rest.partition("<!-- /settings -->")
    assert end, "README.md has lost its settings section"
    return block


def test_the_readme_lists_every_setting() -> None:
    block = _readme_settings()
    listed = [line.split("`")[1] for line in block.splitlines() if line.startswith("| `")]
    assert listed == VARIABLES
    assert block == settings_table(), "the README is out of date: run scripts/readme_settings.py"


def test_every_field_is_a_row_of_the_table() -> None:
    fixed = [f.name for f, rule in rules() if rule.variable is None]
    assert fixed == ["ontology_dir", "shapes_dir", "datasets_dir"]  # the project's own folders, not settings
    assert len(set(VARIABLES)) == len(VARIABLES)
    assert all(v == "MPR_" + v[4:].upper() and v[4:] for v in VARIABLES)


def test_the_defaults_are_allowed_values_and_read_back() -> None:
    defaults = Settings()
    assert Settings.from_env({}) == defaults
    for f, rule in rules():
        if rule.variable is not None:
            assert rule.read(shown_default(f.default), f.default) == getattr(defaults, f.name), rule.variable


def _other_value(rule: Rule, default: object) -> tuple[str, object]:
    """A valid value other than the default, as written in the variable and as read."""
    if rule.kind == "whole":
        return str(int(str(default)) + 7), int(str(default)) + 7
    if rule.kind == "seconds":
        return "2.5", 2.5
    if rule.kind == "choice":
        other = next(c for c in rule.choices if c != default)
        return f" {other} ", other
    if rule.kind == "iri":
        return "https://mpr.example.org/", "https://mpr.example.org"
    if rule.kind == "data":
        return ":memory:", None
    if rule.kind == "url":
        return " http://store.example:7878/query ", "http://store.example:7878/query"
    if rule.kind == "urls":
        return "http://a.example/sparql, https://b.example/sparql", ("http://a.example/sparql",
                                                                     "https://b.example/sparql")
    if rule.kind in ("text", "secret"):
        return "s3cret value", "s3cret value"
    return "some/where", Path("some/where")


SPARQL_URLS = {"MPR_STORE_QUERY_URL": "http://h:7878/query", "MPR_STORE_UPDATE_URL": "http://h:7878/update"}
PUBLIC_USER = {"MPR_STORE_PUBLIC_USER": "mpr_public", "MPR_STORE_PUBLIC_PASSWORD": "a-password"}


@pytest.mark.parametrize("variable", VARIABLES)
def test_every_variable_sets_its_field(variable: str) -> None:
    field, rule = next((f, r) for f, r in rules() if r.variable == variable)
    text, value = _other_value(rule, field.default)
    if variable == "MPR_STORE":  # a remote store needs its endpoints
        found = Settings.from_env({variable: text, "UNRELATED": "x", **SPARQL_URLS})
        assert getattr(found, field.name) == value
        return
    if variable in PUBLIC_USER:  # the public user: both, on a remote store
        found = Settings.from_env({"MPR_STORE": "sparql", **SPARQL_URLS, **PUBLIC_USER, variable: text})
        assert getattr(found, field.name) == value
        return
    found = Settings.from_env({variable: text, "UNRELATED": "x"})
    assert getattr(found, field.name) == value
    assert replace(found, **{field.name: field.default}) == Settings()  # nothing else changed


def test_a_remote_store_needs_its_two_endpoints() -> None:
    with pytest.raises(BadSetting, match="MPR_STORE_QUERY_URL and MPR_STORE_UPDATE_URL"):
        Settings.from_env({"MPR_STORE": "sparql", "MPR_STORE_QUERY_URL": "http://h:7878/query"})
    found = Settings.from_env({"MPR_STORE": "sparql", **SPARQL_URLS, "MPR_STORE_GSP_URL": "http://h:7878/store"})
    assert (found.store_query_url, found.store_gsp_url) == ("http://h:7878/query", "http://h:7878/store")


@pytest.mark.parametrize("url", ["ftp://h/sparql", "http://user:pw@h/sparql", "http:///sparql", "h:8890/sparql",
                                 "http://a/sparql http://b/sparql"])
def test_a_store_url_that_is_not_one_is_refused_by_name(url: str) -> None:
    with pytest.raises(BadSetting, match="MPR_STORE_QUERY_URL") as caught:
        Settings.from_env({"MPR_STORE_QUERY_URL": url})
    assert ":pw@" not in str(caught.value)  # a password written into the URL is not repeated


def test_the_store_password_is_never_shown() -> None:
    found = Settings.from_env({"MPR_STORE": "sparql", **SPARQL_URLS, "MPR_STORE_USER": "dba",
                               "MPR_STORE_PASSWORD": "hunter2-secret"})
    assert found.store_password == "hunter2-secret"
    assert "hunter2" not in repr(found)
    assert "hunter2" not in settings_table()


def test_peers_are_exact_urls() -> None:
    assert Settings.from_env({"MPR_SPARQL_PEERS": ""}).sparql_peers == ()
    with pytest.raises(BadSetting, match="MPR_SPARQL_PEERS"):
        Settings.from_env({"MPR_SPARQL_PEERS": "http://ok.example/sparql not-a-url"})


@pytest.mark.parametrize(("variable", "value", "allowed"), [
    ("MPR_SPARQL_WORKERS", "0", "a whole number of at least 1"),
    ("MPR_SPARQL_WORKERS", "two", "a whole number of at least 1"),
    ("MPR_MAX_UPLOAD_BYTES", "1e6", "a whole number of at least 1"),
    ("MPR_MAX_UPLOAD_BYTES", "100 MB", "a whole number of at least 1"),
    ("MPR_MAX_UPLOAD_BYTES", "9" * 5000, "a whole number of at least 1"),
    ("MPR_SPARQL_QUEUE", "٣", "a whole number of at least 0"),
    ("MPR_DISCLOSURE_THRESHOLD", "-1", "a whole number of at least 0"),
    ("MPR_UPLOAD_TIMEOUT", "-1", "a number of seconds above 0"),
    ("MPR_SPARQL_TIMEOUT", "nan", "a number of seconds above 0"),
    ("MPR_SPARQL_TIMEOUT", "inf", "a number of seconds above 0"),
    ("MPR_SPARQL_TIMEOUT", "", "a number of seconds above 0"),
    ("MPR_SHACL_ENGINE", "fast", "one of auto, pyshacl, sparql"),
    ("MPR_BASE_IRI", "ftp://registry.test", "an http:// or https:// IRI"),
    ("MPR_BASE_IRI", "registry.test", "an http:// or https:// IRI"),
    ("MPR_BASE_IRI", "http://registry.test/?q=1", "no query or fragment"),
    ("MPR_BASE_IRI", "http://registry .test", "an http:// or https:// IRI"),
])
def test_a_bad_value_names_the_variable_the_value_and_what_is_allowed(variable: str, value: str,
                                                                     allowed: str) -> None:
    with pytest.raises(BadSetting) as caught:
        Settings.from_env({variable: value})
    message = caught.value.message
    shown = value if len(value) <= 80 else value[:80] + "..."
    assert message.startswith(f"{variable}={shown!r} is not allowed: it must be ")
    assert allowed in message and "unset it for the default" in message
    assert caught.value.details["variable"] == variable


def test_a_long_bad_value_is_shortened_in_the_message() -> None:
    with pytest.raises(BadSetting) as caught:
        Settings.from_env({"MPR_SHACL_ENGINE": "x" * 5000})
    assert len(caught.value.message) < 400 and "x" * 80 + "..." in caught.value.message


def _commands(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command of ``mpr``, sub-commands (``agency add``) by their path."""
    found: list[tuple[str, ...]] = []
    for name, command in sorted(getattr(group, "commands", {}).items()):
        if hasattr(command, "commands"):
            found += _commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


# Arguments each command needs to get past its own argument parsing (they are never used: the settings stop it).
ARGUMENTS = {
    ("agency", "add"): ["DESTATIS", "--name", "Destatis", "--kind", "nso"], ("agency", "list"): [],
    ("backup",): ["store.nq"], ("build",): [], ("codes",): ["SEX"], ("export",): [], ("import",): ["wdi", "wdi.csv"],
    ("indicators",): [],
    ("load",): ["s.csv", "--agency", "DESTATIS"], ("query",): ["ASK {}"], ("reindex",): [], ("restore",): ["store.nq"],
    ("serve",): [], ("template",): ["STK_IMM"], ("token", "create"): ["DESTATIS"], ("token", "list"): ["DESTATIS"],
    ("token", "revoke"): ["0123456789ab"], ("validate",): ["s.csv"],
}


def test_every_command_stops_with_the_sentence_and_exit_2(tmp_path: Path) -> None:
    commands = _commands(typer.main.get_command(app))
    assert sorted(ARGUMENTS) == commands  # a new command gets a line here
    env = {"MPR_DATA": str(tmp_path / "data"), "MPR_SPARQL_WORKERS": "many", "COLUMNS": "300"}
    for command in commands:
        result = CliRunner().invoke(app, [*command, *ARGUMENTS[command]], env=env)
        assert result.exit_code == 2, (command, result.output)
        assert isinstance(result.exception, SystemExit), (command, result.exception)
        assert "error: MPR_SPARQL_WORKERS='many' is not allowed: it must be a whole number of at least 1" in (
            result.output), command
    assert not (tmp_path / "data").exists()  # nothing was opened or created


def test_mpr_serve_prints_the_sentence_without_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "MPR_DATA": str(tmp_path / "data"), "MPR_BASE_IRI": "registry.test", "COLUMNS": "300"}
    done = subprocess.run([sys.executable, "-m", "api.cli", "serve", "--port", "1"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "error: MPR_BASE_IRI='registry.test' is not allowed: it must be an http:// or https:// IRI" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
