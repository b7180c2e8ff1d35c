import pytest

from participation.models import ModerationRecord, Petition, PetitionSignature
from participation.selectors import petitions as selectors
from participation.services import petitions as services
from tests import factories

from .conftest import make_citizen, make_petition

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff = factories.staff("admin")
    client.force_login(staff)
    return client, staff


def bulk_url(model, action, objects):
    ids = "&".join(f"id={item.pk}" for item in objects)
    return f"/admin/bulk/participation/{model}/{action}/?{ids}&next=/admin/"


def test_moderation_queue_lists_and_filters_by_state(staff_client, authority):
    client, _ = staff_client
    waiting = make_petition(
        make_citizen(), authority, state=Petition.State.AWAITING_MODERATION, title="عريضة الحدائق العامة"
    )
    make_petition(make_citizen(), authority, title="عريضة تمديد ساعات المكتبات")
    response = client.get("/admin/participation/petitions/?state=awaiting_moderation")
    assert response.status_code == 200
    html = response.content.decode()
    assert waiting.title in html and "عريضة تمديد ساعات المكتبات" not in html


def test_bulk_approve_opens_waiting_petitions_and_skips_others(staff_client, authority):
    client, staff = staff_client
    waiting = [make_petition(make_citizen(), authority, state=Petition.State.AWAITING_MODERATION) for _ in range(2)]
    draft = make_petition(make_citizen(), authority, state=Petition.State.DRAFT)
    url = bulk_url("petition", "approve", [*waiting, draft])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert set(Petition.objects.filter(pk__in=[p.pk for p in waiting]).values_list("state", flat=True)) == {"open"}
    assert Petition.objects.get(pk=draft.pk).state == "draft"
    assert ModerationRecord.objects.filter(kind="approved", staff=staff).count() == 2


def test_bulk_reject_needs_a_reason(staff_client, authority):
    client, _ = staff_client
    waiting = make_petition(make_citizen(), authority, state=Petition.State.AWAITING_MODERATION)
    url = bulk_url("petition", "reject", [waiting])
    assert client.post(url, {"reason": ""}).status_code == 200
    assert Petition.objects.get(pk=waiting.pk).state == "awaiting_moderation"
    client.post(url, {"reason": "خارج اختصاص الجهة"})
    assert Petition.objects.get(pk=waiting.pk).rejection_reason == "خارج اختصاص الجهة"


def test_bulk_invalidation_of_signatures_is_audited(staff_client, petition, no_rate_limits):
    client, staff = staff_client
    signatures = [services.sign_petition(make_citizen(), petition, "capital").signature for _ in range(3)]
    response = client.post(bulk_url("petitionsignature", "invalidate", signatures[:2]), {"reason": "تكرار"})
    assert response.status_code == 302
    assert PetitionSignature.objects.filter(invalidated_at__isnull=False).count() == 2
    assert selectors.counted_signatures(petition.pk)[0] == 1
    assert ModerationRecord.objects.get(kind="signatures_invalidated").staff == staff


def test_editing_a_petition_publishes_the_government_response(staff_client, petition):
    client, _ = staff_client
    response = client.post(
        f"/admin/participation/petitions/edit/{petition.pk}/", {"government_response": "<p>ردّ</p><script>x</script>"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    petition.refresh_from_db()
    assert petition.government_response.startswith("<p>") and "script" not in petition.government_response
    assert ModerationRecord.objects.filter(petition=petition, kind="response_published").exists()
