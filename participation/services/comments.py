"""Every write to comments and comment votes, each in a transaction.

Text is sanitised (core.sanitize) before anything is checked or stored; a comment that says nothing once
sanitised is refused, not stored empty. Who may give an official answer is `may_answer_for`."""

import html
import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.services import editors_group_name
from core.sanitize import sanitize_html
from identity.models import Action

from ..models import Comment, CommentVote, Petition, Stance
from ..models.comments import MAX_DEPTH, MAX_LENGTH
from ..selectors import comments as comment_selectors
from .common import ParticipationError, announce, guard

# --- Refusals ----------------------------------------------------------------------------------------


class CommentError(ParticipationError):
    code = "invalid_comment"

    def default_message(self):
        return _("This comment cannot be accepted.")


class EmptyComment(CommentError):
    code = "empty_comment"

    def default_message(self):
        return _("Write a comment. Only text, paragraphs, lists, quotes and web links are kept.")


class CommentTooLong(CommentError):
    code = "comment_too_long"

    def default_message(self):
        return _("A comment can be at most %(limit)d characters long.") % {"limit": MAX_LENGTH}


class TooDeep(CommentError):
    code = "too_deep"

    def default_message(self):
        return _("Replies can go %(depth)d levels deep at most: reply to an earlier comment instead.") % {
            "depth": MAX_DEPTH
        }


class CommentNotFound(CommentError):
    code = "not_found"
    status = 404

    def default_message(self):
        return _("There is no such comment.")


class CommentsClosed(CommentError):
    code = "comments_closed"
    status = 409

    def default_message(self):
        return _("Comments are closed here.")


class NotTheAuthor(CommentError):
    code = "not_author"
    status = 403

    def default_message(self):
        return _("Only the author of a comment can change or delete it.")


