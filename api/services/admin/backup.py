"""Backup and restore (README "Backup and restore"): the whole RDF store as N-Quads, the credentials apart.

A store backup is plain N-Quads (gzip-compressed when the name ends in ``.gz``) between two comment lines::

    # mpr-backup 1 base=<MPR_BASE_IRI> created=<UTC time>
    ...every quad of the default graph and of every named graph...
    # mpr-backup end quads=<n> graphs=<n> sha256=<digest of every line before this one>

so that a truncated or altered file is refused before anything is replaced. The backup is read from a
read-only snapshot of the store (it works beside ``mpr serve``); a restore loads the file into a new folder
next to the store, swaps the folders by renaming and keeps the old store as ``store.before-restore-<time>``.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode

from api import vocab
from api.config import Settings
from api.errors import InputFileError, RegistryError, StoreError
from api.services.admin.agencies import open_credentials
from api.services.registry import ONTOLOGY_HASH, open_registry
from api.store.credentials import FILE_NAME, check_file
from api.store.oxigraph_store import OxigraphStore

VERSION = 1
_HEADER = re.compile(rb"# mpr-backup (\d+) base=(\S+) created=(\S+)\n")
_FOOTER = re.compile(rb"# mpr-backup end quads=(\d+) graphs=(\d+) sha256=([0-9a-f]{64})\n")
_MAX_LAST = 4096  # a longer last line cannot be the end line
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class StoreCopy:
    """What a store backup or restore wrote: the file (or folder), its size and what it holds."""

    path: Path
    quads: int
    graphs: int
    size: int
    seconds: float
    previous: Path | None = None  # restore: where the replaced store was kept
    notes: tuple[str, ...] = ()  # restore: what opening the restored store changed


@dataclass(frozen=True)
class CredentialsCopy:
    path: Path
    agencies: int
    tokens: int


def _now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _store_path(settings: Settings) -> Path:
    if settings.store_path is None:
        raise RegistryError("MPR_DATA is empty or ':memory:': an in-memory store has nothing to back up or restore; "
                            "set MPR_DATA to the data folder.")
    return settings.store_path


# -- backup ---------------------------------------------------------------------------------
class _Hashing:
    """A binary writer that hashes what passes through it."""

    def __init__(self, raw: io.BufferedIOBase) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


@contextlib.contextmanager
def _replacing(target: Path) -> Iterator[Path]:
    """A temporary file (mode 0600) beside ``target``, renamed over it only if the block succeeds."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()  # left by a crashed run
        os.close(os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        yield temporary
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def backup_store(settings: Settings, target: Path, *, attempts: int = 3) -> StoreCopy:
    """Write the whole store to ``target`` (N-Quads, gzip for ``.gz``) from a read-only snapshot."""
    if settings.store == "sparql":
        from api.services.admin import backup_remote

        return backup_remote.backup_store(settings, target)
    store_path = _store_path(settings)
    if not (store_path / "CURRENT").is_file():
        raise StoreError(f"there is no store at {store_path}: check MPR_DATA (nothing to back up).")
    if not target.parent.is_dir():
        raise InputFileError(f"cannot write {target}: the folder {target.parent} does not exist.")
    started = time.perf_counter()
    for attempt in range(1, attempts + 1):
        try:
            quads, graphs = _write_backup(settings, store_path, target)
            break
        except StoreError:  # the server compacted files the snapshot still read: take a new snapshot
            if attempt == attempts:
                raise
    return StoreCopy(target, quads, graphs, target.stat().st_size, time.perf_counter() - started)


def _write_backup(settings: Settings, store_path: Path, target: Path) -> tuple[int, int]:
    store = OxigraphStore(store_path, read_only=True)
    try:
        with _replacing(target) as temporary, temporary.open("wb") as raw:
            sink: io.BufferedIOBase = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=3) if target.suffix == ".gz" \
                else raw
            try:
                hashing = _Hashing(sink)
                hashing.write(f"# mpr-backup {VERSION} base={settings.base_iri} created={_now_text()}\n".encode())
                quads, graphs = store.dump_nquads(hashing)  # type: ignore[arg-type]  # a duck-typed writer
                sink.write(f"# mpr-backup end quads={quads} graphs={graphs} "
                           f"sha256={hashing.digest.hexdigest()}\n".encode())
            finally:
                if sink is not raw:
                    sink.close()
    except OSError as exc:
        raise InputFileError(f"cannot write {target}: {exc}") from exc
    finally:
        store.close()
    return quads, graphs


