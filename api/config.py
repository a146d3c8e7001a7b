"""Settings: one table of what is configurable, read once from MPR_* environment variables (no import-time state).

Each field of :class:`Settings` is one row of the table: its name, its type, its default and a :class:`Rule` (the
variable, what it sets, what is allowed). :meth:`Settings.from_env` reads and checks every variable from it (a bad
value is a :class:`~api.errors.BadSetting` naming the variable, the value and what is allowed), and the README's
list of settings is written from it (:func:`settings_table`, ``scripts/readme_settings.py``).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import Field, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from api.errors import BadSetting

T = TypeVar("T")
# "data": a folder, or the in-memory store; "url": an http(s) URL or nothing; "urls": http(s) URLs separated by
# spaces or commas; "text": any text (a user name); "secret": any text, never shown (repr, messages, README)
Kind = Literal["whole", "seconds", "choice", "iri", "path", "data", "url", "urls", "text", "secret"]
_WHOLE = re.compile(r"[0-9]{1,18}")  # ASCII digits; int() would also take "٣" or 5,000 digits
_MEMORY = ("", ":memory:")
_BAD = object()  # a value that is not allowed (None means "none" for some kinds)


def _project_root() -> Path:
    return Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Rule:
    """The row of the settings table that belongs to one field: its variable (None: not read from the
    environment), what it sets, and what is allowed (``kind``; ``minimum`` for numbers, ``choices`` for words)."""

    variable: str | None
    help: str
    kind: Kind
    minimum: int = 0
    choices: tuple[str, ...] = ()

    def allowed(self) -> str:
        """What a value may be, in words (the error message and the README say it)."""
        if self.kind == "whole":
            return f"a whole number of at least {self.minimum:,}"
        if self.kind == "seconds":
            return "a number of seconds above 0"
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "iri":
            return "an http:// or https:// IRI with a host and no query or fragment"
        if self.kind == "data":
            return "a folder, or '' or ':memory:' for an in-memory store"
        if self.kind == "url":
            return "an http:// or https:// URL with a host and no user name or password in it, or '' for none"
        if self.kind == "urls":
            return "http:// or https:// URLs separated by spaces or commas (each exact), or '' for none"
        if self.kind in ("text", "secret"):
            return "any text, or '' for none"
        return "a folder"

    def read(self, raw: str, default: object) -> Any:
        """The value of ``raw`` as the field's type; :class:`BadSetting` naming the variable, the value and what
        is allowed if it is not one."""
        value = self._parse(raw)
        if value is _BAD or (value is None and self.kind not in ("data", "url", "text", "secret")):
            shown = raw if len(raw) <= 80 else raw[:80] + "..."
            if self.kind in ("url", "urls"):  # a password written into a URL is not repeated
                shown = re.sub(r"//[^/@\s]*@", "//***@", shown)
            raise BadSetting(f"{self.variable}={shown!r} is not allowed: it must be {self.allowed()}. Change it, or "
                             f"unset it for the default ({shown_default(default)}). {self.variable}: {self.help}.",
                             details={"variable": self.variable, "value": shown, "allowed": self.allowed()})
        return value

    def _parse(self, raw: str) -> Any:
        """The value, or None if ``raw`` is not allowed (for ``data``: None is the in-memory store)."""
        text = raw.strip()
        if self.kind == "whole":
            return int(text) if _WHOLE.fullmatch(text) and int(text) >= self.minimum else None
        if self.kind == "seconds":
            return _seconds(text)
        if self.kind == "choice":
            return text if text in self.choices else None
        if self.kind == "iri":
            return text.rstrip("/") if _http_iri(text) else None
        if self.kind == "data" and text in _MEMORY:
            return None
        if self.kind in ("url", "urls"):
            return _urls(text, single=self.kind == "url")
        if self.kind in ("text", "secret"):
            return raw or None
        return Path(raw)


def _seconds(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value > 0 else None


def _http_iri(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return (parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.query and not parts.fragment
            and not any(c.isspace() for c in text))


def _url(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return (parts.scheme in ("http", "https") and bool(parts.hostname) and parts.username is None
            and not parts.fragment and not any(c.isspace() for c in text))


def _urls(text: str, *, single: bool) -> Any:
    """One URL (None for ''), or a tuple of them; ``_BAD`` if one is not allowed."""
    found = tuple(u for u in re.split(r"[\s,]+", text) if u)
    if single:
        if not found:
            return None
        return found[0] if len(found) == 1 and _url(found[0]) else _BAD
    return found if all(_url(u) for u in found) else _BAD


def setting(default: T, variable: str | None, what: str, kind: Kind, *, minimum: int = 0,
            choices: tuple[str, ...] = ()) -> T:
    """One row of the table: a field of :class:`Settings` with its default and its :class:`Rule` (a secret is
    left out of the dataclass's repr)."""
    rule = Rule(variable, what, kind, minimum, choices)
    return field(default=default, metadata={"rule": rule}, repr=kind != "secret")


def _folder(name: str) -> Path:
    """A folder of the project itself (not a setting one changes: the registry is defined by it)."""
    return field(default_factory=lambda: _project_root() / name,
                 metadata={"rule": Rule(None, f"the project's {name}/ folder", "path")})


@dataclass(frozen=True)
class Settings:
    """Everything configurable; build with :meth:`from_env`, or directly (keyword arguments) in tests."""

    base_iri: str = setting("http://127.0.0.1:8000", "MPR_BASE_IRI", "the base of the IRIs of instance data, "
                            "e.g. {base}/id/dataset/ID; a trailing / is dropped", "iri")
    data_dir: Path | None = setting(Path("var"), "MPR_DATA", "the data folder: the store and the credentials "
                                    "database", "data")
    sources_dir: Path = setting(Path("../shared/data"), "MPR_SOURCES", "the folder of the publishers' original "
                                "files that `mpr build` imports", "path")
    ontology_dir: Path = _folder("ontology")
    shapes_dir: Path = _folder("shapes")
    datasets_dir: Path = _folder("datasets")
    disclosure_threshold: int = setting(5, "MPR_DISCLOSURE_THRESHOLD", "counts above 0 and below it are "
                                        "withheld (CONF_STATUS C)", "whole")
    max_upload_bytes: int = setting(100 * 1024 * 1024, "MPR_MAX_UPLOAD_BYTES", "the largest upload in bytes "
                                    "(the body, counted as it arrives)", "whole", minimum=1)
    upload_max_depth: int = setting(64, "MPR_UPLOAD_MAX_DEPTH", "the nesting of JSON objects and arrays or XML "
                                    "elements in an upload", "whole", minimum=1)
    upload_max_literal_bytes: int = setting(64 * 1024, "MPR_UPLOAD_MAX_LITERAL_BYTES", "the bytes of one value "
                                            "in an upload: a literal, IRI, JSON string, XML text or attribute, "
                                            "CSV field", "whole", minimum=1)
    upload_max_items: int = setting(5_000_000, "MPR_UPLOAD_MAX_ITEMS", "the JSON values, RDF triples, XML "
                                    "elements or CSV rows in one upload", "whole", minimum=1)
    upload_sync_max_bytes: int = setting(16 * 1024 * 1024, "MPR_UPLOAD_SYNC_MAX_BYTES", "the largest upload "
                                         "answered when it is stored (201); a larger one is answered 202 at once "
                                         "and runs in the background: poll the Location it names", "whole",
                                         minimum=0)
    upload_timeout_s: float = setting(900.0, "MPR_UPLOAD_TIMEOUT", "the seconds the worker parsing and "
                                      "validating one upload may take before it is stopped", "seconds")
    upload_retire_rows: int = setting(100_000, "MPR_UPLOAD_RETIRE_ROWS", "the rows of a file after which the "
                                      "upload worker exits, so that the memory it grew to is free before the "
                                      "store's bulk load (a new worker takes the next upload)", "whole", minimum=1)
    shacl_engine: str = setting("auto", "MPR_SHACL_ENGINE", "the SHACL engine: auto (columnar for CSV and "
                                "SDMX, pyshacl or sparql for RDF by MPR_PYSHACL_MAX_OBSERVATIONS), pyshacl, "
                                "sparql or columnar",
                                "choice", choices=("auto", "pyshacl", "sparql", "columnar"))
    pyshacl_max_observations: int = setting(2_000, "MPR_PYSHACL_MAX_OBSERVATIONS", "with the auto engine, the "
                                            "most observations a submission may have to be validated by pyshacl",
                                            "whole")
    rdf_max_observations: int = setting(200_000, "MPR_RDF_MAX_OBSERVATIONS", "the most observations of an RDF "
                                        "submission (Turtle, JSON-LD, N-Triples: validated as a graph, about 18 KB "
                                        "of memory per observation); tabular files have no such limit",
                                        "whole", minimum=1)
    sdmx_max_observations: int = setting(5_000_000, "MPR_SDMX_MAX_OBSERVATIONS", "the observations of one SDMX "
                                         "data answer (reserved: not enforced yet)", "whole", minimum=1)
    sdmx_max_regrouped_observations: int = setting(500_000, "MPR_SDMX_MAX_REGROUPED_OBSERVATIONS", "the "
                                                   "observations of an SDMX data answer that must be regrouped "
                                                   "in memory (dimensionAtObservation other than TIME_PERIOD)",
                                                   "whole", minimum=1)
    sdmx_replay_observations: int = setting(10_000, "MPR_SDMX_REPLAY_OBSERVATIONS", "SDMX data answers up to "
                                            "this many observations are read from the store once", "whole",
                                            minimum=1)
    sparql_timeout_s: float = setting(10.0, "MPR_SPARQL_TIMEOUT", "the seconds a SPARQL query may run",
                                      "seconds")
    sparql_max_rows: int = setting(100_000, "MPR_SPARQL_MAX_ROWS", "the rows or triples of a SPARQL answer",
                                   "whole", minimum=1)
    sparql_workers: int = setting(2, "MPR_SPARQL_WORKERS", "the worker processes that run SPARQL queries",
                                  "whole", minimum=1)
    sparql_max_memory_mb: int = setting(1024, "MPR_SPARQL_MAX_MEMORY_MB", "the memory one SPARQL query may "
                                        "use in MB, beyond the worker's own (RLIMIT_DATA); 0 for none", "whole")
    sparql_client_queries: int = setting(2, "MPR_SPARQL_CLIENT_QUERIES", "the SPARQL queries one client "
                                         "(remote address) may have running or waiting", "whole", minimum=1)
    sparql_queue: int = setting(8, "MPR_SPARQL_QUEUE", "the SPARQL queries that may wait for a worker, all "
                                "clients together", "whole")

    store: str = setting("oxigraph", "MPR_STORE", "the triple store: oxigraph (embedded, under MPR_DATA) or sparql "
                         "(a SPARQL 1.1 server: Oxigraph server, Virtuoso 7, at the MPR_STORE_*_URL endpoints)",
                         "choice", choices=("oxigraph", "sparql"))
    store_query_url: str | None = setting(None, "MPR_STORE_QUERY_URL", "with MPR_STORE=sparql, the SPARQL query "
                                          "endpoint, e.g. http://h:7878/query (Oxigraph), http://h:8890/sparql "
                                          "(Virtuoso)", "url")
    store_update_url: str | None = setting(None, "MPR_STORE_UPDATE_URL", "with MPR_STORE=sparql, the SPARQL "
                                           "update endpoint, e.g. http://h:7878/update, http://h:8890/sparql-auth",
                                           "url")
    store_gsp_url: str | None = setting(None, "MPR_STORE_GSP_URL", "with MPR_STORE=sparql, the Graph Store "
                                        "endpoint for bulk writes (optional), e.g. http://h:7878/store, "
                                        "http://h:8890/sparql-graph-crud-auth", "url")
    store_user: str | None = setting(None, "MPR_STORE_USER", "the user name for the SPARQL server (HTTP Basic or "
                                     "Digest, whichever it asks for)", "text")
    store_password: str | None = setting(None, "MPR_STORE_PASSWORD", "the password for the SPARQL server (never "
                                         "logged or shown)", "secret")
    store_public_user: str | None = setting(None, "MPR_STORE_PUBLIC_USER", "with MPR_STORE=sparql on Virtuoso, "
                                            "a read-only user that sees only the public graphs: the public "
                                            "/sparql endpoint queries as this user (docs/deploy.md creates it)",
                                            "text")
    store_public_password: str | None = setting(None, "MPR_STORE_PUBLIC_PASSWORD", "the password of "
                                                "MPR_STORE_PUBLIC_USER (never logged or shown)", "secret")
    sparql_peers: tuple[str, ...] = setting((), "MPR_SPARQL_PEERS", "the SPARQL endpoints of other registries that "
                                            "/sparql may call with SERVICE (exact URLs; any other SERVICE is "
                                            "refused)", "urls")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Every setting from its MPR_* variable (``os.environ`` unless ``env``), the default where it is unset;
        :class:`BadSetting` for the first value that is not allowed."""
        env = os.environ if env is None else env
        values = {f.name: rule.read(env[rule.variable], f.default) for f, rule in rules()
                  if rule.variable is not None and rule.variable in env}
        return cls(**values)

    def __post_init__(self) -> None:
        if self.store == "sparql" and not (self.store_query_url and self.store_update_url):
            raise BadSetting("MPR_STORE=sparql needs MPR_STORE_QUERY_URL and MPR_STORE_UPDATE_URL: set both (e.g. "
                             "http://h:7878/query and http://h:7878/update for Oxigraph server), or unset MPR_STORE "
                             "for the embedded store.", details={"variable": "MPR_STORE"})
        if (self.store_public_user is None) != (self.store_public_password is None) or (
                self.store_public_user is not None and self.store != "sparql"):
            raise BadSetting("MPR_STORE_PUBLIC_USER and MPR_STORE_PUBLIC_PASSWORD go together, with MPR_STORE=sparql: "
                             "set both (the read-only user of docs/deploy.md) or neither.",
                             details={"variable": "MPR_STORE_PUBLIC_USER"})

    @property
    def store_path(self) -> Path | None:
        """Folder of the on-disk store, or None for an in-memory store."""
        return None if self.data_dir is None else self.data_dir / "store"


def rules() -> list[tuple[Field[Any], Rule]]:
    """The table: each field of :class:`Settings` with its rule, in order."""
    return [(f, f.metadata["rule"]) for f in fields(Settings)]


def shown_default(value: object) -> str:
    """A default as one would write it in the variable (nothing: ``''``; several URLs: separated by spaces)."""
    if isinstance(value, tuple):
        return " ".join(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def settings_table() -> str:
    """The README's list of settings (Markdown), written from the table."""
    lines = ["| variable | what it sets | allowed | default |", "|---|---|---|---|"]
    defaults = Settings()
    for f, rule in rules():
        if rule.variable is not None:
            lines.append(f"| `{rule.variable}` | {rule.help} | {rule.allowed()} | "
                         f"`{shown_default(getattr(defaults, f.name))}` |")
    return "\n".join(lines) + "\n"
