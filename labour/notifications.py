"""What labour tells people (docs/notifications.md for the kinds): the employer who submitted a labour-needs
request hears of the decision in the inbox and by e-mail, with a link to the request's page (its reasons and its
signed receipt). Imported by notifications when Django starts; runs in notifications' background task."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from notifications.registry import Notice, bilingual, bilingual_url, on, register_kind

from .models import NeedsRequest

register_kind("labour.needs_decided", _("A decision on my labour-needs request"), email=True)

MESSAGES = {
    NeedsRequest.State.APPROVED: _("Your labour-needs request %(reference)s was approved: %(approved)d workers."),
    NeedsRequest.State.PARTLY_APPROVED: _(
        "Your labour-needs request %(reference)s was approved in part: %(approved)d of %(requested)d workers."
    ),
    NeedsRequest.State.REJECTED: _("Your labour-needs request %(reference)s was rejected."),
}


@on("labour.needs_request.decided")
def _decided(event):
    request = NeedsRequest.objects.filter(pk=event.payload["request_id"], requester__isnull=False).first()
    if request is None or request.state not in MESSAGES:
        return
    yield Notice(
        kind="labour.needs_decided",
        target=f"labour-needs:{request.reference}",
        text=bilingual(
            MESSAGES[request.state],
            reference=request.reference,
            approved=request.workers_approved,
            requested=request.workers_requested,
        ),
        url=bilingual_url(lambda: reverse("labour:needs_request", args=[request.reference])),
        users=[request.requester_id],
    )
