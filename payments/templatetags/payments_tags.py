from django import template

register = template.Library()


@register.inclusion_tag("payments/pay_fee_button.html", takes_context=True)
def pay_fee_button(context, page):
    """The "Pay the fee" action on a service page with a fee (the amount shown is the page's own)."""
    return {"page": page, "request": context.get("request"), "csrf_token": context.get("csrf_token")}
