"""The production layout's parts that live in the application: the client's address behind the proxies, and
the scheduler (deploy/, docs/operations.md)."""

import time

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from core.management.commands.run_scheduler import due
from core.middleware import ClientAddressMiddleware


def address_seen(meta, header):
    seen = {}

    def view(request):
        seen["address"] = request.META["REMOTE_ADDR"]
        return HttpResponse()

    with override_settings(PORTAL_CLIENT_IP_HEADER=header):
        ClientAddressMiddleware(view)(RequestFactory().get("/", **meta))
    return seen["address"]


def test_the_proxy_header_gives_the_client_address_only_when_configured():
    meta = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "198.51.100.7"}
    assert address_seen(meta, "X-Real-IP") == "198.51.100.7"
    assert address_seen(meta, "") == "127.0.0.1"
    assert address_seen({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "2001:db8::1"}, "X-Real-IP") == "2001:db8::1"


@pytest.mark.parametrize("value", ["", "not an address", "198.51.100.7, 10.0.0.1", "<script>"])
def test_a_header_that_is_not_one_address_is_ignored(value):
    assert address_seen({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": value}, "X-Real-IP") == "127.0.0.1"


def test_each_period_of_a_job_is_claimed_once():
    cache.clear()
    now = time.time()
    assert due("job", 60, now)
    assert not due("job", 60, now)  # a second scheduler in the same minute
    assert due("job", 60, now + 60)  # the next period
    assert due("other", 60, now)


@pytest.mark.django_db
def test_the_scheduler_runs_every_job_once(settings, capsys):
    settings.PORTAL_SCHEDULE = [("expire", ["payments_expire"], 300), ("webhooks", ["payments_webhooks"], 60)]
    call_command("run_scheduler", "--once")
    out = capsys.readouterr().out
    assert "0 payment(s) and 0 bill(s) expired" in out
    assert "nothing due" in out


def test_every_scheduled_job_is_a_command():
    from django.conf import settings
    from django.core.management import get_commands

    commands = get_commands()
    for name, command, every in settings.PORTAL_SCHEDULE:
        assert command[0] in commands, name
        assert every >= 60
