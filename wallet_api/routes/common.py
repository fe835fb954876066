"""Pieces the wallet's routes share: the output model base and problem responses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import HTTPException
from pydantic import BaseModel, ConfigDict, field_validator
from pydantic.alias_generators import to_camel

from wallet_api.ratelimit import RateLimited

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
SIGNED_IN: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in, or the session expired.", **PROBLEM},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "Not in this learner's wallet.", **PROBLEM},
}
LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many attempts from this client; see Retry-After.", **PROBLEM},
}


class Model(BaseModel):
    """camelCase JSON both ways; unknown input fields refused; times always in UTC with a zone
    (SQLite hands back naive datetimes, stored as UTC)."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        serialize_by_alias=True,
        extra="forbid",
    )

    @field_validator("*", mode="after")
    @classmethod
    def _aware(cls, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value


def too_many(exc: RateLimited) -> HTTPException:
    return HTTPException(
        429,
        {"title": "Too many attempts", "detail": str(exc)},
        headers={"Retry-After": str(exc.retry_after)},
    )
