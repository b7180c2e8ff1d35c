"""Flags and moderation decisions on comments and petitions, each in a transaction, each logged in
ModerationRecord.

Citizens flag (one flag per person and thing, by constraint). Once PARTICIPATION_AUTO_HIDE_FLAGS distinct
people (default 3) have flagged something that staff have not reviewed since, it is hidden automatically
and the author sees why. Staff then approve it (it comes back, and only flags made after the approval
count again), hide it with a reason, or block its author."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from identity.models import Action

from ..models import BlockedParticipant, Comment, Flag, FlagReason, ModerationRecord, Petition
from ..selectors import comments as comment_selectors
from . import petitions as petition_services
from .comments import CommentNotFound
from .common import NotFound, ParticipationError, announce, guard

Kind = ModerationRecord.Kind

# Stored as the English source and shown through gettext, so each reader sees it in their language.
AUTO_HIDE_REASON = gettext_noop("Hidden automatically after reports from several people. Moderators will review it.")


class ModerationError(ParticipationError):
    code = "invalid"


class SignInToFlag(ParticipationError):
    code = "sign_in_required"
    status = 403

    def default_message(self):
        return _("Sign in to report content.")


class AlreadyFlagged(ParticipationError):
    code = "already_flagged"
    status = 409

    def default_message(self):
        return _("You have already reported this.")


class CannotFlagOwn(ParticipationError):
    code = "own_content"
    status = 403

    def default_message(self):
        return _("You cannot report what you wrote yourself.")


class NotAModerator(ParticipationError):
    code = "not_moderator"
    status = 403

    def default_message(self):
        return _("Only moderators can do this.")


class ReasonRequired(ModerationError):
    code = "reason_required"

    def default_message(self):
        return _("Give the reason; the author will see it.")


# --- Flags -------------------------------------------------------------------------------------------


def _check_flag(user, request, reason, note):
    # Flagging is never anonymous, whatever level the policy asks for commenting.
    if user is None or not user.is_authenticated:
        raise SignInToFlag()
    guard(user, request, Action.COMMENT, rate="flag")
    if reason not in FlagReason.values:
        raise ModerationError(_("Choose why you are reporting this."))
    note = (note or "").strip()
    if len(note) > Flag._meta.get_field("note").max_length:
        raise ModerationError(_("The note can be at most %(limit)d characters long.") % {"limit": 500})
    return note


def _store_flag(**fields):
    try:
        with transaction.atomic():
            return Flag.objects.create(**fields)
    except IntegrityError as error:
        raise AlreadyFlagged() from error


@transaction.atomic
def flag_comment(user, comment, reason, note="", *, request=None):
    """A citizen's report on a comment; hides it once enough people have reported it."""
    note = _check_flag(user, request, reason, note)
    # The lock makes concurrent flags count one after another, so the N-th flag always sees the others.
    comment = Comment.objects.select_for_update().filter(pk=getattr(comment, "pk", comment)).first()
    if comment is None or comment.deleted_at:
        raise CommentNotFound()
    if comment.author_id == user.pk:
        raise CannotFlagOwn()
    flag = _store_flag(comment=comment, user=user, reason=reason, note=note)
    count = comment_selectors.pending_comment_flags(comment).count()
    if comment.state == Comment.State.VISIBLE and count >= comment_selectors.auto_hide_flags():
        _hide_comment(comment, AUTO_HIDE_REASON, staff=None, kind=Kind.AUTO_HIDDEN, detail={"flags": count})
    return flag


@transaction.atomic
def flag_petition(user, petition, reason, note="", *, request=None):
    """A citizen's report on a public petition; hides it once enough people have reported it."""
    note = _check_flag(user, request, reason, note)
    petition = Petition.objects.select_for_update().filter(pk=getattr(petition, "pk", petition)).first()
    if petition is None or petition.state not in Petition.PUBLIC_STATES:
        raise NotFound(_("There is no such petition."))
    if petition.author_id == user.pk:
        raise CannotFlagOwn()
    flag = _store_flag(petition=petition, user=user, reason=reason, note=note)
    count = comment_selectors.pending_petition_flags(petition).count()
    if count >= comment_selectors.auto_hide_flags():
        petition.state = Petition.State.HIDDEN
        petition.save(update_fields=["state", "updated_at"])
        ModerationRecord.objects.create(
            petition=petition,
            subject_id=petition.author_id,
            kind=Kind.AUTO_HIDDEN,
            reason=AUTO_HIDE_REASON,
            detail={"flags": count},
        )
        announce("petition.hidden", petition_id=petition.pk, author_id=petition.author_id, reason=AUTO_HIDE_REASON)
    return flag


# --- Staff decisions ---------------------------------------------------------------------------------


def _require_moderator(user, model):
    permission = f"participation.change_{model._meta.model_name}"
    if user is None or not user.is_authenticated or not user.has_perm(permission):
        raise NotAModerator()


def _resolve_flags(**target):
    return Flag.objects.filter(resolved_at__isnull=True, **target).update(resolved_at=timezone.now())


