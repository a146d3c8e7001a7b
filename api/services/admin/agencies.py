"""Agencies and their tokens (DESIGN §4, §7): public RDF description, private scope, bearer tokens, scope checks.

An agency's public description is written into its own named graph (``{base}/graph/agency/{id}``) with
FOAF, W3C ORG, DCT and vCard terms; its scope (kind, granted areas, admin) and its tokens live in the
credentials database (``api.store.credentials``), never in the RDF store.

Tokens (RFC 6750 bearer tokens) read ``mpr_<id>_<secret>``: ``id`` is 12 hex digits, not secret, used to
find the row; ``secret`` is ``secrets.token_urlsafe(32)``, 256 random bits. Only the SHA-256 digest of the
whole token is stored. A fast hash is enough here: slow password hashes (bcrypt, scrypt, Argon2) exist to
make guessing low-entropy passwords expensive, and no amount of guessing finds a 256-bit random value, so a
stolen database yields no token. Digests are compared with ``hmac.compare_digest`` (constant time).
The token is shown once, by whoever creates it, and is never logged, stored or echoed in an error.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pyoxigraph import Literal, NamedNode, Triple

from api import vocab
from api.config import Settings
from api.errors import BadRequest, Forbidden, NotFound, Unauthorized
from api.model.agency import Agency, AgencyKind, AgencyScope, NewToken, Principal, TokenInfo, write_scope
from api.services.registry import Registry
from api.store import credentials as store_credentials
from api.store.credentials import CredentialStore
from api.store.queries import load_query

ORG = "http://www.w3.org/ns/org#"
VCARD = "http://www.w3.org/2006/vcard/ns#"

TOKEN_PREFIX = "mpr_"  # noqa: S105 - a public prefix that makes leaked tokens recognisable, not a secret
_TOKEN = re.compile(r"mpr_([0-9a-f]{12})_([A-Za-z0-9_-]{43,})")
_TOKEN_ID = re.compile(r"[0-9a-f]{12}")
_AGENCY_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,49}")
_LANGUAGE = re.compile(r"[a-zA-Z]{2,3}(-[A-Za-z0-9]{1,8})*")
_EMAIL = re.compile(r"[^@\s/]+@[^@\s/]+\.[^@\s/]+")
_TOUCH_EVERY = timedelta(minutes=1)  # "last used" is written at most once a minute per token
_NO_DIGEST = hashlib.sha256(b"").hexdigest()



def _n(ns: str, local: str) -> NamedNode:
    return NamedNode(ns + local)


A = _n(vocab.RDF, "type")


# -- where things are -----------------------------------------------------------------------
def open_credentials(settings: Settings) -> CredentialStore:
    """The credentials database of a deployment, opened apart from any registry (backup, restore, the CLI)."""
    return store_credentials.open_credentials(settings.data_dir)


def credentials_for(registry: Registry) -> CredentialStore:
    """The credentials database that goes with an opened registry (the registry owns it and closes it)."""
    return registry.credentials


def agency_graph(registry: Registry, agency_id: str) -> str:
    """The named graph holding an agency's public description."""
    return registry.iris.agency_graph(agency_id)


# -- agencies ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class AgencyRequest:
    """What an operator says about an agency; ``names`` are texts, optionally ending in ``@lang`` (``@en``)."""

    agency_id: str
    names: Sequence[str]
    kind: AgencyKind
    country: str | None = None
    areas: Sequence[str] = ()
    contact: str | None = None
    admin: bool | None = None


def parse_name(text: str) -> tuple[str, str]:
    """``"Statistisches Bundesamt@de"`` -> ``("de", "Statistisches Bundesamt")``; no tag means English."""
    name, at, lang = text.strip().rpartition("@")
    if at and name.strip() and _LANGUAGE.fullmatch(lang):
        return lang.lower(), name.strip()
    return "en", text.strip()


def _area(registry: Registry, text: str, option: str) -> str:
    code = registry.areas.code(text)
    if code is None:
        guess = registry.areas.name(text)
        hint = f" Did you mean {guess} ({registry.areas.label(guess)})?" if guess else ""
        raise BadRequest(f"{option} '{text}' is not a code of the area code list (code/area): use an ISO 3166-1 "
                         f"alpha-3 code such as DEU, an alpha-2 code or an M49 number.{hint}")
    if code.startswith("_"):
        raise BadRequest(f"{option} '{text}' is a special code ({registry.areas.label(code)}), not an area an "
                         "agency can represent; use a country, territory or region code.")
    return code


