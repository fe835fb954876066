"""Wiring of the verifier into the app: its context on `app.state`, its routes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from service.settings import Settings


def install(
    app: FastAPI,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime],
) -> None:
    """Set up the verifier's context and mount its routes (nothing yet)."""
