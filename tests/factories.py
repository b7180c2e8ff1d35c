"""Small factories: each builds just what a test needs, through the portal's own services where there is one, so
that a test depends on what it made and not on the demo catalogue.

Every factory is idempotent for what it names: `authority("MSAL")` gives the Arabic record of MSAL, creating MSAL in
both languages if it does not exist yet (and the authority it is part of). Tests that still run on the demo
(`pytest.mark.usefixtures("demo")`, see tests/conftest.py) can call them too: they find the demo's records.

    from tests import factories

    msal = factories.authority("MSAL")                     # Arabic Authority; .get_translation(en) for English
    page = factories.service("MSAL-T-001", "MSAL")          # Arabic ServicePage, published, with its English page
    pages = factories.services(21)                         # 21 of them in one import, fees and life events varied
    named = factories.named_services({"service_id": "PAM-WP-001", "authority_code": "PAM", "en": {…}}, …)
    english = factories.translation(page)                 # the English page of the same translation set
    citizen = factories.citizen("L2")                      # L0, L1 (verified e-mail) or L2 (national ID)
    petition = factories.petition(authority=msal)          # open, by a new L2 citizen
    consultation = factories.consultation(authority=msal)  # open, three blocks, under the participation index
    poll = factories.poll(authority=msal)                  # open single-choice poll with two options

What several tests of a module read and none keeps can be built once for the module with `per_module`:

    @factories.per_module
    def catalogue():
        "21 services of three authorities."
        return factories.services(21)
"""

import itertools
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from wagtail.models import Locale
from wagtail.rich_text import RichText

_numbers = itertools.count(1)

# Authorities the tests name most, with the names the demo gives them (tests/cms/test_demo_loading.py checks the demo).
AUTHORITIES = {
    "MSAL": ("ministry", None, "وزارة الشؤون الاجتماعية والعمل", "Ministry of Social Affairs and Labour"),
    "PAM": ("authority", "MSAL", "الهيئة العامة للقوى العاملة", "Public Authority for Manpower"),
    "MOCI": ("ministry", None, "وزارة التجارة والصناعة", "Ministry of Commerce and Industry"),
    "MOH": ("ministry", None, "وزارة الصحة", "Ministry of Health"),
    "PACI": ("authority", None, "الهيئة العامة للمعلومات المدنية", "Public Authority for Civil Information"),
}


def _import(**records):
    """Write catalogue records (docs/import-format.md) with the importer; any record it refuses fails the test."""
    from cms.services import import_catalogue

    report = import_catalogue({"format": "portal-services", "version": 1, **records})
    assert not report.errors, report.errors


def per_module(build):
    """A module-scoped fixture, named as `build`, of what `build()` makes: built once before the first test of the
    module that asks for it, in a transaction rolled back after the module's last test (as Django's
    `TestCase.setUpTestData`); each test runs in a savepoint inside it, so a test's own changes roll back too.
    The objects it returns are shared by the module's tests: a test that changes one reads it again first."""

    def fixture(django_db_setup, django_db_blocker):
        with django_db_blocker.unblock():
            outer = transaction.atomic()
            outer.__enter__()
            try:
                built = build()
            except BaseException:
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)
                raise
        yield built
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)

    fixture.__doc__ = build.__doc__
    return pytest.fixture(scope="module", name=build.__name__)(fixture)


def locale(language="ar"):
    return Locale.objects.get_or_create(language_code=language)[0]


def translation(item, language="en"):
    """The record or page of the same translation set in `language` (a page as its specific type)."""
    found = item.get_translation(locale(language))
    return found.specific if hasattr(found, "specific") else found


def portal_site():
    """The home pages and the service catalogue in both languages, the default site on the Arabic home (what
    `load_demo` starts with). Returns {"ar": catalogue, "en": catalogue}."""
    from cms.services import ensure_portal_site

    return ensure_portal_site(keep_existing=True)


def home(language="ar"):
    from cms.models import HomePage

    portal_site()
    return HomePage.objects.get(locale__language_code=language, depth=2)


def authority(code="MSAL", *, language="ar", name_ar=None, name_en=None, kind=None, parent=None, **fields):
    """The authority `code` in `language`, created in Arabic and English if missing (names of the demo's
    authorities in AUTHORITIES, else made up). `fields`: email, phone, website."""
    from cms.models import Authority

    existing = Authority.objects.filter(code=code, locale__language_code=language).first()
    if existing is not None:
        return existing
    known_kind, known_parent, known_ar, known_en = AUTHORITIES.get(code, ("ministry", None, None, None))
    parent = parent if parent is not None else known_parent
    if parent:
        authority(parent)
    _import(
        authorities=[
            {
                "code": code,
                "kind": kind or known_kind,
                **({"parent": parent} if parent else {}),
                **fields,
                "ar": {"name": name_ar or known_ar or f"جهة {code}"},
                "en": {"name": name_en or known_en or f"Authority {code}"},
            }
        ]
    )
    return Authority.objects.get(code=code, locale__language_code=language)


