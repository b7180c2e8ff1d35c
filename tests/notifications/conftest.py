import pytest
from channels.layers import get_channel_layer

from notifications.models import Follow
from tests import factories
from tests.participation.conftest import make_citizen, make_petition

ORIGIN = [(b"origin", b"http://testserver"), (b"host", b"testserver")]


def follow(user, target, **fields):
    return Follow.objects.create(user=user, target=target, **fields)


def session_headers(client, user):
    """Handshake headers carrying `user`'s session cookie, as a browser on the portal sends them."""
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    return [*ORIGIN, (b"cookie", cookie.encode())]


@pytest.fixture
def authority():
    return factories.authority("MSAL")


@pytest.fixture
def author():
    return make_citizen("L2")


@pytest.fixture
def petition(authority, author):
    return make_petition(author, authority, title="Longer opening hours")


@pytest.fixture(autouse=True)
def _fresh_layer():
    """The in-memory channel layer lives as long as the process: start each test with an empty one."""
    layer = get_channel_layer()
    if hasattr(layer, "flush"):
        from asgiref.sync import async_to_sync

        async_to_sync(layer.flush)()
    yield


__all__ = ["make_citizen", "make_petition"]
