from django import template

from core.money import format_fils

register = template.Library()


@register.inclusion_tag("payments/pay_fee_button.html", takes_context=True)
def pay_fee_button(context, page):
    """The "Pay the fee" action on a service page with a fee (the amount shown is the page's own): a form for a
    signed-in citizen, a link to sign in for a visitor. The link comes back to `page.url`, which the page's own
    context keeps (`page_url`: ServicePage.get_context) so that it is not worked out on every request."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "page": page,
        "page_url": context.get("page_url") if context.get("page") is page else None,
        "request": request,
        "signed_in": bool(user is not None and user.is_authenticated),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def fils_ar(value):
    """An amount written as Arabic readers see it, whatever the page's language (the bilingual receipt)."""
    return format_fils(value, "ar")


@register.filter
def fils_en(value):
    return format_fils(value, "en")


@register.filter
def fils(value):
    """An amount in the active language (`12.500 د.ك` / `KWD 12.500`)."""
    return format_fils(value)
