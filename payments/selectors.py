"""Reads of the payments ledger worth naming."""

from django.utils.translation import gettext as _

from cms.models import ServicePage

from .errors import InvalidPayment, PaymentNotFound
from .models import Payment


def payment_for_viewer(reference, user):
    """The payment `reference` as the person asking may see it: a citizen's own payment only to them; a
    payment made without signing in (an authority's system sent its user) to whoever holds its reference."""
    payment = Payment.objects.filter(reference=str(reference)[:20]).select_related("authority").first()
    if payment is None:
        raise PaymentNotFound()
    if payment.payer_id is not None and (not user.is_authenticated or user.pk != payment.payer_id):
        raise PaymentNotFound()
    return payment


def service_with_fee(page_id):
    """The live service page `page_id` whose fee can be paid, or a refusal the citizen understands."""
    page = ServicePage.objects.live().public().filter(pk=page_id).select_related("authority", "locale").first()
    if page is None:
        raise PaymentNotFound()
    if not page.fee_fils:
        raise InvalidPayment(_("This service has no fee to pay."))
    if not page.is_available:
        raise InvalidPayment(_("This service is suspended; its fee cannot be paid now."))
    return page


def titles_by_language(page):
    """A page's title in each language it is published in, keyed by language code."""
    pages = type(page).objects.filter(translation_key=page.translation_key).select_related("locale")
    return {other.locale.language_code: other.title for other in pages}
