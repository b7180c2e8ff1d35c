"""The inbox page (`/<lang>/notifications/`): notifications, preferences and follows, working without
JavaScript (notifications/static/notifications/live.js adds the live part), and the one-click unsubscribe."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import emails, registry, selectors, services
from .forms import PreferencesForm

PAGE_SIZE = 30


def _language():
    return "en" if (get_language() or "").startswith("en") else "ar"


def _preferences_form(user, data=None):
    chosen = services.settings_for(user)
    channels = {kind.key: services.channels_for(user, kind.key) for kind in registry.kinds()}
    return PreferencesForm(
        data,
        channels=channels,
        initial={"email_frequency": chosen.email_frequency, "auto_follow": chosen.auto_follow},
    )


def _render_inbox(request, form=None, status=200):
    rows = selectors.inbox(request.user)
    before = request.GET.get("before", "")
    if before.isdigit():
        rows = rows.filter(pk__lt=int(before))
    page = list(rows[: PAGE_SIZE + 1])
    language = _language()
    follows = [
        {"target": follow.target, "automatic": follow.automatic, **(registry.describe_target(follow.target) or {})}
        for follow in selectors.follows(request.user)[:200]
    ]
    context = {
        "notifications": [
            {"row": row, "text": row.text(language), "url": row.url(language)} for row in page[:PAGE_SIZE]
        ],
        "older": page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None,
        "unread": selectors.unread_count(request.user),
        "form": form or _preferences_form(request.user),
        "follows": follows,
    }
    return render(request, "notifications/inbox.html", context, status=status)


@login_required
def inbox(request):
    return _render_inbox(request)


@login_required
@require_POST
def mark_read(request, notification_id):
    read = request.POST.get("read", "1") != "0"
    services.mark_read(request.user, notification_id, read=read)
    return redirect("notifications:inbox")


@login_required
@require_POST
def read_all(request):
    services.mark_all_read(request.user)
    messages.success(request, _("All your notifications are marked read."))
    return redirect("notifications:inbox")


@login_required
@require_POST
def preferences(request):
    form = _preferences_form(request.user, request.POST)
    if not form.is_valid():
        return _render_inbox(request, form=form, status=400)
    with transaction.atomic():
        for kind, (in_app, email) in form.channels().items():
            services.set_channels(request.user, kind, in_app=in_app, email=email)
        services.update_settings(
            request.user,
            email_frequency=form.cleaned_data["email_frequency"],
            auto_follow=form.cleaned_data["auto_follow"],
        )
    messages.success(request, _("Your notification preferences are saved."))
    return redirect("notifications:inbox")


@login_required
@require_POST
def unfollow(request):
    try:
        services.unfollow(request.user, request.POST.get("target", ""))
    except services.NotificationError as error:  # shown on the inbox, above the list of follows it concerns
        messages.error(request, error.message)
    else:
        messages.success(request, _("You no longer follow this."))
    return redirect("notifications:inbox")


@csrf_exempt  # the signed token is the authority; mail clients post without a CSRF token (RFC 8058)
def unsubscribe(request, token):
    """GET shows a button (mail scanners follow links, so a GET changes nothing); POST unsubscribes —
    from the page, or one click in the mail client."""
    found = emails.read_unsubscribe_token(token)
    if found is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    user_id, kind = found
    declared = registry.get_kind(kind)
    context = {"token": token, "kind_label": declared.label if declared else None}
    if request.method == "POST":
        emails.unsubscribe(user_id, kind)
        context["done"] = True
    return render(request, "notifications/unsubscribe.html", context)
