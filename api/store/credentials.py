"""Private credentials: agencies' scopes and token hashes in SQLite, outside the RDF store (DESIGN §4).

One file, ``credentials.sqlite`` in the data folder (in memory when the registry is), so that it is backed
up and restored on its own. The rollback journal (not WAL) keeps it a single file between writes; it is
created readable by its owner only. Every write is one transaction (``BEGIN IMMEDIATE`` .. ``COMMIT``);
other processes (the CLI beside a running server) wait for it up to a timeout.

Tokens are never stored: only their SHA-256 digests (see ``api.services.agencies``).
"""

from __future__ import annotations

import contextlib
import getpass
import os
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from api.errors import StoreError
from api.model.agency import AgencyKind, AgencyScope, TokenInfo

FILE_NAME = "credentials.sqlite"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS agency (
    id      TEXT PRIMARY KEY,
    kind    TEXT NOT NULL CHECK (kind IN ('nso', 'ministry', 'international', 'admin')),
    admin   INTEGER NOT NULL CHECK (admin IN (0, 1)),
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS agency_area (
    agency TEXT NOT NULL REFERENCES agency (id) ON DELETE CASCADE,
    area   TEXT NOT NULL,
    PRIMARY KEY (agency, area)
);
CREATE TABLE IF NOT EXISTS token (
    id        TEXT PRIMARY KEY,
    agency    TEXT NOT NULL REFERENCES agency (id),
    hash      TEXT NOT NULL,
    label     TEXT NOT NULL DEFAULT '',
    created   TEXT NOT NULL,
    last_used TEXT,
    revoked   TEXT
);
CREATE INDEX IF NOT EXISTS token_agency ON token (agency);
CREATE TABLE IF NOT EXISTS event (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL CHECK (action IN ('agency-added', 'agency-changed', 'token-created', 'token-revoked')),
    agency  TEXT NOT NULL,
    token   TEXT
);
"""


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class CredentialEvent:
    """One change of the credentials: who (the operating-system user of the CLI), what, when, which agency/token."""

    at: datetime
    actor: str
    action: str
    agency: str
    token: str | None


def _actor() -> str:
    try:
        return f"operator:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name (a container without /etc/passwd entry)
        return f"operator:uid-{os.getuid()}"


@dataclass(frozen=True)
class TokenRecord:
    """A token row as the verifier needs it; the hash never leaves the services layer."""

    info: TokenInfo
    digest: str


class CredentialStore:
    """SQLite access for scopes and token digests. ``path=None`` keeps everything in memory."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        try:
            if path is None:
                self._db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                if not path.exists():
                    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
                self._db = sqlite3.connect(path, timeout=15, isolation_level=None, check_same_thread=False)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA journal_mode = DELETE")
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the credentials database at {path}: {exc}") from exc
        self._lock = threading.Lock()
        with self._write() as db:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # -- transactions ----------------------------------------------------------------------
    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it or nothing."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StoreError(f"the credentials database at {self.path or 'memory'} failed: {exc}") from exc

    def _read(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return list(self._db.execute(sql, params))
            except sqlite3.Error as exc:
                raise StoreError(f"the credentials database at {self.path or 'memory'} failed: {exc}") from exc

    # -- agencies --------------------------------------------------------------------------
    def put_agency(self, scope: AgencyScope) -> None:
        """Create or replace an agency's scope (its tokens stay)."""
        with self._write() as db:
            known = db.execute("SELECT 1 FROM agency WHERE id = ?", (scope.agency_id,)).fetchone() is not None
            self._event(db, "agency-changed" if known else "agency-added", scope.agency_id)
            db.execute(
                "INSERT INTO agency (id, kind, admin, created) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, admin = excluded.admin",
                (scope.agency_id, scope.kind.value, int(scope.admin), _text(scope.created)),
            )
            db.execute("DELETE FROM agency_area WHERE agency = ?", (scope.agency_id,))
            db.executemany("INSERT INTO agency_area (agency, area) VALUES (?, ?)",
                           [(scope.agency_id, area) for area in scope.areas])

    def find_agency(self, agency_id: str) -> AgencyScope | None:
        found = self._scopes(agency_id)
        return found[0] if found else None

    def list_agencies(self) -> list[AgencyScope]:
        return self._scopes(None)

    def _scopes(self, agency_id: str | None) -> list[AgencyScope]:
        rows = self._read(
            "SELECT a.id, a.kind, a.admin, a.created, group_concat(r.area, ' ') AS areas "
            "FROM agency a LEFT JOIN agency_area r ON r.agency = a.id WHERE ?1 IS NULL OR a.id = ?1 "
            "GROUP BY a.id ORDER BY a.id",
            (agency_id,),
        )
        return [
            AgencyScope(row["id"], AgencyKind(row["kind"]), tuple(sorted((row["areas"] or "").split())),
                        bool(row["admin"]), _moment(row["created"]) or datetime.now(UTC))
            for row in rows
        ]

    # -- tokens ----------------------------------------------------------------------------
    def add_token(self, info: TokenInfo, digest: str) -> bool:
        """Store a new token's digest; False if its id is taken (the caller draws another)."""
        try:
            with self._write() as db:
                db.execute("INSERT INTO token (id, agency, hash, label, created) VALUES (?, ?, ?, ?, ?)",
                           (info.id, info.agency_id, digest, info.label, _text(info.created)))
                self._event(db, "token-created", info.agency_id, info.id, info.created)
        except StoreError as exc:
            if isinstance(exc.__cause__, sqlite3.IntegrityError):
                return False
            raise
        return True

    def find_token(self, token_id: str) -> TokenRecord | None:
        rows = self._read("SELECT * FROM token WHERE id = ?", (token_id,))
        return TokenRecord(self._info(rows[0]), rows[0]["hash"]) if rows else None

    def list_tokens(self, agency_id: str) -> list[TokenInfo]:
        rows = self._read("SELECT * FROM token WHERE agency = ? ORDER BY created, id", (agency_id,))
        return [self._info(row) for row in rows]

    def revoke_token(self, token_id: str, when: datetime) -> None:
        with self._write() as db:
            changed = db.execute("UPDATE token SET revoked = ? WHERE id = ? AND revoked IS NULL",
                                 (_text(when), token_id)).rowcount
            row = db.execute("SELECT agency FROM token WHERE id = ?", (token_id,)).fetchone()
            if changed and row is not None:
                self._event(db, "token-revoked", row["agency"], token_id, when)

    # -- the event log: every change of scopes and tokens, in the transaction that makes it ----------
    @staticmethod
    def _event(db: sqlite3.Connection, action: str, agency: str, token: str | None = None,
               when: datetime | None = None) -> None:
        db.execute("INSERT INTO event (at, actor, action, agency, token) VALUES (?, ?, ?, ?, ?)",
                   (_text(when or datetime.now(UTC)), _actor(), action, agency, token))

    def events(self) -> list[CredentialEvent]:
        """Every change of scopes and tokens, newest first (never a hash)."""
        rows = self._read("SELECT at, actor, action, agency, token FROM event ORDER BY at DESC, id DESC")
        return [CredentialEvent(_moment(r["at"]) or datetime.now(UTC), r["actor"], r["action"], r["agency"],
                                r["token"]) for r in rows]

    def touch_token(self, token_id: str, when: datetime) -> None:
        with self._write() as db:
            db.execute("UPDATE token SET last_used = ? WHERE id = ?", (_text(when), token_id))

    @staticmethod
    def _info(row: sqlite3.Row) -> TokenInfo:
        return TokenInfo(row["id"], row["agency"], row["label"], _moment(row["created"]) or datetime.now(UTC),
                         _moment(row["last_used"]), _moment(row["revoked"]))

    # -- backup ----------------------------------------------------------------------------
    def counts(self) -> tuple[int, int]:
        """(agencies, tokens): what a backup or restore reports (never a hash)."""
        rows = self._read("SELECT (SELECT count(*) FROM agency) AS a, (SELECT count(*) FROM token) AS t")
        return int(rows[0]["a"]), int(rows[0]["t"])

    def backup_to(self, target: Path) -> tuple[int, int]:
        """A consistent copy (SQLite online backup) in ``target``, mode 0600, written beside it then renamed."""
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()  # left by a crashed run
            os.close(os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            copy = sqlite3.connect(temporary)
            try:
                with self._lock:
                    self._db.backup(copy)
            finally:
                copy.close()
            _fsync(temporary)
            os.replace(temporary, target)
        except (sqlite3.Error, OSError) as exc:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise StoreError(f"cannot write the credentials backup {target}: {exc}; check that its folder exists "
                             "and is writable.") from exc
        return check_file(target)

    def restore_from(self, source: Path) -> tuple[int, int]:
        """Replace every agency scope and token digest with those of ``source`` (checked first; one step)."""
        check_file(source)
        try:
            origin = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
            try:
                with self._lock:
                    origin.backup(self._db)
            finally:
                origin.close()
            if self.path is not None:
                os.chmod(self.path, 0o600)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"restoring the credentials from {source} into {self.path or 'memory'} failed: {exc}; "
                             "the database is unchanged.") from exc
        return self.counts()

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _fsync(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def check_file(path: Path) -> tuple[int, int]:
    """(agencies, tokens) of a credentials database file, or a StoreError saying why it is not one."""
    if not path.is_file():
        raise StoreError(f"there is no credentials file {path}: give the file `mpr backup --credentials` wrote.")
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {path} as a credentials database: {exc}") from exc
    expected = sqlite3.connect(":memory:")
    try:
        expected.executescript(_SCHEMA)
        if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise StoreError(f"{path} is a damaged SQLite database (integrity check failed); use another backup.")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            raise StoreError(f"{path} has credentials schema version {version}, this registry reads version "
                             f"{SCHEMA_VERSION}: it is not a credentials backup of this registry.")
        for table in ("agency", "agency_area", "token"):
            found = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
            wanted = [row[1] for row in expected.execute(f"PRAGMA table_info({table})")]
            if found != wanted:
                raise StoreError(f"{path}: table {table} has columns {found or 'none'}, expected {wanted}; it is "
                                 "not a credentials database of this registry.")
        if db.execute("PRAGMA foreign_key_check").fetchone() is not None:
            raise StoreError(f"{path}: some tokens or areas belong to no agency; use another backup.")
        agencies, tokens = db.execute("SELECT (SELECT count(*) FROM agency), (SELECT count(*) FROM token)").fetchone()
    except sqlite3.DatabaseError as exc:  # "file is not a database"
        raise StoreError(f"{path} is not a credentials database ({exc}); give the file `mpr backup --credentials` "
                         "wrote.") from exc
    finally:
        db.close()
        expected.close()
    return int(agencies), int(tokens)


def open_credentials(data_dir: Path | None) -> CredentialStore:
    """The credentials database of a deployment: ``credentials.sqlite`` in its data folder, or in memory."""
    return CredentialStore(None if data_dir is None else data_dir / FILE_NAME)
