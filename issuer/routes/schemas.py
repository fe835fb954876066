"""The JSON Schemas that issued credentials name in ``credentialSchema`` (public)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter

from issuer.deps import ContextDep
from issuer.templates.validation import schema_for

router = APIRouter(tags=["schemas"])


@router.get(
    "/schemas/{kind}/v1.json",
    operation_id="get_credential_schema",
    summary="The JSON Schema (draft 2020-12) of an X certificate or a diploma.",
)
def get_credential_schema(
    kind: Literal["x-certificate", "diploma"], context: ContextDep
) -> dict[str, Any]:
    return schema_for(kind, context.base_url)
