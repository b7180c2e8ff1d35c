"""Every write to petitions, each in a transaction. Views and the API call these and nothing else."""

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Locale

from cms.models import Authority
from core import sql
from core.sanitize import sanitize_html
from identity.models import Action
from identity.receipts import issue_receipt, pseudonymous_subject

from ..models import (
    Governorate,
    ModerationRecord,
    Petition,
    PetitionSettings,
    PetitionSignature,
    PetitionSponsor,
    PetitionTally,
)
from ..selectors import petitions as selectors
from .common import ParticipationError, announce, check_participant, guard, require

State = Petition.State


# --- Domain errors -----------------------------------------------------------------------------------


class PetitionError(ParticipationError):
    code = "petition_error"

    def default_message(self):
        return _("This petition action cannot be done.")


class AlreadySigned(PetitionError):
    status = 409
    code = "already_signed"

    def default_message(self):
        return _("You have already signed this petition.")


class AlreadySponsored(PetitionError):
    status = 409
    code = "already_sponsored"

    def default_message(self):
        return _("You have already sponsored this petition.")


class AuthorCannotSponsor(PetitionError):
    status = 403
    code = "author_cannot_sponsor"

    def default_message(self):
        return _("The author of a petition cannot sponsor it.")


class PetitionNotOpen(PetitionError):
    status = 409
    code = "petition_not_open"

    def default_message(self):
        return _("This petition is not open for signing.")


class PetitionNotFound(PetitionNotOpen):
    """Not public (a draft, awaiting moderation, rejected, hidden) or not there at all: to the public it
    does not exist."""

    status = 404
    code = "not_found"

    def default_message(self):
        return _("There is no such petition.")


class NotCollectingSponsors(PetitionError):
    status = 409
    code = "not_collecting_sponsors"

    def default_message(self):
        return _("This petition is not collecting sponsors.")


class InvalidGovernorate(PetitionError):
    code = "invalid_governorate"

    def default_message(self):
        return _("Choose one of the six governorates.")


class InvalidPetition(PetitionError):
    code = "invalid"


class ModerationNotAllowed(PetitionError):
    status = 409
    code = "invalid_transition"

    def default_message(self):
        return _("A petition in this state cannot be moderated that way.")


# --- Creating and sponsoring -------------------------------------------------------------------------


def settings_for(authority):
    """The authority's petition settings (found through any of its translations), or the defaults."""
    found = PetitionSettings.objects.filter(authority__translation_key=authority.translation_key).first()
    return found or PetitionSettings(authority=authority)


def canonical_authority(authority):
    """The authority's row in the default language, which every petition names (whichever language it was
    chosen in); pages show its name in their own language (selectors.petitions.with_authority_name)."""
    default = Authority.objects.filter(translation_key=authority.translation_key, locale=Locale.get_default()).first()
    return default or authority


@transaction.atomic
def create_petition(author, authority, title, body, *, submit=True):
    """A new petition by `author` to `authority`; with `submit` it starts collecting sponsors at once.
    The authority's thresholds are copied onto it."""
    require(author, Action.PETITION_CREATE)
    title = (title or "").strip()
    body = sanitize_html(body or "")
    if not title:
        raise InvalidPetition(_("A petition needs a title."))
    if not body:
        raise InvalidPetition(_("A petition needs a text."))
    rules = settings_for(authority)
    petition = Petition.objects.create(
        authority=canonical_authority(authority),
        title=title,
        body=body,
        author=author,
        state=State.COLLECTING_SPONSORS if submit else State.DRAFT,
        sponsors_needed=rules.sponsors_needed,
        open_for_days=rules.open_for_days,
        response_threshold=rules.response_threshold,
        debate_threshold=rules.debate_threshold,
    )
    announce("petition.created", petition_id=petition.pk, author_id=author.pk)
    return petition


@transaction.atomic
def sponsor_petition(user, sponsor_token):
    """Sponsor the petition behind a share link. The last sponsor needed sends it to moderation."""
    guard(user, None, Action.PETITION_SIGN)
    # Sponsorship is rare and bounded: locking the row makes the move to moderation happen exactly once.
    petition = Petition.objects.select_for_update().filter(sponsor_token=sponsor_token).first()
    if petition is None or petition.state != State.COLLECTING_SPONSORS:
        raise NotCollectingSponsors()
    if petition.author_id == user.pk:
        raise AuthorCannotSponsor()
    try:
        with transaction.atomic():
            PetitionSponsor.objects.create(petition=petition, user=user)
    except IntegrityError as error:
        raise AlreadySponsored() from error
    if petition.sponsors.count() >= petition.sponsors_needed:
        petition.state = State.AWAITING_MODERATION
        petition.save(update_fields=["state", "updated_at"])
    return petition


# --- Moderation --------------------------------------------------------------------------------------