def _hide_comment(comment, reason, *, staff, kind, detail=None):
    comment.state = Comment.State.HIDDEN
    comment.hidden_reason = reason[:300]
    comment.hidden_at = timezone.now()
    comment.save(update_fields=["state", "hidden_reason", "hidden_at"])
    ModerationRecord.objects.create(
        comment=comment, subject_id=comment.author_id, kind=kind, staff=staff, reason=reason, detail=detail or {}
    )
    announce(
        "comment.hidden",
        comment_id=comment.pk,
        author_id=comment.author_id,
        reason=reason,
        automatic=kind == Kind.AUTO_HIDDEN,
    )


def _locked_comment(comment):
    comment = Comment.objects.select_for_update().filter(pk=getattr(comment, "pk", comment)).first()
    if comment is None:
        raise CommentNotFound()
    return comment


@transaction.atomic
def approve_comment(staff, comment):
    """Staff keep the comment: it is shown again if it was hidden, its flags leave the queue, and only
    flags made from now on can hide it automatically."""
    _require_moderator(staff, Comment)
    comment = _locked_comment(comment)
    comment.approved_at = timezone.now()
    restored = comment.state == Comment.State.HIDDEN
    comment.state = Comment.State.VISIBLE
    comment.hidden_reason = ""
    comment.hidden_at = None
    comment.save(update_fields=["approved_at", "state", "hidden_reason", "hidden_at"])
    flags = _resolve_flags(comment=comment)
    ModerationRecord.objects.create(
        comment=comment,
        subject_id=comment.author_id,
        kind=Kind.RESTORED if restored else Kind.APPROVED,
        staff=staff,
        detail={"flags_reviewed": flags},
    )
    if restored:
        announce("comment.restored", comment_id=comment.pk, author_id=comment.author_id)
    return comment


@transaction.atomic
def hide_comment(staff, comment, reason):
    """Staff hide a comment; the author sees `reason`, everyone else "hidden by moderation"."""
    _require_moderator(staff, Comment)
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    comment = _locked_comment(comment)
    flags = _resolve_flags(comment=comment)
    if comment.state == Comment.State.HIDDEN and comment.hidden_reason == reason:
        return comment
    _hide_comment(comment, reason, staff=staff, kind=Kind.HIDDEN, detail={"flags_reviewed": flags})
    return comment


@transaction.atomic
def keep_petition(staff, petition):
    """Staff reviewed the reports on a petition and keep it: its flags leave the queue, and a petition that
    flags hid is shown again (open if its signing period has not ended, else closed)."""
    _require_moderator(staff, Petition)
    petition = Petition.objects.select_for_update().get(pk=petition.pk)
    flags = _resolve_flags(petition=petition)
    auto_hidden = (
        petition.state == Petition.State.HIDDEN
        and ModerationRecord.objects.filter(petition=petition).values_list("kind", flat=True).first()
        == Kind.AUTO_HIDDEN
    )
    if auto_hidden:
        still_open = petition.closes_at and petition.closes_at > timezone.now()
        petition.state = Petition.State.OPEN if still_open else Petition.State.CLOSED
        petition.save(update_fields=["state", "updated_at"])
    ModerationRecord.objects.create(
        petition=petition,
        subject_id=petition.author_id,
        kind=Kind.RESTORED if auto_hidden else Kind.APPROVED,
        staff=staff,
        detail={"flags_reviewed": flags},
    )
    if auto_hidden:
        announce("petition.restored", petition_id=petition.pk, author_id=petition.author_id)
    return petition


@transaction.atomic
def hide_petition(staff, petition, reason):
    """Staff hide a reported petition with a reason (petitions.moderate_petition), and close its flags."""
    _require_moderator(staff, Petition)
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    _resolve_flags(petition=petition)
    if Petition.objects.filter(pk=petition.pk, state=Petition.State.HIDDEN).exists():
        return petition
    return petition_services.moderate_petition(staff, petition, "hide", reason)


@transaction.atomic
def block_author(staff, *, reason, comment=None, petition=None, until=None):
    """Block the author of a comment or petition from taking part, and hide what they wrote there."""
    target = comment if comment is not None else petition
    _require_moderator(staff, type(target))
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    author = target.author
    if author.is_staff or author.is_superuser:
        raise ModerationError(_("Staff accounts cannot be blocked here."))
    BlockedParticipant.objects.update_or_create(
        user=author, defaults={"reason": reason[:300], "until": until, "created_by": staff}
    )
    ModerationRecord.objects.create(
        comment=comment,
        petition=petition,
        subject=author,
        kind=Kind.AUTHOR_BLOCKED,
        staff=staff,
        reason=reason,
        detail={"until": until.isoformat() if until else None},
    )
    if comment is not None:
        hide_comment(staff, comment, reason)
    else:
        hide_petition(staff, petition, reason)
    return author


__all__ = [
    "AUTO_HIDE_REASON",
    "AlreadyFlagged",
    "CannotFlagOwn",
    "NotAModerator",
    "ReasonRequired",
    "SignInToFlag",
    "approve_comment",
    "block_author",
    "flag_comment",
    "flag_petition",
    "hide_comment",
    "hide_petition",
    "keep_petition",
]
