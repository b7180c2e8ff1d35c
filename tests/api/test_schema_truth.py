"""The OpenAPI schema at /api/v1/schema/ tells the truth: every operation it lists is called here with realistic
data (the participation demo's consultation and polls, a petition, a payment and a bill made through the API itself),
anonymously and signed in, and each real answer is checked against the schema: its status is documented, its
content type is the documented one, its body matches the documented schema. A new operation fails the last test
until this journey calls it."""

import pytest
import schemathesis
from django.test import Client
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from notifications.models import Notification
from participation.models import Petition
from tests import factories
from tests.labour.helpers import bank, signatory_of
from tests.participation.conftest import make_citizen, make_petition

from .conftest import session_token

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
METHODS = ("get", "put", "post", "patch", "delete")

pytestmark = pytest.mark.django_db


class Journey:
    """Calls operations of the schema through the WSGI application and checks each answer against it."""

    def __init__(self, schema, app):
        self.raw = schema
        self.schema = schemathesis.openapi.from_dict(schema)
        self.app = app
        self.called = set()

    def call(self, method, path, status, *, params=None, query=None, body=None, token=None, key=None, headers=None):
        operation = self.schema[path][method.upper()]
        sent = dict(headers or {})
        if token:
            sent["X-Session-Token"] = token
        if key:
            sent["Authorization"] = f"Bearer {key}"
        case = operation.Case(
            path_parameters=params or {},
            query=query or {},
            headers=sent,
            **({"body": body, "media_type": "application/json"} if body is not None else {}),
        )
        response = case.call(app=self.app)
        case.validate_response(response, checks=CHECKS)
        assert response.status_code == status, (method, path, response.status_code, response.text[:500])
        self.called.add((method.lower(), path))
        return response.json() if "json" in response.headers.get("content-type", [""])[0] else response.text

    def operations(self):
        return {(method, path) for path, item in self.raw["paths"].items() for method in item if method in METHODS}


@pytest.fixture
def journey(api_schema, wsgi_app):
    return Journey(api_schema, wsgi_app)


@pytest.fixture
def world(demo_participation, authority_key, settings):
    """Two citizens at L2 with their app tokens, an open petition, the demo's open consultation and polls."""
    settings.PETITION_SIGN_RATE_LIMITS = ()
    author, other = make_citizen("L2"), make_citizen("L2")

    authority = factories.authority("MSAL")
    return {
        "author": author,
        "author_token": session_token(author),
        "other": other,
        "other_token": session_token(other),
        "petition": make_petition(make_citizen("L2"), authority),
        "key": authority_key,
    }


