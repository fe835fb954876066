"""Building blocks for verifier tests without a database: a did:key organization, its signed
credentials, a registry entry for it, status lists and grants held in memory."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.paths import DATA
from vc.cryptosuites import EDDSA_RDFC_2022
from vc.data_integrity import ProofOptions, add_proof
from vc.did.key import did_key, did_key_verification_method, resolve_did_key
from vc.jsonld import DocumentLoader
from vc.keys import KeyPair
from vc.status_list import StatusList
from verifier.pipeline import Verifier, VerifierConfig
from verifier.ports import (
    CredentialState,
    Grant,
    SourceUnavailable,
    StatusListView,
)
from verifier.registry import DirectoryEntry, RegistryTrust
from verifier.remote import CacheLog, DirectoryResolver, FetchingResolver

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
STATUS_BASE = "https://status.example/lists"
LOADER = DocumentLoader.bundled()
WEB_FRONTEND = {"code": "0402", "nameZh": "Web前端开发", "nameEn": "Web Front-End Development"}


@dataclass(frozen=True)
class Signer:
    """An organization (or a learner) with a did:key."""

    pair: KeyPair

    @classmethod
    def new(cls) -> Signer:
        return cls(KeyPair.generate("Ed25519"))

    @property
    def did(self) -> str:
        return did_key(self.pair.public)

    @property
    def method(self) -> str:
        return did_key_verification_method(self.pair.public)

    def sign(
        self,
        document: dict[str, Any],
        *,
        purpose: str = "assertionMethod",
        challenge: str | None = None,
        domain: str | None = None,
        created: str = "2026-06-01T09:00:00Z",
    ) -> dict[str, Any]:
        options = ProofOptions(
            verification_method=self.method,
            proof_purpose=purpose,
            created=created,
            challenge=challenge,
            domain=domain,
        )
        return add_proof(
            document, suite=EDDSA_RDFC_2022, key=self.pair, options=options, loader=LOADER
        )


def status_url(purpose: str, sequence: int = 1) -> str:
    return f"{STATUS_BASE}/{purpose}/{sequence}"


def x_certificate(
    issuer: str,
    *,
    subject: str | None = None,
    valid_from: str = "2026-06-01T09:00:00Z",
    level: str = "intermediate",
    domain: str = "0402",
    index: int = 94567,
) -> dict[str, Any]:
    """The sample X certificate of ``tests/data``, issued by ``issuer``, with status entries
    pointing at :func:`status_url`."""
    document = json.loads((DATA / "x-certificate.json").read_text("utf-8"))
    document["issuer"]["id"] = issuer
    document["validFrom"] = valid_from
    achievement = document["credentialSubject"]["achievement"]
    achievement["skillLevel"] = level
    achievement["skillDomain"]["code"] = domain
    if subject is not None:
        document["credentialSubject"]["id"] = subject
    document["credentialStatus"] = [
        {
            "id": f"{status_url(purpose)}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": str(index),
            "statusListCredential": status_url(purpose),
        }
        for purpose in ("revocation", "suspension")
    ]
    return document


def registry_entry(
    signer: Signer,
    *,
    accreditations: Sequence[Mapping[str, Any]] | None = None,
    keys: Sequence[Mapping[str, Any]] | None = None,
    kind: str = "evaluation-organization",
) -> dict[str, Any]:
    """A registry organization as ``GET /registry`` lists it."""
    default = accreditation()
    return {
        "slug": "huaxin",
        "kind": kind,
        "nameZh": "华信数字技能评价中心",
        "nameEn": "Huaxin Digital Skills Evaluation Centre",
        "code": "PJZZ-2019-0042",
        "did": signer.did,
        "didMethod": "key",
        "accreditations": list(accreditations) if accreditations is not None else [default],
        "keys": list(keys) if keys is not None else [key_entry(signer)],
    }


def accreditation(
    *,
    levels: Sequence[str] = ("junior", "intermediate", "senior"),
    domains: Sequence[Mapping[str, str]] = (WEB_FRONTEND,),
    valid_from: str = "2026-01-01T00:00:00Z",
    valid_until: str = "2028-01-01T00:00:00Z",
    status: str = "active",
    updated_at: str = "2026-01-01T00:00:00Z",
    identifier: int = 1,
) -> dict[str, Any]:
    return {
        "id": identifier,
        "scope": {"skillDomains": [dict(d) for d in domains], "levels": list(levels)},
        "validFrom": valid_from,
        "validUntil": valid_until,
        "status": status,
        "statusReason": None if status == "active" else "inspection found cheating",
        "createdAt": valid_from,
        "updatedAt": updated_at,
    }


def key_entry(
    signer: Signer, *, active_from: str = "2026-01-01T00:00:00Z", retired_at: str | None = None
) -> dict[str, Any]:
    return {
        "id": signer.method,
        "fragment": signer.method.partition("#")[2],
        "algorithm": "Ed25519",
        "publicKeyMultibase": signer.pair.public.multibase,
        "activeFrom": active_from,
        "retiredAt": retired_at,
    }


class StaticDirectory:
    """Registry entries held in memory; ``unavailable`` makes it fail like a dead registry."""

    def __init__(self, *entries: dict[str, Any], unavailable: bool = False) -> None:
        self.entries = {entry["did"]: entry for entry in entries}
        self.unavailable = unavailable

    def entry(self, did: str) -> DirectoryEntry | None:
        if self.unavailable:
            raise SourceUnavailable("the registry at https://registry.example is unreachable")
        found = self.entries.get(did)
        return None if found is None else DirectoryEntry(found)

    def hosts(self) -> frozenset[str]:
        return frozenset({"status.example"})


@dataclass
class StaticStatus:
    """Status lists in memory: set bits with :meth:`set`, or make a URL unreachable."""

    issuer: str
    bits: dict[str, StatusList] = field(default_factory=dict)
    unreachable: set[str] = field(default_factory=set)

    def set(self, purpose: str, index: int, value: int = 1) -> None:
        url = status_url(purpose)
        self.bits[url] = self.bits.get(url, StatusList.new()).with_status(index, value)

    def status_list(self, url: str) -> StatusListView:
        if url in self.unreachable:
            raise SourceUnavailable(f"cannot fetch {url}: connection refused")
        purpose = url.rstrip("/").split("/")[-2]
        bits = self.bits.get(url, StatusList.new())
        return StatusListView(url, self.issuer, (purpose,), bits.bits)


@dataclass
class StaticStates:
    """The issuer's record of credentials, in memory."""

    states: dict[str, CredentialState] = field(default_factory=dict)

    def credential_state(self, credential_id: str, issuer: str) -> CredentialState | None:
        return self.states.get(credential_id)


@dataclass
class InMemoryGrants:
    """A :class:`~verifier.ports.GrantLookup` for tests: references → grants."""

    grants: dict[str, Grant] = field(default_factory=dict)
    looked_up: list[str] = field(default_factory=list)

    def lookup(self, reference: str, *, at: datetime) -> Grant | None:
        self.looked_up.append(reference)
        return self.grants.get(reference)


def make_verifier(
    directory: StaticDirectory,
    status: Any,
    *,
    states: StaticStates | None = None,
    now: datetime = NOW,
    loader: DocumentLoader = LOADER,
    fetcher: Any = None,
) -> Verifier:
    """A pipeline over in-memory sources (did:key resolved locally)."""

    def resolvers(log: CacheLog) -> Any:
        fallback = FetchingResolver(fetcher, log) if fetcher is not None else resolve_did_key
        return DirectoryResolver(directory, fallback=fallback)

    return Verifier(
        loader=loader,
        resolvers=resolvers,
        trust=RegistryTrust(directory),
        status=status,
        supersession=states,
        clock=lambda: now,
        config=VerifierConfig(),
    )


def copy_of(document: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(document)
