"""API tests run against the real app and a real, empty database (see tests/support/service)."""

from tests.support.service import service

__all__ = ["service"]