MODERATION_DECISIONS = {
    "approve": (State.OPEN, {State.AWAITING_MODERATION}),
    "reject": (State.REJECTED, {State.DRAFT, State.COLLECTING_SPONSORS, State.AWAITING_MODERATION}),
    "hide": (State.HIDDEN, {State.OPEN, State.CLOSED, State.REJECTED, State.AWAITING_MODERATION}),
}


@transaction.atomic
def moderate_petition(staff_user, petition, decision, reason=""):
    """Approve (open it for signing from now), reject (with a reason shown to the author) or hide."""
    new_state, from_states = MODERATION_DECISIONS[decision]
    petition = Petition.objects.select_for_update().get(pk=petition.pk)
    if petition.state not in from_states:
        raise ModerationNotAllowed()
    reason = (reason or "").strip()
    if decision == "reject" and not reason:
        raise InvalidPetition(_("Give the reason for rejecting the petition."))
    petition.state = new_state
    if decision == "approve":
        petition.opened_at = timezone.now()
        petition.closes_at = petition.opened_at + timedelta(days=petition.open_for_days)
    if decision == "reject":
        petition.rejection_reason = reason
    petition.save()
    kind = {"approve": "approved", "reject": "rejected", "hide": "hidden"}[decision]
    ModerationRecord.objects.create(petition=petition, kind=kind, staff=staff_user, reason=reason)
    if decision == "approve":
        announce("petition.opened", petition_id=petition.pk, author_id=petition.author_id)
    else:
        announce(f"petition.{kind}", petition_id=petition.pk, author_id=petition.author_id, reason=reason)
    return petition


