"""The public registry: every organization, its accreditations and key history, and the audit
head — as JSON a verifier can cache (strong ETag, Cache-Control, 304 on If-None-Match) and as a
plain page for people (zh-CN and en, no JavaScript).

The body holds no clock reading, so it changes only when the registry does; the audit head in
it moves with every audited change, so a cached copy also says how far the log had grown.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, Response
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel
from sqlalchemy.orm import Session

from issuer import accreditation as acc
from issuer import keystore
from issuer import organizations as orgs
from issuer.audit import GENESIS
from issuer.deps import ContextDep, SessionDep
from issuer.models import AuditHead, Organization
from vc.did.key import did_key_verification_method
from vc.did.web import KeyRecord

router = APIRouter(tags=["registry"])

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: If-None-Match matched the ETag."}
}


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class KeyView(_Model):
    """One signing key of an organization's history, with its active period."""

    id: str
    fragment: str
    algorithm: str
    public_key_multibase: str
    active_from: datetime
    retired_at: datetime | None


class AuditHeadView(_Model):
    """The head of the hash-chained audit log when the registry was read."""

    sequence: int
    hash: str


class RegistryOrganization(_Model):
    """An organization as the registry publishes it."""

    slug: str
    kind: str
    name_zh: str
    name_en: str
    code: str | None
    did: str
    did_method: str
    accreditations: list[acc.AccreditationView]
    keys: list[KeyView]


class Registry(_Model):
    """Every organization, and the audit head."""

    organizations: list[RegistryOrganization]
    audit_head: AuditHeadView


class RegistryEntry(_Model):
    """One organization, and the audit head."""

    organization: RegistryOrganization
    audit_head: AuditHeadView


def _key_view(organization: Organization, key: KeyRecord) -> KeyView:
    vm_id = (
        did_key_verification_method(key.public_key)
        if organization.did_method == "key"
        else f"{organization.did}#{key.fragment}"
    )
    return KeyView(
        id=vm_id,
        fragment=key.fragment,
        algorithm=key.public_key.algorithm,
        public_key_multibase=key.public_key.multibase,
        active_from=key.active_from,
        retired_at=key.retired_at,
    )


def registry_organization(session: Session, organization: Organization) -> RegistryOrganization:
    """What the registry says about ``organization``."""
    accreditations = [
        acc.AccreditationView.of(a, organization)
        for a in acc.accreditations_of(session, organization)
    ]
    keys = [_key_view(organization, key) for key in keystore.key_history(session, organization)]
    return RegistryOrganization(
        slug=organization.slug,
        kind=organization.kind,
        name_zh=organization.name_zh,
        name_en=organization.name_en,
        code=organization.code,
        did=organization.did,
        did_method=organization.did_method,
        accreditations=accreditations,
        keys=keys,
    )


def audit_head(session: Session) -> AuditHeadView:
    head = session.get(AuditHead, 1)
    if head is None:
        return AuditHeadView(sequence=0, hash=GENESIS)
    return AuditHeadView(sequence=head.sequence, hash=head.hash)


def registry(session: Session) -> Registry:
    """The whole registry, organizations by slug."""
    return Registry(
        organizations=[
            registry_organization(session, organization)
            for organization in orgs.list_organizations(session)
        ],
        audit_head=audit_head(session),
    )


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(header: str, etag: str) -> bool:
    """RFC 9110 §13.1.2: If-None-Match uses weak comparison; ``*`` matches any."""
    tags = {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}
    return "*" in tags or etag in tags


def _cached(request: Request, body: bytes, media_type: str, max_age: int) -> Response:
    etag = _etag(body)
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if _matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type=media_type, headers=headers)


def _json(model: BaseModel) -> bytes:
    data: Any = model.model_dump(mode="json", by_alias=True)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@router.get(
    "/registry",
    operation_id="get_registry",
    response_model=Registry,
    response_class=Response,
    responses={200: {"model": Registry, "content": {"application/json": {}}}, **NOT_MODIFIED},
    summary="Public: every organization with its accreditations, key history and the "
    "audit head (cacheable: ETag, Cache-Control).",
)
def get_registry(request: Request, session: SessionDep, context: ContextDep) -> Response:
    return _cached(request, _json(registry(session)), "application/json", context.status_max_age)


@router.get(
    "/registry.html",
    operation_id="get_registry_page",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}, "description": "The page."}, **NOT_MODIFIED},
    summary="Public: the registry as a plain page in Chinese and English.",
)
def get_registry_page(request: Request, session: SessionDep, context: ContextDep) -> Response:
    page = render_page(registry(session)).encode("utf-8")
    return _cached(request, page, "text/html; charset=utf-8", context.status_max_age)


