"""The outcome catalogue: supervisors recognize X certificates and diplomas as learning outcomes
with a credit value (and withdraw entries); anyone may read the catalogue.

Every refusal is a problem details object and writes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from issuer import outcome_catalogue as catalogue
from issuer.accreditation import EducationLevel, Level
from issuer.deps import ContextDep, SessionDep, SupervisorDep
from issuer.routes.common import CAMEL, Code, Name, refusals

router = APIRouter()

OutcomeId = Annotated[str, Path(max_length=40, description="The entry's id (lo-…).")]
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No API key, or an unknown or revoked one.", **PROBLEM},
    403: {"description": "The API key is not a supervisor's.", **PROBLEM},
    404: {"description": "No such entry.", **PROBLEM},
    409: {"description": "An entry for this outcome is in force, or it is withdrawn.", **PROBLEM},
    422: {"description": "The entry is malformed.", **PROBLEM},
}
LINKS_FROM_ENTRY: dict[str, Any] = {
    "GetOutcomeCatalogueEntry": {
        "operationId": "getOutcomeCatalogueEntry",
        "parameters": {"outcome_id": "$response.body#/id"},
        "description": "The entry just added, read back.",
    },
    "WithdrawOutcomeCatalogueEntry": {
        "operationId": "withdrawOutcomeCatalogueEntry",
        "parameters": {"outcome_id": "$response.body#/id"},
        "description": "Withdraw the entry just added.",
    },
}
"""OpenAPI links from a new entry to the operations on it (for clients and stateful fuzzing)."""
LINKS_FROM_LIST: dict[str, Any] = {
    "GetFirstOutcomeCatalogueEntry": {
        "operationId": "getOutcomeCatalogueEntry",
        "parameters": {"outcome_id": "$response.body#/entries/0/id"},
        "description": "The first entry listed.",
    },
}
"""OpenAPI link from the catalogue to its first entry (for clients and stateful fuzzing)."""


class RecognizedOutcome(BaseModel):
    """Which outcome an entry recognizes: an X certificate of one skill domain at one level, or
    a diploma of one education level (of one major, or of any major when none is given)."""

    model_config = CAMEL
    kind: Literal["x-certificate", "diploma"]
    skill_domain_code: Code | None = None
    level: Level | None = None
    education_level: EducationLevel | None = None
    major_code: Code | None = None


class OutcomeEntryInput(BaseModel):
    """A recognized learning outcome and its credit value."""

    model_config = CAMEL
    outcome: RecognizedOutcome
    name_zh: Name
    name_en: Name
    credits: Decimal = Field(gt=0, le=100, max_digits=6, decimal_places=2)


class OutcomeCatalogueEntry(BaseModel):
    model_config = CAMEL
    id: str
    outcome: dict[str, Any]
    name_zh: str
    name_en: str
    credits: float
    created_at: str
    withdrawn_at: str | None


class OutcomeEntryList(BaseModel):
    model_config = CAMEL
    entries: list[OutcomeCatalogueEntry]


@router.post(
    "/admin/outcome-catalogue",
    status_code=201,
    operation_id="addOutcomeCatalogueEntry",
    summary="Recognize an X certificate (skill domain, level) or a diploma as a learning "
    "outcome worth some credits",
    response_model=OutcomeCatalogueEntry,
    responses={**REFUSALS, 201: {"links": LINKS_FROM_ENTRY}},
    tags=["supervision"],
)
def add_entry(
    body: OutcomeEntryInput, session: SessionDep, context: ContextDep, caller: SupervisorDep
) -> dict[str, Any]:
    new = catalogue.NewEntry(
        kind=body.outcome.kind,
        name_zh=body.name_zh,
        name_en=body.name_en,
        credits=body.credits,
        skill_domain_code=body.outcome.skill_domain_code,
        level=body.outcome.level,
        education_level=body.outcome.education_level,
        major_code=body.outcome.major_code,
    )
    with refusals():
        row = catalogue.add_entry(session, new, actor=caller.label, now=context.clock())
    result = catalogue.entry_json(row)
    session.commit()
    return result


@router.post(
    "/admin/outcome-catalogue/{outcome_id}/withdraw",
    operation_id="withdrawOutcomeCatalogueEntry",
    summary="Stop recognizing an entry's outcome (outcomes it recognized stop counting)",
    response_model=OutcomeCatalogueEntry,
    responses=REFUSALS,
    tags=["supervision"],
)
def withdraw_entry(
    outcome_id: OutcomeId, session: SessionDep, context: ContextDep, caller: SupervisorDep
) -> dict[str, Any]:
    with refusals():
        row = catalogue.withdraw_entry(session, outcome_id, actor=caller.label, now=context.clock())
    result = catalogue.entry_json(row)
    session.commit()
    return result


@router.get(
    "/outcome-catalogue",
    operation_id="listOutcomeCatalogue",
    summary="The recognized learning outcomes and their credit values (public)",
    response_model=OutcomeEntryList,
    responses={200: {"links": LINKS_FROM_LIST}},
    tags=["credit-bank"],
)
def list_entries(
    session: SessionDep,
    include_withdrawn: Annotated[
        bool, Query(alias="includeWithdrawn", description="Also list withdrawn entries.")
    ] = False,
) -> dict[str, Any]:
    rows = catalogue.entries(session, include_withdrawn=include_withdrawn)
    return {"entries": [catalogue.entry_json(row) for row in rows]}


@router.get(
    "/outcome-catalogue/{outcome_id}",
    operation_id="getOutcomeCatalogueEntry",
    summary="One catalogue entry, in force or withdrawn (public)",
    response_model=OutcomeCatalogueEntry,
    responses={404: REFUSALS[404]},
    tags=["credit-bank"],
)
def get_entry(outcome_id: OutcomeId, session: SessionDep) -> dict[str, Any]:
    with refusals():
        row = catalogue.entry_of(session, outcome_id)
    return catalogue.entry_json(row)
