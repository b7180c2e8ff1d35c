"""A signed-in person's account page: their assurance level, each app's list of what is theirs (payments, bills,
establishments, petitions, notifications: core.menu's ACCOUNT entries), and the account's settings, in both
languages; the header's "My account" leads to it, and a visitor is sent to sign in."""

import re

import pytest

from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_site")]


def _links(html):
    section = html.split('aria-labelledby="account-services"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', section)


@pytest.mark.parametrize(
    ("language", "level", "labels"),
    [
        ("en", "L2 — national ID", ["My payments", "My bills", "My establishments", "My petitions", "Notifications"]),
        ("ar", "المستوى 2 — الهوية الرقمية الوطنية", ["مدفوعاتي", "فواتيري", "منشآتي", "عرائضي", "الإشعارات"]),
    ],
)
def test_a_citizen_finds_everything_of_theirs_from_one_page(client, language, level, labels):
    client.force_login(factories.citizen("L2"))
    html = client.get(f"/{language}/").content.decode()
    assert f'<a href="/{language}/account/">' in html.split('class="account-links"', 1)[1].split("</nav>", 1)[0]

    response = client.get(f"/{language}/account/")
    assert response.status_code == 200
    html = response.content.decode()
    assert _links(html) == [
        (f"/{language}/payments/", labels[0]),
        (f"/{language}/payments/bills/", labels[1]),
        (f"/{language}/labour/establishments/", labels[2]),
        (f"/{language}/participate/petitions/mine/", labels[3]),
        (f"/{language}/notifications/", labels[4]),
    ]
    assert (
        f"<strong>{level}</strong>" in html and f'href="/{language}/accounts/3rdparty/"' in html
    )  # settings: the digital identity
    assert "no-store" in response.get("Cache-Control", "") or "private" in response.get("Cache-Control", "")
    for url, _label in _links(html):
        assert client.get(url).status_code == 200, url


def test_a_citizen_not_yet_verified_is_told_how_to_verify(client):
    client.force_login(factories.citizen("L1"))
    html = client.get("/en/account/").content.decode()
    identity = html.split('aria-labelledby="account-identity"', 1)[1].split("</section>", 1)[0]
    assert "L1" in identity and "Verify your identity" in identity

    client.force_login(factories.citizen("L2"))
    identity = client.get("/en/account/").content.decode().split('aria-labelledby="account-identity"', 1)[1]
    assert "Verify your identity" not in identity.split("</section>", 1)[0]


def test_a_visitor_is_asked_to_sign_in(client):
    response = client.get("/en/account/")
    assert response.status_code == 302 and response["Location"].startswith("/en/accounts/login/?next=/en/account/")
