"""The public petition pages' query counts (docs/benchmarks.md#public-pages-query-counts): at most 8, and the
same for 1 or 20 petitions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from participation.models import Petition
from tests import factories

pytestmark = pytest.mark.django_db


def _queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_the_petition_list_costs_at_most_8_queries(client):
    factories.portal_site()
    for authority in (factories.authority("MSAL"), factories.authority("MOH")):
        factories.petition(authority=authority)
        factories.petition(authority=authority, state=Petition.State.CLOSED)
    assert _queries(client, "/ar/participate/petitions/") <= 8
    assert _queries(client, "/en/participate/petitions/?state=closed") <= 8
