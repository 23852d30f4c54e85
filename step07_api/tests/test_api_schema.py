"""The OpenAPI schema, and schemathesis sending what it describes to a live server.

schemathesis reads /api/schema/ and, for every operation, generates requests that fit it and
requests that do not (wrong types, missing fields, odd strings). Whatever it sends, the API
must answer without a 500, and every documented answer must match the schema.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.helpers import Server, token_header

pytestmark = pytest.mark.live

# Staff, so that every operation is allowed and runs to its end (a member's topic writes would
# stop at the permission check); the demo topic is the server's own, not the demo server's.
MAKE_STAFF = """
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
user = get_user_model().objects.create_user("schema-staff", is_staff=True)
print(Token.objects.create(user=user).key)
"""


@pytest.fixture(scope="module", autouse=True)
def hypothesis_home(tmp_path_factory):
    """Hypothesis's caches in a temporary folder, instead of a .hypothesis/ in the step."""
    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    yield
    set_hypothesis_home_dir(None)


@pytest.fixture(scope="module")
def schema_server(tmp_path_factory, redis_url):
    """A Daphne of this module's own (schemathesis deletes what it finds), and a staff token."""
    server = Server(tmp_path_factory.mktemp("schema"))
    try:
        server.start()
        server.key = server.manage_output("shell", "--no-imports", "-c", MAKE_STAFF)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def api_schema(schema_server):
    """The schema the live server serves at /api/schema/."""
    return schemathesis.openapi.from_url(f"{schema_server.url}/api/schema/?format=json")


def test_schema_lists_every_route(api_schema):
    """The schema documents the token, topics, channels and messages."""
    paths = set(api_schema.raw_schema["paths"])
    assert paths == {
        "/api/token/",
        "/api/topics/",
        "/api/topics/{id}/",
        "/api/channels/",
        "/api/channels/{id}/",
        "/api/messages/",
        "/api/messages/{id}/",
    }


# Every operation the schema lists (test_schema_lists_every_route checks the paths).
OPERATIONS = [("POST", "/api/token/")]
for name in ("topics", "channels", "messages"):
    OPERATIONS += [(method, f"/api/{name}/") for method in ("GET", "POST")]
    OPERATIONS += [(method, f"/api/{name}/{{id}}/") for method in ("GET", "PUT", "PATCH", "DELETE")]


@pytest.mark.parametrize(
    "method, path", OPERATIONS, ids=[f"{method} {path}" for method, path in OPERATIONS]
)
def test_api_answers_what_it_documents(api_schema, schema_server, method, path):
    """No request, well-formed or not, gets a 500; every documented answer fits the schema."""
    # schemathesis's own pytest integration (from_fixture) does not run on pytest 9: the
    # operation's strategies are drawn here instead, the requests fitting and not fitting it.
    operation = api_schema[path][method]
    cases = strategies.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=cases)
    @settings(
        max_examples=25,
        deadline=None,
        database=None,  # each run draws afresh: no examples kept from the last one
        suppress_health_check=list(HealthCheck),
    )
    def answers(case):
        case.call_and_validate(
            headers={"Authorization": token_header(schema_server.key)},
            checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
            timeout=10,
        )

    answers()
