"""Real concurrent requests against PostgreSQL: one signature per person holds under contention, and
the count that follows is exact."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from participation.models import PetitionSignature
from participation.selectors import common as reads
from participation.selectors import petitions as selectors

from .conftest import make_citizen, make_petition

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def test_concurrent_signing_keeps_one_signature_per_person(settings, monkeypatch):
    settings.PETITION_SIGN_RATE_LIMITS = ()
    from wagtail.models import Locale

    from cms.models import Authority

    # Another transactional test may have flushed the demo content (the locales with it) before this one.
    Locale.objects.get_or_create(language_code="ar")
    authority = Authority.objects.create(code="CONC", name="جهة الاختبار")
    petition = make_petition(make_citizen(), authority)
    citizens = [make_citizen() for _ in range(20)]
    eager = make_citizen()
    signers = citizens + [eager] * 10
    clients = []
    for user in signers:
        client = Client()
        client.force_login(user)
        clients.append(client)
    start = threading.Barrier(len(clients))
    statuses = [None] * len(clients)

    def sign(index):
        try:
            start.wait()
            response = clients[index].post(
                f"/api/v1/petitions/{petition.pk}/signatures/",
                {"governorate": "hawalli"},
                content_type="application/json",
            )
            statuses[index] = (response.status_code, response.json().get("code"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign, args=(index,)) for index in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [status for status, _ in statuses[:20]] == [201] * 20
    eager_results = sorted(statuses[20:], key=str)
    assert eager_results.count((201, None)) == 1
    assert eager_results.count((409, "already_signed")) == 9
    assert PetitionSignature.objects.filter(petition=petition).count() == 21
    later = reads.wall_clock() + selectors.count_lag_seconds()
    monkeypatch.setattr(reads, "wall_clock", lambda: later)
    assert selectors.signature_count(petition.pk) == 21
