"""Reads of comments and flags: which thing a comment belongs to, a thread as a viewer sees it, and the
moderation queue.

A consultation, poll or service page exists once per language, but its comments belong to one page of the
translation set (the original / the oldest), so both languages show one conversation."""

import base64
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, IntegerField, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.models import ServicePage
from core import pagecache

from ..models import Comment, CommentVote, ConsultationPage, Flag, Petition, PollPage
from ..models.comments import DEFAULT_EDIT_WINDOW_MINUTES, MAX_DEPTH, TARGETS
from ..models.moderation import DEFAULT_AUTO_HIDE_FLAGS

TARGET_LABELS = {
    "consultation": gettext_lazy("Consultation"),
    "petition": gettext_lazy("Petition"),
    "poll": gettext_lazy("Poll"),
    "service": gettext_lazy("Service"),
}
TARGET_MODELS = {"consultation": ConsultationPage, "petition": Petition, "poll": PollPage, "service": ServicePage}


def edit_window():
    return timedelta(minutes=getattr(settings, "PARTICIPATION_COMMENT_EDIT_MINUTES", DEFAULT_EDIT_WINDOW_MINUTES))


def auto_hide_flags():
    return getattr(settings, "PARTICIPATION_AUTO_HIDE_FLAGS", DEFAULT_AUTO_HIDE_FLAGS)


# --- Targets -----------------------------------------------------------------------------------------


def canonical_target(target, kept=False):
    """`(name, object)` for what comments attach to: the original page of a consultation's or poll's
    translation set, the oldest page of a service's, the petition itself. None for anything else.

    kept=True (a page showing its thread): which page of a service's translation set is the oldest is kept until
    the next purge (core.pagecache.fragment), and a page that is the oldest itself is not read again. A new
    translation is always younger; deleting a page purges."""
    if isinstance(target, Petition):
        return "petition", target
    if isinstance(target, ConsultationPage | PollPage):
        return ("consultation" if isinstance(target, ConsultationPage) else "poll"), target.original()
    if isinstance(target, ServicePage):
        if kept:
            return "service", _oldest_kept(target)
        oldest = (
            ServicePage.objects.filter(translation_key=target.translation_key)
            .select_related("authority")
            .order_by("pk")
            .first()
        )
        return "service", oldest or target
    specific = getattr(target, "specific", None)
    if specific is not None and specific is not target:
        return canonical_target(specific, kept=kept)
    return None


def _oldest_kept(service):
    key = service.translation_key

    def compute():
        return ServicePage.objects.filter(translation_key=key).order_by("pk").values_list("pk", flat=True).first()

    oldest = pagecache.fragment("oldest-translation", (key,), compute)
    if oldest is None or oldest == service.pk:
        return service
    return ServicePage.objects.filter(pk=oldest).select_related("authority").first() or service


def find_target(name, pk):
    """The commentable thing named by an API query (`consultation=12`: any page of the translation set)
    as `(name, canonical object)`, or None when there is no such public thing."""
    model = TARGET_MODELS.get(name)
    if model is None:
        return None
    if model is Petition:
        found = Petition.objects.filter(pk=pk, state__in=Petition.PUBLIC_STATES).select_related("authority").first()
    else:
        found = model.objects.live().public().filter(pk=pk).first()
    return canonical_target(found) if found is not None else None


def paragraph_ids(consultation):
    """The ids of the body blocks of every page in the consultation's translation set."""
    pages = ConsultationPage.objects.filter(translation_key=consultation.translation_key)
    return {block.id for page in pages for block in page.body if block.id}


def target_of(comment):
    """The canonical object a comment belongs to."""
    return getattr(comment, comment.target_name)


# --- Threads -----------------------------------------------------------------------------------------


def _score():
    return Coalesce(Sum("votes__value"), Value(0), output_field=IntegerField())


def comments_with_scores(viewer=None):
    comments = Comment.objects.select_related("author", "official_authority").annotate(score=_score())
    if viewer is not None and viewer.is_authenticated:
        mine = CommentVote.objects.filter(comment=OuterRef("pk"), user=viewer).values("value")[:1]
        flagged = Flag.objects.filter(comment=OuterRef("pk"), user=viewer).values("pk")[:1]
        comments = comments.annotate(my_vote=Subquery(mine), my_flag=Subquery(flagged))
    return comments


def comments_on(name, target, viewer=None, paragraph=None):
    """Every comment on `target` (deleted and hidden ones included: `shown_as` says how each is shown),
    oldest first; `paragraph` narrows a consultation to one paragraph ("" = about the whole draft)."""
    comments = comments_with_scores(viewer).filter(**{name: target})
    if paragraph is not None:
        comments = comments.filter(paragraph=paragraph)
    return comments.order_by("created_at", "pk")


def comment_for(pk, viewer=None):
    return comments_with_scores(viewer).filter(pk=pk).first()


def is_author(comment, viewer):
    return viewer is not None and viewer.is_authenticated and comment.author_id == viewer.pk


