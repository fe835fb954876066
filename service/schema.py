"""Every package's tables, in one list: for migrations and for creating test databases."""

from __future__ import annotations

from sqlalchemy import MetaData

from issuer.models import Base as IssuerBase

METADATA: list[MetaData] = [IssuerBase.metadata]
