"""Real concurrent requests against PostgreSQL: the same citizen sending their response many times at once
still has one response (the unique constraint), holding one of the answers they sent."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone
from wagtail.models import Locale, Page

from cms.models import Authority
from participation.models import ConsultationPage, ConsultationQuestion, ConsultationResponse

from .conftest import make_citizen

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def _consultation():
    """Transactional tests start from an empty database: a page tree of a root and one consultation."""
    locale, _ = Locale.objects.get_or_create(language_code="ar")
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    authority = Authority.objects.create(code="CONC", name="جهة الاختبار", locale=locale)
    now = timezone.now()
    page = ConsultationPage(
        title="استشارة",
        slug=f"consultation-{uuid.uuid4().hex[:8]}",
        locale=locale,
        authority=authority,
        summary="ملخص",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=1),
        body=[{"type": "paragraph", "value": "<p>نص</p>"}],
    )
    page.questions = [ConsultationQuestion(key="clarity", text="الوضوح", kind="scale", scale_max=5, required=True)]
    root.add_child(instance=page)
    page.save_revision().publish()
    return page


def test_concurrent_responses_keep_one_row_per_citizen():
    page = _consultation()
    others = [make_citizen("L1") for _ in range(10)]
    eager = make_citizen("L1")
    senders = others + [eager] * 15
    clients = []
    for user in senders:
        client = Client()
        client.force_login(user)
        clients.append(client)
    start = threading.Barrier(len(clients))
    statuses = [None] * len(clients)

    def respond(index):
        try:
            start.wait()
            response = clients[index].put(
                f"/api/v1/consultations/{page.pk}/response/",
                {"answers": {"clarity": index % 5 + 1}},
                content_type="application/json",
            )
            statuses[index] = response.status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=respond, args=(index,)) for index in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses[:10] == [201] * 10
    assert sorted(statuses[10:]) == [200] * 14 + [201]
    assert ConsultationResponse.objects.filter(consultation=page).count() == 11
    kept = ConsultationResponse.objects.get(consultation=page, user=eager).answers["clarity"]
    assert kept in {index % 5 + 1 for index in range(10, 25)}