@transaction.atomic
def invalidate_signatures(staff_user, signature_ids, reason):
    """Strike signatures out of the count (fraud, duplicates found later). They stay stored, marked, and
    the decision is logged once per petition."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidPetition(_("Give the reason for invalidating the signatures."))
    signatures = PetitionSignature.objects.select_for_update().filter(
        pk__in=list(signature_ids), invalidated_at__isnull=True
    )
    by_petition = {}
    for signature_id, petition_id in signatures.values_list("pk", "petition_id"):
        by_petition.setdefault(petition_id, []).append(signature_id)
    invalidated = PetitionSignature.objects.filter(pk__in=[pk for ids in by_petition.values() for pk in ids]).update(
        invalidated_at=timezone.now(), invalidation_reason=reason[:300]
    )
    for petition_id, ids in by_petition.items():
        ModerationRecord.objects.create(
            petition_id=petition_id,
            kind=ModerationRecord.Kind.SIGNATURES_INVALIDATED,
            staff=staff_user,
            reason=reason,
            detail={"signature_ids": sorted(ids), "count": len(ids)},
        )
    transaction.on_commit(lambda: [selectors.forget_count(petition_id) for petition_id in by_petition])
    return invalidated


@transaction.atomic
def publish_government_response(staff_user, petition, response_html):
    text = sanitize_html(response_html or "")
    if not text:
        raise InvalidPetition(_("The government response is empty."))
    petition = Petition.objects.select_for_update().get(pk=petition.pk)
    petition.government_response = text
    petition.responded_at = timezone.now()
    petition.save(update_fields=["government_response", "responded_at", "updated_at"])
    ModerationRecord.objects.create(petition=petition, kind=ModerationRecord.Kind.RESPONSE_PUBLISHED, staff=staff_user)
    announce("petition.responded", petition_id=petition.pk)
    return petition


@transaction.atomic
def close_expired_petitions(now=None):
    """Close every open petition past its closing time. Returns how many were closed.

    Safe to run from two schedulers at once: each locks the rows it closes and skips rows another run holds;
    a row closed meanwhile no longer matches `state = open`, so each petition is closed (and announced) once."""
    now = now or timezone.now()
    expired = list(
        Petition.objects.select_for_update(skip_locked=True)
        .filter(state=State.OPEN, closes_at__lte=now)
        .values_list("pk", flat=True)
    )
    Petition.objects.filter(pk__in=expired).update(state=State.CLOSED, updated_at=now)
    for petition_id in expired:
        announce("petition.closed", petition_id=petition_id)
    return len(expired)


# --- Signing -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedPetition:
    signature: PetitionSignature
    receipt: str


# What signing reads of the petition: the petition's state as of now (never a cached copy).
SIGNING_FIELDS = (
    "id",
    "state",
    "closes_at",
    "title",
    "response_threshold",
    "debate_threshold",
    "response_threshold_reached_at",
    "debate_threshold_reached_at",
)


@cache
def _signing_statement():
    # Signing is the portal's hottest path: its read and its insert are SQL text (core.sql), not ORM-built.
    return (
        f"SELECT {sql.columns(Petition, SIGNING_FIELDS)} FROM {sql.table(Petition)} "
        f"WHERE {sql.columns(Petition, ['id'])} = %s"
    )


def sign_petition(user, petition, governorate, keep_informed=False, request=None):
    """Sign `petition` (a petition or its id) for `user`; return the signature with its signed receipt.

    One signature per person is the database's unique constraint: a second attempt, even at the same
    instant, fails on INSERT and becomes `AlreadySigned`. The petition row is only read, never written,
    so signatures do not queue behind each other (no hot row). A petition the public cannot see is
    `PetitionNotFound`; one that is public but not open (or past its closing time) is `PetitionNotOpen`.

    The signature is written without the ORM's save (no signals): nothing listens for one, and the
    `petition.signed` event is how others hear of it."""
    require(user, Action.PETITION_SIGN)
    if governorate not in Governorate.values:
        raise InvalidGovernorate()
    petition_id = petition.pk if isinstance(petition, Petition) else int(petition)
    fits = sql.fits(Petition, "id", petition_id)
    row = sql.fetch_one(_signing_statement(), [petition_id], sql.read_alias(Petition)) if fits else None
    current = sql.instance(Petition, SIGNING_FIELDS, row) if row else None
    if current is None or current.state not in Petition.PUBLIC_STATES:
        raise PetitionNotFound()
    check_participant(user, request, rate="sign")
    now = timezone.now()
    if current.state != State.OPEN or current.closes_at <= now:
        raise PetitionNotOpen()
    fields = {
        "petition_id": petition_id,
        "user_id": user.pk,
        "governorate": governorate,
        "keep_informed": bool(keep_informed),
        "created_at": now,
        "invalidation_reason": "",
    }
    try:
        with transaction.atomic():
            signature = PetitionSignature(id=sql.insert(PetitionSignature, fields), **fields)
            signature._state.adding = False
            receipt = issue_receipt(
                "petition.signed",
                subject=pseudonymous_subject(user.pk, f"petition:{petition_id}"),
                reference=f"petition:{petition_id}",
                title=current.title,
            )
            # Bound to this transaction: nobody hears of a signature that was rolled back.
            announce("petition.signed", petition_id=petition_id, user_id=user.pk, keep_informed=signature.keep_informed)
    except IntegrityError as error:
        raise AlreadySigned() from error
    transaction.on_commit(lambda: announce_thresholds_reached(current))
    return SignedPetition(signature=signature, receipt=receipt)


THRESHOLDS = (
    ("response", "response_threshold_reached_at", "response_threshold"),
    ("debate", "debate_threshold_reached_at", "debate_threshold"),
)


def announce_thresholds_reached(petition, count=None):
    """Mark and announce a threshold the first time the count (`count`, else the shown count) reaches it, as
    reached when the signature that reached it was made. The conditional UPDATE succeeds for exactly one
    caller, however many see the count cross at once."""
    pending = [
        (name, field, getattr(petition, threshold_field))
        for name, field, threshold_field in THRESHOLDS
        if getattr(petition, field) is None
    ]
    if not pending:
        return
    if count is None:
        count = selectors.signature_count(petition.pk)
    for name, field, threshold in pending:
        if count < threshold:
            continue
        reached = selectors.threshold_reached_at(petition.pk, threshold) or timezone.now()
        if Petition.objects.filter(pk=petition.pk, **{f"{field}__isnull": True}).update(**{field: reached}):
            setattr(petition, field, reached)
            announce("petition.threshold_reached", petition_id=petition.pk, threshold=name, count=threshold)


def count_changed(petition_id):
    """The live counter after signatures: the count now (None when the petition is not public), with every
    threshold it has reached marked — so a petition that goes quiet right after crossing is marked too."""
    fields = ["id", "state", *(field for _name, field, _threshold in THRESHOLDS)]
    fields += [threshold for _name, _field, threshold in THRESHOLDS]
    petition = Petition.objects.filter(pk=petition_id, state__in=Petition.PUBLIC_STATES).only(*fields).first()
    if petition is None:
        return None
    count = selectors.current_signature_count(petition.pk)
    announce_thresholds_reached(petition, count)
    return count


# --- Tallies -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reconciliation:
    petition_id: int
    counted: int
    by_governorate: dict
    previous: int | None
    previous_by_governorate: dict | None

    @property
    def fixed(self):
        return self.previous != self.counted or self.previous_by_governorate != self.by_governorate


@transaction.atomic
def reconcile_tally(petition):
    """Recount `petition` with COUNT(*) and make its stored tally agree; say what was there before."""
    counted, by_governorate = selectors.counted_signatures(petition.pk)
    tally = PetitionTally.objects.select_for_update().filter(petition=petition).first()
    result = Reconciliation(
        petition_id=petition.pk,
        counted=counted,
        by_governorate=by_governorate,
        previous=tally.count if tally else None,
        previous_by_governorate=tally.by_governorate if tally else None,
    )
    PetitionTally.objects.update_or_create(
        petition=petition,
        defaults={"count": counted, "by_governorate": by_governorate, "counted_at": timezone.now()},
    )
    return result
