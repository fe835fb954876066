"""Every package's tables, in one list: for migrations and for creating test databases."""

from __future__ import annotations

from sqlalchemy import MetaData

from issuer.models import Base as IssuerBase
from verifier.models import Base as VerifierBase
from wallet_api.models import Base as WalletBase

METADATA: list[MetaData] = [IssuerBase.metadata, VerifierBase.metadata, WalletBase.metadata]