def shown_as(comment, viewer):
    """ "deleted", "hidden" (to others), "hidden_own" (the author sees the text and the reason) or "visible"."""
    if comment.deleted_at:
        return "deleted"
    if comment.state == Comment.State.HIDDEN:
        return "hidden_own" if is_author(comment, viewer) else "hidden"
    return "visible"


def hidden_reason(comment):
    """The reason shown to the author, in their language (Comment.get_hidden_reason_display)."""
    return comment.get_hidden_reason_display()


def editable_until(comment):
    return comment.created_at + edit_window()


def may_edit(comment, viewer, now=None):
    return (
        is_author(comment, viewer)
        and not comment.deleted_at
        and comment.state == Comment.State.VISIBLE
        and (now or timezone.now()) < editable_until(comment)
    )


def author_name(user):
    """Comments show a name the person gave, never their e-mail address or sign-in name, nor their account id
    (ids are sequential: they told how many accounts there are and which came when). Without a name, a pseudonym:
    six characters of a keyed hash of the id (`pseudonym`)."""
    return user.get_full_name() or _("Participant %(code)s") % {"code": pseudonym(user.pk)}


def pseudonym(user_id):
    """A short, stable, non-sequential code for an account: HMAC of its id under a key derived from SECRET_KEY,
    in base 32 (letters and digits that cannot be confused)."""
    digest = salted_hmac("participation.comments.pseudonym", str(user_id)).digest()
    return base64.b32encode(digest).decode("ascii")[:6]


@dataclass
class ThreadNode:
    comment: Comment
    shown_as: str
    may_edit: bool
    may_delete: bool
    may_reply: bool
    replies: list = field(default_factory=list)


def thread(name, target, viewer=None, paragraph=None):
    """The comments on `target` as nested nodes (replies under their parent, depth 1..3), as `viewer` sees
    them."""
    now = timezone.now()
    nodes = {}
    roots = []
    for comment in comments_on(name, target, viewer, paragraph):
        shown = shown_as(comment, viewer)
        node = ThreadNode(
            comment=comment,
            shown_as=shown,
            may_edit=may_edit(comment, viewer, now),
            may_delete=is_author(comment, viewer) and not comment.deleted_at,
            may_reply=shown == "visible" and comment.depth < MAX_DEPTH,
        )
        nodes[comment.pk] = node
        parent = nodes.get(comment.parent_id)
        (parent.replies if parent else roots).append(node)
    return roots


# --- Flags and moderation ----------------------------------------------------------------------------


def pending_flags():
    """Flags staff have not reviewed yet."""
    return Flag.objects.filter(resolved_at__isnull=True)


def pending_comment_flags(comment):
    flags = pending_flags().filter(comment=comment)
    if comment.approved_at:
        flags = flags.filter(created_at__gt=comment.approved_at)
    return flags


def pending_petition_flags(petition):
    return pending_flags().filter(petition=petition)


def _reasons(flags):
    counts = {}
    for flag in flags:
        counts[flag.get_reason_display()] = counts.get(flag.get_reason_display(), 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))


def comment_queue():
    """Comments with reports nobody has reviewed — those that reports hid automatically among them — the
    newest report first, each with its count of pending reports. (Comments staff hid themselves are
    reviewed already: the comments listing shows them.)"""
    pending = Q(flags__resolved_at__isnull=True)
    return (
        Comment.objects.filter(pending, deleted_at__isnull=True)
        .annotate(pending=Count("flags", filter=pending, distinct=True), last_flag=Max("flags__created_at"))
        .select_related("author")
        .distinct()
        .order_by("-last_flag", "-created_at")
    )


def petition_queue():
    pending = Q(flags__resolved_at__isnull=True)
    return (
        Petition.objects.filter(pending)
        .annotate(pending=Count("flags", filter=pending, distinct=True), last_flag=Max("flags__created_at"))
        .select_related("authority")
        .distinct()
        .order_by("-last_flag")
    )


def with_flag_reasons(items, kind):
    """Attach `reasons` [(label, count)] of the pending flags to each comment or petition of the queue."""
    items = list(items)
    flags = pending_flags().filter(**{f"{kind}__in": items})
    by_item = {}
    for flag in flags:
        by_item.setdefault(getattr(flag, f"{kind}_id"), []).append(flag)
    for item in items:
        item.target_label = TARGET_LABELS[item.target_name] if kind == "comment" else ""
        item.reasons = _reasons(by_item.get(item.pk, []))
        item.notes = [flag.note for flag in by_item.get(item.pk, []) if flag.note]
    return items


__all__ = [
    "TARGETS",
    "ThreadNode",
    "author_name",
    "auto_hide_flags",
    "canonical_target",
    "comment_for",
    "comment_queue",
    "comments_on",
    "edit_window",
    "editable_until",
    "find_target",
    "hidden_reason",
    "may_edit",
    "paragraph_ids",
    "pending_comment_flags",
    "pending_petition_flags",
    "petition_queue",
    "shown_as",
    "target_of",
    "thread",
    "with_flag_reasons",
]
