"""The payments demo on the sandbox: a citizen who signs in with a (demo) national ID, a service fee paid, two
bills from two authorities paid in one checkout, a refund, and two bills left open to pay. Safe to run again:
each part is made once (found by its demo marker or bill number) and nothing someone changed is touched."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from cms.management.commands.load_demo import demo_password
from cms.models import Authority, ServicePage
from identity.models import AssuranceGrant, NationalIdentity
from identity.national_id import civil_id_hash
from payments import services
from payments.gateways import GatewayResult, Outcome
from payments.models import Bill, Payment
from payments.services import staff

CITIZEN = "citizen.demo"
CIVIL_ID = "290010100001"  # a demo civil ID: no real person's


class Command(BaseCommand):
    help = "Load the payments demo (sandbox): a fee paid, two bills of two authorities paid together, a refund."

    def handle(self, *args, **options):
        citizen = self._citizen()
        authorities = list(Authority.objects.filter(locale__language_code="ar").order_by("code")[:2])
        if len(authorities) < 2:
            self.stdout.write("payments demo: needs the demo catalogue (load_demo) first")
            return
        first, second = authorities
        for code in Authority.objects.values_list("code", flat=True).distinct():
            staff.ensure_staff_group(code)  # "<CODE> payments": add a staff member to see that authority's payments
        fee = self._fee_paid(citizen)
        if fee is not None:
            self._refunded(fee)
        self._bills_paid_together(citizen, first, second)
        for authority, number, amount in ((first, "DEMO-1001", 12_500), (second, "DEMO-2001", 7_250)):
            self._bill(authority, number, amount, partial=authority == first)
        self.stdout.write(
            f"  Payments:  {CITIZEN}@example.org / the same password — My payments at /ar/payments/, "
            "open bills at /ar/payments/bills/"
        )

    def _citizen(self):
        User = get_user_model()
        citizen = User.objects.filter(username=CITIZEN).first()
        if citizen is None:
            citizen = User.objects.create_user(CITIZEN, f"{CITIZEN}@example.org", demo_password())
            EmailAddress.objects.get_or_create(
                user=citizen, email=citizen.email, defaults={"verified": True, "primary": True}
            )
        AssuranceGrant.objects.get_or_create(user=citizen, defaults={"level": "L2", "method": "demo"})
        if not NationalIdentity.objects.filter(user=citizen).exists():
            NationalIdentity.objects.get_or_create(
                civil_id_hash=civil_id_hash(CIVIL_ID), defaults={"user": citizen, "full_name": "مواطن تجريبي"}
            )
        return citizen

    def _paid(self, payment):
        return services.settle(
            payment.reference,
            GatewayResult(payment.reference, Outcome.SUCCESS, payment.amount_fils, "KWD", f"SBX-DEMO-{payment.pk}"),
            source="sandbox",
        )

    def _fee_paid(self, citizen):
        existing = Payment.objects.filter(metadata__demo="fee").first()
        if existing is not None:
            return existing
        page = ServicePage.objects.live().filter(fee_fils__gt=0, locale__language_code="ar").order_by("pk").first()
        if page is None:
            return None
        with transaction.atomic():
            payment = services.pay_service_fee(page, citizen)
            payment.metadata = {**payment.metadata, "demo": "fee"}
            payment.save(update_fields=["metadata"])
        return self._paid(payment)

    def _refunded(self, payment):
        payment.refresh_from_db()
        if payment.state == "success" and not payment.refunds.exists():
            available = services.amount_available(payment)
            services.refund_payment(
                payment, amount_fils=min(1_000, available), expected_available=available, reason="demo: partial refund"
            )

    def _bill(self, authority, number, amount, partial=False):
        bill = Bill.objects.filter(authority__code=authority.code, number=number).first()
        if bill is None:
            bill = services.push_bill(
                authority=authority,
                number=number,
                amount_due_fils=amount,
                due_date="2027-01-31",
                description_ar=f"فاتورة مستحقة لـ{authority.name}"[:255],
                description_en=f"Bill due to {authority.code}",
                payer_civil_id=CIVIL_ID,
                partial_allowed=partial,
            )
        return bill

    def _bills_paid_together(self, citizen, first, second):
        if Payment.objects.filter(metadata__demo="bills").exists():
            return
        bills = [self._bill(first, "DEMO-1000", 4_000), self._bill(second, "DEMO-2000", 6_500)]
        if any(bill.state != Bill.State.OPEN for bill in bills):
            return
        with transaction.atomic():
            payment = services.checkout_bills(citizen, {bill.pk: None for bill in bills})
            payment.metadata = {"demo": "bills"}
            payment.save(update_fields=["metadata"])
        self._paid(payment)
