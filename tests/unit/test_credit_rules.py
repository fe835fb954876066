"""The pure evaluation of credit-bank rules: level and period boundaries, kinds, withdrawal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from issuer.credit_rules import (
    LEVELS,
    Outcome,
    evaluate,
    outcome_of,
    recognize,
    years_before,
)
from issuer.models import CreditRule, OutcomeEntry
from issuer.outcome_catalogue import Catalogue, match_key
from vc.digest import digest_sri

AT = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _rule(**overrides: Any) -> CreditRule:
    fields: dict[str, Any] = {
        "id": "rule-1",
        "source_kind": "x-certificate",
        "skill_domain_code": "0402",
        "min_level": "intermediate",
        "education_level": None,
        "source_major_code": None,
        "validity_years": 3,
        "withdrawn_at": None,
        **overrides,
    }
    return CreditRule(**fields)


def _x(level: str, issued: datetime, domain: str = "0402") -> Outcome:
    return Outcome(
        "urn:uuid:x",
        "x-certificate",
        issued,
        skill_domain_code=domain,
        level=level,
        catalogue_id="lo-x",
    )


# (min level, outcome level, issued, applies)
CASES = [
    ("intermediate", "junior", AT, False),
    ("intermediate", "intermediate", AT, True),
    ("intermediate", "senior", AT, True),
    ("senior", "intermediate", AT, False),
    ("senior", "senior", AT, True),
    ("junior", "junior", AT, True),
    ("junior", "expert", AT, False),
    ("junior", "junior", datetime(2023, 11, 28, 9, 0, tzinfo=UTC), True),
    ("junior", "junior", datetime(2023, 11, 28, 8, 59, 59, tzinfo=UTC), False),
    ("junior", "junior", AT + timedelta(seconds=1), False),
]


@pytest.mark.parametrize(("minimum", "level", "issued", "applies"), CASES)
def test_level_and_period_boundaries(
    minimum: str, level: str, issued: datetime, applies: bool
) -> None:
    finding = evaluate(_rule(min_level=minimum), [_x(level, issued)], AT)
    assert finding.applies is applies
    assert finding.outcome_ids == (("urn:uuid:x",) if applies else ())
    assert bool(finding.reasons) is not applies


def test_other_domain_kind_and_withdrawn_rules_do_not_apply() -> None:
    assert not evaluate(_rule(), [_x("senior", AT, domain="0501")], AT).applies
    diploma = Outcome(
        "urn:uuid:d", "diploma", AT, education_level="higher-vocational", catalogue_id="lo-d"
    )
    assert not evaluate(_rule(), [diploma], AT).applies
    assert not evaluate(_rule(withdrawn_at=AT), [_x("senior", AT)], AT).applies
    assert [str(r) for r in evaluate(_rule(), [], AT).reasons] == ["no counting learning outcome"]
    diploma_rule = _rule(source_kind="diploma", education_level="higher-vocational")
    assert evaluate(diploma_rule, [diploma], AT).applies
    assert not evaluate(
        _rule(source_kind="diploma", education_level="undergraduate"), [diploma], AT
    ).applies


def test_years_before_handles_29_february() -> None:
    leap = datetime(2028, 2, 29, tzinfo=UTC)
    assert years_before(leap, 1) == datetime(2027, 2, 28, tzinfo=UTC)
    assert years_before(leap, 4) == datetime(2024, 2, 29, tzinfo=UTC)


@given(st.sampled_from(LEVELS), st.sampled_from(LEVELS), st.integers(0, 4000))
def test_applies_iff_level_at_least_minimum_and_recent(minimum: str, level: str, days: int) -> None:
    issued = AT - timedelta(days=days)
    applies = evaluate(_rule(min_level=minimum), [_x(level, issued)], AT).applies
    expected = LEVELS.index(level) >= LEVELS.index(minimum) and issued >= years_before(AT, 3)
    assert applies is expected


def test_outcome_of_reads_an_x_certificate_and_digest_is_key_order_free() -> None:
    document = {
        "id": "urn:uuid:1",
        "type": ["VerifiableCredential", "OpenBadgeCredential", "VocationalSkillCertificate"],
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "creditsEarned": 4,
            "achievement": {"skillDomain": {"code": "0402"}, "skillLevel": "senior"},
        },
    }
    outcome = outcome_of(document)
    assert (outcome.kind, outcome.skill_domain_code, outcome.level) == (
        "x-certificate",
        "0402",
        "senior",
    )
    assert outcome.credits == Decimal(4)
    assert outcome.issued_at == datetime(2026, 1, 1, tzinfo=UTC)
    reordered = dict(reversed(list(document.items())))
    assert digest_sri(reordered) == digest_sri(document)
    assert digest_sri({**document, "id": "urn:uuid:2"}) != digest_sri(document)


def _entry(entry_id: str, credits: str, kind: str, **scope: str | None) -> OutcomeEntry:
    return OutcomeEntry(id=entry_id, kind=kind, match_key=match_key(kind, **scope), credits=credits)


CATALOGUE = Catalogue(
    {
        row.match_key: row
        for row in (
            _entry("lo-senior", "3", "x-certificate", skill_domain_code="0402", level="senior"),
            _entry("lo-hv", "20", "diploma", education_level="higher-vocational"),
            _entry(
                "lo-hv-se",
                "30",
                "diploma",
                education_level="higher-vocational",
                major_code="510201",
            ),
        )
    }
)


def test_only_a_recognized_outcome_counts_and_at_the_catalogues_value() -> None:
    stated = Outcome(
        "urn:uuid:x",
        "x-certificate",
        AT,
        skill_domain_code="0402",
        level="senior",
        credits=Decimal(9),
    )
    recognized = recognize(stated, CATALOGUE)
    assert (recognized.catalogue_id, recognized.credits) == ("lo-senior", Decimal(3))
    assert evaluate(_rule(), [recognized], AT).applies
    finding = evaluate(_rule(), [stated], AT)  # the same outcome, not recognized
    assert not finding.applies
    assert "not a learning outcome recognized by the catalogue" in finding.reasons[0].en
    assert "学习成果目录" in finding.reasons[0].zh
    # no entry for the intermediate level: it is not recognized (nor below-level credit)
    intermediate = Outcome("u", "x-certificate", AT, skill_domain_code="0402", level="intermediate")
    assert recognize(intermediate, CATALOGUE).catalogue_id is None


@pytest.mark.parametrize(
    ("major", "entry"), [("510201", "lo-hv-se"), ("530701", "lo-hv"), (None, "lo-hv")]
)
def test_a_diplomas_major_entry_wins_over_the_any_major_entry(
    major: str | None, entry: str
) -> None:
    diploma = Outcome("d", "diploma", AT, education_level="higher-vocational", major_code=major)
    assert recognize(diploma, CATALOGUE).catalogue_id == entry
    undergraduate = Outcome("d", "diploma", AT, education_level="undergraduate", major_code=major)
    assert recognize(undergraduate, CATALOGUE).catalogue_id is None


REASON_CASES = [
    (_rule(), Outcome("u", "diploma", AT, catalogue_id="lo")),
    (_rule(), _x("senior", AT, domain="0501")),
    (_rule(), _x("junior", AT)),
    (_rule(source_kind="diploma", education_level="bachelor"), Outcome("u", "diploma", AT)),
    (
        _rule(source_kind="diploma", education_level=None, source_major_code="510201"),
        Outcome("u", "diploma", AT, major_code="530701"),
    ),
    (_rule(), Outcome("u", "x-certificate", AT, skill_domain_code="0402", level="senior")),
    (_rule(), _x("senior", AT - timedelta(days=3 * 366))),
    (_rule(), _x("senior", AT + timedelta(days=1))),
]


@pytest.mark.parametrize(("rule", "outcome"), REASON_CASES)
def test_every_reason_is_said_in_both_languages(rule: CreditRule, outcome: Outcome) -> None:
    reason = evaluate(rule, [outcome], AT).reasons[0]
    assert reason.en.startswith(outcome.credential_id + ": ")
    assert reason.zh.startswith(outcome.credential_id + "：")
    assert any("\u4e00" <= char <= "\u9fff" for char in reason.zh), reason.zh
    assert str(reason) == reason.en
