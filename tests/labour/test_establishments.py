from decimal import Decimal

import pytest

from labour import selectors
from labour.models import Establishment, EstablishmentWorkforce, NationalLabourQuota, QuotaBand, SizeBand
from labour.services import RegisterRefused, import_establishments

from .helpers import BANK
from .helpers import register as _register

pytestmark = pytest.mark.django_db


def _bank(kuwaitis, others, capacity=120):
    return _register(
        BANK.format(capacity=capacity, nationality="KWT", occupation="2", workers=kuwaitis),
        BANK.format(capacity=capacity, nationality="ASI", occupation="4", workers=others),
    )


def test_quotas_and_bands_are_seeded_with_published_rates():
    rates = {quota.name_en: quota.required_percent for quota in NationalLabourQuota.objects.all()}
    assert rates == {
        "Banking": Decimal("70.00"),
        "Telecommunications": Decimal("65.00"),
        "Finance and investment companies": Decimal("40.00"),
    }
    assert [band.code for band in QuotaBand.objects.all()] == ["platinum", "green", "yellow", "red"]


def test_register_import_creates_establishments_and_replaces_their_workforce():
    assert import_establishments(_bank(60, 40)) == (1, 0, 2)
    bank = Establishment.objects.get(licence_number="L-100")
    assert (bank.activity.code, bank.isic_division, bank.governorate.code, bank.licensed_capacity) == (
        "K",
        "64",
        "KW-KU",
        120,
    )
    assert import_establishments(_bank(65, 35)) == (0, 0, 2)
    assert sorted(EstablishmentWorkforce.objects.values_list("workers", flat=True)) == [35, 65]


def test_standing_against_the_banking_quota():
    import_establishments(_bank(60, 40))
    standing = selectors.standing(Establishment.objects.get())
    assert (standing.workers, standing.kuwaitis, standing.share_percent) == (100, 60, Decimal("60.00"))
    assert standing.size_band == SizeBand.MEDIUM
    assert standing.quota.name_en == "Banking"
    assert standing.percent_of_quota == Decimal("85.7")  # 60 % of a 70 % quota
    assert standing.band.code == "yellow"
    # 34 more Kuwaitis: 94 of 134 is 70.1 %; 33 would give 93 of 133, 69.9 %.
    assert standing.kuwaitis_needed == 34
    assert not standing.over_capacity


def test_an_establishment_over_its_licensed_capacity_is_flagged_and_a_met_quota_needs_no_one():
    import_establishments(_bank(90, 30, capacity=100))
    standing = selectors.standing(Establishment.objects.get())
    assert standing.over_capacity and standing.kuwaitis_needed == 0 and standing.band.code == "green"


def test_micro_establishments_and_activities_without_a_quota_have_no_band():
    import_establishments(_bank(1, 5))
    assert selectors.standing(Establishment.objects.get()).band is None
    import_establishments(_register("L-200,مطعم,Restaurant,I,56,KW-HA,40,ASI,5,30\n"))
    restaurant = selectors.standing(Establishment.objects.get(licence_number="L-200"))
    assert restaurant.quota is None and restaurant.band is None and restaurant.kuwaitis_needed == 0


def test_a_bad_register_is_refused_whole_with_lines_and_columns():
    bad = _register(
        BANK.format(capacity=120, nationality="KWT", occupation="2", workers=60),
        "L-300,,x,Z,6,KW-XX,abc,NKW,99,-1\n",
        BANK.format(capacity=120, nationality="KWT", occupation="2", workers=5),
        BANK.format(capacity=120, nationality="ASI", occupation="4", workers=40).replace("Gulf Bank", "Other name"),
    )
    with pytest.raises(RegisterRefused) as refused:
        import_establishments(bad)
    where = [(problem.line, problem.column) for problem in refused.value.problems]
    assert where == [
        (3, "name_ar"),
        (3, "isic_division"),
        (3, "activity"),
        (3, "governorate"),
        (3, "licensed_capacity"),
        (3, "nationality"),
        (3, "occupation"),
        (3, "workers"),
        (4, ""),
        (5, ""),
    ]
    assert Establishment.objects.count() == 0
