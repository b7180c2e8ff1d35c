"""The rules every request's untrusted input obeys (core.middleware), the one error type (core.errors) and the
one spreadsheet writer (core.exports)."""

import csv
import io
import json

import pytest
from django.db import OperationalError
from django.test import RequestFactory, override_settings

from core.errors import Conflict, InvalidInput, PortalError, RateLimited
from core.exports import csv_text, safe_cell, xlsx_file
from core.middleware import ErrorShapeMiddleware, json_depth_exceeds

pytestmark = pytest.mark.django_db

NUL_URLS = [
    "/api/v1/petitions/?q=a%00b",
    "/api/v1/petitions/?authority=MSAL%00",
    "/api/v1/comments/?consultation=1&paragraph=a%00",
    "/api/v2/pages/?search=a%00b",
    "/api/v2/pages/?authority_code=a%00",
    "/api/v2/pages/?locale=a%00",
    "/api/v2/images/?search=a%00",
    "/api/v2/documents/?search=a%00",
    "/api/v1/search/?q=a%00",
]


@pytest.mark.parametrize("url", NUL_URLS)
def test_nul_in_a_query_parameter_is_a_json_400_naming_the_parameter(client, url):
    response = client.get(url)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_character"
    assert body["field"] in url


def test_nul_in_a_path_is_a_400_before_any_view(client):
    response = client.get("/api/v1/subscriptions/petition/a%00b/")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_character"
    assert client.get("/ar/participate/a%00b/").status_code == 400


@override_settings(PORTAL_MAX_PARAMETER_LENGTH=100)
def test_an_over_long_parameter_is_refused_with_its_limit(client):
    response = client.get("/api/v1/petitions/", {"q": "x" * 101})
    assert response.status_code == 400
    assert response.json()["code"] == "too_long"
    assert client.get("/api/v1/petitions/", {"q": "x" * 100}).status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/receipts/verify", "/_allauth/app/v1/auth/login"])
def test_deeply_nested_json_is_a_400_not_a_recursion_error(client, url):
    body = "[" * 3000 + "]" * 3000
    response = client.post(url, data=body, content_type="application/json")
    assert response.status_code == 400
    payload = response.json()
    codes = [payload.get("code")] + [error.get("code") for error in payload.get("errors", [])]
    assert "too_deep" in codes


def test_depth_scan_ignores_brackets_inside_strings():
    assert not json_depth_exceeds(json.dumps({"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}).encode(), 3)
    assert not json_depth_exceeds(b'{"a": "\\"[[[["}', 1)
    assert json_depth_exceeds(b'{"a": [[[1]]]}', 3)
    assert not json_depth_exceeds(b'{"a": [[1]]}', 3)


def test_every_api_error_has_a_code_whatever_raised_it(client):
    missing = client.get("/api/v1/no-such-endpoint/")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("application/json")
    assert missing.json()["code"] == "not_found"
    wagtail_missing = client.get("/api/v2/pages/999999/")
    assert wagtail_missing.status_code == 404
    assert wagtail_missing.json()["code"] == "not_found"
    assert wagtail_missing.json()["detail"]
    assert wagtail_missing.json()["message"]  # Wagtail's own key stays for its clients


def test_a_portal_error_raised_by_a_plain_view_is_answered_in_the_clients_shape():
    factory = RequestFactory()
    middleware = ErrorShapeMiddleware(lambda request: None)
    api = middleware.process_exception(factory.get("/api/v1/x"), RateLimited(retry_after=7))
    assert api.status_code == 429
    assert api["Retry-After"] == "7"
    assert json.loads(api.content)["code"] == "rate_limited"
    page = middleware.process_exception(factory.get("/ar/x"), Conflict("already done"))
    assert page.status_code == 409
    assert b"already done" in page.content
    assert b'dir="rtl"' in page.content or b'dir="ltr"' in page.content


def test_a_database_outage_is_a_503_with_retry_after_never_a_500():
    factory = RequestFactory()
    middleware = ErrorShapeMiddleware(lambda request: None)
    api = middleware.process_exception(factory.get("/api/v1/x"), OperationalError("connection refused"))
    assert api.status_code == 503
    assert api["Retry-After"]
    assert json.loads(api.content)["code"] == "unavailable"
    page = middleware.process_exception(factory.get("/ar/"), OperationalError("server closed the connection"))
    assert page.status_code == 503
    # A programming error is not an outage: it stays a 500 (and is reported as one).
    assert middleware.process_exception(factory.get("/ar/"), OperationalError("no such table: x")) is None


def test_portal_error_carries_code_status_field_and_message():
    error = InvalidInput("bad amount", field="amount")
    assert isinstance(error, PortalError)
    assert (error.status, error.code, error.field) == (400, "invalid", "amount")
    assert error.as_dict() == {"detail": "bad amount", "code": "invalid", "field": "amount"}
    assert PortalError(code="x", status=418).as_dict()["code"] == "x"


@pytest.mark.parametrize("formula", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(formula):
    assert safe_cell(formula) == "'" + formula
    text = csv_text(["title"], [[formula]])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:], newline="")))
    assert rows == [["title"], ["'" + formula]]


