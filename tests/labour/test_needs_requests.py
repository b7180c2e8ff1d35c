"""The employer labour-needs request: the estimate before submitting, the refusals, the staff queue scoped to the
authority, the decision with its signed receipt, the notification and the audit log."""

import pytest
from django.core import mail
from django.urls import reverse
from wagtail.models import ModelLogEntry

from identity.models import SecurityEvent
from identity.national_id import civil_id_hash
from identity.receipts import verify_receipt
from labour import selectors, services
from labour.errors import AlreadyDecided, NeedsImplausible, NotReviewer, NotSignatory
from labour.models import NeedsRequest
from notifications.models import Notification
from tests import factories

from .helpers import bank, signatory_of

pytestmark = pytest.mark.django_db

ASK = {"nationality": "ASI", "occupation": "4"}


@pytest.fixture
def employer():
    """Gulf Bank: 84 Kuwaitis of 100 workers (quota 70 %), a licence for 150, and its signatory."""
    factories.authority("MSAL")  # decides labour-needs requests (settings.LABOUR_AUTHORITY)
    establishment = bank(84, 16, capacity=150)
    return establishment, signatory_of(establishment)


def _submit(user, workers, **fields):
    return services.submit_needs_request(user, "L-100", **{**ASK, **fields}, workers=workers)


def test_the_estimate_takes_the_norm_the_workforce_and_the_quota(employer):
    establishment, _user = employer
    numbers = selectors.estimate(establishment, "ASI", 25)
    # Banking's norm is 1.00: the need is the capacity, 150; 100 employed leaves 50; 84 / 0.70 = 120 workers keep
    # the quota, so 20 more non-Kuwaitis at most.
    assert (numbers["need"], numbers["room"], numbers["quota_room"], numbers["likely"]) == (150, 50, 20, 20)
    assert numbers["flags"] == ["quota_shortfall"]
    kuwaitis = selectors.estimate(establishment, "KWT", 60)
    assert (kuwaitis["quota_room"], kuwaitis["likely"], kuwaitis["flags"]) == (None, 50, ["over_estimate"])
    assert any("20 non-Kuwaiti" in line for line in selectors.explain(numbers))


def test_a_request_above_any_plausible_need_is_refused_and_nothing_is_written(employer):
    _establishment, user = employer
    with pytest.raises(NeedsImplausible) as refused:
        _submit(user, 151)
    assert refused.value.field == "workers" and "estimated real need is 150" in refused.value.message
    assert not NeedsRequest.objects.exists()


