"""The fixed shape of verification reports."""

from __future__ import annotations

import json

import pytest

from vc import problems
from vc.errors import StatusListLengthError
from vc.report import CheckResult, Problem, VerificationReport, show_value, title_for

RANGE = Problem.of(problems.RANGE_ERROR, "validUntil 2024-01-01T00:00:00Z has passed", "validUntil")


def test_titles_come_from_the_problem_type() -> None:
    assert title_for(problems.RANGE_ERROR) == "Range error"
    assert title_for(problems.STATUS_LIST_LENGTH_ERROR) == "Status list length error"
    assert RANGE.title == "Range error"


def test_problem_from_an_error_keeps_its_type_and_message() -> None:
    problem = Problem.from_error(StatusListLengthError("8192 entries"), "credentialStatus[0]")
    assert problem == Problem(
        problems.STATUS_LIST_LENGTH_ERROR,
        "Status list length error",
        "8192 entries",
        "credentialStatus[0]",
    )


def test_report_json_shape() -> None:
    report = VerificationReport.from_checks(
        [CheckResult.from_problems("proof", []), CheckResult.from_problems("validity", [RANGE])]
    )
    assert report.verified is False
    assert report.problems == (RANGE,)
    assert json.loads(json.dumps(report.to_json())) == {
        "verified": False,
        "checks": [
            {"name": "proof", "status": "passed", "problems": []},
            {
                "name": "validity",
                "status": "failed",
                "problems": [
                    {
                        "type": problems.RANGE_ERROR,
                        "title": "Range error",
                        "detail": "validUntil 2024-01-01T00:00:00Z has passed",
                        "property": "validUntil",
                    }
                ],
            },
        ],
    }


@pytest.mark.parametrize(
    ("statuses", "verified"),
    [
        (["passed", "passed"], True),
        (["passed", "undetermined"], False),
        (["failed"], False),
        ([], False),
    ],
)
def test_verified_only_when_every_check_passed(statuses: list[str], verified: bool) -> None:
    checks = [CheckResult(f"check{i}", s) for i, s in enumerate(statuses)]  # type: ignore[arg-type]
    assert VerificationReport.from_checks(checks).verified is verified


def test_inconsistent_values_are_refused() -> None:
    with pytest.raises(ValueError):
        VerificationReport(True, (CheckResult("status", "undetermined"),))
    with pytest.raises(ValueError):
        CheckResult("status", "ok")  # type: ignore[arg-type]


def test_show_value_is_compact_and_truncated() -> None:
    assert show_value({"a": [1, "证"]}) == '{"a":[1,"证"]}'
    assert show_value("x" * 200) == '"' + "x" * 78 + "…"
    assert len(show_value(list(range(1000)), limit=20)) == 20
    nested: list[object] = []
    for _ in range(100_000):
        nested = [nested]
    assert show_value(nested) == "<list>"
