"""The approved need: what the labour authority's decisions approved an establishment to employ in all, distinct
from the estimated real need the norms compute; an establishment employing more than it is a marginal-labour
signal."""

import pytest
from django.test import Client

from labour import selectors, services
from labour.models import Establishment
from labour.services import import_establishments
from tests import factories

from .helpers import BANK, bank, register, signatory_of

pytestmark = pytest.mark.django_db

ASK = {"nationality": "ASI", "occupation": "4"}


def _decide(user, editor, workers, decision, **fields):
    request = services.submit_needs_request(user, "L-100", **ASK, workers=workers)
    reasons = {} if decision == "approve" else {"reason_ar": "السبب", "reason_en": "The reason"}
    return services.decide_needs_request(editor, request, decision=decision, **reasons, **fields)


def test_decisions_set_the_approved_need_apart_from_the_estimated_need():
    establishment = bank(84, 16, capacity=150)  # 100 workers; banking's norm 1.00: an estimated need of 150
    user = signatory_of(establishment)
    editor = factories.staff("msal.editor")
    assert establishment.approved_need is None
    first = _decide(user, editor, 10, "approve")
    establishment.refresh_from_db()
    assert first.approved_need == 110 and establishment.approved_need == 110
    assert establishment.approved_need_reference == first.reference
    # The ten have not arrived yet: a second approval counts from the approved need, not from the workforce.
    second = _decide(user, editor, 15, "approve_part", workers_approved=5)
    establishment.refresh_from_db()
    assert second.approved_need == 115 and establishment.approved_need == 115
    rejected = _decide(user, editor, 5, "reject")
    establishment.refresh_from_db()
    assert rejected.approved_need is None and establishment.approved_need == 115
    assert selectors.estimate(establishment, "ASI", 1)["need"] == 150  # the estimate is its own figure
    client = Client()
    client.force_login(user)
    page = client.get("/en/labour/establishments/L-100/").content.decode()
    assert "Approved need" in page and f'115 (<span dir="ltr">{second.reference}</span>)' in page


def test_more_workers_than_the_approved_need_is_a_signal_with_its_request():
    establishment = bank(84, 16, capacity=150)
    user = signatory_of(establishment)
    editor = factories.staff("msal.editor")
    decided = _decide(user, editor, 10, "approve")
    assert not [s for s in selectors.marginal_signals() if s.kind == "over_approved"]
    # The register now says 130 workers: 20 more than approved, though under the licence and the estimated need.
    import_establishments(
        register(
            BANK.format(capacity=150, nationality="KWT", occupation="2", workers=84),
            BANK.format(capacity=150, nationality="ASI", occupation="4", workers=46),
        )
    )
    assert Establishment.objects.get().approved_need == 110  # a new register keeps what was approved
    signals = selectors.marginal_signals()
    assert [(s.kind, s.workers) for s in signals] == [("over_approved", 20)]
    assert decided.reference in signals[0].detail and "approved need of 110" in signals[0].detail
    assert selectors.marginal_signals(kinds=("over_need",)) == []
