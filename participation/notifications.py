"""What participation tells people (see docs/events.md for the events and docs/notifications.md for the
kinds): who hears of what, in Arabic and English, what they follow automatically, and the live petition
counter. Imported by notifications when Django starts; runs in notifications' background task.

Follow targets: `petition:<id>`, `consultation:<original page id>`, `poll:<original page id>`,
`service:<original page id>` and `authority:<code>` (a ministry and everything it runs).

Automatic follows: the author of a petition, whoever responds to a consultation, whoever comments (on what
they commented on), and a signer who ticked "keep me informed" when signing. The checkbox is the signer's
own answer to "tell me what happens to this petition", so it decides; a person who turned automatic follows
off in their notification settings follows nothing automatically, whatever they tick.
"""

from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cms.models import Authority
from notifications.registry import (
    Notice,
    auto_follow,
    bilingual,
    bilingual_url,
    on,
    register_counter,
    register_followable,
    register_kind,
)

from .models import Comment, ConsultationPage, Petition, PollPage
from .selectors import petitions as selectors
from .services import petitions as petition_services

# --- Kinds, with their default channels -----------------------------------------------------------

register_kind("comment.reply", _("A reply to my comment"))
register_kind("comment.official_answer", _("An official answer on something I follow"))
register_kind("comment.hidden", _("My comment hidden by moderation"), email=True)
register_kind("consultation.opened", _("A consultation opened"))
register_kind("consultation.closing_soon", _("A consultation I follow closes soon"))
register_kind("consultation.closed", _("A consultation I follow closed"))
register_kind("consultation.outcome_published", _("The outcome of a consultation I follow"), email=True)
register_kind("petition.threshold_reached", _("A petition I follow reached a threshold"))
register_kind("petition.responded", _("A government response to a petition I follow"), email=True)
register_kind("petition.moderated", _("A moderation decision on my petition"), email=True)
register_kind("poll.results_available", _("The results of a poll I follow"))


# --- What can be followed ------------------------------------------------------------------------


def _public_petition(object_id):
    return Petition.objects.filter(pk=int(object_id), state__in=Petition.PUBLIC_STATES).first()


def _petition_url(petition_id):
    return reverse("participation:petition_detail", args=[petition_id])


def _live_page(model, object_id):
    page = model.objects.live().public().filter(pk=int(object_id)).first()
    return page.original() if page is not None and hasattr(page, "original") else page


def _describe_petition(object_id):
    petition = _public_petition(object_id)
    return {"title": petition.title, "url": _petition_url(petition.pk)} if petition else None


def _page_describer(model):
    def describe(object_id):
        page = _live_page(model, object_id)
        if page is None:
            return None
        shown = page.localized
        return {"title": shown.title, "url": shown.get_url() or ""}

    return describe


def _describe_service(object_id):
    from cms.models import ServicePage

    return _page_describer(ServicePage)(object_id)


def _describe_authority(code):
    authority = Authority.objects.filter(code=code).first()
    return {"title": authority.localized.name, "url": ""} if authority else None


register_followable("petition", _describe_petition)
register_followable("consultation", _page_describer(ConsultationPage))
register_followable("poll", _page_describer(PollPage))
register_followable("service", _describe_service)
register_followable("authority", _describe_authority)


# --- The live count of a petition ----------------------------------------------------------------


def _petition_count(object_id):
    if (
        not str(object_id).isdigit()
        or not Petition.objects.filter(pk=int(object_id), state__in=Petition.PUBLIC_STATES).exists()
    ):
        return None
    return selectors.signature_count(int(object_id))


def _petition_count_now(object_id):
    return petition_services.count_changed(int(object_id)) if str(object_id).isdigit() else None


register_counter(
    "petition",
    _petition_count,
    events=("petition.signed",),
    ids_from_event=lambda event: [event.payload["petition_id"]],
    current=_petition_count_now,
)


# --- Automatic follows -------------------------------------------------------------------------------


@auto_follow("petition.created")
def _author_follows_petition(event):
    return [(event.payload["author_id"], f"petition:{event.payload['petition_id']}")]


@auto_follow("petition.signed", when=lambda event: bool(event.payload.get("keep_informed")))
def _signer_follows_petition(event):
    if not event.payload.get("keep_informed"):
        return []
    return [(event.payload["user_id"], f"petition:{event.payload['petition_id']}")]


@auto_follow("consultation.responded")
def _respondent_follows_consultation(event):
    return [(event.payload["user_id"], f"consultation:{event.payload['page_id']}")]


@auto_follow("comment.created")
def _commenter_follows_target(event):
    return [(event.payload["author_id"], f"{event.payload['target']}:{event.payload['target_id']}")]


# --- Texts and links ---------------------------------------------------------------------------------


def _page_title(page):
    return lambda: page.localized.title


def _page_url(page):
    return bilingual_url(lambda: page.localized.get_url() or "")


def _quoted(message, **params):
    """`message % params`, where each param may be a callable evaluated in the language being rendered."""
    return bilingual(
        lambda: str(message) % {key: value() if callable(value) else value for key, value in params.items()}
    )


def _reason(event):
    """A moderator's reason as written; the portal's own (automatic hiding) in each language."""
    reason = event.payload.get("reason") or ""
    return lambda: gettext(reason) if reason else ""


def _target_of(comment):
    """(target key, title callable, url per language) of what a comment is on."""
    name = comment.target_name
    target = getattr(comment, name)
    if name == "petition":
        return f"petition:{target.pk}", target.title, bilingual_url(lambda: _petition_url(target.pk))
    return f"{name}:{target.pk}", _page_title(target), _page_url(target)


