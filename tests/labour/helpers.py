"""What the labour tests share: a register in the authority's layout, and signatories."""

from identity.models import NationalIdentity
from identity.national_id import civil_id_hash
from labour.models import Establishment, EstablishmentSignatory
from labour.services import import_establishments
from tests.participation.conftest import make_citizen

HEADER = "licence_number,name_ar,name_en,activity,isic_division,governorate,licensed_capacity,nationality,occupation,workers\n"
BANK = "L-100,مصرف الخليج,Gulf Bank,K,64,KW-KU,{capacity},{nationality},{occupation},{workers}\n"


def register(*lines):
    return (HEADER + "".join(lines)).encode("utf-8")


def bank(kuwaitis, others, capacity=120):
    """Gulf Bank (L-100): `kuwaitis` Kuwaiti professionals and `others` Asian clerks, its licence allowing
    `capacity` workers."""
    import_establishments(
        register(
            BANK.format(capacity=capacity, nationality="KWT", occupation="2", workers=kuwaitis),
            BANK.format(capacity=capacity, nationality="ASI", occupation="4", workers=others),
        )
    )
    return Establishment.objects.get(licence_number="L-100")


def signatory_of(establishment, civil_id="289061512347", level="L2"):
    """A citizen signed in with the national ID `civil_id`, recorded as a signatory of `establishment`."""
    user = make_citizen(level)
    civil_hash = civil_id_hash(civil_id)
    NationalIdentity.objects.create(user=user, civil_id_hash=civil_hash, full_name="صاحب العمل")
    EstablishmentSignatory.objects.create(establishment=establishment, civil_id_hash=civil_hash, name="صاحب العمل")
    return user