@router.get(
    "/registry/{slug}",
    operation_id="get_registry_organization",
    response_model=RegistryEntry,
    response_class=Response,
    responses={
        200: {"model": RegistryEntry, "content": {"application/json": {}}},
        404: {"description": "No such organization.", **PROBLEM},
        **NOT_MODIFIED,
    },
    summary="Public: one organization as the registry lists it, and the audit head.",
)
def get_registry_organization(
    slug: Annotated[str, Path(max_length=64)],
    request: Request,
    session: SessionDep,
    context: ContextDep,
) -> Response:
    organization = orgs.get_organization(session, slug)
    if organization is None:
        raise HTTPException(404, f"no organization with slug {slug!r}")
    entry = RegistryEntry(
        organization=registry_organization(session, organization), audit_head=audit_head(session)
    )
    return _cached(request, _json(entry), "application/json", context.status_max_age)


# --- the page ------------------------------------------------------------------------------

KIND_LABELS = {
    "evaluation-organization": "培训评价组织 / Evaluation organization",
    "school": "学校 / School",
}
STATUS_LABELS = {
    "active": "有效 / active",
    "suspended": "暂停 / suspended",
    "ended": "终止 / ended",
}
LEVEL_LABELS = {
    "junior": "初级 / junior",
    "intermediate": "中级 / intermediate",
    "senior": "高级 / senior",
    "secondary-vocational": "中职 / secondary vocational",
    "higher-vocational": "高职专科 / higher vocational",
    "vocational-bachelor": "职业本科 / vocational bachelor",
    "bachelor": "本科 / bachelor",
}
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.5}table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}"
    "th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}"
    "code{word-break:break-all}section{border-top:2px solid #333;margin-top:2rem}"
)


def _when(moment: datetime | None) -> str:
    return "—" if moment is None else escape(acc.iso(moment))


def _scope_html(scope: acc.EvaluationScope | acc.SchoolScope) -> str:
    if isinstance(scope, acc.EvaluationScope):
        named, levels = scope.skill_domains, list[str](scope.levels)
        named_label, level_label = "技能领域 / Skill domains", "等级 / Levels"
    else:
        named, levels = scope.majors, list[str](scope.education_levels)
        named_label, level_label = "专业 / Majors", "学历层次 / Education levels"
    items = "".join(
        f"<li><code>{escape(n.code)}</code> {escape(n.name_zh)} / {escape(n.name_en)}</li>"
        for n in named
    )
    level_text = ", ".join(escape(LEVEL_LABELS.get(level, level)) for level in levels)
    return f"{named_label}:<ul>{items}</ul>{level_label}: {level_text}"


def _accreditations_html(views: list[acc.AccreditationView]) -> str:
    if not views:
        return "<p>尚无认定 / No accreditation.</p>"
    rows = "".join(
        f"<tr><td>{view.id}</td><td>{_scope_html(view.scope)}</td>"
        f"<td>{_when(view.valid_from)} – {_when(view.valid_until)}</td>"
        f"<td>{escape(STATUS_LABELS.get(view.status, view.status))}</td>"
        f"<td>{escape(view.status_reason or '')}</td></tr>"
        for view in views
    )
    return (
        "<table><tr><th>#</th><th>范围 / Scope</th><th>有效期 / Period</th>"
        f"<th>状态 / Status</th><th>原因 / Reason</th></tr>{rows}</table>"
    )


def _keys_html(keys: list[KeyView]) -> str:
    rows = "".join(
        f"<tr><td><code>{escape(key.id)}</code></td><td>{escape(key.algorithm)}</td>"
        f"<td><code>{escape(key.public_key_multibase)}</code></td>"
        f"<td>{_when(key.active_from)}</td><td>{_when(key.retired_at)}</td></tr>"
        for key in keys
    )
    return (
        "<table><tr><th>密钥 / Key</th><th>算法 / Algorithm</th><th>公钥 / Public key</th>"
        f"<th>启用 / Active from</th><th>停用 / Retired</th></tr>{rows}</table>"
    )


def _organization_html(organization: RegistryOrganization) -> str:
    code = f" · {escape(organization.code)}" if organization.code else ""
    return (
        f'<section id="{escape(organization.slug)}"><h2>{escape(organization.name_zh)}'
        f"<br><small>{escape(organization.name_en)}</small></h2>"
        f"<p>{escape(KIND_LABELS.get(organization.kind, organization.kind))}{code}<br>"
        f"DID: <code>{escape(organization.did)}</code></p>"
        f"<h3>认定 / Accreditations</h3>{_accreditations_html(organization.accreditations)}"
        f"<h3>签名密钥 / Signing keys</h3>{_keys_html(organization.keys)}</section>"
    )


def render_page(document: Registry) -> str:
    """The registry as one self-contained HTML page (every value escaped, no script)."""
    body = "".join(_organization_html(o) for o in document.organizations) or (
        "<p>尚无登记的组织 / No organization is registered.</p>"
    )
    head = document.audit_head
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>认定机构名录 · Registry of accredited organizations</title>"
        f"<style>{STYLE}</style></head><body>"
        '<h1>认定机构名录<br><small lang="en">Registry of accredited organizations</small>'
        '</h1><p>机器可读版本 / Machine-readable: <a href="registry">registry (JSON)</a>. '
        f"审计日志头 / Audit log head: #{head.sequence} <code>{escape(head.hash)}</code></p>"
        f"{body}</body></html>"
    )
