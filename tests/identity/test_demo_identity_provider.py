"""The demo's identity provider (`make run`): the same loopback gateway as the national-ID tests, interactive —
its page is labelled as a demonstration and lets the visitor choose who signs in — and the portal's development
settings pointing national-ID sign-in at it. Real HTTP both ways, nothing mocked."""

import html
import re
import runpy
import urllib.error
import urllib.request
from urllib.parse import urlencode, urlsplit

import pytest
from django.core.management import CommandError, call_command

import portal.settings.base as base_settings
from identity.models import NationalIdentity
from identity.national_id import civil_id_hash
from identity.oidc_gateway import DEMO_PEOPLE, LoopbackOIDCProvider
from identity.policy import level_of

from .test_national_id import EMAIL_LESS_SIGN_UP, REDIRECT_URIS, begin, signed_in_user

pytestmark = pytest.mark.django_db

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def demo_idp(settings, monkeypatch):
    """The demo gateway, and the portal configured for it exactly as portal/settings/dev.py does with
    NATIONAL_ID_DEMO=1 (on a free port here)."""
    with LoopbackOIDCProvider(redirect_uris=REDIRECT_URIS, interactive=True) as provider:
        monkeypatch.setenv("NATIONAL_ID_DEMO", "1")
        monkeypatch.setenv("NATIONAL_ID_DEMO_PORT", str(provider.port))
        monkeypatch.delenv("NATIONAL_ID_ISSUER", raising=False)
        configured = runpy.run_module("portal.settings.dev")
        provider.client_id = configured["NATIONAL_ID_DEMO_CLIENT_ID"]
        provider.client_secret = configured["NATIONAL_ID_DEMO_CLIENT_SECRET"]
        settings.SOCIALACCOUNT_PROVIDERS = configured["SOCIALACCOUNT_PROVIDERS"]
        for name, value in EMAIL_LESS_SIGN_UP.items():
            setattr(settings, name, value)
        yield provider


def _page(url):
    with OPENER.open(url, timeout=5) as response:
        return response.status, response.read().decode()


def _approve(idp, page, **choice):
    """Press a button on the demo page: a POST of its form, as the browser sends it; where the gateway sends
    the browser back (the portal's callback), or its page when it answers with one."""
    form = {
        name: html.unescape(value) for name, value in re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page)
    }
    form.update(choice)
    request = urllib.request.Request(f"{idp.issuer}/authorize", data=urlencode(form).encode(), method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
    try:
        with opener.open(request, timeout=5) as response:
            return None, response.read().decode()
    except urllib.error.HTTPError as e:
        assert e.code == 302, e.code
        return e.headers["Location"], None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_dev_settings_point_national_id_sign_in_at_the_demo_only_when_asked(monkeypatch):
    monkeypatch.delenv("NATIONAL_ID_ISSUER", raising=False)
    monkeypatch.delenv("NATIONAL_ID_DEMO", raising=False)
    configured = runpy.run_module("portal.settings.dev")
    assert configured["NATIONAL_ID_DEMO"] is False
    assert configured["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"] == []
    monkeypatch.setenv("NATIONAL_ID_DEMO", "1")
    monkeypatch.setenv("NATIONAL_ID_DEMO_PORT", "8123")
    configured = runpy.run_module("portal.settings.dev")
    (app,) = configured["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"]
    assert app["settings"]["server_url"] == "http://127.0.0.1:8123"
    assert "Demo" in app["name"] and "تجريبية" in app["name"]  # the sign-in button says it is a demonstration
    assert base_settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"] == []  # base is left as it was
    # A real gateway wins over the demo.
    monkeypatch.setenv("NATIONAL_ID_ISSUER", "https://mid.example.gov.kw")
    assert runpy.run_module("portal.settings.dev")["NATIONAL_ID_DEMO"] is False


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "this is not the national digital identity"), ("ar", "هذا ليس الهوية الرقمية الوطنية")],
)
def test_a_citizen_chooses_a_demo_person_and_comes_back_signed_in_at_l2(client, demo_idp, language, words):
    authorize = begin(client, demo_idp, language, next=f"/{language}/participate/petitions/")
    status, page = _page(authorize)
    assert status == 200 and words in page and f'<html lang="{language}"' in page
    number, name = DEMO_PEOPLE[1]
    callback, _ = _approve(demo_idp, page, person=number, approve="1")
    parts = urlsplit(callback)
    response = client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 302 and response["Location"] == f"/{language}/participate/petitions/"
    user = signed_in_user(client)
    assert level_of(user).value == "L2"
    identity = NationalIdentity.objects.get(user=user)
    assert identity.civil_id_hash == civil_id_hash(number) and identity.full_name == name


def test_another_civil_id_typed_in_and_a_malformed_one_refused_on_the_page(client, demo_idp):
    _status, page = _page(begin(client, demo_idp, "en"))
    callback, again = _approve(demo_idp, page, civil_id="1234", approve="1")
    assert callback is None and "A civil ID number has 12 digits." in again
    callback, _ = _approve(demo_idp, again, civil_id="2990 1011 2345", name="Demo Person", approve="1")
    parts = urlsplit(callback)
    assert client.get(f"{parts.path}?{parts.query}").status_code == 302
    identity = NationalIdentity.objects.get(user=signed_in_user(client))
    assert identity.civil_id_hash == civil_id_hash("299010112345") and identity.full_name == "Demo Person"


def test_cancel_on_the_demo_page_is_a_cancelled_sign_in(client, demo_idp):
    _status, page = _page(begin(client, demo_idp, "en"))
    callback, _ = _approve(demo_idp, page, cancel="1")
    parts = urlsplit(callback)
    response = client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 403 and "cancelled" in response.content.decode()
    assert signed_in_user(client) is None


def test_the_gateway_of_the_tests_approves_at_once_and_refuses_the_demo_form(demo_idp):
    tests_gateway = LoopbackOIDCProvider(redirect_uris=REDIRECT_URIS)
    with tests_gateway:
        request = urllib.request.Request(f"{tests_gateway.issuer}/authorize", data=b"approve=1", method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            OPENER.open(request, timeout=5)
        assert refused.value.code == 405


def test_the_command_runs_only_for_the_demo(settings):
    settings.NATIONAL_ID_DEMO = False
    with pytest.raises(CommandError, match="NATIONAL_ID_DEMO=1"):
        call_command("demo_identity_provider")
