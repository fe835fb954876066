"""Sign documents with an organization's active key: Data Integrity or vc+jwt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from issuer import keystore
from issuer.context import IssuerContext
from issuer.models import Organization, SigningKey
from vc.cryptosuites import ECDSA_RDFC_2019, EDDSA_RDFC_2022, Cryptosuite
from vc.data_integrity import ProofOptions, add_proof, format_datetime
from vc.jose import sign_vc_jwt

DEFAULT_SUITES: dict[str, Cryptosuite] = {"Ed25519": EDDSA_RDFC_2022, "P-256": ECDSA_RDFC_2019}


@dataclass(frozen=True)
class OrganizationSigner:
    """An organization's active key, decrypted, with its verification method URL."""

    key_row: SigningKey
    verification_method: str
    context: IssuerContext

    @classmethod
    def active(
        cls, session: Session, organization: Organization, context: IssuerContext
    ) -> OrganizationSigner:
        key_row = keystore.active_key(session, organization)
        return cls(key_row, keystore.verification_method_id(organization, key_row), context)

    def sign(self, document: dict[str, Any], *, now: datetime) -> dict[str, Any]:
        """Add a Data Integrity proof (eddsa-rdfc-2022 or ecdsa-rdfc-2019 by key type)."""
        pair = keystore.load_signer(self.key_row, self.context)
        options = ProofOptions(
            verification_method=self.verification_method, created=format_datetime(now)
        )
        return add_proof(
            document,
            suite=DEFAULT_SUITES[pair.algorithm],
            key=pair,
            options=options,
            loader=self.context.loader,
        )

    def sign_jwt(self, document: dict[str, Any]) -> str:
        """Secure the credential as application/vc+jwt."""
        pair = keystore.load_signer(self.key_row, self.context)
        return sign_vc_jwt(document, pair, kid=self.verification_method)
