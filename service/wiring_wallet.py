"""Wiring of the wallet into the app: its context on ``app.state.wallet``, its routes.

The wallet's Protocols (``wallet_api.interfaces``) get in-process implementations here:

- offers: :class:`issuer.offers.IssuerOffers`, its refusals translated to ``OfferRefused``;
- import verification: :func:`vc.verify.verify_document` with our organizations' keys
  resolved from the database (:class:`issuer.keystore.OrganizationKeys`; did:key locally; no
  network). The verifier service may later offer a fuller pipeline (status, trust registry);
  swap :class:`CoreVerifier` for it here;
- credential status: the issuer's public status (:func:`issuer.revocation.public_status`: state,
  reason code, superseded by), and the
  replacement of a reissued credential when it is bound to the same holder DID (pull: the
  wallet asks when it refreshes; the issuer pushes nothing).

``app.state.wallet_grant_lookup`` is the :class:`wallet_api.grants.GrantLookup` (``lookup(
code_or_token, client=, user_agent=)``); the verifier gets it as its own ``GrantLookup``
port through :class:`VerifierGrants` (``wiring_verifier.set_grant_lookup``). The verifier's
port carries no client, so a small ASGI middleware keeps each request's client address and
user agent in a context variable: look-ups through the verifier's page are rate-limited per
client and logged with a coarse user agent like the wallet's own ``/grants`` routes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Receive, Scope, Send

from issuer import conversions, credit_rules, outcome_catalogue
from issuer.accreditation import ScopeError
from issuer.context import IssuerContext
from issuer.keystore import OrganizationKeys
from issuer.models import CreditConversion, IssuedCredential
from issuer.offers import IssuerOffers, OfferError, RedeemedOffer
from issuer.organizations import get_organization
from issuer.revocation import public_status
from service import wiring_verifier
from service.settings import Settings
from vc.did.resolver import DIDResolver
from vc.jsonld import DocumentLoader
from vc.verify import VerifyOptions, verify_document
from verifier.inputs import InputError
from verifier.ports import Grant
from wallet_api.context import WalletContext
from wallet_api.credit_bank import CreditBankRefused
from wallet_api.grants import GrantLookup, GrantUnavailable
from wallet_api.interfaces import CredentialState, ImportCheck, OfferRefused
from wallet_api.ratelimit import RateLimited
from wallet_api.routes import create_router
from wallet_api.routes import credit_bank as credit_bank_routes


class OffersAdapter:
    """The issuer's offers as the wallet's ``CredentialOffers``."""

    def __init__(self, offers: IssuerOffers) -> None:
        self._offers = offers

    def redeem(self, code: str, holder_did: str, /) -> RedeemedOffer:
        try:
            return self._offers.redeem(code, holder_did)
        except OfferError as exc:
            raise OfferRefused(exc.reason, exc.message) from exc
        except ScopeError as exc:
            raise OfferRefused(
                "out-of-scope", f"the issuer may no longer issue this credential: {exc}"
            ) from exc


class CoreVerifier:
    """``vc.verify`` with our organizations' keys resolved in process (no network)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        loader: DocumentLoader,
        clock: Callable[[], datetime],
    ) -> None:
        self._resolver = OrganizationKeys(sessions, fallback=DIDResolver())
        self._loader = loader
        self._clock = clock

    def __call__(self, document: Any, /) -> ImportCheck:
        options = VerifyOptions(resolver=self._resolver, loader=self._loader, now=self._clock())
        report = verify_document(document, options)
        reasons = tuple(
            f"{check.name}: {problem.detail}"
            for check in report.checks
            for problem in check.problems
        )
        return ImportCheck(report.verified, reasons, report.to_json())


