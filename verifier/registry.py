"""A :class:`~verifier.ports.TrustRegistry` over the registry's public JSON.

The registry (``GET /registry``: organizations with their accreditations — scope, period,
status — and their key history) is the contract between the issuer and any verifier. An
:class:`OrganizationDirectory` hands over one organization's entry by DID: read in process by
``service/`` or fetched from a remote registry (:mod:`verifier.remote`); :class:`RegistryTrust`
judges with it.

An accreditation holds at a moment when the moment is within its period and it was active
then: its published ``history`` of status changes says which (a registry without one: its
present status, taken to hold from its ``updatedAt``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from vc.credential import parse_datetime_stamp
from vc.did.web import did_web_to_url
from vc.errors import DIDResolutionError
from verifier import problems
from verifier.ports import (
    AccreditationInfo,
    CacheUse,
    CredentialClaim,
    NamedCode,
    OrganizationInfo,
    SourceUnavailable,
    StatusChange,
    TrustAnswer,
)

__all__ = ["ChainedDirectory", "DirectoryEntry", "OrganizationDirectory", "RegistryTrust"]

_ISSUER_KIND = {"x-certificate": "evaluation-organization", "diploma": "school"}


@dataclass(frozen=True)
class DirectoryEntry:
    """One organization as the registry JSON has it, and the age of that copy."""

    organization: Mapping[str, Any]
    cache: CacheUse | None = None


class OrganizationDirectory(Protocol):
    """Registry entries by DID (``None``: not in this registry). Raises
    :class:`~verifier.ports.SourceUnavailable` when the registry cannot be read."""

    def entry(self, did: str) -> DirectoryEntry | None: ...

    def hosts(self) -> frozenset[str]: ...


class ChainedDirectory:
    """The first directory that knows the DID answers."""

    def __init__(self, directories: Sequence[OrganizationDirectory]) -> None:
        self._directories = tuple(directories)

    def entry(self, did: str) -> DirectoryEntry | None:
        unavailable: list[str] = []
        for directory in self._directories:
            try:
                found = directory.entry(did)
            except SourceUnavailable as exc:
                unavailable.append(exc.message)
                continue
            if found is not None:
                return found
        if unavailable:
            raise SourceUnavailable("; ".join(unavailable))
        return None

    def hosts(self) -> frozenset[str]:
        found: frozenset[str] = frozenset()
        for directory in self._directories:
            try:
                found |= directory.hosts()
            except SourceUnavailable:
                continue
        return found


class RegistryTrust:
    """Judges accreditation and key periods from registry entries."""

    def __init__(self, directory: OrganizationDirectory) -> None:
        self._directory = directory

    def hosts(self) -> frozenset[str]:
        return self._directory.hosts()

    def accreditation(self, issuer: str, claim: CredentialClaim, at: datetime) -> TrustAnswer:
        entry, answer = self._entry(issuer)
        if entry is None:
            return answer
        cache = (entry.cache,) if entry.cache else ()
        organization = organization_info(entry.organization)
        wanted_kind = _ISSUER_KIND.get(claim.kind)
        if wanted_kind is not None and organization.kind != wanted_kind:
            what = "an X certificate" if claim.kind == "x-certificate" else "a diploma"
            reason = f"{what} is issued by a {wanted_kind}; {organization_label(organization)} "
            reason += f"is a {organization.kind}"
            return _failed(reason, organization, None, cache)
        accreditations = [
            found
            for item in _list(entry.organization, "accreditations")
            if (found := parse_accreditation(item)) is not None
        ]
        if not accreditations:
            label = organization_label(organization)
            return _failed(f"{label} has no accreditation", organization, None, cache)
        shortfalls: list[tuple[int, str, AccreditationInfo]] = []
        for accreditation in sorted(accreditations, key=lambda a: a.valid_from, reverse=True):
            shortfall = _shortfall(accreditation, claim, at)
            if shortfall is None:
                reason = (
                    f"accredited under accreditation {accreditation.id}, "
                    f"{_iso(accreditation.valid_from)} – {_iso(accreditation.valid_until)}"
                )
                return TrustAnswer("passed", reason, None, organization, accreditation, cache)
            shortfalls.append((shortfall[0], shortfall[1], accreditation))
        _, reason, closest = max(shortfalls, key=lambda item: item[0])
        label = f"accreditation {closest.id} of {organization_label(organization)}"
        return _failed(f"{reason}, in {label}", organization, closest, cache)

    def signing_key(self, issuer: str, verification_method: str, at: datetime) -> TrustAnswer:
        entry, answer = self._entry(issuer)
        if entry is None:
            return answer
        cache = (entry.cache,) if entry.cache else ()
        organization = organization_info(entry.organization)
        for key in _list(entry.organization, "keys"):
            if isinstance(key, dict) and key.get("id") == verification_method:
                return _key_answer(key, verification_method, at, organization, cache)
        return TrustAnswer(
            "failed",
            f"{verification_method} is not a key of {organization_label(organization)} "
            "in the registry",
            problems.KEY_NOT_ACTIVE,
            organization,
            None,
            cache,
        )

    def _entry(self, issuer: str) -> tuple[DirectoryEntry | None, TrustAnswer]:
        try:
            entry = self._directory.entry(issuer)
        except SourceUnavailable as exc:
            reason = f"the trust registry cannot be read: {exc.message}"
            return None, TrustAnswer("undetermined", reason, problems.SOURCE_UNAVAILABLE)
        if entry is None:
            reason = f"the issuer {issuer} is not in the trust registry"
            return None, TrustAnswer("failed", reason, problems.ISSUER_UNKNOWN)
        return entry, TrustAnswer("passed", "")


def _key_answer(
    key: Mapping[str, Any],
    method: str,
    at: datetime,
    organization: OrganizationInfo,
    cache: tuple[CacheUse, ...],
) -> TrustAnswer:
    start = _moment(key.get("activeFrom"))
    retired = _moment(key.get("retiredAt")) if key.get("retiredAt") is not None else None
    # validFrom has whole seconds: a key counts from the start of the second it came into
    # service until the end of the second it was retired in.
    start = start.replace(microsecond=0) if start is not None else None
    if retired is not None and retired.microsecond:
        retired = retired.replace(microsecond=0) + timedelta(seconds=1)
    if start is None:
        reason = f"the registry gives no valid activeFrom for {method}"
        return TrustAnswer("undetermined", reason, problems.SOURCE_UNAVAILABLE, organization)
    if at < start:
        reason = f"{method} came into service {_iso(start)}, after validFrom {_iso(at)}"
        return TrustAnswer("failed", reason, problems.KEY_NOT_ACTIVE, organization, None, cache)
    if retired is not None and at >= retired:
        reason = f"{method} was retired {_iso(retired)}, before validFrom {_iso(at)}"
        return TrustAnswer("failed", reason, problems.KEY_NOT_ACTIVE, organization, None, cache)
    until = f", retired {_iso(retired)}" if retired else ""
    reason = f"{method} was in service at validFrom (from {_iso(start)}{until})"
    return TrustAnswer("passed", reason, None, organization, None, cache)


def _shortfall(
    accreditation: AccreditationInfo, claim: CredentialClaim, at: datetime
) -> tuple[int, str] | None:
    """Why the accreditation does not cover ``claim`` at ``at``, ranked by how far it got."""
    missing = _scope_shortfall(accreditation, claim)
    if missing is not None:
        return 0, missing
    start, until = _iso(accreditation.valid_from), _iso(accreditation.valid_until)
    if at < accreditation.valid_from:
        return 1, f"not yet accredited at validFrom {_iso(at)}: the accreditation starts {start}"
    if at > accreditation.valid_until:
        return 1, f"the accreditation expired {until}, before validFrom {_iso(at)}"
    change = accreditation.change_at(at)
    if change is None or change.status == "active":
        return None
    because = f": {change.reason}" if change.reason else ""
    return 2, (
        f"the accreditation was {change.status} at validFrom {_iso(at)} "
        f"(since {_iso(change.at)}){because}"
    )


def _scope_shortfall(accreditation: AccreditationInfo, claim: CredentialClaim) -> str | None:
    if claim.kind == "x-certificate":
        domains = [d.code for d in accreditation.skill_domains]
        return _not_in("skill domain", claim.skill_domain_code, domains) or _not_in(
            "level", claim.level, list(accreditation.levels)
        )
    if claim.kind == "diploma":
        majors = [m.code for m in accreditation.majors]
        return _not_in(
            "education level", claim.education_level, list(accreditation.education_levels)
        ) or _not_in("major", claim.major_code, majors)
    return None


def _not_in(what: str, value: str | None, allowed: list[str]) -> str | None:
    if value is None:
        return f"the credential names no {what}, so it cannot be checked against the scope"
    if value not in allowed:
        return f"{what} {value!r} is outside the scope (only {', '.join(allowed) or 'none'})"
    return None


def _failed(
    reason: str,
    organization: OrganizationInfo,
    accreditation: AccreditationInfo | None,
    cache: tuple[CacheUse, ...],
) -> TrustAnswer:
    return TrustAnswer(
        "failed", reason, problems.ISSUER_NOT_ACCREDITED, organization, accreditation, cache
    )


# --- reading the registry JSON -----------------------------------------------------------------


def organization_info(entry: Mapping[str, Any]) -> OrganizationInfo:
    return OrganizationInfo(
        did=str(entry.get("did", "")),
        name_zh=str(entry.get("nameZh", "")),
        name_en=str(entry.get("nameEn", "")),
        kind=str(entry.get("kind", "")),
        slug=entry.get("slug") if isinstance(entry.get("slug"), str) else None,
        code=entry.get("code") if isinstance(entry.get("code"), str) else None,
    )


def organization_label(organization: OrganizationInfo) -> str:
    name = organization.name_en or organization.name_zh or organization.did
    return f"{name} ({organization.slug or organization.did})"


def parse_accreditation(value: Any) -> AccreditationInfo | None:
    """One accreditation of the registry JSON (``None`` when its period cannot be read)."""
    item: dict[str, Any] = value if isinstance(value, dict) else {}
    found = item.get("scope")
    scope: dict[str, Any] = found if isinstance(found, dict) else {}
    start, until = _moment(item.get("validFrom")), _moment(item.get("validUntil"))
    if start is None or until is None:
        return None
    reason = item.get("statusReason")
    return AccreditationInfo(
        id=str(item.get("id", "?")),
        status=str(item.get("status", "unknown")),
        valid_from=start,
        valid_until=until,
        skill_domains=_named(scope.get("skillDomains")),
        levels=_strings(scope.get("levels")),
        majors=_named(scope.get("majors")),
        education_levels=_strings(scope.get("educationLevels")),
        status_reason=reason if isinstance(reason, str) else None,
        changed_at=_moment(item.get("updatedAt")),
        history=_history(item.get("history")),
    )


def _history(value: Any) -> tuple[StatusChange, ...]:
    """The published status changes, oldest first (unreadable entries are left out)."""
    changes = []
    for item in value if isinstance(value, list) else ():
        at = _moment(item.get("at")) if isinstance(item, dict) else None
        if at is None or not isinstance(item.get("status"), str):
            continue
        reason = item.get("reason")
        changes.append(
            StatusChange(item["status"], at, reason if isinstance(reason, str) else None)
        )
    return tuple(sorted(changes, key=lambda change: change.at))


def _named(value: Any) -> tuple[NamedCode, ...]:
    items: Iterable[Any] = value if isinstance(value, list) else ()
    return tuple(
        NamedCode(str(i.get("code")), str(i.get("nameZh", "")), str(i.get("nameEn", "")))
        for i in items
        if isinstance(i, dict) and isinstance(i.get("code"), str)
    )


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _list(entry: Mapping[str, Any], name: str) -> list[Any]:
    value = entry.get(name)
    return value if isinstance(value, list) else []


def _moment(value: Any) -> datetime | None:
    return parse_datetime_stamp(value) if isinstance(value, str) else None


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def did_host(did: str) -> str | None:
    """The ``host[:port]`` a did:web DID is served from (``None`` for other methods)."""
    if not did.startswith("did:web:"):
        return None
    try:
        return urlsplit(did_web_to_url(did, allow_http=True)).netloc.lower()
    except DIDResolutionError:
        return None
