"""What the verifier's routes need, set on ``app.state.verifier`` by ``service/``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from verifier.challenges import ChallengeStore
from verifier.pipeline import Verifier
from verifier.ports import GrantLookup
from verifier.ratelimit import TokenBuckets


@dataclass(frozen=True)
class VerifierContext:
    """The pipeline, the challenge store, (once the wallet plugs one in) the grant lookup, and
    the per-client rate limit of verification requests (None: no limit)."""

    verifier: Verifier
    challenges: ChallengeStore
    clock: Callable[[], datetime]
    grants: GrantLookup | None = None
    limiter: TokenBuckets | None = None


async def verifier_context(request: Request) -> VerifierContext:
    """(``async``: FastAPI would run a plain function in the thread pool, a needless hop.)"""
    context = request.app.state.verifier
    if not isinstance(context, VerifierContext):  # pragma: no cover - a wiring mistake
        raise TypeError("app.state.verifier is not a VerifierContext")
    return context


VerifierDep = Annotated[VerifierContext, Depends(verifier_context)]