def test_every_operation_answers_as_its_schema_says(journey, world):
    call = journey.call
    author, other = world["author_token"], world["other_token"]

    # --- account, receipts, search ---
    assert call("get", "/api/v1/me/assurance/", 200)["level"] == "L0"
    assert call("get", "/api/v1/me/assurance/", 200, token=author)["level"] == "L2"
    call("get", "/api/v1/search/", 200, query={"q": "رخصة عمل", "locale": "ar"})
    call("get", "/api/v1/search/suggest/", 200, query={"q": "رخص", "locale": "ar"})

    # --- petitions ---
    petition = world["petition"].pk
    call("get", "/api/v1/petitions/", 200, query={"q": "ساعات", "state": "open", "limit": 5})
    call("post", "/api/v1/petitions/", 403, body={"authority": "MSAL", "title": "عنوان", "body": "<p>نص</p>"})
    created = call(
        "post",
        "/api/v1/petitions/",
        201,
        body={"authority": "MSAL", "title": "إلزام الجهات بنشر مواعيد الخدمة", "body": "<p>نطالب بذلك.</p>"},
        token=author,
    )
    call("post", "/api/v1/petitions/sponsor/{token}/", 201, params={"token": created["sponsor_token"]}, token=other)
    call("get", "/api/v1/petitions/{id}/", 200, params={"id": petition})
    call("get", "/api/v1/petitions/{id}/", 404, params={"id": 2**31 - 1})
    signed = call(
        "post",
        "/api/v1/petitions/{id}/signatures/",
        201,
        params={"id": petition},
        body={"governorate": "hawalli", "keep_informed": True},
        token=author,
    )
    call("get", "/api/v1/petitions/{id}/signatures/by-governorate/", 200, params={"id": petition})
    call("post", "/api/v1/petitions/{id}/flags/", 201, params={"id": petition}, body={"reason": "spam"}, token=other)
    call("get", "/api/v1/petitions/export.json", 200, query={"authority": "MSAL"})
    assert call("get", "/api/v1/petitions/export.csv", 200, query={"state": "open"}).startswith("\ufeffid,")
    call("get", "/api/v1/petitions/export.csv", 400, query={"state": "draft"})
    assert call("get", "/api/v1/receipts/verify", 200, query={"receipt": signed["receipt"]})["valid"] is True
    call("post", "/api/v1/receipts/verify", 200, body={"receipt": signed["receipt"]})
    assert call("post", "/api/v1/receipts/verify", 200, body={"receipt": "not.a.receipt"})["valid"] is False

    # --- consultations and comments ---
    consultations = call("get", "/api/v1/consultations/", 200, query={"locale": "ar", "phase": "open"})
    consultation = call("get", "/api/v1/consultations/{id}/", 200, params={"id": consultations["results"][0]["id"]})
    cid = consultation["id"]
    call("get", "/api/v1/consultations/{id}/outcome/", 404, params={"id": cid})
    call("get", "/api/v1/consultations/{id}/outcome.csv", 404, params={"id": cid})
    call("get", "/api/v1/consultations/{id}/response/", 403, params={"id": cid})
    call("get", "/api/v1/consultations/{id}/response/", 404, params={"id": cid}, token=author)
    answers = {question["key"]: answer_for(question) for question in consultation["questions"]}
    call(
        "put", "/api/v1/consultations/{id}/response/", 201, params={"id": cid}, body={"answers": answers}, token=author
    )
    call("get", "/api/v1/consultations/{id}/response/", 200, params={"id": cid}, token=author)
    paragraph = next(item["id"] for item in consultation["paragraphs"] if item["type"] == "paragraph")
    comment = call(
        "post",
        "/api/v1/comments/",
        201,
        body={"consultation": cid, "paragraph": paragraph, "stance": "for", "body": "أؤيد هذه المادة."},
        token=author,
    )
    call("get", "/api/v1/comments/", 200, query={"consultation": cid, "paragraph": paragraph})
    call("get", "/api/v1/comments/{id}/", 200, params={"id": comment["id"]})
    call("patch", "/api/v1/comments/{id}/", 200, params={"id": comment["id"]}, body={"body": "أؤيدها."}, token=author)
    call("put", "/api/v1/comments/{id}/votes/", 200, params={"id": comment["id"]}, body={"value": "up"}, token=other)
    call("delete", "/api/v1/comments/{id}/votes/", 200, params={"id": comment["id"]}, token=other)
    call(
        "post",
        "/api/v1/comments/{id}/flags/",
        201,
        params={"id": comment["id"]},
        body={"reason": "off_topic"},
        token=other,
    )
    call("delete", "/api/v1/comments/{id}/", 403, params={"id": comment["id"]}, token=other)
    call("delete", "/api/v1/comments/{id}/", 204, params={"id": comment["id"]}, token=author)

    # --- polls ---
    polls = call("get", "/api/v1/polls/", 200, query={"locale": "ar"})["results"]
    open_poll = next(poll for poll in polls if poll["phase"] == "open")
    closed_poll = next(poll for poll in polls if poll["phase"] == "closed")
    call("get", "/api/v1/polls/{id}/", 200, params={"id": open_poll["id"]})
    call("get", "/api/v1/polls/{id}/votes/", 404, params={"id": open_poll["id"]}, token=author)
    ballot = {"choices": [{"option": open_poll["options"][0]["key"]}]}
    call("post", "/api/v1/polls/{id}/votes/", 201, params={"id": open_poll["id"]}, body=ballot, token=author)
    call("get", "/api/v1/polls/{id}/votes/", 200, params={"id": open_poll["id"]}, token=author)
    call("get", "/api/v1/polls/{id}/results/", 200, params={"id": closed_poll["id"]})
    call("get", "/api/v1/polls/{id}/results/", 200, params={"id": closed_poll["id"]}, query={"format": "csv"})
    assert call("get", "/api/v1/polls/{id}/results.csv", 200, params={"id": closed_poll["id"]}).startswith("\ufeff")

    # --- notifications, follows, preferences ---
    notification = Notification.objects.create(
        recipient=world["author"], kind="petition_update", text_ar="نص", text_en="text", dedupe_key="schema-test"
    )
    call("get", "/api/v1/notifications/", 403)
    page = call("get", "/api/v1/notifications/", 200, query={"limit": 5}, token=author)
    assert {"next", "previous", "results"} <= set(page)
    call(
        "post",
        "/api/v1/notifications/{notification_id}/read",
        204,
        params={"notification_id": notification.pk},
        token=author,
    )
    call(
        "delete",
        "/api/v1/notifications/{notification_id}/read",
        204,
        params={"notification_id": notification.pk},
        token=author,
    )
    call("get", "/api/v1/notifications/unread-count", 200, token=author)
    call("post", "/api/v1/notifications/read-all", 200, token=author)
    call("post", "/api/v1/subscriptions/", 201, body={"target": f"petition:{petition}"}, token=other)
    call("get", "/api/v1/subscriptions/", 200, token=other)
    call("delete", "/api/v1/subscriptions/{target}/", 204, params={"target": f"petition:{petition}"}, token=other)
    preferences = call("get", "/api/v1/notification-preferences/", 200, token=author)
    kind = preferences["kinds"][0]["kind"]
    call("patch", "/api/v1/notification-preferences/", 200, body={"auto_follow": False}, token=author)
    call(
        "put",
        "/api/v1/notification-preferences/",
        200,
        body={"email_frequency": "daily", "kinds": [{"kind": kind, "in_app": True, "email": False}]},
        token=author,
    )

    # --- labour open data ---
    codes = call("get", "/api/v1/labour/codes/", 200)
    measure = first_code(codes, "measure")
    call("get", "/api/v1/labour/series/", 200, query={"measure": measure})
    call("get", "/api/v1/labour/series/", 400, query={"measure": "no-such-measure"})
    call("get", "/api/v1/labour/kuwaitisation/", 200)

    # --- labour-needs requests (an establishment's authorised signatory) ---
    employer = session_token(signatory_of(bank(84, 16, capacity=150)))
    needs = {"establishment": "L-100", "nationality": "ASI", "occupation": "4", "workers": 10}
    call("post", "/api/v1/labour/needs-requests/estimate/", 200, body=needs, token=employer)
    call("post", "/api/v1/labour/needs-requests/estimate/", 403, body=needs, token=author)
    call("post", "/api/v1/labour/needs-requests/", 400, body={**needs, "workers": 4000}, token=employer)
    request = call("post", "/api/v1/labour/needs-requests/", 201, body=needs, token=employer)
    call("get", "/api/v1/labour/needs-requests/", 200, token=employer)
    reference = {"reference": request["reference"]}
    call("get", "/api/v1/labour/needs-requests/{reference}/", 200, params=reference, token=employer)
    call("get", "/api/v1/labour/needs-requests/{reference}/", 404, params=reference, token=author)
    call("post", "/api/v1/labour/needs-requests/{reference}/pay/", 409, params=reference, token=employer)
    from labour.models import NeedsRequestFee

    NeedsRequestFee.objects.create(activity=None, fee_fils=5_000)
    with_fee = call("post", "/api/v1/labour/needs-requests/", 201, body=needs, token=employer)
    paying = {"reference": with_fee["reference"]}
    call("post", "/api/v1/labour/needs-requests/{reference}/pay/", 200, params=paying, token=employer)
    call("post", "/api/v1/labour/needs-requests/{reference}/pay/", 404, params=paying, token=author)

    # --- payments and bills (an authority's key) ---
    key = world["key"]
    call("get", "/api/v1/payments/", 401)
    call("get", "/api/v1/payments/", 401, key="pk_forged_key")
    payment = call(
        "post",
        "/api/v1/payments/",
        201,
        body={"amount": 2500, "description_ar": "رسوم", "description_en": "Fee"},
        key=key,
        headers={"Idempotency-Key": "schema-test-1"},
    )
    call("get", "/api/v1/payments/", 200, query={"limit": 5}, key=key)
    call("get", "/api/v1/payments/{reference}/", 200, params={"reference": payment["reference"]}, key=key)
    call("get", "/api/v1/payments/{reference}/", 404, params={"reference": "PAY-NOPE"}, key=key)
    call("get", "/api/v1/payments/{reference}/refunds/", 200, params={"reference": payment["reference"]}, key=key)
    call(
        "post",
        "/api/v1/payments/{reference}/refunds/",
        400,
        params={"reference": payment["reference"]},
        body={"amount": 100, "refund_amount_available": 0},
        key=key,
    )
    bill = call(
        "post",
        "/api/v1/bills/",
        201,
        body={
            "number": "SCHEMA-1",
            "payer_civil_id": "290010100001",
            "amount_due": 15000,
            "due_date": "2031-01-31",
            "description_ar": "فاتورة",
            "description_en": "Bill",
        },
        key=key,
    )
    call("get", "/api/v1/bills/", 200, key=key)
    call("get", "/api/v1/bills/{number}/", 200, params={"number": bill["number"]}, key=key)
    call("post", "/api/v1/bills/{number}/cancel/", 200, params={"number": bill["number"]}, key=key)

    assert Petition.objects.filter(pk=created["id"]).exists()
    assert journey.operations() - journey.called == set(), "operations this journey does not call yet"