def test_a_request_for_someone_elses_establishment_is_refused(employer, client):
    other = signatory_of(employer[0], civil_id="287121201234")
    other.national_identity.civil_id_hash = civil_id_hash("301010112345")  # signs for nothing now
    other.national_identity.save()
    with pytest.raises(NotSignatory):
        _submit(other, 5)
    client.force_login(other)
    response = client.post(
        "/api/v1/labour/needs-requests/",
        {"establishment": "L-100", **ASK, "workers": 5},
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["code"] == "labour_not_signatory"
    assert not NeedsRequest.objects.exists()


def test_the_api_estimates_submits_and_refuses_in_the_one_error_shape(employer, client):
    _establishment, user = employer
    client.force_login(user)
    body = {"establishment": "L-100", **ASK, "workers": 25}
    estimate = client.post("/api/v1/labour/needs-requests/estimate/", body, content_type="application/json")
    assert estimate.status_code == 200 and estimate.json()["likely"] == 20
    assert estimate.json()["flags"] == ["quota_shortfall"] and estimate.json()["warnings"]
    assert not NeedsRequest.objects.exists()
    created = client.post("/api/v1/labour/needs-requests/", body, content_type="application/json")
    assert created.status_code == 201
    reference = created.json()["reference"]
    assert created.json()["state"] == "submitted" and created.json()["workers_likely"] == 20
    assert client.get("/api/v1/labour/needs-requests/").json()[0]["reference"] == reference
    assert client.get(f"/api/v1/labour/needs-requests/{reference}/").status_code == 200
    too_many = client.post(
        "/api/v1/labour/needs-requests/", {**body, "workers": 400}, content_type="application/json"
    ).json()
    assert too_many["code"] == "labour_needs_implausible" and too_many["field"] == "workers"
    unknown = client.post(
        "/api/v1/labour/needs-requests/", {**body, "occupation": "42"}, content_type="application/json"
    ).json()
    assert unknown["field"] == "occupation"
    assert NeedsRequest.objects.count() == 1
    schema = client.get("/api/v1/schema/").content.decode()
    assert "/api/v1/labour/needs-requests/" in schema and "/api/v1/labour/needs-requests/estimate/" in schema


def test_the_page_shows_the_estimate_before_submitting(employer, client):
    _establishment, user = employer
    client.force_login(user)
    url = reverse("labour:needs_new", args=["L-100"]).replace("/ar/", "/en/")
    checked = client.post(url, {**ASK, "workers": 25, "action": "estimate"}).content.decode()
    assert "Likely to be approved" in checked and "Quota shortfall" in checked
    assert not NeedsRequest.objects.exists()
    refused = client.post(url, {**ASK, "workers": 200, "action": "estimate"}).content.decode()
    assert "more than this establishment could need in all" in refused
    response = client.post(url, {**ASK, "workers": 25, "action": "submit"})
    created = NeedsRequest.objects.get()
    assert response.status_code == 302 and created.reference in response["Location"]
    assert created.estimate["likely"] == 20 and created.flags == ["quota_shortfall"]


def test_staff_of_the_authority_decide_and_the_employer_gets_a_signed_receipt_and_a_notification(
    employer, client, django_capture_on_commit_callbacks
):
    _establishment, user = employer
    submitted = _submit(user, 25)
    editor = factories.staff("msal.editor")
    outsider = factories.staff("pam.editor")
    assert list(selectors.needs_queue(editor)) == [submitted]
    assert not selectors.needs_queue(outsider).exists()
    with pytest.raises(NotReviewer):
        services.decide_needs_request(outsider, submitted, decision="approve")
    with pytest.raises(Exception, match="reason"):
        services.decide_needs_request(editor, submitted, decision="approve_part", workers_approved=20)
    with django_capture_on_commit_callbacks(execute=True):
        decided = services.decide_needs_request(
            editor,
            submitted,
            decision="approve_part",
            workers_approved=20,
            reason_ar="تتجاوز الزيادة النسبة المطلوبة من العمالة الوطنية.",
            reason_en="More would take the bank below its national-labour quota.",
        )
    assert (decided.state, decided.workers_approved) == ("partly_approved", 20)
    verified = verify_receipt(decided.receipt)
    assert verified.valid and verified.kind == "request.decided" and verified.reference == decided.reference
    assert verified.other_claims["workers_approved"] == 20
    notice = Notification.objects.get(recipient=user, kind="labour.needs_decided")
    assert "20 of 25" in notice.text_en and decided.reference in notice.text_ar
    assert len(mail.outbox) == 1
    actions = list(ModelLogEntry.objects.filter(object_id=str(decided.pk)).values_list("action", "user_id"))
    assert ("labour.needs_request.partly_approved", editor.pk) in actions
    assert ("labour.needs_request.submitted", user.pk) in actions
    audited = SecurityEvent.objects.get(kind="staff_action", user=editor)
    assert audited.detail["action"] == "labour.needs_request.partly_approved"
    assert audited.detail["reference"] == decided.reference and audited.detail["workers_approved"] == 20
    with pytest.raises(AlreadyDecided):
        services.decide_needs_request(editor, decided, decision="reject", reason_ar="لا", reason_en="No")


def test_the_admin_queue_and_review_are_scoped_to_the_authority(employer, client):
    _establishment, user = employer
    submitted = _submit(user, 10, nationality="KWT")
    client.force_login(factories.staff("admin"))
    assert submitted.reference in client.get(reverse("labour_needs_queue")).content.decode()
    response = client.post(
        reverse("labour_needs_review", args=[submitted.reference]),
        {"decision": "approve", "reason_ar": "", "reason_en": ""},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert (submitted.state, submitted.workers_approved, submitted.decided_by.username) == ("approved", 10, "admin")
    assert SecurityEvent.objects.get(kind="staff_action", user__username="admin").ip_address == "127.0.0.1"
    client.force_login(factories.staff("pam.editor"))
    assert client.get(reverse("labour_needs_review", args=[submitted.reference])).status_code == 404


def test_below_l2_the_policy_refuses_before_anything_else(client):
    establishment = bank(84, 16, capacity=150)
    client.force_login(signatory_of(establishment, level="L1"))
    response = client.post(
        "/api/v1/labour/needs-requests/estimate/",
        {"establishment": "L-100", **ASK, "workers": 5},
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["code"] == "assurance_required"
    assert client.get("/api/v1/labour/needs-requests/").json() == []
