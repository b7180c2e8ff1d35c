"""Reconciliation with the acquirer's settlement file: each line matched to a payment by track id; unmatched
lines, amount mismatches and paid payments missing from the file listed; daily totals per authority with a
chart and CSV/XLSX exports; a bad line reported by line and column, and then nothing imported."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from payments.errors import InvalidSettlement
from payments.models import Payment, SettlementImport, SettlementLine
from payments.services.reconciliation import import_settlement
from tests import factories

from .conftest import HEADER, knet_paid, paid, settlement_file
from .test_admin import make_staff

pytestmark = pytest.mark.django_db


def test_each_line_is_matched_by_track_id_and_the_problems_are_listed(ledger):
    payments, data = ledger
    settlement = import_settlement(data, file_name="settle.csv")
    statuses = list(settlement.settlement_lines.values_list("line_number", "status"))
    assert statuses == [
        (2, "matched"),
        (3, "matched"),
        (4, "amount_mismatch"),
        (5, "unmatched"),
        (6, "duplicate"),
    ]
    assert settlement.lines == 5 and settlement.total_fils == 12_500 + 3_000 + 4_000 + 1_000 + 12_500
    admin = factories.staff("admin")
    from payments import selectors

    assert [payment.reference for payment in selectors.missing_from_settlement(admin, settlement)] == [
        payments["missing"].reference
    ]
    totals = selectors.daily_totals(admin, settlement)
    assert {(code, lines, total) for _day, code, lines, total in totals} == {
        (payments["own"].authority.code, 1, 12_500),
        (payments["other"].authority.code, 1, 3_000),
    }


def test_a_bad_line_is_reported_by_line_and_column_and_nothing_is_imported(authority):
    payment = knet_paid(authority, 1_000)
    data = settlement_file(
        f"2026-12-05,{payment.reference},T1,1.000,KWD",
        "05/12/2026,PAY-X,T2,1.000,KWD",
        "2026-12-05,PAY-Y,T3,1.2345,USD",
    )
    with translation.override("en"), pytest.raises(InvalidSettlement) as refused:
        import_settlement(data, file_name="bad.csv")
    assert refused.value.problems == [
        "line 3, column settlement_date: a date is written YYYY-MM-DD",
        "line 4, column amount: Write the amount in dinars, with at most three decimals (e.g. 1.250).",
        "line 4, column currency: the currency must be KWD (414)",
    ]
    assert refused.value.status == 400
    assert not SettlementImport.objects.exists() and not SettlementLine.objects.exists()


@pytest.mark.parametrize(
    "data, words",
    [
        (b"track_id,amount\nPAY-1,1.000\n", "settlement_date"),
        (HEADER.encode(), "no lines"),
        (b"\xff\xfe\x00bad", "UTF-8"),
    ],
)
def test_a_file_without_the_columns_or_lines_is_refused(data, words):
    with translation.override("en"), pytest.raises(InvalidSettlement) as refused:
        import_settlement(data, file_name="x.csv")
    assert words in refused.value.message
    assert not SettlementImport.objects.exists()


def test_the_same_file_is_not_imported_twice(ledger):
    _payments, data = ledger
    import_settlement(data, file_name="settle.csv")
    with pytest.raises(InvalidSettlement):
        import_settlement(data, file_name="again.csv")
    assert SettlementImport.objects.count() == 1


def test_the_command_reads_a_file_and_refuses_a_bad_one_in_arabic(ledger, tmp_path):
    _payments, data = ledger
    good = tmp_path / "settle.csv"
    good.write_bytes(data)
    out = io.StringIO()
    call_command("import_settlement", str(good), "--no-progress", "--language", "en", stdout=out)
    assert "5 lines" in out.getvalue() and "2 matched" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(settlement_file("2026-13-01,PAY-1,T,1.000,KWD"))
    errors = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_settlement", str(bad), "--no-progress", "--language", "ar", stderr=errors)
    assert "السطر 2، العمود settlement_date" in errors.getvalue()


def test_the_admin_shows_the_reconciliation_with_a_chart_and_exports(client, ledger, authority):
    payments, data = ledger
    settlement = import_settlement(data, file_name="settle.csv")
    client.force_login(factories.staff("admin"))
    html = client.get(f"/admin/payments/settlements/inspect/{settlement.pk}/").content.decode()
    assert (
        "<svg" in html
        and "payments-bar payments-series-1" in html
        and "style=" not in html.split("<svg")[1].split("</svg>")[0]
    )
    assert "PAY-NOSUCHPAYMNT" in html and payments["missing"].reference in html
    csv = b"".join(client.get(f"/admin/payments/settlements/{settlement.pk}/export/totals.csv").streaming_content)
    assert csv.decode("utf-8-sig").splitlines()[1:] and "12500" in csv.decode("utf-8-sig")
    xlsx = client.get(f"/admin/payments/settlements/{settlement.pk}/export/problems.xlsx")
    assert xlsx.status_code == 200 and b"".join(xlsx.streaming_content)[:2] == b"PK"


def test_an_authoritys_staff_see_their_own_totals_and_lines_only(client, ledger, authority):
    payments, data = ledger
    settlement = import_settlement(data, file_name="settle.csv")
    client.force_login(make_staff(authority.code))
    html = client.get(f"/admin/payments/settlements/inspect/{settlement.pk}/").content.decode()
    assert payments["short"].reference in html and "PAY-NOSUCHPAYMNT" not in html
    csv = b"".join(client.get(f"/admin/payments/settlements/{settlement.pk}/export/totals.csv").streaming_content)
    assert payments["other"].authority.code not in csv.decode("utf-8-sig")


# --- Refund lines -------------------------------------------------------------------------------------------

REFUND_HEADER = "settlement_date,track_id,transaction_id,amount,currency,type\n"


def refunded(authority, amount, *refunds):
    """A payment paid through the sandbox and refunded `refunds` (fils each), read again."""
    from payments import services
    from payments.models import Refund

    payment = paid(authority, amount)
    for part in refunds:
        services.refund_payment(payment, amount_fils=part, expected_available=services.amount_available(payment))
        payment.refresh_from_db()
    return payment, list(Refund.objects.filter(payment=payment).order_by("created_at", "pk"))


def test_refund_lines_are_matched_to_the_portals_refunds_and_the_others_listed(client, authority):
    today = timezone.localdate().isoformat()
    first, (part_one, part_two) = refunded(authority, 10_000, 2_000, 3_000)
    second, (whole,) = refunded(authority, 4_000, 4_000)
    unrefunded = paid(authority, 6_000)
    data = (
        REFUND_HEADER
        + f"{today},{first.reference},{part_two.gateway_reference},3.000,KWD,refund\n"  # by transaction id
        + f"{today},{first.reference},,2.000,KWD,Refund\n"  # by amount
        + f"{today},{first.reference},,2.000,KWD,refund\n"  # the same refund again
        + f"{today},{second.reference},,3.500,KWD,refund\n"  # another amount than the refund's
        + f"{today},{unrefunded.reference},,1.000,KWD,refund\n"  # a payment never refunded
        + f"{today},PAY-NOSUCHPAYMNT,,1.000,KWD,refund\n"  # no such payment
        + f"{today},{unrefunded.reference},T9,6.000,KWD,payment\n"  # a payment line beside them
    ).encode()
    settlement = import_settlement(data, file_name="refunds.csv")
    lines = list(settlement.settlement_lines.order_by("line_number").values_list("kind", "status", "refund"))
    assert lines == [
        ("refund", "matched", part_two.pk),
        ("refund", "matched", part_one.pk),
        ("refund", "duplicate", part_one.pk),
        ("refund", "amount_mismatch", whole.pk),
        ("refund", "no_refund", None),
        ("refund", "unmatched", None),
        ("payment", "matched", None),
    ]
    # What the acquirer paid out: the payment line less the refund lines.
    assert settlement.total_fils == 6_000 - (3_000 + 2_000 + 2_000 + 3_500 + 1_000 + 1_000)

    # A refund line does not settle its payment: the paid payments are still missing from the file, and the
    # daily totals count the payment lines only.
    from payments import selectors

    admin = factories.staff("admin")
    Payment.objects.filter(pk__in=[first.pk, second.pk, unrefunded.pk]).update(gateway="knet")
    missing = {payment.reference for payment in selectors.missing_from_settlement(admin, settlement)}
    assert missing == {first.reference, second.reference}
    totals = selectors.daily_totals(admin, settlement)
    assert [(code, count, total) for _day, code, count, total in totals] == [(authority.code, 1, 6_000)]

    # An earlier file's settled refund is settled twice when it comes again.
    again = import_settlement(
        (REFUND_HEADER + f"{today},{first.reference},,3.000,KWD,refund\n").encode(), file_name="again.csv"
    )
    assert list(again.settlement_lines.values_list("status", "refund")) == [("duplicate", part_two.pk)]

    # The admin lists the refund lines that did not match, with their type and the refund's amount.
    client.force_login(admin)
    html = client.get(f"/admin/payments/settlements/inspect/{settlement.pk}/").content.decode()
    assert "لا يوجد استرداد مطابق" in html and whole.reference in html and "3500 / 4000" in html
    csv = b"".join(client.get(f"/admin/payments/settlements/{settlement.pk}/export/problems.csv").streaming_content)
    rows = csv.decode("utf-8-sig").splitlines()
    assert len(rows) == 1 + 4 and any(row.startswith("5,") and whole.reference in row for row in rows)


def test_a_bad_type_is_reported_by_line_and_column(authority):
    payment = paid(authority, 1_000)
    today = timezone.localdate().isoformat()
    data = (REFUND_HEADER + f"{today},{payment.reference},,1.000,KWD,chargeback\n").encode()
    with translation.override("en"), pytest.raises(InvalidSettlement) as refused:
        import_settlement(data, file_name="bad.csv")
    assert refused.value.problems == ["line 2, column type: the type is payment or refund"]
    assert not SettlementImport.objects.exists()


def test_successful_refunds_that_no_refund_line_names_are_listed_and_exported(client, authority, other_authority):
    from payments import selectors

    today = timezone.localdate().isoformat()
    first, (part_one, part_two) = refunded(authority, 10_000, 2_000, 3_000)
    other, (theirs,) = refunded(other_authority, 4_000, 4_000)
    _sandbox, (_no_money_moved,) = refunded(authority, 1_000, 1_000)  # the sandbox's: the acquirer never sees it
    Payment.objects.filter(pk__in=[first.pk, other.pk]).update(gateway="knet")
    settlement = import_settlement(
        (REFUND_HEADER + f"{today},{first.reference},,2.000,KWD,refund\n").encode(), file_name="refunds.csv"
    )
    admin = factories.staff("admin")

    def missing(user, of=settlement):
        return [refund.reference for refund in selectors.refunds_missing_from_settlement(user, of)]

    assert missing(admin) == [part_two.reference, theirs.reference]

    client.force_login(admin)
    html = client.get(f"/admin/payments/settlements/inspect/{settlement.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    html = html.content.decode()
    section = html.split("Successful refunds missing from the file")[1]
    assert part_two.reference in section and theirs.reference in section and part_one.reference not in section
    export = client.get(f"/admin/payments/settlements/{settlement.pk}/export/refunds.csv", HTTP_ACCEPT_LANGUAGE="en")
    rows = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    assert rows[0].startswith("refund,payment,authority,amount (fils)")
    assert [row.split(",")[:4] for row in rows[1:]] == [
        [part_two.reference, first.reference, authority.code, "3000"],
        [theirs.reference, other.reference, other_authority.code, "4000"],
    ]
    xlsx = client.get(f"/admin/payments/settlements/{settlement.pk}/export/refunds.xlsx")
    assert xlsx.status_code == 200 and b"".join(xlsx.streaming_content)[:2] == b"PK"

    # An authority's payments staff see their own authority's refunds only.
    assert missing(make_staff(authority.code)) == [part_two.reference]

    # A refund line of a later file names the refund: it is missing from neither file any more.
    later = import_settlement(
        (REFUND_HEADER + f"{today},{first.reference},,3.000,KWD,refund\n").encode(), file_name="later.csv"
    )
    assert missing(admin) == missing(admin, later) == [theirs.reference]
