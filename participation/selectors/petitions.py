"""Reads of petitions. The shown count of a petition comes from here and only here."""

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import get_language

from cms.models import Authority
from search import registry as search_registry

from ..models import Governorate, Petition, PetitionSignature, PetitionSponsor
from . import common

DEFAULT_COUNT_LAG_SECONDS = 5
# A cached count is recounted this long before it reaches the lag, so that the recount itself (a GROUP BY
# under load, then the answer's way out) still lands within the promised lag.
RECOUNT_AHEAD_SECONDS = 1.0


def count_lag_seconds():
    return getattr(settings, "PETITION_COUNT_LAG_SECONDS", DEFAULT_COUNT_LAG_SECONDS)


def valid_signatures(petition_id):
    return PetitionSignature.objects.filter(petition_id=petition_id, invalidated_at__isnull=True)


def counted_signatures(petition_id):
    """COUNT(*) of the valid signatures, in total and by governorate: one indexed GROUP BY."""
    rows = valid_signatures(petition_id).values("governorate").annotate(n=Count("pk")).order_by()
    by_governorate = {code: 0 for code in Governorate.values}
    for row in rows:
        by_governorate[row["governorate"]] = row["n"]
    return sum(by_governorate.values()), by_governorate


def _count_key(petition_id):
    return f"participation:petition:{petition_id}:count"


def _recount_lock_key(petition_id):
    return f"participation:petition:{petition_id}:counting"


def signature_counts(petition_id):
    """(count, by_governorate) as shown, at most `PETITION_COUNT_LAG_SECONDS` old.

    Signing never touches a shared row; the count is recomputed from the signature rows by whichever
    request first finds the cached value stale. While one request recounts, the others keep showing the
    previous value instead of all counting at once."""
    key = _count_key(petition_id)
    cached = cache.get(key)
    now = common.wall_clock()
    if cached is not None:
        fresh = now - cached["at"] < max(count_lag_seconds() - RECOUNT_AHEAD_SECONDS, count_lag_seconds() / 2)
        if fresh or not cache.add(_recount_lock_key(petition_id), 1, timeout=max(count_lag_seconds(), 1)):
            return cached["count"], cached["by_governorate"]
    count, by_governorate = _recount(petition_id, now)
    cache.delete(_recount_lock_key(petition_id))
    return count, by_governorate


def _recount(petition_id, now):
    count, by_governorate = counted_signatures(petition_id)
    # Kept well past the lag so a stale value can be served while one request recounts.
    cache.set(_count_key(petition_id), {"count": count, "by_governorate": by_governorate, "at": now}, timeout=3600)
    return count, by_governorate


def signature_count(petition_id):
    return signature_counts(petition_id)[0]


def current_signature_count(petition_id):
    """The count now, recounted (and shown from now on): what the live counter pushes after a signature, at
    most once a second per petition, so that the last push shows the last signature."""
    return _recount(petition_id, common.wall_clock())[0]


def threshold_reached_at(petition_id, threshold):
    """When the valid signature that made the count reach `threshold` was made (None: fewer signatures)."""
    if threshold < 1:
        return None
    ordered = valid_signatures(petition_id).order_by("created_at", "pk").values_list("created_at", flat=True)
    return ordered[threshold - 1 : threshold].first()


def with_authority_name(petitions):
    """Each petition's authority as `authority_name`, named in the active language: one subquery for the
    authority's translation, the petition's own row where that language has none."""
    translated = Authority.objects.filter(
        translation_key=OuterRef("authority__translation_key"), locale__language_code=get_language()
    ).values("name")[:1]
    return petitions.annotate(authority_name=Coalesce(Subquery(translated), F("authority__name")))


def public_petitions():
    return with_authority_name(Petition.objects.filter(state__in=Petition.PUBLIC_STATES).select_related("authority"))


def open_petitions():
    return public_petitions().filter(state=Petition.State.OPEN)


