"""Property-based fuzzing of the platform API (`/api/v1/`), of the content API (`/api/v2/`) and of allauth's
headless API (`/_allauth/`) from their OpenAPI descriptions, with schemathesis: for every operation, generated
requests — valid ones and invalid ones (wrong types, values out of range, missing fields, odd characters) — are
sent to the portal's WSGI application in-process, anonymously and signed in. A test fails on any 5xx and, for
`/api/v1/` and `/api/v2/`, on any answer the schema does not describe (status, content type, body).

The budget is small enough for every run of the suite (`PORTAL_FUZZ_EXAMPLES` examples per operation and
identity, fewer on the embedded default); a deeper search is `PORTAL_FUZZ_EXAMPLES=500 pytest tests/api`.
The seed is fixed, so a run is repeatable; `PORTAL_FUZZ_SEED` picks another."""

import json
import os

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cms.api_schema import schema_document as content_schema_document
from tests import factories
from tests.participation.conftest import make_citizen

from .conftest import authority_key_token, session_token

ON_SERVICES = bool(os.environ.get("DATABASE_URL"))
# On PostgreSQL (`make test-services`) each operation also gets schemathesis's coverage phase: the boundary values
# of every parameter and body field (the longest, the largest, one past them, every wrong type), about thirty
# requests an operation. The embedded default runs only a few generated examples per operation.
EXAMPLES = int(os.environ.get("PORTAL_FUZZ_EXAMPLES", "10" if ON_SERVICES else "4"))
COVERAGE = os.environ.get("PORTAL_FUZZ_COVERAGE", "1" if ON_SERVICES else "0") == "1"
SEED = int(os.environ.get("PORTAL_FUZZ_SEED", "20261205"))
V1_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# allauth's description is allauth's, and looser than its answers (an unauthenticated request is a 401 where it
# lists none, a route's `{client}` other than app or browser a 404): the portal must answer it without a 5xx.
HEADLESS_CHECKS = [not_a_server_error]

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]


@factories.per_module
def catalogue():
    """Three services of three authorities, for the content API's answers to have items."""
    return factories.services(3)


def platform_schema():
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))


def headless_schema():
    from allauth.headless.spec.internal.schema import get_schema

    return get_schema()


def config(examples, coverage):
    return schemathesis.config.SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {"max-examples": examples},
            "phases": {"stateful": {"enabled": False}, "coverage": {"enabled": coverage}},
        }
    )


V1 = schemathesis.openapi.from_dict(platform_schema(), config=config(EXAMPLES, COVERAGE))
HEADLESS = schemathesis.openapi.from_dict(headless_schema(), config=config(max(EXAMPLES // 2, 2), False))
CONTENT = schemathesis.openapi.from_dict(content_schema_document(), config=config(EXAMPLES, COVERAGE))


@pytest.fixture
def signed_in(db):
    """Headers that sign a request in: an L2 citizen's app token, and an authority's API key for the
    authorities' operations (payments, bills)."""
    return {"X-Session-Token": session_token(make_citizen("L2")), "Authorization": f"Bearer {authority_key_token()}"}


HYPOTHESIS = hypothesis_settings(
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def send(case, identity, wsgi_app, request, checks, credentials):
    """Send one generated request as `identity` with the named `credentials` headers, check its answer against the
    schema (`validate_response` raises on a 5xx or on an answer the schema does not describe) and return it."""
    headers = request.getfixturevalue("signed_in") if identity == "signed_in" else {}
    headers = {name: value for name, value in headers.items() if name in credentials}
    response = case.call(app=wsgi_app, headers=headers)
    case.validate_response(response, checks=checks, headers=headers)
    return response


@pytest.mark.parametrize("identity", ["anonymous", "signed_in"])
@V1.parametrize()
@HYPOTHESIS
def test_platform_api(case, identity, wsgi_app, request):
    response = send(case, identity, wsgi_app, request, V1_CHECKS, ("X-Session-Token", "Authorization"))
    assert response.status_code < 500, response.text[:500]


@pytest.mark.parametrize("identity", ["anonymous", "signed_in"])
@HEADLESS.parametrize()
@HYPOTHESIS
def test_headless_accounts_api(case, identity, wsgi_app, request):
    response = send(case, identity, wsgi_app, request, HEADLESS_CHECKS, ("X-Session-Token",))
    assert response.status_code < 500, response.text[:500]


@CONTENT.parametrize()
@HYPOTHESIS
def test_content_api(case, wsgi_app, request):
    """The content API is public and read-only: anonymous requests only."""
    response = send(case, "anonymous", wsgi_app, request, V1_CHECKS, ())
    assert response.status_code < 500, response.text[:500]
