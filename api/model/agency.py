"""Agencies, their scope and their tokens (DESIGN §4, §7): plain values, no storage, no web.

The public description of an agency (names, kind, country, contact) is RDF; its scope (kind, granted
areas, admin) and its tokens are private credentials kept outside the RDF store. ``write_scope`` is the
one rule deciding which areas a principal may write.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class AgencyKind(StrEnum):
    """What an agency is; decides what it may write (see :func:`write_scope`)."""

    NSO = "nso"
    MINISTRY = "ministry"
    INTERNATIONAL = "international"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]

    @property
    def code(self) -> str:
        """The code of the agency-kind code list (CL_AGENCY_KIND)."""
        return self.name

    @property
    def national(self) -> bool:
        """National agencies write only the areas they are granted."""
        return self in (AgencyKind.NSO, AgencyKind.MINISTRY)


_KIND_LABELS = {
    AgencyKind.NSO: "national statistical office",
    AgencyKind.MINISTRY: "ministry",
    AgencyKind.INTERNATIONAL: "international organisation",
    AgencyKind.ADMIN: "registry operator",
}


@dataclass(frozen=True)
class AgencyScope:
    """The private part of an agency: what its tokens allow."""

    agency_id: str
    kind: AgencyKind
    areas: tuple[str, ...]
    admin: bool
    created: datetime


@dataclass(frozen=True)
class Agency:
    """An agency as listed: its public description and its scope. ``names`` are (language, name) pairs."""

    id: str
    iri: str
    names: tuple[tuple[str, str], ...]
    kind: AgencyKind
    country: str | None
    contact: str | None
    areas: tuple[str, ...]
    admin: bool
    created: datetime | None = None

    def name(self, lang: str = "en") -> str:
        """The name in ``lang``, else English, else any, else the id."""
        by_lang = dict(self.names)
        return by_lang.get(lang) or by_lang.get("en") or next(iter(by_lang.values()), self.id)


@dataclass(frozen=True)
class Principal:
    """Who a request acts for: the agency behind a verified token, with its scope."""

    agency_id: str
    kind: AgencyKind
    areas: frozenset[str]
    admin: bool
    token_id: str

    @property
    def writes_any_area(self) -> bool:
        """International organisations write any area, as their own source."""
        return self.kind is AgencyKind.INTERNATIONAL


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a token: never the token, never its hash."""

    id: str
    agency_id: str
    label: str
    created: datetime
    last_used: datetime | None = None
    revoked: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked is None


@dataclass(frozen=True)
class NewToken:
    """A token just created: ``secret`` is the bearer token, shown once and stored nowhere."""

    info: TokenInfo
    secret: str = field(repr=False)


@dataclass(frozen=True)
class ScopeDecision:
    """Whether a principal may write some areas; ``outside`` lists the areas it may not write, sorted."""

    allowed: bool
    outside: tuple[str, ...]
    reason: str


def describe_scope(principal: Principal) -> str:
    """What the principal may write, in words."""
    if principal.writes_any_area:
        return "any area, as its own source"
    if not principal.areas:
        return "no area"
    return ", ".join(sorted(principal.areas))


def write_scope(principal: Principal, areas: Iterable[str]) -> ScopeDecision:
    """May ``principal`` write data for every one of ``areas`` (REF_AREA codes)?

    A national statistical office or ministry writes only the areas it is granted; an international
    organisation writes any area (the data is attributed to it, not to the country); the registry
    operator writes only areas it is granted (none by default) — being an admin allows withdrawing and
    administering, not writing other agencies' data.
    """
    wanted = sorted(set(areas))
    if principal.writes_any_area:
        return ScopeDecision(True, (), f"agency {principal.agency_id} is an international organisation: "
                                       "it may write any area, as its own source.")
    outside = tuple(area for area in wanted if area not in principal.areas)
    if not outside:
        return ScopeDecision(True, (), f"agency {principal.agency_id} may write {describe_scope(principal)}.")
    reason = (f"agency {principal.agency_id} ({principal.kind.label}) may write data only for "
              f"{describe_scope(principal)}, not for {', '.join(outside)}; remove those areas from the "
              "submission, or ask the registry operator to grant them to the agency.")
    return ScopeDecision(False, outside, reason)