def search_petitions(*, authority_code=None, state=None, query=None):
    """Public petitions, open ones unless `state` asks for closed ones."""
    petitions = public_petitions()
    petitions = petitions.filter(state=state) if state else petitions.filter(state=Petition.State.OPEN)
    if authority_code:
        petitions = petitions.filter(authority__code=authority_code)
    if query:
        petitions = petitions.filter(search_registry.text_filter(["title", "body"], query))
    return petitions


def has_signed(user, petition):
    return user.is_authenticated and PetitionSignature.objects.filter(petition=petition, user=user).exists()


def progress(count, threshold):
    """Percentage towards a threshold, capped at 100."""
    return min(100, int(count * 100 / threshold)) if threshold else 100


def thresholds(petition, count):
    """The petition's way towards each of its thresholds, as shown beside its count."""
    return [
        {"name": name, "target": target, "value": min(count, target), "percent": progress(count, target)}
        for name, target in (("response", petition.response_threshold), ("debate", petition.debate_threshold))
    ]


# A petition is "near" a threshold it has not reached once its count has come this far towards it.
NEAR_THRESHOLD_FRACTION = 0.5
NEAR_THRESHOLD_CANDIDATES = 24


def petitions_near_threshold(limit=3):
    """Open petitions that have come at least NEAR_THRESHOLD_FRACTION of the way to a threshold they have not
    reached yet, closest first: [{"petition", "count", "threshold"}]. The candidates are the open petitions with
    the largest stored tallies (`recount`), so that the home page never counts every open petition; their shown
    counts come from `signature_counts` like everywhere else."""
    candidates = open_petitions().order_by(F("tally__count").desc(nulls_last=True), "-opened_at", "-pk")
    near = []
    for petition in candidates[:NEAR_THRESHOLD_CANDIDATES]:
        count = signature_count(petition.pk)
        for threshold in thresholds(petition, count):
            if count < threshold["target"]:
                if count >= threshold["target"] * NEAR_THRESHOLD_FRACTION:
                    near.append({"petition": petition, "count": count, "threshold": threshold})
                break
    near.sort(key=lambda item: (-item["count"] / item["threshold"]["target"], item["petition"].pk))
    return near[:limit]


def forget_count(petition_id):
    """Drop the cached count, so the next reader recounts (after an invalidation, say)."""
    cache.delete(_count_key(petition_id))


def petitions_by(author):
    """Every petition `author` started, newest first, with how many sponsors each has."""
    return (
        with_authority_name(Petition.objects.filter(author=author))
        .select_related("authority")
        .annotate(sponsor_count=Count("sponsors", distinct=True))
        .order_by("-created_at", "-pk")
    )


def petition_by_sponsor_token(token):
    """The petition behind a sponsor share link, whatever its state, with its sponsor count; or None."""
    return (
        with_authority_name(Petition.objects.filter(sponsor_token=token))
        .select_related("authority")
        .annotate(sponsor_count=Count("sponsors", distinct=True))
        .first()
    )


def has_sponsored(user, petition):
    return user.is_authenticated and PetitionSponsor.objects.filter(petition=petition, user=user).exists()


EXPORT_FIELDS = ("id", "title", "authority", "state", "opened_at", "closes_at", "signature_count", "responded_at")


def petition_export_rows(*, authority_code=None, state=None):
    """Open data: one row per public petition (open and closed unless `state` says), with the shown count
    and its count in each governorate. Counts only: nothing here names a person."""
    petitions = public_petitions().order_by("pk")
    if state:
        petitions = petitions.filter(state=state)
    if authority_code:
        petitions = petitions.filter(authority__code=authority_code)
    for petition in petitions.iterator(chunk_size=500):
        count, by_governorate = signature_counts(petition.pk)
        yield {
            "id": petition.pk,
            "title": petition.title,
            "authority": petition.authority.code,
            "state": petition.state,
            "opened_at": petition.opened_at.isoformat() if petition.opened_at else None,
            "closes_at": petition.closes_at.isoformat() if petition.closes_at else None,
            "signature_count": count,
            "responded_at": petition.responded_at.isoformat() if petition.responded_at else None,
            "by_governorate": by_governorate,
        }
