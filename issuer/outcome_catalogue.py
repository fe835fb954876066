"""The supervisor's outcome catalogue (学习成果目录): which X certificates and diplomas the credit
bank recognizes as learning outcomes, and what each is worth in credits.

An entry recognizes either an X certificate of one skill domain at one level, or a diploma of
one education level — of one major, or of any major when the entry names none (an entry for the
major wins over the any-major entry). At most one entry in force per such key; withdrawing an
entry keeps it readable (the credit bank shows why an outcome stopped counting).

A credential's own ``creditsEarned`` is what its issuer stated; the credit bank counts the
catalogue's value, so one supervisor decision applies to every issuer alike.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issuer import audit
from issuer.accreditation import iso
from issuer.models import OutcomeEntry
from issuer.refusals import Refused

OutcomeKind = Literal["x-certificate", "diploma"]
ANY_MAJOR = "*"


class CatalogueError(Refused):
    """A catalogue change was refused; nothing was written."""

    status = 422
    title = "Invalid catalogue entry"


class CatalogueNotFound(CatalogueError):
    status = 404
    title = "No such catalogue entry"


class CatalogueConflict(CatalogueError):
    status = 409
    title = "Catalogue entry conflicts"


@dataclass(frozen=True)
class NewEntry:
    """An entry as a supervisor declares it (validated by the route's input model)."""

    kind: OutcomeKind
    name_zh: str
    name_en: str
    credits: Decimal
    skill_domain_code: str | None = None
    level: str | None = None
    education_level: str | None = None
    major_code: str | None = None


def match_key(
    kind: str,
    *,
    skill_domain_code: str | None = None,
    level: str | None = None,
    education_level: str | None = None,
    major_code: str | None = None,
) -> str:
    """The key an entry recognizes: ``x-certificate|<domain>|<level>`` or
    ``diploma|<education level>|<major or *>``."""
    if kind == "x-certificate":
        return f"x-certificate|{skill_domain_code}|{level}"
    return f"diploma|{education_level}|{major_code or ANY_MAJOR}"


@dataclass(frozen=True)
class Catalogue:
    """The entries in force, by key: looking an outcome up is pure."""

    by_key: dict[str, OutcomeEntry]

    @cached_property
    def by_id(self) -> dict[str, OutcomeEntry]:
        """The same entries by id (made once per catalogue)."""
        return {row.id: row for row in self.by_key.values()}

    def entry_for(
        self,
        kind: str,
        *,
        skill_domain_code: str | None = None,
        level: str | None = None,
        education_level: str | None = None,
        major_code: str | None = None,
    ) -> OutcomeEntry | None:
        """The entry recognizing such an outcome, or None when the catalogue has none."""
        if kind == "x-certificate":
            if skill_domain_code is None or level is None:
                return None
            return self.by_key.get(
                match_key(kind, skill_domain_code=skill_domain_code, level=level)
            )
        if kind == "diploma" and education_level is not None:
            exact = self.by_key.get(
                match_key(kind, education_level=education_level, major_code=major_code)
            )
            if exact is not None and major_code is not None:
                return exact
            return self.by_key.get(match_key(kind, education_level=education_level))
        return None


def catalogue(session: Session) -> Catalogue:
    """The catalogue in force now."""
    return Catalogue({row.match_key: row for row in entries(session)})


def entries(session: Session, *, include_withdrawn: bool = False) -> list[OutcomeEntry]:
    """Entries by kind and key (those in force unless ``include_withdrawn``)."""
    query = select(OutcomeEntry)
    if not include_withdrawn:
        query = query.where(OutcomeEntry.withdrawn_at.is_(None))
    return list(session.scalars(query.order_by(OutcomeEntry.match_key, OutcomeEntry.created_at)))


def entry_of(session: Session, entry_id: str) -> OutcomeEntry:
    row = session.get(OutcomeEntry, entry_id)
    if row is None:
        raise CatalogueNotFound(f"the outcome catalogue has no entry {entry_id!r}")
    return row


def _check(new: NewEntry) -> None:
    if new.credits <= 0:
        raise CatalogueError(f"credits must be above 0, not {new.credits}")
    if new.kind == "x-certificate" and (new.skill_domain_code is None or new.level is None):
        raise CatalogueError("an x-certificate entry needs skillDomainCode and level")
    if new.kind == "x-certificate" and (new.education_level or new.major_code):
        raise CatalogueError("an x-certificate entry takes no educationLevel or majorCode")
    if new.kind == "diploma" and new.education_level is None:
        raise CatalogueError("a diploma entry needs educationLevel")
    if new.kind == "diploma" and (new.skill_domain_code or new.level):
        raise CatalogueError("a diploma entry takes no skillDomainCode or level")


def add_entry(session: Session, new: NewEntry, *, actor: str, now: datetime) -> OutcomeEntry:
    """Recognize an outcome; :class:`CatalogueConflict` when an entry for it is in force."""
    _check(new)
    key = match_key(
        new.kind,
        skill_domain_code=new.skill_domain_code,
        level=new.level,
        education_level=new.education_level,
        major_code=new.major_code,
    )
    present = catalogue(session).by_key.get(key)
    if present is not None:
        raise CatalogueConflict(
            f"entry {present.id} already recognizes {key}; withdraw it first to change it"
        )
    row = OutcomeEntry(
        id=f"lo-{secrets.token_hex(8)}",
        kind=new.kind,
        match_key=key,
        active_key=key,
        skill_domain_code=new.skill_domain_code,
        level=new.level,
        education_level=new.education_level,
        major_code=new.major_code,
        name_zh=new.name_zh,
        name_en=new.name_en,
        credits=str(new.credits),
        created_at=now,
        created_by=actor,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:  # another process added the same key just now
        raise CatalogueConflict(f"an entry for {key} was added at the same time") from exc
    audit.record(
        session,
        actor=actor,
        action="outcome-catalogue.add",
        subject=row.id,
        data={"key": key, "credits": str(new.credits)},
        at=now,
    )
    return row


def withdraw_entry(session: Session, entry_id: str, *, actor: str, now: datetime) -> OutcomeEntry:
    """Stop recognizing an entry's outcomes from ``now`` on (the entry stays readable)."""
    row = entry_of(session, entry_id)
    if row.withdrawn_at is not None:
        raise CatalogueConflict(f"entry {entry_id} was withdrawn at {iso(row.withdrawn_at)}")
    row.withdrawn_at, row.active_key = now, None
    audit.record(
        session,
        actor=actor,
        action="outcome-catalogue.withdraw",
        subject=row.id,
        data={"key": row.match_key},
        at=now,
    )
    session.flush()
    return row


def entry_json(row: OutcomeEntry) -> dict[str, Any]:
    """The published form of an entry (camelCase JSON)."""
    outcome: dict[str, Any] = {"kind": row.kind}
    if row.kind == "x-certificate":
        outcome.update(skillDomainCode=row.skill_domain_code, level=row.level)
    else:
        outcome.update(educationLevel=row.education_level, majorCode=row.major_code)
    return {
        "id": row.id,
        "outcome": outcome,
        "nameZh": row.name_zh,
        "nameEn": row.name_en,
        "credits": float(Decimal(row.credits)),
        "createdAt": iso(row.created_at),
        "withdrawnAt": iso(row.withdrawn_at) if row.withdrawn_at else None,
    }
