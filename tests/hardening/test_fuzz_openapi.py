"""Schema-driven fuzzing of every operation in the app's OpenAPI, in process (ASGI, no network).

Each operation gets a small, derandomized budget of generated requests, sent with a caller
that can reach the route (organization A's key on /orgs/…, learner A's token on /wallet/…, the
supervisor's key elsewhere), path ``slug`` pinned to organization A so requests get past the
ownership check. Valid inputs: never a 5xx, and every response matches its schema. Invalid
inputs (schemathesis' negative mode): never a 5xx.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.hardening.world import World, build_world
from tests.support.service import Service

EXAMPLES = 15
"""Valid requests per operation: checked for no 5xx and a response matching its schema."""
NEGATIVE_EXAMPLES = 6
"""Invalid requests per operation (schema-violating bodies, parameters): checked for no 5xx.
Both budgets, over about 90 operations, keep the test near 35 s (about 1,750 requests)."""


SESSION_ENDING = frozenset({"/wallet/account/logout"})


def _headers(path: str, world: World, supervisor: str) -> dict[str, str]:
    if path.startswith("/wallet"):
        return world.learner_a.headers
    if path.startswith("/orgs/"):
        return world.org_a.headers
    return {"Authorization": f"Bearer {supervisor}"}


def test_no_server_error_and_every_response_matches_its_schema(service: Service) -> None:
    # Driven by hand rather than through schemathesis' pytest plugin (which does not run on
    # this pytest): one hypothesis run per operation, failures collected across all of them.
    world = build_world(service)
    schema = schemathesis.openapi.from_asgi("/openapi.json", service.app)
    failures: list[str] = []
    cases = 0
    operations = 0
    plans = [
        (GenerationMode.POSITIVE, EXAMPLES, [not_a_server_error, response_schema_conformance]),
        (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, [not_a_server_error]),
    ]
    # Signing out ends learner A's session, which every other /wallet case uses: it goes last.
    all_operations = sorted(
        (result.ok() for result in schema.get_all_operations()),
        key=lambda op: op.path in SESSION_ENDING,
    )
    for operation in all_operations:
        operations += 1
        headers = _headers(operation.path, world, service.supervisor_key)
        for mode, budget, checks in plans:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=budget,
                derandomize=True,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate],
            )
            def run(case: Any) -> None:
                nonlocal cases
                cases += 1
                if case.path_parameters and "slug" in case.path_parameters:
                    case.path_parameters["slug"] = world.org_a.slug
                response = case.call(headers=headers)  # noqa: B023 - run() is called here
                case.validate_response(response, checks=checks)  # noqa: B023

            try:
                run()
            except Unsatisfiable:
                continue  # no negative input exists for this operation (e.g. no parameters)
            except BaseException as exc:
                if isinstance(exc, KeyboardInterrupt):
                    raise
                label = f"{mode.value} {operation.method.upper()} {operation.path}"
                failures.append(f"{label}: {exc}"[:2000])
    print(f"fuzzing: {operations} operations, {cases} generated requests")
    assert operations >= 80 and cases >= operations * 5
    assert not failures, "\n\n".join(failures)