def backup_credentials(settings: Settings, target: Path) -> CredentialsCopy:
    """Copy the credentials database to ``target`` with SQLite's online backup (mode 0600)."""
    if settings.data_dir is None or not (settings.data_dir / FILE_NAME).is_file():
        raise StoreError(f"there is no credentials database {FILE_NAME} in {settings.data_dir} (MPR_DATA): "
                         "nothing to back up; `mpr agency add` creates it.")
    credentials = open_credentials(settings)
    try:
        agencies, tokens = credentials.backup_to(target)
    finally:
        credentials.close()
    return CredentialsCopy(target, agencies, tokens)


# -- restore --------------------------------------------------------------------------------
class _Checked:
    """The backup as the parser reads it: SHA-256 of every line but the last, and the last line kept aside."""

    def __init__(self, raw: io.BufferedIOBase) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.last = b""

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        if data:
            held = self.last + data
            cut = held.rfind(b"\n", 0, len(held) - 1) + 1
            if len(held) - cut > _MAX_LAST:
                cut = len(held)
            self.digest.update(held[:cut])
            self.last = held[cut:]
        return data


def _open_backup(source: Path) -> io.BufferedIOBase:
    """The uncompressed content (gzip recognised by its magic number, whatever the name)."""
    try:
        with source.open("rb") as handle:
            compressed = handle.read(2) == _GZIP_MAGIC
        return gzip.open(source, "rb") if compressed else source.open("rb")
    except OSError as exc:
        raise InputFileError(f"cannot read the backup {source}: {exc}") from exc


def check_header(settings: Settings, source: Path) -> None:
    """Refuse a file that is not an ``mpr backup`` of a registry with this base IRI (reads the first line)."""
    try:
        with _open_backup(source) as handle:
            first = handle.readline(_MAX_LAST)
    except (OSError, EOFError) as exc:
        raise InputFileError(f"cannot read the backup {source}: {exc}") from exc
    found = _HEADER.fullmatch(first)
    if found is None:
        raise InputFileError(f"{source} is not a store backup: its first line is not '# mpr-backup ...'. Give a file "
                             "that `mpr backup FILE` wrote.")
    if int(found[1]) != VERSION:
        raise InputFileError(f"{source} is a backup of format {int(found[1])}; this registry reads format {VERSION}.")
    base = found[2].decode()
    if base != settings.base_iri:
        raise InputFileError(f"{source} was written by a registry with base IRI {base}, this one has "
                             f"{settings.base_iri}: every IRI in the store depends on it. Set MPR_BASE_IRI={base} "
                             "(and serve with it), then restore.")


def _holds_data(store: OxigraphStore) -> bool:
    """True if the store has anything besides the vocabulary graph (which any opened store has)."""
    if any(g != vocab.VOCABULARY_GRAPH for g in store.list_graphs()):
        return True
    return next(iter(store.native.quads_for_pattern(None, None, None, DefaultGraph())), None) is not None


def _lock(store_path: Path) -> OxigraphStore | None:
    """The current store opened for writing (its lock held until the swap), or None if there is none yet."""
    if not store_path.exists():
        return None
    try:
        return OxigraphStore(store_path)
    except StoreError as exc:
        raise StoreError(f"the store at {store_path} is in use by another process (is `mpr serve` running on this "
                         f"data folder?): stop it first, then restore. Nothing was changed. ({exc.message})") from exc


def _stamp(folder: Path, prefix: str) -> Path:
    moment = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{prefix}{moment}"
    counter = 1
    while path.exists():
        counter += 1
        path = folder / f"{prefix}{moment}-{counter}"
    return path


def restore(settings: Settings, source: Path | None, credentials: Path | None, *,
            replace: bool = False) -> tuple[StoreCopy | None, CredentialsCopy | None]:
    """Replace the store with ``source`` and/or the credentials with ``credentials``; checks everything first.

    Refused while another process (``mpr serve``) holds the store, and, without ``replace``, when what would be
    replaced holds data. The store is loaded into a new folder and checked before the folders are swapped."""
    if settings.store == "sparql" and source is not None:
        from api.services.admin import backup_remote

        remote_copy = backup_remote.restore_store(settings, source, replace=replace)
        _, credentials_copy = restore(settings, None, credentials, replace=replace) if credentials else (None, None)
        return remote_copy, credentials_copy
    store_path = _store_path(settings)
    if source is not None:
        check_header(settings, source)
    if credentials is not None:
        check_file(credentials)
    current = _lock(store_path) if settings.store != "sparql" else None
    try:
        if not replace:
            _refuse_overwrite(settings, current, store_path, source is not None, credentials is not None)
        loaded = _load_new(source, store_path) if source is not None else None
    finally:
        if current is not None:
            current.close()
    store_copy = _swap(settings, store_path, *loaded) if loaded is not None else None
    credentials_copy = None
    if credentials is not None:
        database = open_credentials(settings)
        try:
            agencies, tokens = database.restore_from(credentials)
        finally:
            database.close()
        credentials_copy = CredentialsCopy(store_path.parent / FILE_NAME, agencies, tokens)
    return store_copy, credentials_copy


