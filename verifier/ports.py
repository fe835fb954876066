"""What the verifier needs from outside, as small Protocols, and the values they answer with.

The verifier never imports the issuer or the wallet: ``service/`` wires implementations of
these in (the issuer's own data in process, or remote registries and status lists fetched over
HTTP through :mod:`verifier.fetch`).

- :class:`TrustRegistry` — was this organization accredited for this credential's type, skill
  domain and level (or education level and major) at its ``validFrom``; was this signing key
  in service then. Answers ``passed``, ``failed`` with the reason, or ``undetermined``.
- :class:`StatusSource` — the bitstring of a status list credential, by URL.
- :class:`SupersessionLookup` — the issuer's word on one credential: revoked because
  superseded by which one, and why.
- :class:`GrantLookup` — a grant URL or verification code from a learner's wallet, redeemed
  for the credentials or presentation it shares.

Implementations raise :class:`SourceUnavailable` when they cannot tell (a source that cannot
be reached and no usable cached copy): the check it serves then ends ``undetermined``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from vc.report import CheckStatus

CredentialKind = Literal["x-certificate", "diploma", "generic"]


class SourceUnavailable(Exception):
    """A source of the verifier (registry, status list, DID document) cannot be read now."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CacheUse:
    """Cached data a verification relied on: where it came from and how old it was."""

    url: str
    age_seconds: float
    stale: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "age_seconds": round(self.age_seconds, 3), "stale": self.stale}


@dataclass(frozen=True)
class CredentialClaim:
    """What a credential claims that an accreditation must cover (see :mod:`verifier.claims`)."""

    kind: CredentialKind
    skill_domain_code: str | None = None
    level: str | None = None
    education_level: str | None = None
    major_code: str | None = None


@dataclass(frozen=True)
class NamedCode:
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class StatusChange:
    """An accreditation's status from ``at`` on (suspended, active again, ended)."""

    status: str
    at: datetime
    reason: str | None = None


@dataclass(frozen=True)
class AccreditationInfo:
    """One accreditation as the registry publishes it (for the report and the page)."""

    id: str
    status: str
    valid_from: datetime
    valid_until: datetime
    skill_domains: tuple[NamedCode, ...] = ()
    levels: tuple[str, ...] = ()
    majors: tuple[NamedCode, ...] = ()
    education_levels: tuple[str, ...] = ()
    status_reason: str | None = None
    changed_at: datetime | None = None
    history: tuple[StatusChange, ...] = ()

    def change_at(self, moment: datetime) -> StatusChange | None:
        """The status change in effect at ``moment`` (None: active, as before any change).

        With a published ``history`` this is exact; without one (an older registry) the
        present status is taken to hold from ``changed_at`` on."""
        if self.history:
            found = None
            for change in self.history:
                if change.at > moment:
                    break
                found = change
            return found
        if self.status == "active" or self.changed_at is None or moment < self.changed_at:
            return None
        return StatusChange(self.status, self.changed_at, self.status_reason)

    def in_force_at(self, moment: datetime) -> bool:
        """Active at ``moment``: not suspended or ended then."""
        change = self.change_at(moment)
        return change is None or change.status == "active"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "statusReason": self.status_reason,
            "changedAt": _iso(self.changed_at) if self.changed_at else None,
            "validFrom": _iso(self.valid_from),
            "validUntil": _iso(self.valid_until),
            "skillDomains": [_named(n) for n in self.skill_domains],
            "levels": list(self.levels),
            "majors": [_named(n) for n in self.majors],
            "educationLevels": list(self.education_levels),
        }


@dataclass(frozen=True)
class OrganizationInfo:
    """An organization as the registry names it."""

    did: str
    name_zh: str
    name_en: str
    kind: str
    slug: str | None = None
    code: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "did": self.did,
            "nameZh": self.name_zh,
            "nameEn": self.name_en,
            "kind": self.kind,
            "slug": self.slug,
            "code": self.code,
        }


@dataclass(frozen=True)
class TrustAnswer:
    """A trust registry's answer: ``passed``, ``failed`` (``reason`` says why) or
    ``undetermined`` (``reason`` says what could not be read)."""

    status: CheckStatus
    reason: str
    problem_type: str | None = None
    organization: OrganizationInfo | None = None
    accreditation: AccreditationInfo | None = None
    cache: tuple[CacheUse, ...] = field(default=())


class TrustRegistry(Protocol):
    """Who is accredited for what, and which keys they held when (the consumer's interface)."""

    def accreditation(self, issuer: str, claim: CredentialClaim, at: datetime) -> TrustAnswer:
        """Was ``issuer`` (a DID) known and accredited for ``claim`` at ``at``?"""
        ...

    def signing_key(self, issuer: str, verification_method: str, at: datetime) -> TrustAnswer:
        """Was ``verification_method`` a key of ``issuer`` in service at ``at``? A retired key
        passes only for ``at`` before its retirement."""
        ...

    def hosts(self) -> frozenset[str]:
        """The hosts (``host[:port]``) the registry vouches for: the only ones fetched from."""
        ...


@dataclass(frozen=True)
class StatusListView:
    """A status list's bitstring, read (and, when fetched, verified) by a :class:`StatusSource`."""

    url: str
    issuer: str
    purposes: tuple[str, ...]
    bits: bytes
    cache: CacheUse | None = None


class StatusSource(Protocol):
    """Status lists by URL: raises :class:`SourceUnavailable` when it cannot be read, and
    :class:`vc.errors.StatusListError` when what it read is not a valid status list."""

    def status_list(self, url: str) -> StatusListView: ...


@dataclass(frozen=True)
class CredentialState:
    """The issuer's record of one credential: ``active``, ``revoked`` or ``suspended``."""

    status: str
    reason: str | None = None
    superseded_by: str | None = None
    cache: CacheUse | None = None


class SupersessionLookup(Protocol):
    """The issuer's state of a credential (``None``: the issuer does not know it); raises
    :class:`SourceUnavailable` when the issuer cannot be asked."""

    def credential_state(self, credential_id: str, issuer: str) -> CredentialState | None: ...


@dataclass(frozen=True)
class Grant:
    """What a grant shares: credentials or presentations (JSON objects, or vc+jwt / vp+jwt
    strings), and the challenge and domain a presentation in it was bound to, if any."""

    documents: tuple[Any, ...]
    challenge: str | None = None
    domain: str | None = None
    label: str | None = None


class GrantLookup(Protocol):
    """Redeems a grant URL or verification code (``None``: no such grant, or expired or
    withdrawn). The wallet records the look-up (who looked, when) as it sees fit."""

    def lookup(self, reference: str, *, at: datetime) -> Grant | None: ...


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _named(item: NamedCode) -> dict[str, str]:
    return {"code": item.code, "nameZh": item.name_zh, "nameEn": item.name_en}