def answer_for(question):
    if question["kind"] == "scale":
        return question["scale_max"]
    if question["kind"] == "single":
        return question["choices"][0]["value"]
    if question["kind"] == "multiple":
        return [question["choices"][0]["value"]]
    return "إجابة"


def first_code(codes, dimension):
    listed = codes[dimension] if isinstance(codes, dict) and dimension in codes else codes["dimensions"][dimension]
    first = listed[0]
    return first["code"] if isinstance(first, dict) else first


@pytest.mark.parametrize(
    "path",
    ["/api/v1/petitions/abc/", "/api/v1/polls/x/results/", "/api/v1/notifications/x/read", "/api/v1/comments/é/"],
)
def test_a_path_id_of_the_wrong_type_is_the_json_404(path):
    response = Client().get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("path", ["/api/v1/petitions/", "/api/v1/labour/codes/", "/api/v1/search/"])
def test_an_unknown_format_is_a_404_with_the_error_code(path):
    response = Client().get(path, {"format": "xml"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_schema_documents_refusals_a_client_must_expect(api_schema):
    paths = api_schema["paths"]
    notifications = paths["/api/v1/notifications/"]["get"]["responses"]
    assert notifications["200"]["content"]["application/json"]["schema"]["$ref"].endswith("PaginatedNotificationList")
    for path, item in paths.items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            responses = operation["responses"]
            assert {"400", "404", "503"} <= set(responses), (method, path)
            if any(scheme for requirement in operation.get("security", []) for scheme in requirement):
                assert "401" in responses, (method, path)
    for path in ("/api/v1/notifications/", "/api/v1/subscriptions/", "/api/v1/payments/"):
        responses = paths[path]["get"]["responses"]
        assert {"401", "403"} <= set(responses), path
        assert responses["403"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    assert set(paths["/api/v1/petitions/export.csv"]["get"]["responses"]["200"]["content"]) == {"text/csv"}