class EditWindowClosed(CommentError):
    code = "edit_window_closed"
    status = 409

    def default_message(self):
        return _("A comment can only be edited in the first %(minutes)d minutes after it was written.") % {
            "minutes": int(comment_selectors.edit_window().total_seconds() // 60)
        }


class CommentUnavailable(CommentError):
    """The comment is deleted or hidden: nobody may reply to it, vote on it or edit it."""

    code = "comment_unavailable"
    status = 409

    def default_message(self):
        return _("This comment was deleted or hidden by moderation.")


class NotAnOfficial(CommentError):
    code = "not_official"
    status = 403

    def default_message(self):
        return _("Only the staff of the authority concerned can give an official answer.")


class OwnComment(CommentError):
    code = "own_comment"
    status = 403

    def default_message(self):
        return _("You cannot vote on your own comment.")


# --- Who may do what ---------------------------------------------------------------------------------


def may_answer_for(user, authority):
    """Portal staff (staff and superusers) answer for any authority; a ministry's editors (the
    "<CODE> editors" group that cms.services creates per authority) answer for their own authority."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return user.groups.filter(name=editors_group_name(authority.code)).exists()


def comments_open(name, target, now=None):
    """Consultations take comments while open; petitions while public; polls and service pages while
    published."""
    now = now or timezone.now()
    if name == "consultation":
        return target.live and target.is_open(now)
    if name == "petition":
        return target.state in Petition.PUBLIC_STATES
    return target.live


# --- Text --------------------------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]*>")


def clean_text(text):
    """The sanitised HTML to store, or a refusal: empty once sanitised, or longer than MAX_LENGTH."""
    body = sanitize_html(text or "")
    if not html.unescape(_TAG.sub("", body)).strip():
        raise EmptyComment()
    if len(body) > MAX_LENGTH:
        raise CommentTooLong()
    return body


# --- Writing, editing, deleting ----------------------------------------------------------------------


@transaction.atomic
def post_comment(user, target, text, *, parent=None, paragraph="", stance="", official=False, request=None, now=None):
    """Post a comment (or, with `parent`, a reply) on a consultation, petition, poll or service page (any
    translation of it: it is stored on the canonical one) and announce `comment.created`."""
    guard(user, request, Action.COMMENT, rate="comment")
    resolved = comment_selectors.canonical_target(target)
    if resolved is None:
        raise CommentNotFound(_("Comments cannot be posted here."))
    name, target = resolved
    body = clean_text(text)
    paragraph = (paragraph or "").strip()
    stance = (stance or "").strip()
    if stance and name != "consultation":
        raise CommentError(_("A stance (for, against, neutral) can only be given on a consultation."))
    if stance and stance not in Stance.values:
        raise CommentError(_("Choose for, against or neutral as your stance."))
    authority = target.authority
    if official and not may_answer_for(user, authority):
        raise NotAnOfficial()
    if not official and not comments_open(name, target, now):
        raise CommentsClosed()
    depth = 1
    if parent is not None:
        parent = Comment.objects.filter(pk=getattr(parent, "pk", parent), **{name: target}).first()
        if parent is None:
            raise CommentNotFound(_("The comment you reply to is not part of this conversation."))
        if parent.deleted_at or parent.state != Comment.State.VISIBLE:
            raise CommentUnavailable()
        depth = parent.depth + 1
        if depth > MAX_DEPTH:
            raise TooDeep()
        paragraph = parent.paragraph
    elif paragraph:
        if name != "consultation":
            raise CommentError(_("Only a consultation's draft has paragraphs to comment on."))
        if paragraph not in comment_selectors.paragraph_ids(target):
            raise CommentError(_("There is no such paragraph in this consultation's draft."))
    comment = Comment.objects.create(
        **{name: target},
        paragraph=paragraph,
        parent=parent,
        depth=depth,
        author=user,
        body=body,
        stance=stance,
        is_official=bool(official),
        official_authority=authority if official else None,
    )
    announce(
        "comment.created",
        comment_id=comment.pk,
        author_id=user.pk,
        target=name,
        target_id=target.pk,
        parent_author_id=parent.author_id if parent else None,
        is_official=comment.is_official,
    )
    return comment


def _own_comment(user, comment_id, *, lock=False):
    comments = Comment.objects.select_for_update() if lock else Comment.objects
    comment = comments.filter(pk=getattr(comment_id, "pk", comment_id)).first()
    if comment is None:
        raise CommentNotFound()
    if user is None or not user.is_authenticated or comment.author_id != user.pk:
        raise NotTheAuthor()
    return comment


@transaction.atomic
def edit_comment(user, comment, text, *, request=None, now=None):
    """Replace the text of one's own comment, within the edit window (PARTICIPATION_COMMENT_EDIT_MINUTES)."""
    guard(user, request, Action.COMMENT, rate="comment")
    comment = _own_comment(user, comment, lock=True)
    if comment.deleted_at or comment.state != Comment.State.VISIBLE:
        raise CommentUnavailable()
    now = now or timezone.now()
    if now >= comment_selectors.editable_until(comment):
        raise EditWindowClosed()
    comment.body = clean_text(text)
    comment.edited_at = now
    comment.save(update_fields=["body", "edited_at"])
    return comment


@transaction.atomic
def delete_comment(user, comment, *, now=None):
    """Withdraw one's own comment at any time. The row stays (its replies stay in place) and is shown as
    "comment deleted"; deleting again changes nothing."""
    comment = _own_comment(user, comment, lock=True)
    if comment.deleted_at is None:
        comment.deleted_at = now or timezone.now()
        comment.save(update_fields=["deleted_at"])
    return comment


# --- Votes -------------------------------------------------------------------------------------------


def _votable(user, comment_id):
    comment = Comment.objects.filter(pk=getattr(comment_id, "pk", comment_id)).first()
    if comment is None:
        raise CommentNotFound()
    if comment.deleted_at or comment.state != Comment.State.VISIBLE:
        raise CommentUnavailable()
    if comment.author_id == user.pk:
        raise OwnComment()
    return comment


def vote_on_comment(user, comment, value, *, request=None):
    """Vote a comment up (+1) or down (−1); voting again replaces the vote. One vote per person and
    comment is the database's unique constraint, so identical requests at the same instant store one."""
    guard(user, request, Action.COMMENT, rate="vote")
    if value not in (1, -1):
        raise CommentError(_("Vote up or down."))
    comment = _votable(user, comment)
    with transaction.atomic():
        try:
            with transaction.atomic():
                CommentVote.objects.create(comment=comment, user=user, value=value)
        except IntegrityError:
            CommentVote.objects.filter(comment=comment, user=user).update(value=value)
    return comment


def withdraw_comment_vote(user, comment, *, request=None):
    guard(user, request, Action.COMMENT, rate="vote")
    comment = Comment.objects.filter(pk=getattr(comment, "pk", comment)).first()
    if comment is None:
        raise CommentNotFound()
    CommentVote.objects.filter(comment=comment, user=user).delete()
    return comment