def _with_anchor(urls, anchor):
    return {language: f"{url}#{anchor}" if url else "" for language, url in urls.items()}


# --- Comments --------------------------------------------------------------------------------------


@on("comment.created")
def _comment_notices(event):
    payload = event.payload
    comment = Comment.objects.filter(pk=payload["comment_id"], state=Comment.State.VISIBLE).first()
    if comment is None:
        return
    target, title, urls = _target_of(comment)
    urls = _with_anchor(urls, f"comment-{comment.pk}")
    parent_author = payload.get("parent_author_id")
    if parent_author and parent_author != payload["author_id"]:
        yield Notice(
            kind="comment.reply",
            target=target,
            text=_quoted(_("Someone replied to your comment on “%(title)s”."), title=title),
            url=urls,
            users=[parent_author],
        )
    if payload.get("is_official"):
        authority = comment.official_authority
        yield Notice(
            kind="comment.official_answer",
            target=target,
            text=_quoted(
                _("%(authority)s gave an official answer on “%(title)s”."),
                authority=lambda: authority.localized.name,
                title=title,
            ),
            url=urls,
            followers=[target],
            exclude=[payload["author_id"], parent_author],
        )


@on("comment.hidden")
def _comment_hidden(event):
    comment = Comment.objects.filter(pk=event.payload["comment_id"]).first()
    if comment is None:
        return
    target, title, urls = _target_of(comment)
    if event.payload.get("automatic"):
        text = _quoted(
            _("Your comment on “%(title)s” was hidden after reports from several people. Moderators will review it."),
            title=title,
        )
    else:
        text = _quoted(
            _("Your comment on “%(title)s” was hidden by moderation. Reason: %(reason)s"),
            title=title,
            reason=_reason(event),
        )
    yield Notice(kind="comment.hidden", target=target, text=text, url=urls, users=[event.payload["author_id"]])


# --- Consultations and polls -------------------------------------------------------------------------

CONSULTATION_TEXTS = {
    "consultation.opened": _("The consultation “%(title)s” is open for responses."),
    "consultation.closing_soon": _("The consultation “%(title)s” closes on %(date)s. There is still time to respond."),
    "consultation.closed": _("The consultation “%(title)s” has closed."),
    "consultation.outcome_published": _("The outcome of the consultation “%(title)s” is published."),
}


def _consultation_notice(event):
    page = ConsultationPage.objects.filter(pk=event.payload["page_id"]).first()
    if page is None:
        return
    closes_at = parse_datetime(event.payload.get("closes_at") or "") or page.closes_at
    target = f"consultation:{page.pk}"
    followers = [target]
    if event.name == "consultation.opened":
        followers.append(f"authority:{page.authority.code}")
    yield Notice(
        kind=event.name,
        target=target,
        text=_quoted(
            CONSULTATION_TEXTS[event.name],
            title=_page_title(page),
            date=lambda: date_format(closes_at, "DATE_FORMAT"),
        ),
        url=_page_url(page),
        followers=followers,
    )


for _name in CONSULTATION_TEXTS:
    on(_name)(_consultation_notice)


@on("poll.results_available")
def _poll_results(event):
    page = PollPage.objects.filter(pk=event.payload["page_id"]).first()
    if page is None:
        return
    target = f"poll:{page.pk}"
    yield Notice(
        kind="poll.results_available",
        target=target,
        text=_quoted(_("The results of the poll “%(title)s” are available."), title=_page_title(page)),
        url=_page_url(page),
        followers=[target],
    )


# --- Petitions -----------------------------------------------------------------------------------------


def _petition(event):
    return Petition.objects.filter(pk=event.payload["petition_id"]).first()


@on("petition.threshold_reached")
def _threshold_reached(event):
    petition = _petition(event)
    if petition is None:
        return
    if event.payload.get("threshold") == "debate":
        message = _("The petition “%(title)s” reached %(count)s signatures: it will be considered for a debate.")
    else:
        message = _("The petition “%(title)s” reached %(count)s signatures: the government will respond.")
    target = f"petition:{petition.pk}"
    yield Notice(
        kind="petition.threshold_reached",
        target=target,
        text=_quoted(message, title=petition.title, count=event.payload.get("count", "")),
        url=bilingual_url(lambda: _petition_url(petition.pk)),
        users=[petition.author_id],
        followers=[target],
        key=event.payload.get("threshold", ""),
    )


@on("petition.responded")
def _government_response(event):
    petition = _petition(event)
    if petition is None:
        return
    target = f"petition:{petition.pk}"
    yield Notice(
        kind="petition.responded",
        target=target,
        text=_quoted(_("The government responded to the petition “%(title)s”."), title=petition.title),
        url=bilingual_url(lambda: _petition_url(petition.pk)),
        users=[petition.author_id],
        followers=[target],
    )


MODERATION_TEXTS = {
    "petition.opened": _("Your petition “%(title)s” was approved and is open for signing."),
    "petition.rejected": _("Your petition “%(title)s” was not accepted. Reason: %(reason)s"),
    "petition.hidden": _("Your petition “%(title)s” was hidden by moderation. Reason: %(reason)s"),
}


def _petition_moderated(event):
    petition = _petition(event)
    if petition is None:
        return
    yield Notice(
        kind="petition.moderated",
        target=f"petition:{petition.pk}",
        text=_quoted(MODERATION_TEXTS[event.name], title=petition.title, reason=_reason(event)),
        # A rejected or hidden petition has no public page; the author finds it in their own list.
        url=bilingual_url(lambda: _petition_url(petition.pk)) if event.name == "petition.opened" else {},
        users=[event.payload.get("author_id") or petition.author_id],
    )


for _name in MODERATION_TEXTS:
    on(_name)(_petition_moderated)
