"""The revocation registry's operations: revoke, suspend, unsuspend and reissue.

Only the organization that issued a credential may change its status (:class:`NotIssuer`
otherwise). Every operation works in the caller's transaction and writes an audit entry there;
nothing is committed here, and when anything is refused nothing has been written.

- **revoke** is irreversible: it sets the bit in the credential's revocation list. Revoking twice
  is a :class:`StatusConflict`.
- **suspend** / **unsuspend** set and clear the bit in the suspension list. Unsuspending a revoked
  credential is refused (it stays revoked either way, and its record keeps the suspension).
- **reissue** builds a corrected credential from the old one's template request plus
  ``changes`` (an RFC 7396 JSON Merge Patch of the camelCase request, validated as at
  issuance), signs it with ``replaces`` naming the old one, and revokes the old one with reason
  ``superseded``, its record naming its successor.
- :func:`update_status` is the VC-API "update status" operation: it sets a status to a value, so
  setting the value a credential already has changes nothing (no conflict); clearing a
  revocation is refused.

The national ID number is never stored in clear: issuance keeps the request without it and keeps
the credential's salted hash (its OB3 ``IdentityObject``) instead. A reissue carries that hash
over unchanged; a reissue whose changes give a new number hashes it afresh with a fresh salt,
and ``null`` removes it.

Reason codes are a fixed vocabulary (shown by the public status lookup); the free-text reason is
kept for the organization and the audit log only.
"""

from __future__ import annotations

import copy
import json
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal, get_args

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import audit, status
from issuer.context import IssuerContext
from issuer.issuance import Issued, issue_from_template
from issuer.models import IssuedCredential, Organization
from issuer.templates.requests import DiplomaRequest, XCertificateRequest

RevocationReason = Literal[
    "misconduct",
    "issued-in-error",
    "data-error",
    "accreditation-withdrawn",
    "learner-request",
    "other",
]
SuspensionReason = Literal["under-investigation", "inspection", "dispute", "other"]
UnsuspensionReason = Literal["cleared", "suspended-in-error", "other"]

REVOCATION_REASONS: tuple[str, ...] = get_args(RevocationReason)
SUSPENSION_REASONS: tuple[str, ...] = get_args(SuspensionReason)
UNSUSPENSION_REASONS: tuple[str, ...] = get_args(UnsuspensionReason)
SUPERSEDED = "superseded"
"""The revocation reason code of a reissued credential; only :func:`reissue` sets it."""

MAX_REASON_LENGTH = 500
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})

State = Literal["active", "revoked", "suspended"]


class RevocationError(ValueError):
    """A status change or reissue was refused; nothing was written."""


class CredentialNotFound(RevocationError):
    """No credential has this id."""


class NotIssuer(RevocationError):
    """The credential was issued by another organization."""


class StatusConflict(RevocationError):
    """The credential's present state does not allow the change (e.g. revoked twice)."""


class NotReissuable(RevocationError):
    """The credential was not issued from a template (its request is not kept)."""


