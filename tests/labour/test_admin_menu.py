"""The labour pilot has its own entry in the admin's main menu (Labour market), in Arabic and English, with the
staff queue of labour-needs requests, the marginal-labour signals and the policy tables under it."""

import json

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "label", "queue"),
    [("en", "Labour market", "Labour-needs requests"), ("ar", "سوق العمل", "طلبات الاحتياج من العمالة")],
)
def test_the_main_menu_has_the_labour_pilot(client, language, label, queue):
    client.force_login(factories.staff("admin"))
    html = client.get("/admin/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    props = json.dumps(
        json.loads(html.split('id="wagtail-sidebar-props"')[1].split(">", 1)[1].split("</script>")[0]),
        ensure_ascii=False,
    )
    for wanted in (
        '"name": "labour"',
        label,
        queue,
        "/admin/labour/needs/",
        "/admin/labour/signals/",
        "/admin/labour/needs-fees/",
    ):
        assert wanted in props, (wanted, props)