def _contact(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    value = text.strip().removeprefix("mailto:")
    if value.startswith(("https://", "http://")) and " " not in value:
        return value
    if _EMAIL.fullmatch(value):
        return value
    raise BadRequest(f"--contact '{text}' is neither an e-mail address nor an http(s) URL; "
                     "write e.g. migration@destatis.de or https://www.destatis.de/contact.")


def _checked(registry: Registry, request: AgencyRequest) -> Agency:
    """The request made canonical, or a BadRequest that says what to change."""
    if not _AGENCY_ID.fullmatch(request.agency_id):
        raise BadRequest(f"agency id '{request.agency_id}' is not valid: start with a letter and use only "
                         "letters, digits, '_' and '-' (at most 50), as SDMX agency ids do, e.g. DESTATIS.")
    names = tuple(sorted({parse_name(n) for n in request.names if n.strip()}))
    if not names:
        raise BadRequest("an agency needs a name: add --name 'Federal Statistical Office' "
                         "(repeat it with @de, @fr ... for other languages).")
    langs = [lang for lang, _ in names]
    if len(langs) != len(set(langs)):
        doubled = sorted({lang for lang in langs if langs.count(lang) > 1})
        raise BadRequest(f"several names in the same language ({', '.join(doubled)}): give one name per language.")
    country = _area(registry, request.country, "--country") if request.country else None
    areas = tuple(sorted({_area(registry, a, "--area") for a in request.areas}))
    kind = request.kind
    if kind.national and country is None:
        raise BadRequest(f"a {kind.label} is national: add --country with its country code, e.g. --country DEU.")
    if kind.national and not areas:
        areas = (country,) if country else ()
    if kind is AgencyKind.INTERNATIONAL and areas:
        raise BadRequest("an international organisation writes any area, as its own source: leave out --area.")
    admin = kind is AgencyKind.ADMIN if request.admin is None else request.admin
    if kind is AgencyKind.ADMIN and not admin:
        raise BadRequest("a registry operator (kind admin) is always an admin: leave out --no-admin.")
    return Agency(request.agency_id, registry.iris.agency(request.agency_id), names, kind, country,
                  _contact(request.contact), areas, admin)


def description(agency: Agency) -> list[Triple]:
    """The public RDF of an agency (FOAF, W3C ORG §2, DCT, vCard 4 in RDF); consistent with what ingest writes."""
    subject = NamedNode(agency.iri)
    triples = [
        Triple(subject, A, _n(vocab.MP, "Agency")),
        Triple(subject, A, _n(vocab.PROV, "Organization")),
        Triple(subject, A, _n(vocab.FOAF, "Organization")),
        Triple(subject, A, _n(ORG, "Organization")),
        Triple(subject, _n(vocab.SKOS, "notation"), Literal(agency.id)),
        Triple(subject, _n(ORG, "identifier"), Literal(agency.id)),
        Triple(subject, _n(ORG, "classification"), NamedNode(vocab.code("agency-kind", agency.kind.code))),
    ]
    for lang, name in agency.names:
        triples.append(Triple(subject, _n(vocab.FOAF, "name"), Literal(name, language=lang)))
        triples.append(Triple(subject, _n(vocab.SKOS, "prefLabel"), Literal(name, language=lang)))
    if agency.country:
        triples.append(Triple(subject, _n(vocab.DCT, "spatial"), NamedNode(vocab.code("area", agency.country))))
    if agency.contact and agency.contact.startswith(("http://", "https://")):
        triples.append(Triple(subject, _n(VCARD, "hasURL"), NamedNode(agency.contact)))
    elif agency.contact:
        triples.append(Triple(subject, _n(VCARD, "hasEmail"), NamedNode("mailto:" + agency.contact)))
    return triples


def add_agency(registry: Registry, request: AgencyRequest, *, replace: bool = False,
               now: datetime | None = None) -> Agency:
    """Register an agency (or, with ``replace``, change one): its RDF description, then its scope.

    The description graph is replaced atomically; the scope row is written in one transaction after it, so
    an interrupted call leaves at most a description without a scope, and running it again completes it.
    """
    agency = _checked(registry, request)
    credentials = credentials_for(registry)
    existing = credentials.find_agency(agency.id)
    if existing is not None and not replace:
        raise BadRequest(f"agency {agency.id} already exists; add --replace to change its description and scope "
                         "(its tokens stay valid).")
    created = existing.created if existing else (now or datetime.now(UTC))
    registry.store.replace_graph(agency_graph(registry, agency.id), description(agency))
    credentials.put_agency(AgencyScope(agency.id, agency.kind, agency.areas, agency.admin, created))
    return Agency(agency.id, agency.iri, agency.names, agency.kind, agency.country, agency.contact,
                  agency.areas, agency.admin, created)


def list_agencies(registry: Registry) -> list[Agency]:
    """Every registered agency with its public description and scope, by id."""
    return _agencies(registry, credentials_for(registry).list_agencies())


def get_agency(registry: Registry, agency_id: str) -> Agency:
    scope = credentials_for(registry).find_agency(agency_id)
    if scope is None:
        raise NotFound(_unknown_agency(agency_id))
    return _agencies(registry, [scope])[0]


def _unknown_agency(agency_id: str) -> str:
    return f"there is no agency '{agency_id}': `mpr agency list` shows the agencies, `mpr agency add` adds one."


def _agencies(registry: Registry, scopes: Iterable[AgencyScope]) -> list[Agency]:
    scopes = list(scopes)
    if not scopes:
        return []
    rows = registry.store.select(load_query("agencies/descriptions"),
                                 default_graphs=[agency_graph(registry, s.agency_id) for s in scopes])
    facts: dict[str, dict[str, list[Literal | NamedNode]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        agency_id, field, value = row["id"], row["field"], row["value"]
        if agency_id is not None and field is not None and isinstance(value, Literal | NamedNode):
            facts[agency_id.value][field.value].append(value)
    found = []
    for scope in scopes:
        fact = facts.get(scope.agency_id, {})
        names = tuple(sorted((v.language or "en", v.value) for v in fact.get("name", ()) if isinstance(v, Literal)))
        countries = [vocab.code_id_from_iri(v.value) for v in fact.get("country", ())]
        contacts = [v.value.removeprefix("mailto:") for v in fact.get("contact", ())]
        found.append(Agency(scope.agency_id, registry.iris.agency(scope.agency_id), names, scope.kind,
                            countries[0] if countries else None, contacts[0] if contacts else None,
                            scope.areas, scope.admin, scope.created))
    return found


# -- tokens -----------------------------------------------------------------------------------
def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(credentials: CredentialStore, agency_id: str, *, label: str = "",
                 now: datetime | None = None) -> NewToken:
    """A new token for an agency. The returned secret is the only copy: show it once, then forget it."""
    if credentials.find_agency(agency_id) is None:
        raise NotFound(_unknown_agency(agency_id))
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    for _ in range(5):  # 48-bit ids: a clash is next to impossible, and then another id is drawn
        token_id = secrets.token_hex(6)
        secret = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
        info = TokenInfo(token_id, agency_id, label.strip(), moment)
        if credentials.add_token(info, _digest(secret)):
            return NewToken(info, secret)
    raise RuntimeError("could not draw an unused token id")  # pragma: no cover


def token_id_of(text: str) -> str:
    """The token id in a token id or in a whole token (so a leaked token can be revoked as it is)."""
    text = text.strip()
    match = _TOKEN.fullmatch(text)
    if match:
        return match[1]
    if _TOKEN_ID.fullmatch(text):
        return text
    raise BadRequest("that is not a token id: token ids are 12 hexadecimal digits, as `mpr token list AGENCY` "
                     "shows them.")


def revoke_token(credentials: CredentialStore, token: str, *, now: datetime | None = None) -> TokenInfo:
    """Revoke a token by its id (or the whole token); revoking twice keeps the first date."""
    token_id = token_id_of(token)
    record = credentials.find_token(token_id)
    if record is None:
        raise NotFound(f"there is no token {token_id}: `mpr token list AGENCY` shows an agency's tokens.")
    if record.info.revoked is None:
        credentials.revoke_token(token_id, (now or datetime.now(UTC)).astimezone(UTC))
        found = credentials.find_token(token_id)
        assert found is not None
        return found.info
    return record.info


def list_tokens(credentials: CredentialStore, agency_id: str) -> list[TokenInfo]:
    """An agency's tokens (ids, labels, dates): never the tokens, never their digests."""
    if credentials.find_agency(agency_id) is None:
        raise NotFound(_unknown_agency(agency_id))
    return credentials.list_tokens(agency_id)


def verify_token(credentials: CredentialStore, token: str, *, now: datetime | None = None) -> Principal:
    """The principal a bearer token stands for, or Unauthorized saying why (RFC 6750 §3.1 invalid_token)."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        raise Unauthorized("the bearer token is malformed: registry tokens look like mpr_<12 hex digits>_<secret>, "
                           "as `mpr token create` prints them; send the whole token unchanged.", token_presented=True)
    record = credentials.find_token(match[1])
    presented = _digest(token)
    if not hmac.compare_digest(presented, record.digest if record else _NO_DIGEST) or record is None:
        raise Unauthorized("the bearer token is unknown: this registry never issued it (or it was mistyped); "
                           "ask the registry operator for a token.", token_presented=True)
    info = record.info
    if info.revoked is not None:
        raise Unauthorized(f"token {info.id} was revoked on {info.revoked:%Y-%m-%d %H:%M} UTC; ask the registry "
                           "operator for a new one.", token_presented=True)
    scope = credentials.find_agency(info.agency_id)
    if scope is None:  # pragma: no cover - the schema keeps tokens with their agency
        raise Unauthorized(f"token {info.id} belongs to no registered agency.", token_presented=True)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    if info.last_used is None or moment - info.last_used >= _TOUCH_EVERY:
        credentials.touch_token(info.id, moment)
    return Principal(scope.agency_id, scope.kind, frozenset(scope.areas), scope.admin, info.id)


# -- scope ------------------------------------------------------------------------------------
def check_write(principal: Principal, areas: Iterable[str]) -> None:
    """Forbidden unless the principal may write every one of ``areas`` (see ``api.model.agency.write_scope``)."""
    decision = write_scope(principal, areas)
    if not decision.allowed:
        raise Forbidden(decision.reason)


def check_admin(principal: Principal, action: str) -> None:
    """Forbidden unless the principal is an admin; ``action`` names what was attempted (e.g. 'withdrawing')."""
    if not principal.admin:
        raise Forbidden(f"{action} needs an admin token; agency {principal.agency_id} ({principal.kind.label}) "
                        "is not an admin. Ask the registry operator.")
