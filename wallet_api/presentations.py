"""Verifiable presentations (VC Data Model 2.0) of credentials chosen from the wallet.

A presentation names the learner as ``holder`` and carries the credentials whole; the wallet
signs it with the learner's key (eddsa-rdfc-2022, proof purpose ``authentication``, the
verifier's ``challenge`` and ``domain``). A learner who holds their own key gets the unsigned
presentation, signs it themselves, and may upload it to a grant (checked here: the holder, the
proof and the credentials).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from vc.cryptosuites import EDDSA_RDFC_2022
from vc.data_integrity import ProofOptions, add_proof, format_datetime
from vc.jsonld import DocumentLoader
from vc.keys import KeyPair

VC_V2 = "https://www.w3.org/ns/credentials/v2"


def unsigned_presentation(holder: str, credentials: list[dict[str, Any]]) -> dict[str, Any]:
    """A presentation of ``credentials`` by ``holder`` (no proof yet)."""
    return {
        "@context": [VC_V2],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": credentials,
    }


def sign_presentation(
    presentation: dict[str, Any],
    *,
    key: KeyPair,
    verification_method: str,
    challenge: str | None,
    domain: str | None,
    now: datetime,
    loader: DocumentLoader,
) -> dict[str, Any]:
    """``presentation`` with an ``authentication`` proof by ``key``."""
    options = ProofOptions(
        verification_method=verification_method,
        proof_purpose="authentication",
        created=format_datetime(now),
        challenge=challenge,
        domain=domain,
    )
    return add_proof(presentation, suite=EDDSA_RDFC_2022, key=key, options=options, loader=loader)


def presented_credential_ids(presentation: dict[str, Any]) -> list[str]:
    """The ids of the credentials a presentation carries (in order)."""
    found = presentation.get("verifiableCredential")
    items = found if isinstance(found, list) else [found] if found is not None else []
    return [str(item.get("id")) for item in items if isinstance(item, dict)]
