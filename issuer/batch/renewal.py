"""Renewals in a batch: the earlier credential is revoked as superseded by the new one.

This is the revocation registry's reissue rule (:func:`issuer.revocation.reissue`) applied to
a batch row that names the credential it replaces: the earlier credential must still be in
force (not revoked, suspended or superseded); its revocation bit is set, its record names its
successor with the reason code ``superseded``, and a ``credential.revoke`` audit entry is
written — in the same transaction that stores the new credential. The new credential keeps the
learner's DID and hashed national ID of the earlier one when the row gives none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import status
from issuer.batch.chain import Entry
from issuer.models import IssuedCredential, Organization
from issuer.revocation import SUPERSEDED


@dataclass(frozen=True)
class Earlier:
    """What a renewal carries over from the credential it replaces."""

    id: str
    learner_did: str | None
    national_identity: dict[str, Any] | None


def earlier_credentials(session: Session, ids: list[str]) -> dict[str, Earlier]:
    """The carried-over parts of the credentials ``ids`` (those that exist)."""
    if not ids:
        return {}
    found = session.execute(
        select(
            IssuedCredential.id, IssuedCredential.learner_did, IssuedCredential.template_request
        ).where(IssuedCredential.id.in_(ids))
    )
    return {
        identifier: Earlier(identifier, did, _identity(kept)) for identifier, did, kept in found
    }


def _identity(kept: str | None) -> dict[str, Any] | None:
    if kept is None:
        return None
    identity = json.loads(kept).get("nationalIdentity")
    return identity if isinstance(identity, dict) else None


def in_force_problem(row: IssuedCredential | None, organization: Organization) -> str | None:
    """Why the credential cannot be superseded now, or None."""
    if row is None or row.organization_id != organization.id:
        return "the credential it replaces is gone"
    if row.superseded_by is not None:
        return f"{row.id} was already reissued as {row.superseded_by}"
    if row.revoked:
        return f"{row.id} is revoked; a revoked credential is final"
    if row.suspended:
        return f"{row.id} is suspended; unsuspend it before renewing"
    return None


def supersede(
    session: Session,
    organization: Organization,
    earlier_id: str,
    new_id: str,
    *,
    now: datetime,
) -> Entry | str:
    """Revoke ``earlier_id`` as superseded by ``new_id``: the audit entry to write, or why not."""
    row = session.scalar(
        select(IssuedCredential)
        .where(IssuedCredential.id == earlier_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    problem = in_force_problem(row, organization)
    if problem is not None or row is None:
        return problem or "the credential it replaces is gone"
    status.set_status(session, row.revocation_list_id, row.revocation_index, True, now=now)
    row.revoked, row.revoked_at, row.superseded_by = True, now, new_id
    row.revocation_reason_code = SUPERSEDED
    row.revocation_reason = f"superseded by {new_id}"
    return Entry(
        "credential.revoke",
        earlier_id,
        {"organization": organization.slug, "reasonCode": SUPERSEDED, "supersededBy": new_id},
    )