class IssuerStatuses:
    """The issuer's registry as the wallet's ``CredentialStatusLookup``."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def status(self, credential_id: str, /) -> CredentialState | None:
        with self._sessions() as session:
            found = public_status(session, credential_id)
        if found is None:
            return None
        return CredentialState(found.status, found.reason, found.superseded_by)

    def successor(self, credential_id: str, holder_did: str, /) -> dict[str, Any] | None:
        with self._sessions() as session:
            old = session.get(IssuedCredential, credential_id)
            new_id = old.superseded_by if old is not None else None
            new = session.get(IssuedCredential, new_id) if new_id else None
            if new is None or new.format != "ldp" or new.learner_did != holder_did:
                return None
            document: dict[str, Any] = json.loads(new.document)
            return document


class IssuerCreditBank:
    """The schools' rules and conversions (``issuer.credit_rules``, ``issuer.conversions``) as
    the wallet's ``CreditBankIssuer``; the issuer's refusals become ``CreditBankRefused``."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        self._sessions = sessions
        self._clock = clock

    def _school(self, session: Session, school: str) -> Any:
        organization = get_organization(session, school)
        if organization is None or organization.kind != "school":
            raise CreditBankRefused(404, "Not found", f"no school {school!r}")
        return organization

    def rules(self, school: str, major: str | None, /) -> list[dict[str, Any]]:
        with self._sessions() as session:
            organization = self._school(session, school)
            rows = credit_rules.rules_of(session, organization, major)
            return [credit_rules.rule_json(row, school) for row in rows]

    def explain(
        self, school: str, major: str | None, documents: Sequence[dict[str, Any]], at: datetime, /
    ) -> list[dict[str, Any]]:
        with self._sessions() as session:
            organization = self._school(session, school)
            recognized = outcome_catalogue.catalogue(session)
            outcomes = [
                credit_rules.recognize(credit_rules.outcome_of(document), recognized)
                for document in documents
            ]
            found = []
            for row in credit_rules.rules_of(session, organization, major):
                finding = credit_rules.evaluate(row, outcomes, at)
                found.append(
                    {
                        "rule": credit_rules.rule_json(row, school),
                        "applies": finding.applies,
                        "outcomes": list(finding.outcome_ids),
                        "reasons": [reason.en for reason in finding.reasons],
                        "reasonsZh": [reason.zh for reason in finding.reasons],
                    }
                )
            return found

    def apply(
        self, school: str, rule_id: str, learner_did: str, outcomes: Sequence[tuple[str, str]], /
    ) -> dict[str, Any]:
        submitted = [conversions.SubmittedOutcome(c, d) for c, d in outcomes]
        with self._sessions() as session:
            try:
                row = conversions.submit(
                    session, school, rule_id, learner_did, submitted, now=self._clock()
                )
            except conversions.ConversionError as exc:
                raise CreditBankRefused(exc.status, exc.title, str(exc)) from exc
            found = conversions.conversion_json(session, row)
            session.commit()
            return found

    def conversion(self, conversion_id: str, /) -> dict[str, Any] | None:
        with self._sessions() as session:
            row = session.get(CreditConversion, conversion_id)
            return conversions.conversion_json(session, row) if row is not None else None

    def conversions_of(self, learner_did: str, /) -> list[dict[str, Any]]:
        with self._sessions() as session:
            rows = conversions.conversions_of_learner(session, learner_did)
            return [conversions.conversion_json(session, row) for row in rows]

    def recognize(self, documents: Sequence[dict[str, Any]], /) -> list[dict[str, Any] | None]:
        with self._sessions() as session:
            recognized = outcome_catalogue.catalogue(session)
        found: list[dict[str, Any] | None] = []
        for document in documents:
            outcome = credit_rules.recognize(credit_rules.outcome_of(document), recognized)
            entry = recognized.by_id.get(outcome.catalogue_id or "")
            found.append(outcome_catalogue.entry_json(entry) if entry is not None else None)
        return found


_CLIENT: ContextVar[tuple[str | None, str | None]] = ContextVar(
    "onex_wallet_client", default=(None, None)
)


class ClientContext:
    """ASGI middleware: the request's client address and user agent, for :class:`VerifierGrants`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        agent = dict(scope.get("headers") or []).get(b"user-agent", b"").decode("latin-1")
        token = _CLIENT.set((client[0] if client else None, agent or None))
        try:
            await self.app(scope, receive, send)
        finally:
            _CLIENT.reset(token)


class VerifierGrants:
    """The wallet's grants as the verifier's ``GrantLookup`` port (URL, bare token or code)."""

    def __init__(self, lookup: GrantLookup, base_url: str) -> None:
        self._lookup = lookup
        self._base_url = base_url

    def _reference(self, reference: str) -> str | None:
        if "://" not in reference:
            return reference
        url = urlsplit(reference)
        if f"{url.scheme}://{url.netloc}" != self._base_url:
            return None
        found = parse_qs(url.query).get("grant")
        return found[0] if found else None

    def lookup(self, reference: str, *, at: datetime) -> Grant | None:
        key = self._reference(reference.strip())
        if key is None:
            return None
        client, agent = _CLIENT.get()
        try:
            shared = self._lookup(key, client=client, user_agent=agent)
        except GrantUnavailable:
            return None
        except RateLimited as exc:
            raise InputError(
                f"too many verification look-ups from this address; retry in {exc.retry_after} s"
            ) from exc
        documents = (
            (shared.presentation,) if shared.presentation is not None else tuple(shared.credentials)
        )
        return Grant(documents, shared.challenge, shared.domain)


def build_wallet_context(
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime],
    issuer: IssuerContext,
) -> WalletContext:
    return WalletContext(
        sessions=sessions,
        base_url=settings.base_url,
        key_encryption_key=issuer.key_encryption_key,
        clock=clock,
        loader=issuer.loader,
        offers=OffersAdapter(IssuerOffers(issuer)),
        verifier=CoreVerifier(sessions, issuer.loader, clock),
        statuses=IssuerStatuses(sessions),
        session_ttl=timedelta(hours=settings.session_ttl_hours),
    )


def install(
    app: FastAPI,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime],
) -> None:
    """Set up the wallet's context and grant lookup on ``app.state`` and mount its routes."""
    context = build_wallet_context(settings, sessions, clock, app.state.issuer)
    lookup = GrantLookup(context)
    app.state.wallet = context
    app.state.wallet_grant_lookup = lookup
    app.state.wallet_credit_bank = IssuerCreditBank(sessions, clock)
    app.include_router(create_router())
    app.include_router(credit_bank_routes.router)
    app.add_middleware(ClientContext)
    if hasattr(app.state, "verifier"):
        wiring_verifier.set_grant_lookup(app, VerifierGrants(lookup, settings.base_url))
