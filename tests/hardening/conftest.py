"""Hardening tests run against the real app and a real, empty database (tests/support/service)."""

from tests.support.service import service

__all__ = ["service"]
