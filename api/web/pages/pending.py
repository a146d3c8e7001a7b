"""Checked uploads waiting for "Publish this file": a dry run's file kept server-side for its session only.

After a dry run whose file conforms, the upload page offers to publish that same file without sending it again.
The file is kept in a private temporary folder (mode 0700) of the app, under a random id (``secrets``, 32 bytes)
that the page's Publish form repeats; an entry is found only with that id *and* the session's cookie and CSRF
token, so another session (or another agency) cannot publish or read it. Bounds: ``PER_SESSION`` entries per
session (the oldest goes first), ``MAX_ENTRIES`` and ``MAX_BYTES`` in all, each kept ``LIFETIME``. An entry is
deleted, file and all, when it is published, when it expires, and when its session signs out; the folder when the
app stops. Nothing of it reaches the RDF store before publication.
"""

from __future__ import annotations

import hmac
import secrets
import shutil
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from api.model.submission import SubmissionMetadata
from api.web.pages.sessions import id_digest

LIFETIME = timedelta(minutes=30)
PER_SESSION = 2
MAX_ENTRIES = 50
MAX_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class PendingUpload:
    """One checked file and what it was checked as."""

    owner: str  # the SHA-256 of the session's cookie
    csrf: str
    path: Path
    file_name: str
    suffix: str
    meta: SubmissionMetadata
    size: int
    expires: datetime


class PendingUploads:
    """The app's checked uploads (``app.state.pending_uploads``), by the SHA-256 of their id."""

    def __init__(self) -> None:
        self._entries: dict[str, PendingUpload] = {}
        self._lock = threading.Lock()
        self._folder: Path | None = None

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            shutil.rmtree(entry.path.parent, ignore_errors=True)

    def _expire(self, now: datetime) -> None:
        for key in [k for k, e in self._entries.items() if e.expires <= now]:
            self._drop(key)

    def keep(self, session_id: str, csrf: str, file: Path, file_name: str, suffix: str, meta: SubmissionMetadata,
             now: datetime | None = None) -> str | None:
        """Move ``file`` into the keep and return the entry's id; None (nothing kept) past the bounds."""
        now = now or datetime.now(UTC)
        size = file.stat().st_size
        if size > MAX_BYTES:
            return None
        owner = id_digest(session_id)
        pending_id = secrets.token_urlsafe(32)
        with self._lock:
            self._expire(now)
            mine = sorted((e.expires, k) for k, e in self._entries.items() if e.owner == owner)
            for _, key in mine[:max(len(mine) - PER_SESSION + 1, 0)]:
                self._drop(key)
            while self._entries and (len(self._entries) >= MAX_ENTRIES
                                     or sum(e.size for e in self._entries.values()) + size > MAX_BYTES):
                self._drop(min(self._entries, key=lambda k: self._entries[k].expires))
            if self._folder is None:
                self._folder = Path(tempfile.mkdtemp(prefix="mpr-pending-"))
            folder = Path(tempfile.mkdtemp(dir=self._folder))
            path = folder / ("upload" + suffix)
            shutil.move(file, path)
            self._entries[id_digest(pending_id)] = PendingUpload(owner, csrf, path, file_name, suffix, meta, size,
                                                                now + LIFETIME)
        return pending_id

    def take(self, pending_id: str, session_id: str | None, csrf: str, now: datetime | None = None
             ) -> PendingUpload | None:
        """The entry, removed from the keep (its file stays until :meth:`done`), when the id, the session and its
        CSRF token all match; else None."""
        if not pending_id or not session_id:
            return None
        with self._lock:
            self._expire(now or datetime.now(UTC))
            key = id_digest(pending_id)
            entry = self._entries.get(key)
            if entry is None or entry.owner != id_digest(session_id) or not hmac.compare_digest(entry.csrf, csrf):
                return None
            del self._entries[key]
        return entry

    @staticmethod
    def done(entry: PendingUpload) -> None:
        """Delete a taken entry's file (published or refused)."""
        shutil.rmtree(entry.path.parent, ignore_errors=True)

    def forget_session(self, session_id: str | None) -> None:
        """Delete every entry of a session (at sign-out)."""
        if not session_id:
            return
        owner = id_digest(session_id)
        with self._lock:
            for key in [k for k, e in self._entries.items() if e.owner == owner]:
                self._drop(key)

    def count(self, session_id: str | None = None) -> int:
        with self._lock:
            owner = id_digest(session_id) if session_id else None
            return sum(1 for e in self._entries.values() if owner is None or e.owner == owner)

    def close(self) -> None:
        """Delete everything (the app stops)."""
        with self._lock:
            self._entries.clear()
            if self._folder is not None:
                shutil.rmtree(self._folder, ignore_errors=True)
                self._folder = None