def _default_authority():
    return authority()


def section(code="MSAL", language="ar"):
    """The authority's section of the catalogue (a ServiceIndexPage) and its editors' group."""
    from cms.services import ensure_authority_section

    authority(code)
    return ensure_authority_section(code, portal_site(), keep_existing=True)[language]


def life_event(slug="employment", *, language="ar", name_ar=None, name_en=None, order=1):
    from cms.models import LifeEvent

    existing = LifeEvent.objects.filter(slug=slug, locale__language_code=language).first()
    if existing is not None:
        return existing
    _import(
        life_events=[
            {
                "slug": slug,
                "order": order,
                "ar": {"name": name_ar or f"مناسبة {slug}"},
                "en": {"name": name_en or f"Life event {slug}"},
            }
        ]
    )
    return LifeEvent.objects.get(slug=slug, locale__language_code=language)


def _service_record(service_id, authority_code, *, ar=None, en=None, **neutral):
    """The catalogue record (docs/import-format.md) of a service, with made-up texts and defaults for what is not
    given."""
    return {
        "id": service_id,
        "slug": neutral.pop("slug", f"service-{service_id.lower()}"),
        "authority": authority_code,
        "audience": ["citizens"],
        "min_assurance": "L1",
        "fee_fils": 0,
        **neutral,
        "ar": {"title": f"خدمة {service_id}", "summary": "ملخص الخدمة بالعربية.", **(ar or {})},
        "en": {"title": f"Service {service_id}", "summary": "The service in short.", **(en or {})},
    }


def _import_services(records, language):
    """Import service records (their authorities and life events made first if missing); the pages in `language`,
    in the records' order."""
    from cms.models import ServicePage

    for code in dict.fromkeys(record["authority"] for record in records):
        authority(code)
    for slug in dict.fromkeys(slug for record in records for slug in record.get("life_events", ())):
        life_event(slug)
    _import(services=records)
    pages = ServicePage.objects.filter(service_id__in=[record["id"] for record in records], locale=locale(language))
    by_id = {page.service_id: page for page in pages}
    return [by_id[record["id"]] for record in records]


def service(service_id=None, authority_code="MSAL", *, language="ar", ar=None, en=None, **neutral):
    """A published service page in Arabic and its English translation, in the authority's section, through the
    importer: `neutral` are the record's language-free fields (fee_fils, min_assurance, life_events, status,
    audience, start_url, processing_days, related…), `ar` and `en` its texts (title, summary, eligibility,
    steps…). Returns the page in `language`."""
    from cms.models import ServicePage

    service_id = service_id or f"{authority_code}-T-{next(_numbers):03d}"
    existing = ServicePage.objects.filter(service_id=service_id, locale__language_code=language).first()
    if existing is not None:
        return existing
    return _import_services([_service_record(service_id, authority_code, ar=ar, en=en, **neutral)], language)[0]


def named_services(*services, language="ar"):
    """Several services in one import, each named and written as `service(...)` writes one: each a dict of its
    arguments (service_id, authority_code, ar, en, and the record's language-free fields). Returns the pages in
    `language`, in that order."""
    return _import_services([_service_record(**fields) for fields in services], language)


def services(count, authority_codes=("MSAL", "PAM", "MOCI"), *, language="ar"):
    """`count` published services (each in Arabic and English) in one import, for tests of listings and of what
    a page costs: they take the authorities in turn, every other one has a fee (the first does), the first of
    each three is in the life event "employment" and the second in "family" (the third in none), and every
    second one is for citizens and residents (the others for citizens). Returns the pages in `language`."""
    records = []
    for position in range(count):
        code = authority_codes[position % len(authority_codes)]
        records.append(
            _service_record(
                f"{code}-S-{next(_numbers):03d}",
                code,
                fee_fils=2500 * (position + 1) if position % 2 == 0 else 0,
                life_events=[["employment"], ["family"], []][position % 3],
                audience=["citizens", "residents"] if position % 2 else ["citizens"],
            )
        )
    return _import_services(records, language)


def search_index():
    """The search index rebuilt from what the database holds. Pages reach the index when their change commits,
    which a test's never does: a test of search builds its pages, then calls this."""
    from search.services import reindex

    return reindex()