class InvalidChange(RevocationError):
    """The reason, or the changes of a reissue, are not valid; ``errors`` lists each fault."""

    def __init__(self, message: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


@dataclass(frozen=True)
class Reissued:
    """The replaced credential's record and the new credential (``created`` False: a replay)."""

    old: IssuedCredential
    new: Issued


@dataclass(frozen=True)
class PublicStatus:
    """What anyone may learn about a credential by its id: its state, no learner data."""

    id: str
    status: State
    reason: str | None
    superseded_by: str | None


def state_of(row: IssuedCredential) -> State:
    return "revoked" if row.revoked else "suspended" if row.suspended else "active"


# --- revoke, suspend, unsuspend ----------------------------------------------------------------


def revoke(
    session: Session,
    context: IssuerContext,
    organization: Organization,
    credential_id: str,
    *,
    reason_code: str,
    reason: str,
    actor: str,
) -> IssuedCredential:
    """Revoke a credential for good (its revocation bit is set)."""
    _check_reason(reason_code, REVOCATION_REASONS, reason)
    row = _own_locked(session, organization, credential_id)
    if row.revoked:
        raise StatusConflict(
            f"credential {credential_id} is already revoked "
            f"({row.revocation_reason_code}); revocation cannot be repeated or undone"
        )
    _revoke_row(session, context, row, reason_code, reason)
    _audit(session, context, organization, row, actor, "credential.revoke", reason_code, reason)
    return row


def suspend(
    session: Session,
    context: IssuerContext,
    organization: Organization,
    credential_id: str,
    *,
    reason_code: str,
    reason: str,
    actor: str,
) -> IssuedCredential:
    """Suspend a credential (its suspension bit is set) until :func:`unsuspend`."""
    _check_reason(reason_code, SUSPENSION_REASONS, reason)
    row = _own_locked(session, organization, credential_id)
    if row.revoked:
        raise StatusConflict(f"credential {credential_id} is revoked; it cannot be suspended")
    if row.suspended:
        raise StatusConflict(
            f"credential {credential_id} is already suspended ({row.suspension_reason_code})"
        )
    now = context.clock()
    status.set_status(session, row.suspension_list_id, row.suspension_index, True, now=now)
    row.suspended, row.suspended_at = True, now
    row.suspension_reason_code, row.suspension_reason = reason_code, reason
    _audit(session, context, organization, row, actor, "credential.suspend", reason_code, reason)
    return row


def unsuspend(
    session: Session,
    context: IssuerContext,
    organization: Organization,
    credential_id: str,
    *,
    reason_code: str,
    reason: str,
    actor: str,
) -> IssuedCredential:
    """Lift a suspension (its suspension bit is cleared); refused for a revoked credential."""
    _check_reason(reason_code, UNSUSPENSION_REASONS, reason)
    row = _own_locked(session, organization, credential_id)
    if row.revoked:
        raise StatusConflict(
            f"credential {credential_id} is revoked; unsuspending it is refused "
            "(revocation is irreversible)"
        )
    if not row.suspended:
        raise StatusConflict(f"credential {credential_id} is not suspended")
    now = context.clock()
    status.set_status(session, row.suspension_list_id, row.suspension_index, False, now=now)
    row.suspended, row.suspended_at = False, None
    row.suspension_reason_code, row.suspension_reason = None, None
    _audit(session, context, organization, row, actor, "credential.unsuspend", reason_code, reason)
    return row


def update_status(
    session: Session,
    context: IssuerContext,
    organization: Organization,
    credential_id: str,
    *,
    purpose: Literal["revocation", "suspension"],
    value: bool,
    actor: str,
    reason_code: str | None = None,
    reason: str | None = None,
) -> bool:
    """Set the ``purpose`` status to ``value`` (VC-API); returns whether anything changed."""
    row = _own_locked(session, organization, credential_id)
    text = reason or "status set through the VC-API status endpoint"
    if purpose == "revocation":
        if row.revoked == value:
            return False
        if not value:
            raise StatusConflict(
                f"credential {credential_id} is revoked; revocation is irreversible"
            )
        code = reason_code or "other"
        revoke(session, context, organization, row.id, reason_code=code, reason=text, actor=actor)
        return True
    if row.suspended == value:
        return False
    change = suspend if value else unsuspend
    code = reason_code or "other"
    change(session, context, organization, row.id, reason_code=code, reason=text, actor=actor)
    return True


def public_status(session: Session, credential_id: str) -> PublicStatus | None:
    """The public view of a credential's state, or None when no credential has that id."""
    row = session.get(IssuedCredential, credential_id)
    if row is None:
        return None
    state = state_of(row)
    reason = (
        row.revocation_reason_code
        if state == "revoked"
        else row.suspension_reason_code
        if state == "suspended"
        else None
    )
    return PublicStatus(row.id, state, reason, row.superseded_by)


# --- reissue -----------------------------------------------------------------------------------


def reissue(
    session: Session,
    context: IssuerContext,
    organization: Organization,
    credential_id: str,
    changes: dict[str, Any],
    *,
    actor: str,
    idempotency_key: str | None = None,
) -> Reissued:
    """Issue a corrected credential replacing ``credential_id``, and revoke the old one.

    ``changes`` is a JSON Merge Patch (RFC 7396) of the camelCase template request: objects
    merge, any other value replaces, ``null`` removes. The result is validated as an issuance
    request and must differ from the original. The new credential has the old one's format,
    learner DID (unless changed) and hashed national ID (unless changed), and ``replaces``.
    With ``idempotency_key`` a retried reissue returns the credential made the first time.
    """
    if not isinstance(changes, dict):
        raise InvalidChange(f"changes must be a JSON object, not {type(changes).__name__}")
    old = _own_locked(session, organization, credential_id)
    kept = _kept_request(old)
    request, changed = _changed_request(kept, changes, old)
    carried = None if "nationalIdNumber" in changed_learner(changes) else kept["nationalIdentity"]

    def issue() -> Issued:
        return issue_from_template(
            session,
            context,
            organization,
            request,
            actor=actor,
            fmt="jwt" if old.format == "jwt" else "ldp",
            idempotency_key=idempotency_key,
            replaces=old.id,
            carried_identity=carried,
        )

    if idempotency_key is not None and _key_used(session, organization, idempotency_key):
        # A retry: issuance answers the first result, or refuses a different request.
        return Reissued(old, issue())
    _check_reissuable(old)
    now = context.clock()
    # The old revocation bit first: lists are always locked before the audit head.
    status.set_status(session, old.revocation_list_id, old.revocation_index, True, now=now)
    new = issue()
    old.revoked, old.revoked_at, old.superseded_by = True, now, new.row.id
    old.revocation_reason_code = SUPERSEDED
    old.revocation_reason = f"superseded by {new.row.id}"
    audit.record(
        session,
        actor=actor,
        action="credential.revoke",
        subject=old.id,
        data={
            "organization": organization.slug,
            "reasonCode": SUPERSEDED,
            "supersededBy": new.row.id,
            "changedFields": changed,
        },
        at=now,
    )
    session.flush()
    return Reissued(old, new)


def changed_learner(changes: dict[str, Any]) -> dict[str, Any]:
    learner = changes.get("learner")
    return learner if isinstance(learner, dict) else {}


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch: ``patch`` applied to ``target`` (neither is modified)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _kept_request(row: IssuedCredential) -> dict[str, Any]:
    if row.template_request is None:
        raise NotReissuable(
            f"credential {row.id} was not issued from a template (kind {row.kind!r}), so there "
            "is no request to correct; revoke it and issue a new credential instead"
        )
    kept: dict[str, Any] = json.loads(row.template_request)
    return kept


def _changed_request(
    kept: dict[str, Any], changes: dict[str, Any], old: IssuedCredential
) -> tuple[XCertificateRequest | DiplomaRequest, list[str]]:
    original = kept["request"]
    merged = merge_patch(original, changes)
    if "did" not in changed_learner(changes):  # a DID bound at claim time stays bound
        for body in (original, merged):
            learner = body.get("learner")
            if isinstance(learner, dict) and "did" not in learner and old.learner_did:
                learner["did"] = old.learner_did
    model = XCertificateRequest if kept["kind"] == "x-certificate" else DiplomaRequest
    try:
        request = model.model_validate(merged)
    except ValidationError as exc:
        raise InvalidChange(
            "the changed request is not valid: " + _first_error(exc), _errors(exc)
        ) from None
    changed = _changed_paths(_comparable(model.model_validate(original)), _comparable(request))
    if "nationalIdNumber" in changed_learner(changes):
        changed.append("learner.nationalIdNumber")
    if not changed:
        raise InvalidChange("the changes change nothing: a reissue must correct something")
    return request, changed


def _comparable(request: XCertificateRequest | DiplomaRequest) -> dict[str, Any]:
    """The request's values (Decimals compare by value: credits ``4`` equal ``"4.0"``)."""
    body: dict[str, Any] = request.model_dump(by_alias=True, exclude_none=True)
    body["learner"].pop("nationalIdNumber", None)
    return body


def _changed_paths(before: Any, after: Any, prefix: str = "") -> list[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        paths: list[str] = []
        for key in sorted(set(before) | set(after)):
            paths += _changed_paths(before.get(key), after.get(key), f"{prefix}{key}.")
        return paths
    return [] if before == after else [prefix.rstrip(".")]


def _errors(exc: ValidationError) -> list[dict[str, str]]:
    """Each fault as a JSON pointer and message — never the input (it may be an ID number)."""
    return [
        {
            "pointer": "/" + "/".join(str(part) for part in error["loc"]),
            "detail": error["msg"],
        }
        for error in exc.errors(include_input=False, include_url=False)
    ]


def _first_error(exc: ValidationError) -> str:
    errors = _errors(exc)
    first = f"{errors[0]['pointer']}: {errors[0]['detail']}" if errors else "invalid"
    return first + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else "")


def _check_reissuable(old: IssuedCredential) -> None:
    if old.superseded_by is not None:
        raise StatusConflict(
            f"credential {old.id} was already reissued as {old.superseded_by}; "
            "reissue that one instead"
        )
    if old.revoked:
        raise StatusConflict(f"credential {old.id} is revoked; a revoked credential is final")
    if old.suspended:
        raise StatusConflict(f"credential {old.id} is suspended; unsuspend it before reissuing")


def _key_used(session: Session, organization: Organization, key: str) -> bool:
    found = session.scalar(
        select(IssuedCredential.id).where(
            IssuedCredential.organization_id == organization.id,
            IssuedCredential.idempotency_key == key,
        )
    )
    return found is not None


# --- shared ------------------------------------------------------------------------------------


def _own_locked(
    session: Session, organization: Organization, credential_id: str
) -> IssuedCredential:
    """The credential row, locked and freshly read; it must be ``organization``'s."""
    row = session.scalar(
        select(IssuedCredential)
        .where(IssuedCredential.id == credential_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise CredentialNotFound(f"no credential {credential_id!r}")
    if row.organization_id != organization.id:
        raise NotIssuer(
            f"credential {credential_id} was not issued by {organization.slug!r}; only its "
            "issuer may change its status"
        )
    return row


def _revoke_row(
    session: Session, context: IssuerContext, row: IssuedCredential, code: str, reason: str
) -> None:
    now = context.clock()
    status.set_status(session, row.revocation_list_id, row.revocation_index, True, now=now)
    row.revoked, row.revoked_at = True, now
    row.revocation_reason_code, row.revocation_reason = code, reason


def _audit(
    session: Session,
    context: IssuerContext,
    organization: Organization,
    row: IssuedCredential,
    actor: str,
    action: str,
    code: str,
    reason: str,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        subject=row.id,
        data={"organization": organization.slug, "reasonCode": code, "reason": reason},
        at=context.clock(),
    )
    session.flush()


def _check_reason(code: str, allowed: tuple[str, ...], reason: str) -> None:
    if code not in allowed:
        raise InvalidChange(
            f"reasonCode must be one of {', '.join(allowed)}, not {code!r}",
            [{"pointer": "/reasonCode", "detail": f"must be one of {', '.join(allowed)}"}],
        )
    text = reason.strip() if isinstance(reason, str) else ""
    problem = (
        "must not be empty"
        if not text
        else f"must be at most {MAX_REASON_LENGTH} characters"
        if len(reason) > MAX_REASON_LENGTH
        else "must not contain control characters"
        if any(unicodedata.category(c) in _FORBIDDEN_CATEGORIES for c in reason)
        else None
    )
    if problem is not None:
        raise InvalidChange(f"reason {problem}", [{"pointer": "/reason", "detail": problem}])
