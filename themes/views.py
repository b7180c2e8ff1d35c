from django.conf import settings
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.forms import safe_next

from .selection import CONTRAST_COOKIE, CONTRAST_COOKIE_AGE, CONTRAST_HIGH, CONTRAST_STANDARD


# A display preference, like the language: forging it from another site harms nobody, and a token would make
# every public page set a CSRF cookie.
@csrf_exempt
@require_POST
def switch_contrast(request):
    """Remember the citizen's choice of high or standard contrast and go back to the page (`next`)."""
    choice = request.POST.get("contrast")
    if choice not in (CONTRAST_HIGH, CONTRAST_STANDARD):
        return HttpResponseBadRequest(_("Choose high or standard contrast."), content_type="text/plain; charset=utf-8")
    response = HttpResponseRedirect(safe_next(request, "/"))
    response.set_cookie(
        CONTRAST_COOKIE,
        choice,
        max_age=CONTRAST_COOKIE_AGE,
        samesite="Lax",
        secure=request.is_secure() or getattr(settings, "SESSION_COOKIE_SECURE", False),
        httponly=True,
    )
    return response
