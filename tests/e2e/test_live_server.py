"""The live server the browser tests run against answers requests that arrive at the same moment, on the embedded
default too, where its request threads share one SQLite connection (see conftest.serialize_calls)."""

from concurrent.futures import ThreadPoolExecutor
from urllib.error import HTTPError
from urllib.request import urlopen

from django.urls import reverse
from django.utils import translation

from .pages import demo_petition


def status_of(url):
    try:
        with urlopen(url, timeout=30) as response:
            response.read()
            return response.status
    except HTTPError as error:
        return error.code


def test_requests_at_the_same_moment_are_all_answered(site):
    """Eight clients each ask for the same petition page forty times (each page runs the same queries). Before the
    connection was serialized, Python 3.13 answered some of these with a 500 ("bad parameter or other API misuse")
    on SQLite."""
    with translation.override("en"):
        url = site.url + reverse("participation:petition_detail", args=[demo_petition().pk])
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(status_of, [url] * 320))
    assert statuses.count(200) == len(statuses), {status: statuses.count(status) for status in set(statuses)}
