"""End-to-end stories on the real app and a real database (see tests/support/service)."""

from tests.support.service import service

__all__ = ["service"]
