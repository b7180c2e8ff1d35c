"""The payments screens of the admin: each authority's payments staff see their own rows only (another's is a
404), the ledgers are read only, a staff refund shows the amount available and refuses a stale one or more
than is available (412, nothing written), needs L2 and a second factor, and every staff action is a row of
the audit log."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.test import Client

from core.errors import Forbidden
from identity.models import AssuranceGrant, SecurityEvent
from payments import services
from payments.models import ApiKey, Payment, Refund, WebhookDelivery, WebhookEndpoint
from payments.services import staff, webhooks
from tests import factories
from tests.factories import STAFF_TOTP_SECRET

from .conftest import paid

pytestmark = pytest.mark.django_db


def make_staff(code, *, level="L2", second_factor=True):
    from allauth.mfa.totp.internal.auth import TOTP

    user = get_user_model().objects.create_user(f"{code.lower()}.payments", f"{code.lower()}@example.org", "x" * 20)
    user.groups.add(staff.ensure_staff_group(code))
    if level == "L2":
        AssuranceGrant.objects.create(user=user, level="L2", method="national-id")
    if second_factor:
        TOTP.activate(user, STAFF_TOTP_SECRET)
    return user


@pytest.fixture
def msal_staff(client, authority):
    user = make_staff(authority.code)
    client.force_login(user)
    return client, user


def staff_actions(user, action):
    return SecurityEvent.objects.filter(user=user, kind="staff_action", detail__action=action)


def test_an_authoritys_staff_see_their_own_payments_only(msal_staff, authority, other_authority):
    client, _user = msal_staff
    own, other = paid(authority), paid(other_authority)
    html = client.get("/admin/payments/payments/").content.decode()
    assert own.reference in html and other.reference not in html
    assert client.get(f"/admin/payments/payments/inspect/{own.pk}/").status_code == 200
    assert client.get(f"/admin/payments/payments/inspect/{other.pk}/").status_code == 404
    assert client.get(f"/admin/payments/payments/{other.pk}/refund/").status_code == 404


def test_the_portals_staff_see_every_authority(client, authority, other_authority):
    client.force_login(factories.staff("admin"))
    own, other = paid(authority), paid(other_authority)
    html = client.get("/admin/payments/payments/").content.decode()
    assert own.reference in html and other.reference in html
    assert client.get(f"/admin/payments/payments/inspect/{other.pk}/").status_code == 200


def test_the_ledgers_are_read_only(msal_staff, authority):
    client, _user = msal_staff
    payment = paid(authority)
    for url in ("/admin/payments/payments/new/", f"/admin/payments/payments/edit/{payment.pk}/"):
        assert client.get(url).status_code in (302, 403, 404)
    assert client.post(f"/admin/payments/payments/delete/{payment.pk}/").status_code in (302, 403, 404)
    assert Payment.objects.filter(pk=payment.pk).exists()


def test_a_staff_refund_shows_the_amount_available_and_refuses_a_stale_one(msal_staff, authority):
    client, user = msal_staff
    payment = paid(authority)
    url = f"/admin/payments/payments/{payment.pk}/refund/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="expected_available" value="10000"' in page.content.decode()
    services.refund_payment(payment, amount_fils=4_000, expected_available=10_000)  # someone else, meanwhile
    stale = client.post(url, {"amount": "1.000", "expected_available": "10000", "reason": "duplicate"})
    assert stale.status_code == 412 and "تغيّر المبلغ المتاح للاسترداد" in stale.content.decode()
    assert 'value="6000"' in stale.content.decode()  # shown again against the amount available now
    too_much = client.post(url, {"amount": "7", "expected_available": "6000"})
    assert too_much.status_code == 412 and Refund.objects.filter(payment=payment).count() == 1
    assert not staff_actions(user, "payment.refund").exists()
    done = client.post(url, {"amount": "2.500", "expected_available": "6000", "reason": "duplicate"})
    assert done.status_code == 302
    refund = Refund.objects.get(payment=payment, requested_by=user)
    assert refund.amount_fils == 2_500 and refund.state == Refund.State.SUCCESS
    [audit] = staff_actions(user, "payment.refund")
    assert audit.detail["refund"] == refund.reference and audit.detail["amount_fils"] == 2_500


def test_an_amount_that_is_not_dinars_is_a_clear_form_error(msal_staff, authority):
    client, _user = msal_staff
    payment = paid(authority)
    answer = client.post(
        f"/admin/payments/payments/{payment.pk}/refund/", {"amount": "1.2345", "expected_available": "10000"}
    )
    assert answer.status_code == 400 and "ثلاث" in answer.content.decode()
    assert not Refund.objects.exists()


def test_a_staff_refund_needs_l2_and_a_second_factor(authority):
    payment = paid(authority)
    for user in (make_staff(authority.code, level="L1"), None):
        if user is None:
            user = make_staff(authority.code + "X", second_factor=False)
            user.groups.add(staff.ensure_staff_group(authority.code))
            assert not Authenticator.objects.filter(user=user).exists()
        with pytest.raises(Forbidden):
            staff.refund(user, payment, amount_fils=1_000, expected_available=10_000)
    assert not Refund.objects.exists()


def test_resending_a_delivery_and_revoking_a_key_are_audited(msal_staff, authority):
    client, user = msal_staff
    webhooks.create_endpoint(authority=authority, url="https://ministry.example/hooks")
    paid(authority)
    delivery = WebhookDelivery.objects.get()
    page = client.get(f"/admin/payments/webhook-deliveries/inspect/{delivery.pk}/")
    assert page.status_code == 200
    assert client.post(f"/admin/payments/webhook-deliveries/{delivery.pk}/resend/").status_code == 302
    assert WebhookDelivery.objects.filter(resent_from=delivery, event_id=delivery.event_id).count() == 1
    assert staff_actions(user, "webhook.resend").count() == 1
    api_key, _token = services.create_api_key(authority=authority, name="billing", scopes=["bills"])
    assert client.post(f"/admin/payments/api-keys/{api_key.pk}/revoke/").status_code == 302
    assert ApiKey.objects.get(pk=api_key.pk).revoked_at is not None
    assert staff_actions(user, "api_key.revoke").get().detail["prefix"] == api_key.prefix


def test_another_authoritys_delivery_and_key_cannot_be_touched(msal_staff, other_authority):
    client, user = msal_staff
    webhooks.create_endpoint(authority=other_authority, url="https://other.example/hooks")
    paid(other_authority)
    delivery = WebhookDelivery.objects.get()
    api_key, _token = services.create_api_key(authority=other_authority, name="billing", scopes=["bills"])
    assert client.post(f"/admin/payments/webhook-deliveries/{delivery.pk}/resend/").status_code == 404
    assert client.post(f"/admin/payments/api-keys/{api_key.pk}/revoke/").status_code == 404
    assert WebhookDelivery.objects.count() == 1 and ApiKey.objects.get(pk=api_key.pk).revoked_at is None
    assert not SecurityEvent.objects.filter(user=user, kind="staff_action").exists()


def test_staff_add_an_endpoint_for_their_own_authority_only(msal_staff, authority, other_authority):
    client, user = msal_staff
    form = client.get("/admin/payments/webhook-endpoints/new/").content.decode()
    assert f'value="{authority.pk}"' in form and f'value="{other_authority.pk}"' not in form
    refused = client.post(
        "/admin/payments/webhook-endpoints/new/",
        {"authority": other_authority.pk, "url": "https://ministry.example/hooks", "active": "on"},
    )
    assert refused.status_code == 200 and not WebhookEndpoint.objects.exists()
    created = client.post(
        "/admin/payments/webhook-endpoints/new/",
        {
            "authority": authority.pk,
            "url": "https://ministry.example/hooks",
            "events": ["payment.succeeded"],
            "active": "on",
        },
    )
    assert created.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["payment.succeeded"] and endpoint.secret.startswith("whsec_")
    assert staff_actions(user, "webhook_endpoint.create").get().detail["url"] == "https://ministry.example/hooks"


def test_staff_create_a_key_for_their_own_authority_shown_once_and_audited(msal_staff, authority, other_authority):
    client, user = msal_staff
    listing = client.get("/admin/payments/api-keys/").content.decode()
    assert "/admin/payments/api-keys/new/" in listing
    form = client.get("/admin/payments/api-keys/new/").content.decode()
    assert f'value="{authority.pk}"' in form and f'value="{other_authority.pk}"' not in form
    refused = client.post(
        "/admin/payments/api-keys/new/", {"authority": other_authority.pk, "name": "x", "scopes": ["bills"]}
    )
    assert refused.status_code == 400 and not ApiKey.objects.exists()
    assert client.post("/admin/payments/api-keys/new/", {"authority": authority.pk, "name": "x"}).status_code == 400
    created = client.post(
        "/admin/payments/api-keys/new/",
        {"authority": authority.pk, "name": "Billing system", "scopes": ["bills", "payments"]},
    )
    assert created.status_code == 201 and "no-store" in created["Cache-Control"]
    api_key = ApiKey.objects.get()
    token = created.context["token"]
    assert token.startswith(f"pk_{api_key.prefix}_") and token in created.content.decode()
    assert api_key.authority == authority and api_key.scopes == ["bills", "payments"] and api_key.created_by == user
    assert token not in "".join(str(value) for value in ApiKey.objects.values_list().get())
    # Listed, never shown again, and it works until revoked.
    assert api_key.prefix in client.get("/admin/payments/api-keys/").content.decode()
    assert token not in client.get(f"/admin/payments/api-keys/inspect/{api_key.pk}/").content.decode()
    assert staff_actions(user, "api_key.create").get().detail["prefix"] == api_key.prefix
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/bills/").status_code == 200
    assert client.post(f"/admin/payments/api-keys/{api_key.pk}/revoke/").status_code == 302
    assert api.get("/api/v1/bills/").status_code == 401


def test_the_new_key_screen_speaks_arabic(msal_staff):
    client, _user = msal_staff
    html = client.get("/admin/payments/api-keys/new/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "مفتاح" in html and "New API key" not in html
