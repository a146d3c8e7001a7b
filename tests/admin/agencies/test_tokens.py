"""Tokens: long and random, stored only as SHA-256 digests, compared in constant time, revocable."""

from __future__ import annotations

import base64
import hashlib
import hmac
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api.errors import BadRequest, NotFound, Unauthorized
from api.model.agency import AgencyKind
from api.services.admin import agencies
from api.services.registry import Registry
from api.store.credentials import FILE_NAME, CredentialStore


def _secret_part(token: str) -> str:
    prefix, token_id, secret = token.split("_", 2)
    assert prefix == "mpr" and len(token_id) == 12
    return secret


def test_tokens_are_long_random_and_recognisable(credentials: CredentialStore) -> None:
    tokens = [agencies.create_token(credentials, "DESTATIS").secret for _ in range(20)]
    assert len(set(tokens)) == 20
    for token in tokens:
        assert token.startswith(agencies.TOKEN_PREFIX)
        secret = base64.urlsafe_b64decode(_secret_part(token) + "=")
        assert len(secret) >= 32  # at least 256 random bits
    assert len({t[4:16] for t in tokens}) == 20  # distinct ids


def test_new_token_does_not_show_its_secret_in_repr(credentials: CredentialStore) -> None:
    created = agencies.create_token(credentials, "DESTATIS", label="robot")
    assert created.secret not in repr(created)
    assert created.info.label == "robot" and created.info.agency_id == "DESTATIS" and created.info.active


def test_only_the_hash_is_stored(disk_registry: Registry) -> None:
    credentials = agencies.credentials_for(disk_registry)
    created = agencies.create_token(credentials, "DESTATIS")
    path = disk_registry.settings.data_dir / FILE_NAME  # type: ignore[operator]
    assert path.is_file()
    raw = path.read_bytes()
    for needle in (created.secret, _secret_part(created.secret)):
        assert needle.encode() not in raw
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT * FROM token").fetchall()
        columns = [d[0] for d in db.execute("SELECT * FROM token").description]
    assert len(rows) == 1
    assert all(created.secret not in str(v) and _secret_part(created.secret) not in str(v) for v in rows[0])
    row = dict(zip(columns, rows[0], strict=True))
    assert row["hash"] == hashlib.sha256(created.secret.encode()).hexdigest()
    assert row["id"] == created.info.id


def test_credentials_are_one_file_readable_by_its_owner(disk_registry: Registry) -> None:
    data = disk_registry.settings.data_dir
    assert data is not None
    agencies.create_token(agencies.credentials_for(disk_registry), "DESTATIS")
    path = data / FILE_NAME
    assert path.stat().st_mode & 0o077 == 0
    assert not (data / (FILE_NAME + "-wal")).exists() and not (data / (FILE_NAME + "-journal")).exists()


def test_verify_gives_the_principal_and_uses_a_constant_time_compare(
    credentials: CredentialStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = agencies.create_token(credentials, "DESTATIS")
    calls: list[tuple[str, str]] = []
    original = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(agencies.hmac, "compare_digest", spy)
    principal = agencies.verify_token(credentials, created.secret)
    assert (principal.agency_id, principal.kind, principal.areas, principal.admin, principal.token_id) == (
        "DESTATIS", AgencyKind.NSO, frozenset({"DEU"}), False, created.info.id)
    assert len(calls) == 1 and calls[0][0] == calls[0][1]
    with pytest.raises(Unauthorized):
        agencies.verify_token(credentials, created.secret[:-1] + ("A" if created.secret[-1] != "A" else "B"))
    assert len(calls) == 2 and calls[1][0] != calls[1][1]


@pytest.mark.parametrize(("token", "says"), [
    ("hello", "malformed"),
    ("mpr_123", "malformed"),
    ("mpr_0123456789ab_" + "x" * 10, "malformed"),
    ("mpr_0123456789ab_" + "x" * 43, "unknown"),
])
def test_bad_tokens_are_refused_with_a_reason(credentials: CredentialStore, token: str, says: str) -> None:
    with pytest.raises(Unauthorized) as caught:
        agencies.verify_token(credentials, token)
    assert says in caught.value.message
    assert token not in caught.value.message
    assert caught.value.status == 401 and 'error="invalid_token"' in caught.value.challenge


def test_a_right_id_with_a_wrong_secret_is_unknown(credentials: CredentialStore) -> None:
    created = agencies.create_token(credentials, "DESTATIS")
    forged = f"mpr_{created.info.id}_{'A' * 43}"
    with pytest.raises(Unauthorized, match="unknown"):
        agencies.verify_token(credentials, forged)


def test_revoked_tokens_fail(credentials: CredentialStore) -> None:
    keep = agencies.create_token(credentials, "DESTATIS")
    gone = agencies.create_token(credentials, "DESTATIS")
    revoked = agencies.revoke_token(credentials, gone.info.id)
    assert revoked.revoked is not None and not revoked.active
    with pytest.raises(Unauthorized, match=f"token {gone.info.id} was revoked"):
        agencies.verify_token(credentials, gone.secret)
    assert agencies.verify_token(credentials, keep.secret).agency_id == "DESTATIS"
    again = agencies.revoke_token(credentials, gone.info.id)
    assert again.revoked == revoked.revoked


def test_a_leaked_token_can_be_revoked_as_it_is(credentials: CredentialStore) -> None:
    leaked = agencies.create_token(credentials, "DESTATIS")
    assert agencies.revoke_token(credentials, leaked.secret).id == leaked.info.id
    with pytest.raises(Unauthorized, match="revoked"):
        agencies.verify_token(credentials, leaked.secret)


def test_revoke_and_list_explain_unknown_names(credentials: CredentialStore) -> None:
    with pytest.raises(NotFound, match="no token 0123456789ab"):
        agencies.revoke_token(credentials, "0123456789ab")
    with pytest.raises(BadRequest, match="12 hexadecimal digits"):
        agencies.revoke_token(credentials, "not-an-id")
    with pytest.raises(NotFound, match=r"no agency 'NOPE'.*mpr agency add"):
        agencies.list_tokens(credentials, "NOPE")
    with pytest.raises(NotFound, match="no agency 'NOPE'"):
        agencies.create_token(credentials, "NOPE")


def test_last_used_is_recorded_at_most_once_a_minute(credentials: CredentialStore) -> None:
    created = agencies.create_token(credentials, "DESTATIS", label="robot")
    start = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    agencies.verify_token(credentials, created.secret, now=start)
    agencies.verify_token(credentials, created.secret, now=start + timedelta(seconds=30))
    (listed,) = agencies.list_tokens(credentials, "DESTATIS")
    assert listed.last_used == start
    agencies.verify_token(credentials, created.secret, now=start + timedelta(minutes=2))
    (listed,) = agencies.list_tokens(credentials, "DESTATIS")
    assert listed.last_used == start + timedelta(minutes=2)
    assert not {"hash", "digest", "secret"} & set(vars(listed))


def test_tokens_survive_reopening_the_database(disk_registry: Registry) -> None:
    created = agencies.create_token(agencies.credentials_for(disk_registry), "UNHCR")
    reopened = agencies.open_credentials(disk_registry.settings)
    try:
        assert agencies.verify_token(reopened, created.secret).writes_any_area
    finally:
        reopened.close()


def test_in_memory_credentials_stay_in_memory(agency_registry: Registry, tmp_path: Path) -> None:
    assert agency_registry.settings.data_dir is None
    assert agencies.credentials_for(agency_registry).path is None
    assert agencies.credentials_for(agency_registry) is agencies.credentials_for(agency_registry)
