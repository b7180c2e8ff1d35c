"""A citizen signed in with the national ID sees every open bill from every authority, and pays several in
one checkout; each bill moves open → partly paid → paid."""

import re

import pytest
from django.test import Client

from identity.models import NationalIdentity
from identity.national_id import civil_id_hash
from payments import services
from payments.models import Bill, Payment

from .conftest import make_citizen

pytestmark = pytest.mark.django_db
CIVIL_ID = "290010112345"


def bill(authority, number, amount, civil_id=CIVIL_ID, partial=False):
    return services.push_bill(
        authority=authority,
        number=number,
        amount_due_fils=amount,
        due_date="2026-12-31",
        description_ar="فاتورة",
        description_en="Bill",
        payer_civil_id=civil_id,
        partial_allowed=partial,
    )


@pytest.fixture
def holder():
    user = make_citizen("L2")
    NationalIdentity.objects.create(user=user, civil_id_hash=civil_id_hash(CIVIL_ID), full_name="مواطن")
    client = Client()
    client.force_login(user)
    return user, client


def pay_in_sandbox(client, response):
    location = client.get(response["Location"])["Location"]
    html = client.get(location).content.decode()
    result = re.search(r'value="([^"]+)"[^>]*>\s*<button type="submit" name="outcome" value="success"', html)
    return client.post("/payments/gateway/sandbox/callback/", {"result": result.group(1)})


def test_the_citizen_sees_only_their_open_bills(holder, authority, other_authority):
    _user, client = holder
    mine = bill(authority, "A-1", 10_000)
    theirs = bill(other_authority, "B-1", 5_000)
    bill(authority, "A-2", 7_000, civil_id="280020298765")
    services.cancel_bill(bill(authority, "A-3", 3_000))
    html = client.get("/en/payments/bills/").content.decode()
    assert f'value="{mine.pk}"' in html and f'value="{theirs.pk}"' in html
    assert "A-2" not in html and "A-3" not in html


def test_without_a_national_id_there_are_no_bills_to_show(authority):
    bill(authority, "A-1", 10_000)
    client = Client()
    client.force_login(make_citizen("L1"))
    html = client.get("/en/payments/bills/").content.decode()
    assert "national digital identity" in html and "A-1" not in html


def test_two_bills_of_two_authorities_paid_in_one_checkout(holder, authority, other_authority):
    _user, client = holder
    first, second = bill(authority, "A-1", 10_000), bill(other_authority, "B-1", 5_000)
    response = client.post("/ar/payments/bills/", {"bill": [first.pk, second.pk]})
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert payment.amount_fils == 15_000 and payment.authority is None
    assert {item.authority.code for item in payment.line_items.all()} == {authority.code, other_authority.code}
    pay_in_sandbox(client, response)
    assert set(Bill.objects.values_list("state", "amount_paid_fils")) == {("paid", 10_000), ("paid", 5_000)}


def test_a_partial_payment_leaves_the_bill_partly_paid(holder, authority):
    _user, client = holder
    partial = bill(authority, "A-1", 10_000, partial=True)
    response = client.post("/ar/payments/bills/", {"bill": [partial.pk], f"amount_{partial.pk}": "2.500"})
    pay_in_sandbox(client, response)
    partial.refresh_from_db()
    assert (partial.state, partial.amount_paid_fils) == ("partly_paid", 2_500)
    response = client.post("/ar/payments/bills/", {"bill": [partial.pk]})
    pay_in_sandbox(client, response)
    partial.refresh_from_db()
    assert (partial.state, partial.amount_paid_fils) == ("paid", 10_000)


@pytest.mark.parametrize("amount", ["20", "1.2345", "-1", "abc", "0"])
def test_bad_partial_amounts_are_refused(holder, authority, amount):
    _user, client = holder
    partial = bill(authority, "A-1", 10_000, partial=True)
    response = client.post("/en/payments/bills/", {"bill": [partial.pk], f"amount_{partial.pk}": amount})
    assert response.status_code == 400
    assert not Payment.objects.exists()


def test_a_bill_that_must_be_paid_in_full_cannot_be_paid_in_part(holder, authority):
    _user, client = holder
    whole = bill(authority, "A-1", 10_000)
    response = client.post("/en/payments/bills/", {"bill": [whole.pk], f"amount_{whole.pk}": "1"})
    assert response.status_code == 400 and "in full" in response.content.decode()


def test_someone_elses_bill_cannot_be_put_in_a_checkout(holder, authority):
    _user, client = holder
    other = bill(authority, "A-9", 10_000, civil_id="280020298765")
    assert client.post("/en/payments/bills/", {"bill": [other.pk]}).status_code == 404
    assert not Payment.objects.exists()


def test_expired_bills_leave_the_page(holder, authority):
    from datetime import timedelta

    from django.utils import timezone

    _user, client = holder
    old = bill(authority, "A-1", 10_000)
    Bill.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert services.expire_bills() == 1
    old.refresh_from_db()
    assert old.state == "expired"
    assert "A-1" not in client.get("/en/payments/bills/").content.decode()