def user(username=None, *, level="L0", password="a long pass phrase 2026", **fields):
    """An account at assurance level L0, L1 (a verified e-mail address) or L2 (national ID)."""
    from allauth.account.models import EmailAddress

    from identity.models import AssuranceGrant

    number = next(_numbers)
    username = username or f"citizen{number}"
    email = fields.pop("email", f"{username}@example.org")
    account = get_user_model().objects.create_user(username, email, password, **fields)
    if level in ("L1", "L2"):
        EmailAddress.objects.create(user=account, email=account.email, verified=True, primary=True)
    if level == "L2":
        AssuranceGrant.objects.create(user=account, level="L2", method="national-id")
    return account


def citizen(level="L2"):
    """A citizen at assurance level L0, L1 (verified e-mail) or L2 (national ID)."""
    return user(level=level)


def petition(author=None, authority=None, *, state=None, **fields):
    """A petition, open for six months unless another `state` is given, by `author` (a new L2 citizen)."""
    from participation.models import Petition

    state = state or Petition.State.OPEN
    now = timezone.now()
    dates = {"opened_at": now, "closes_at": now + timedelta(days=183)} if state == Petition.State.OPEN else {}
    return Petition.objects.create(
        authority=authority or _default_authority(),
        author=author or citizen("L2"),
        title=fields.pop("title", "تمديد ساعات عمل مراكز الخدمة"),
        body=fields.pop("body", "<p>نطالب بتمديد ساعات العمل.</p>"),
        state=state,
        **{**dates, **fields},
    )


def participation_index(language="ar"):
    """The participation section under the home page of `language`."""
    from participation.models import ParticipationIndexPage

    parent = home(language)
    index = ParticipationIndexPage.objects.child_of(parent).first()
    if index is None:
        index = ParticipationIndexPage(title="شارك" if language == "ar" else "Participate", slug="participate")
        parent.add_child(instance=index)
        index.save_revision().publish()
    return index


def _published_under_index(page):
    participation_index().add_child(instance=page)
    page.save_revision().publish()
    return type(page).objects.get(pk=page.pk)


def consultation(authority=None, *, open_now=True, title="مشروع لائحة العمل عن بعد", **fields):
    """A published consultation (open now, or closed yesterday) with a heading and two paragraphs."""
    from participation.models import ConsultationPage

    now = timezone.now()
    page = ConsultationPage(
        title=title,
        slug=f"consultation-{next(_numbers)}-{uuid.uuid4().hex[:6]}",
        authority=authority or _default_authority(),
        summary="نستشيركم في مشروع اللائحة.",
        opens_at=now - timedelta(days=1) if open_now else now - timedelta(days=20),
        closes_at=now + timedelta(days=30) if open_now else now - timedelta(days=1),
        body=[
            ("heading", "المادة الأولى"),
            ("paragraph", RichText("<p>يجوز العمل عن بعد يومين في الأسبوع.</p>")),
            ("paragraph", RichText("<p>تحدد الجهة الأعمال التي تؤدى عن بعد.</p>")),
        ],
        **fields,
    )
    return _published_under_index(page)


def poll(authority=None, *, title="أفضل موعد لساعات العمل الصيفية", options=("الصباح", "المساء"), **fields):
    """A published poll, open since yesterday for ten days, with these options."""
    from participation.models import PollOption, PollPage

    now = timezone.now()
    page = PollPage(
        title=title,
        slug=f"poll-{next(_numbers)}-{uuid.uuid4().hex[:6]}",
        authority=authority or _default_authority(),
        summary="اختر الموعد الأنسب.",
        opens_at=fields.pop("opens_at", now - timedelta(days=1)),
        closes_at=fields.pop("closes_at", now + timedelta(days=10)),
        **fields,
    )
    page.options = [
        PollOption(key=f"option-{position + 1}", label=label, sort_order=position)
        for position, label in enumerate(options)
    ]
    return _published_under_index(page)


STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def second_factor(account):
    """Staff must use a second factor to reach the admin: `account` gets an authenticator app (the secret
    STAFF_TOTP_SECRET) unless it has one."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=account, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(account, STAFF_TOTP_SECRET)
    return account


def staff(username="admin"):
    """One of the demo's staff accounts, made as `load_demo` makes it, with a second factor: "admin" (superuser),
    "approver" (the portal's approvers) or an authority's editor ("msal.editor", "pam.editor", "moci.editor"),
    whose authority and section of the catalogue are made too."""
    from cms.management.commands.load_demo import DEMO_EDITORS, demo_account
    from cms.services import APPROVERS_GROUP, editors_group_name

    password = "a long pass phrase 2026"
    if username == "admin":
        demo_account(username, password, superuser=True)
    elif username == "approver":
        portal_site()
        demo_account(username, password, group=APPROVERS_GROUP)
    else:
        code = DEMO_EDITORS[username]
        section(code)
        demo_account(username, password, group=editors_group_name(code))
    return second_factor(get_user_model().objects.get(username=username))
