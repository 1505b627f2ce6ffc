"""Contract fuzzing of the API with schemathesis.

A live test server runs the real stack (token authentication, the service
layer, the database); schemathesis reads the OpenAPI schema the server
publishes and sends generated requests, valid and invalid, to every
operation with a super administrator's token. No answer may be a server
error, and every answer must match the schema (status code documented,
JSON body of the documented shape).

The run is bounded (``MAX_EXAMPLES`` per operation) to stay well under two
minutes.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .world import PASSWORD

MAX_EXAMPLES = 20

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def fuzz_token(transactional_db):
    """A super administrator's token, with a few objects to act upon."""
    from modoboa.admin import services
    from modoboa.core import services as core_services
    from modoboa.core.management.commands.load_initial_data import load_initial_data

    admin = load_initial_data("admin")
    domain = services.create_domain(acting_user=admin, name="fuzz.example")
    services.create_account(
        acting_user=admin,
        username="box@fuzz.example",
        password=PASSWORD,
        mailbox={"address": "box@fuzz.example"},
    )
    services.create_alias(
        acting_user=admin, address="al@fuzz.example", recipients=["box@fuzz.example"]
    )
    services.create_domain_alias(acting_user=admin, name="alias.example", target=domain)
    return core_services.set_api_access(admin, True, acting_user=admin)


def fuzz_operation(operation, mode, headers):
    """Send ``MAX_EXAMPLES`` generated requests to ``operation``; return
    the failure message or None.
    """

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        # No shrinking: against a live server it would multiply the run time.
        phases=[Phase.explicit, Phase.generate],
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        case.call_and_validate(checks=CHECKS, headers=headers)

    try:
        run()
    except Exception as exc:  # noqa: BLE001 - every failure is reported at the end
        if mode == GenerationMode.NEGATIVE and "Unable to satisfy assumptions" in str(exc):
            # Nothing of this operation can be invalid (no parameter, or
            # free text only): there is no negative case to send.
            return None
        return "%s (%s): %s" % (operation.label, mode, exc)
    return None


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_contract(live_server, fuzz_token, mode):
    schema = schemathesis.openapi.from_url(live_server.url + "/api/v1/schema/?format=json")
    schema.config.update(base_url=live_server.url)
    headers = {"Authorization": "Token " + fuzz_token}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 41
    failures = [fuzz_operation(op, mode, headers) for op in operations]
    failures = [failure for failure in failures if failure]
    assert not failures, "\n\n".join(failures)
