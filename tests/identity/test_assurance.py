import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.utils import translation

from core.assurance import AssuranceLevel
from identity.middleware import LAST_SEEN_KEY
from identity.models import Action, ActionPolicy, AssuranceGrant, SecurityEvent
from identity.policy import AssuranceDenied, level_of, may, require
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen():
    user = get_user_model().objects.create_user("citizen", "citizen@example.org", "a long pass phrase 2026")
    return user


def test_levels_follow_verification_and_grants(citizen):
    from django.contrib.auth.models import AnonymousUser

    assert level_of(AnonymousUser()) == AssuranceLevel.L0
    EmailAddress.objects.create(user=citizen, email=citizen.email, verified=False, primary=True)
    assert level_of(citizen) == AssuranceLevel.L0
    EmailAddress.objects.filter(user=citizen).update(verified=True)
    assert level_of(citizen) == AssuranceLevel.L1
    AssuranceGrant.objects.create(user=citizen, level="L2", method="national-id")
    assert level_of(citizen) == AssuranceLevel.L2


@pytest.mark.parametrize(
    ("action", "needed"),
    [
        (Action.COMMENT, "L1"),
        (Action.POLL_VOTE, "L1"),
        (Action.BINDING_POLL_VOTE, "L2"),
        (Action.CONSULTATION_RESPOND, "L1"),
        (Action.PETITION_CREATE, "L2"),
        (Action.PETITION_SIGN, "L2"),
        (Action.PAY_FEE, "L1"),
        (Action.LABOUR_NEEDS_REQUEST, "L2"),
    ],
)
def test_default_policy(citizen, action, needed):
    EmailAddress.objects.create(user=citizen, email=citizen.email, verified=True, primary=True)
    decision = may(citizen, action)
    assert decision.needed == needed
    assert decision.allowed == (needed == "L1")


def test_staff_can_change_the_policy_and_it_applies_at_once(citizen):
    EmailAddress.objects.create(user=citizen, email=citizen.email, verified=True, primary=True)
    assert may(citizen, Action.COMMENT).allowed
    policy = ActionPolicy.objects.get(action=Action.COMMENT)
    policy.min_level = "L2"
    policy.save()
    assert not may(citizen, Action.COMMENT).allowed


def test_refusal_says_which_level_and_how_in_the_users_language(citizen):
    with translation.override("en"), pytest.raises(AssuranceDenied) as refused:
        require(citizen, Action.PETITION_SIGN)
    assert (refused.value.status, refused.value.code) == (403, "assurance_required")
    message = refused.value.message
    assert "L2" in message and "Civil ID" in message
    with translation.override("ar"), pytest.raises(AssuranceDenied) as refused:
        require(citizen, Action.PETITION_SIGN)
    message = refused.value.message
    assert "L2" in message and "البطاقة المدنية" in message and "التوقيع على عريضة" in message


def test_assurance_endpoint_lists_every_action(client, citizen):
    EmailAddress.objects.create(user=citizen, email=citizen.email, verified=True, primary=True)
    client.force_login(citizen)
    data = client.get("/api/v1/me/assurance/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert data["level"] == "L1"
    by_action = {item["action"]: item for item in data["actions"]}
    assert set(by_action) == set(Action.values)
    assert by_action["comment"]["allowed"] is True
    assert by_action["petition_sign"] == {
        "action": "petition_sign",
        "allowed": False,
        "needed": "L2",
        "current": "L1",
        "message": by_action["petition_sign"]["message"],
    }
    assert "L2" in by_action["petition_sign"]["message"]


def test_staff_without_a_second_factor_cannot_reach_the_admin(client):
    staff = get_user_model().objects.create_user(
        "new.staff", "staff@example.org", "a long pass phrase 2026", is_staff=True, is_superuser=True
    )
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/accounts/2fa/totp/activate/" in response["Location"]
    assert client.get("/admin/pages/").status_code == 302
    assert SecurityEvent.objects.filter(user=staff, kind="admin_refused_no_mfa").exists()
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(staff, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert client.get("/admin/").status_code == 200


def test_recovery_codes_alone_do_not_count_as_a_second_factor(client):
    staff = get_user_model().objects.create_user(
        "rc.staff", "rc@example.org", "a long pass phrase 2026", is_superuser=True
    )
    Authenticator.objects.create(user=staff, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "00"})
    client.force_login(staff)
    assert client.get("/admin/").status_code == 302


def test_wagtails_own_login_form_is_not_a_side_door(client):
    response = client.get("/admin/login/", {"next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"].startswith("/ar/accounts/login/")
    response = client.post("/admin/login/", {"username": "admin", "password": "anything"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_idle_session_ends(client, citizen, settings):
    client.force_login(citizen)
    assert client.get("/api/v1/me/assurance/").json()["level"] == "L0"
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    client.get("/en/")
    assert "_auth_user_id" not in client.session
    assert SecurityEvent.objects.filter(user=citizen, kind="session_expired").exists()


def test_staff_read_and_filter_the_security_log_but_cannot_change_it(client):
    SecurityEvent.objects.create(kind="sign_in_failed", ip_address="203.0.113.7", detail={"domain": "example.org"})
    SecurityEvent.objects.create(kind="signed_in", ip_address="198.51.100.1")
    client.force_login(factories.staff("admin"))
    response = client.get("/admin/identity/security-log/", {"kind": "sign_in_failed"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "203.0.113.7" in html and "198.51.100.1" not in html
    assert client.get("/admin/identity/security-log/new/").status_code in (302, 403, 404)


def test_sessions_cookies_are_http_only(client, settings):
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
