"""The payments demo: a fee paid, two bills of two authorities paid in one checkout, a refund; run twice,
the second run changes nothing."""

import pytest
from django.core.management import call_command

from payments.models import Bill, Credit, Payment, Refund

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def test_the_demo_shows_the_journey_and_is_idempotent():
    call_command("load_payments_demo", stdout=open("/dev/null", "w"))
    fee = Payment.objects.get(metadata__demo="fee")
    bills = Payment.objects.get(metadata__demo="bills")
    assert fee.state == bills.state == "success" and Credit.objects.count() == 2
    assert len({item.authority.code for item in bills.line_items.all()}) == 2
    assert Refund.objects.get(payment=fee).state == "success"
    assert Bill.objects.filter(state="open").count() == 2
    counts = (Payment.objects.count(), Bill.objects.count(), Refund.objects.count())
    Bill.objects.filter(number="DEMO-2001").update(description_en="changed by staff")
    call_command("load_payments_demo", stdout=open("/dev/null", "w"))
    assert (Payment.objects.count(), Bill.objects.count(), Refund.objects.count()) == counts
    assert Bill.objects.get(number="DEMO-2001").description_en == "changed by staff"


def test_the_demo_makes_each_authoritys_payments_staff_group_with_its_permissions():
    from django.contrib.auth.models import Group

    call_command("load_payments_demo", stdout=open("/dev/null", "w"))
    group = Group.objects.get(name="MSAL payments")
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"view_payment", "add_refund", "change_webhookdelivery", "view_settlementimport"} <= codenames
    assert "change_payment" not in codenames and not group.user_set.exists()
