import itertools
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from cms.models import Authority
from identity.models import AssuranceGrant
from participation.models import Petition

_numbers = itertools.count(1)


def make_citizen(level="L2"):
    """A citizen at assurance level L0, L1 (verified e-mail) or L2 (national ID)."""
    number = next(_numbers)
    user = get_user_model().objects.create_user(
        f"citizen{number}", f"citizen{number}@example.org", "a long pass phrase 2026"
    )
    if level in ("L1", "L2"):
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    if level == "L2":
        AssuranceGrant.objects.create(user=user, level="L2", method="national-id")
    return user


def make_petition(author, authority, *, state=Petition.State.OPEN, **fields):
    now = timezone.now()
    dates = {"opened_at": now, "closes_at": now + timedelta(days=183)} if state == Petition.State.OPEN else {}
    return Petition.objects.create(
        authority=authority,
        author=author,
        title=fields.pop("title", "تمديد ساعات عمل مراكز الخدمة"),
        body=fields.pop("body", "<p>نطالب بتمديد ساعات العمل.</p>"),
        state=state,
        **{**dates, **fields},
    )


@pytest.fixture
def authority():
    return Authority.objects.get(code="MSAL", locale__language_code="ar")


@pytest.fixture
def citizen():
    return make_citizen("L2")


@pytest.fixture
def petition(authority):
    return make_petition(make_citizen("L2"), authority)


@pytest.fixture
def no_rate_limits(settings):
    settings.PETITION_SIGN_RATE_LIMITS = ()
