"""The signing path is the hottest write of the portal: its database work is counted here, so that a change
that adds a query to every signature is noticed (bench/petition_bench.py measures the rate)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import make_citizen

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limits")]


def test_signing_through_the_api_costs_few_queries(client, petition):
    citizen = make_citizen()
    client.force_login(citizen)
    client.get(f"/api/v1/petitions/{petition.pk}/")  # the cached policy table and the count are warm
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/api/v1/petitions/{petition.pk}/signatures/", {"governorate": "ahmadi"}, content_type="application/json"
        )
    assert response.status_code == 201
    statements = [query["sql"] for query in queries.captured_queries]
    # The session, the user with their assurance grant, the policy table and three block lists (remembered per
    # process; empty in tests), the petition, then the INSERT in its transaction.
    assert len(statements) <= 10, "\n".join(sql[:100] for sql in statements)
    (level,) = [sql for sql in statements if "assurancegrant" in sql]
    assert 'FROM "auth_user" LEFT JOIN "identity_assurancegrant"' in level  # the level comes with the user
    assert sum('FROM "participation_petition"' in sql for sql in statements) == 1
    assert not any("referenceindex" in sql or sql.startswith("UPDATE") for sql in statements)
