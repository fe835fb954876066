"""The ASGI entry point uvicorn imports: the app built from ONEX_* settings (factory mode)."""

from __future__ import annotations

from fastapi import FastAPI

from service.app import create_app
from service.settings import Settings


def app_from_environment() -> FastAPI:
    """``uvicorn --factory service.asgi:app_from_environment``: each worker builds its app."""
    return create_app(Settings())