def test_numbers_and_plain_text_are_written_as_they_are():
    assert safe_cell(-5) == -5
    assert safe_cell(1.5) == 1.5
    assert safe_cell("عريضة") == "عريضة"
    assert safe_cell(None) == ""


def test_xlsx_cells_are_never_formulas():
    from openpyxl import load_workbook

    handle = xlsx_file(["a"], [["=1+1"]], right_to_left=True)
    sheet = load_workbook(handle).active
    assert sheet["A2"].value == "'=1+1"
    assert sheet["A2"].data_type == "s"
    assert sheet.sheet_view.rightToLeft


HUGE_ID = "99999999999999999999999"


@pytest.mark.parametrize("name", ["consultation", "petition", "poll", "service"])
def test_an_id_too_large_for_the_database_is_a_400_naming_the_parameter(client, name):
    response = client.get(f"/api/v1/comments/?{name}={HUGE_ID}")
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == name
    assert name in body["detail"]


def test_an_id_too_large_in_a_body_is_a_400_naming_the_field(client):
    response = client.post(
        "/api/v1/comments/", data={"poll": int(HUGE_ID), "body": "x"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "poll"


@pytest.mark.parametrize(
    "path", [f"/api/v1/polls/{HUGE_ID}/", f"/api/v1/polls/{HUGE_ID}/results/", f"/api/v1/comments/{HUGE_ID}/"]
)
def test_an_id_too_large_in_the_path_is_a_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- Headers, the health check, large bodies, control characters (issue 16, item 10) ------------------------


@pytest.mark.parametrize("path", ["/healthz", "/ar/", "/api/v1/search/?q=x", "/api/v1/no-such-endpoint/"])
def test_every_response_has_a_permissions_policy(client, path):
    policy = client.get(path)["Permissions-Policy"]
    assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy
    assert "publickey-credentials-get=(self)" in policy  # passkeys keep working


def test_the_health_check_answers_over_plain_http_when_https_is_enforced(client, settings):
    settings.SECURE_SSL_REDIRECT = True  # as in production; SECURE_REDIRECT_EXEMPT is the portal's own
    assert client.get("/healthz").status_code == 200
    assert client.get("/ar/").status_code == 301


def test_a_10_mb_body_under_the_api_gets_the_json_error_shape(client):
    body = b'{"body": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    response = client.post("/api/v1/comments/", data=body, content_type="application/json")
    assert response.status_code in (400, 413)
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "too_large"
    form = client.post(
        "/api/v1/comments/", data=b"a=" + b"x" * (10 * 1024 * 1024), content_type="application/x-www-form-urlencoded"
    )
    assert form.status_code in (400, 413)
    assert form.json()["code"] == "too_large"


BIDI_AND_CONTROLS = "\u202e\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\x07\x1b\x7f"


def test_control_and_bidi_override_characters_are_stripped_from_what_people_write():
    from django.contrib.auth import get_user_model

    from core.text import strip_controls

    assert strip_controls(f"ab{BIDI_AND_CONTROLS}c\td\ne\u200fو") == "abc\td\ne\u200fو"  # RLM stays: Arabic needs it
    user = get_user_model().objects.create_user("bidi", "bidi@example.org", first_name=f"Ali\u202e{BIDI_AND_CONTROLS}")
    user.refresh_from_db()
    assert user.first_name == "Ali"