def _refuse_overwrite(settings: Settings, current: OxigraphStore | None, store_path: Path, store: bool,
                      credentials: bool) -> None:
    if store and current is not None and _holds_data(current):
        raise RegistryError(f"the store at {store_path} holds data (submissions, agencies): restoring replaces all "
                            "of it. Run again with --yes to replace it (it is kept as store.before-restore-<time>).")
    if credentials and settings.data_dir is not None and (settings.data_dir / FILE_NAME).is_file():
        database = open_credentials(settings)
        try:
            agencies, tokens = database.counts()
        finally:
            database.close()
        if agencies or tokens:
            raise RegistryError(f"the credentials database in {settings.data_dir} holds {agencies} agencies and "
                                f"{tokens} tokens: restoring replaces them. Run again with --yes to replace them.")


def _load_new(source: Path, store_path: Path) -> tuple[Path, int, int, float, str | None]:
    """Load ``source`` into a new folder beside the store and check it against the end line; the folder, the
    counts, the start time and the ontology hash the backup's vocabulary graph was loaded from."""
    started = time.perf_counter()
    folder = _stamp(store_path.parent, "store.restoring-")
    fresh = OxigraphStore(folder)
    try:
        with _open_backup(source) as handle:
            checked = _Checked(handle)
            quads, graphs = _parse(source, fresh, checked)
        _check_end(source, checked, quads)
        vocabulary = NamedNode(vocab.VOCABULARY_GRAPH)
        found = next(iter(fresh.native.quads_for_pattern(vocabulary, ONTOLOGY_HASH, None, vocabulary)), None)
    except BaseException:
        fresh.close()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    fresh.close()
    return folder, quads, graphs, started, None if found is None else str(getattr(found.object, "value", ""))


def _parse(source: Path, fresh: OxigraphStore, checked: _Checked) -> tuple[int, int]:
    unchanged = "the current store is unchanged"
    try:
        return fresh.load_nquads(checked)  # type: ignore[arg-type]  # a duck-typed reader
    except SyntaxError as exc:  # "Parser error at line 4 between columns 26 and 38: Invalid IRI code point ' '"
        detail = exc.msg.split(": ", 1)[-1] if exc.msg.startswith("Parser error") else exc.msg
        raise InputFileError(f"{source}, line {exc.lineno} column {exc.offset}: {detail} (not valid N-Quads: the "
                             f"file is damaged or truncated); {unchanged}.") from exc
    except (EOFError, gzip.BadGzipFile) as exc:
        raise InputFileError(f"{source}: the compressed data is damaged or cut short ({exc}); {unchanged}.") from exc
    except OSError as exc:
        raise StoreError(f"loading {source} failed: {exc}; {unchanged}.") from exc


def _check_end(source: Path, checked: _Checked, quads: int) -> None:
    end = _FOOTER.fullmatch(checked.last)
    if end is None:
        raise InputFileError(f"{source} ends without its '# mpr-backup end ...' line: it is truncated (or was not "
                             "completely written); the current store is unchanged.")
    if end[3].decode() != checked.digest.hexdigest():
        raise InputFileError(f"{source} was altered after it was written (its SHA-256 does not match its end line); "
                             "the current store is unchanged.")
    if int(end[1]) != quads:
        raise InputFileError(f"{source} names {int(end[1])} quads but holds {quads}; the current store is "
                             "unchanged.")


def _swap(settings: Settings, store_path: Path, folder: Path, quads: int, graphs: int, started: float,
          ontology: str | None) -> StoreCopy:
    """Rename the loaded folder over the store (the old one kept aside), then open it as the server does."""
    previous = _stamp(store_path.parent, "store.before-restore-") if store_path.exists() else None
    if previous is not None:
        store_path.rename(previous)
    try:
        folder.rename(store_path)
    except OSError as exc:
        if previous is not None:
            previous.rename(store_path)
        shutil.rmtree(folder, ignore_errors=True)
        raise StoreError(f"cannot move the restored store into {store_path}: {exc}; the store is unchanged.") from exc
    # The column files of the read model are a cache of the old store: rebuilt from the restored one when read.
    shutil.rmtree(store_path.parent / "columns", ignore_errors=True)
    registry = open_registry(settings)  # drops staging graphs and orphans, reloads a changed vocabulary
    try:
        reloaded = registry.ontology_hash() != ontology
    finally:
        registry.close()
    notes = ("the vocabulary graph was reloaded from ontology/, which changed since the backup",) if reloaded else ()
    size = sum(f.stat().st_size for f in store_path.rglob("*") if f.is_file())
    return StoreCopy(store_path, quads, graphs, size, time.perf_counter() - started, previous, notes)
