"""The labour app's reference data: the code lists (labour.codes), the published Kuwaitisation quotas and the
bands of compliance. Used by the data migrations, by `load_labour_codes` and by `load_labour_demo` (which puts
back what a flushed database lost: a test database emptied by a transactional test loses what migrations put
there). Adds what is missing and corrects labels; never deletes a code observations may use."""

# Published Kuwaitisation rates for the private sector (staff edit them in the admin afterwards).
QUOTAS = [
    ("K", "64", "المصارف", "Banking", "70.00"),
    ("J", "61", "الاتصالات", "Telecommunications", "65.00"),
    ("K", "66", "شركات التمويل والاستثمار", "Finance and investment companies", "40.00"),
]
# Bands by how far an establishment meets its quota (its share of Kuwaitis, % of the required share).
BANDS = [
    ("platinum", "البلاتيني", "Platinum", 150),
    ("green", "الأخضر", "Green", 100),
    ("yellow", "الأصفر", "Yellow", 70),
    ("red", "الأحمر", "Red", 0),
]


def sync_codes(code_model):
    from .codes import code_rows

    existing = {(c.dimension, c.code): c for c in code_model.objects.all()}
    added = changed = 0
    for dimension, code, label_en, label_ar, parent, position in code_rows():
        current = existing.get((dimension, code))
        wanted = {"label_en": label_en, "label_ar": label_ar, "parent": parent, "position": position}
        if current is None:
            code_model.objects.create(dimension=dimension, code=code, **wanted)
            added += 1
        elif any(getattr(current, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(current, name, value)
            current.save()
            changed += 1
    return added, changed


def seed_quotas(code_model, quota_model, band_model):
    """The published quotas and the bands, each added when missing; what staff changed is left as it is."""
    for section, division, name_ar, name_en, percent in QUOTAS:
        activity = code_model.objects.get(dimension="ACTIVITY", code=section)
        quota_model.objects.get_or_create(
            activity=activity,
            isic_division=division,
            defaults={"name_ar": name_ar, "name_en": name_en, "required_percent": percent},
        )
    for code, name_ar, name_en, minimum in BANDS:
        band_model.objects.get_or_create(
            code=code, defaults={"name_ar": name_ar, "name_en": name_en, "min_percent_of_quota": minimum}
        )


def ensure_reference_data():
    """The code lists, quotas and bands, restored where missing (the models of today, not a migration's)."""
    from .models import ActivityNorm, Code, NationalLabourQuota, QuotaBand

    sync_codes(Code)
    seed_quotas(Code, NationalLabourQuota, QuotaBand)
    seed_band_meanings(QuotaBand)
    seed_norms(Code, ActivityNorm)


# What each band means for an establishment, in both languages (staff edit them with the bands).
BAND_MEANINGS = {
    "platinum": (
        "تتجاوز النسبة المطلوبة من العمالة الوطنية بفارق كبير: تحصل على جميع خدمات العمل، ومنها أذونات العمل "
        "الجديدة وتحويل العمالة وتجديد الأذونات.",
        "Well above its national-labour quota: every labour service, including new work permits, transfers and "
        "renewals.",
    ),
    "green": (
        "تستوفي النسبة المطلوبة من العمالة الوطنية: أذونات عمل جديدة وتحويل العمالة وتجديد الأذونات.",
        "Meets its national-labour quota: new work permits, transfers and renewals.",
    ),
    "yellow": (
        "دون النسبة المطلوبة من العمالة الوطنية: تجديد الأذونات فقط، ولا أذونات عمل جديدة حتى تستوفي النسبة.",
        "Below its national-labour quota: renewals only, and no new work permits until it meets the quota.",
    ),
    "red": (
        "دون النسبة المطلوبة من العمالة الوطنية بفارق كبير: لا أذونات عمل جديدة ولا تحويل ولا تجديد حتى توظّف "
        "مزيدًا من الكويتيين.",
        "Far below its national-labour quota: no new work permits, transfers or renewals until it employs more "
        "Kuwaitis.",
    ),
}


def seed_band_meanings(band_model):
    """Each seeded band's meaning, written where it is still empty (what staff wrote is left as it is)."""
    for code, (meaning_ar, meaning_en) in BAND_MEANINGS.items():
        band_model.objects.filter(code=code, meaning_ar="").update(meaning_ar=meaning_ar)
        band_model.objects.filter(code=code, meaning_en="").update(meaning_en=meaning_en)


# Workers an establishment really needs per unit of licensed capacity, per activity: illustrative starting
# values for the pilot, which staff replace with the ministry's norms in the admin.
NORMS = [
    ("F", "", "التشييد", "Construction", "0.85"),
    ("G", "", "تجارة الجملة والتجزئة", "Wholesale and retail trade", "0.80"),
    ("I", "", "أنشطة خدمات الإقامة والطعام", "Accommodation and food services", "0.90"),
    ("N", "", "الخدمات الإدارية وخدمات الدعم", "Administrative and support services", "0.90"),
    ("C", "", "الصناعة التحويلية", "Manufacturing", "0.90"),
    ("K", "64", "المصارف", "Banking", "1.00"),
    ("J", "61", "الاتصالات", "Telecommunications", "0.95"),
]


def seed_norms(code_model, norm_model):
    """The norms above, each added when missing; what staff changed is left as it is."""
    for section, division, name_ar, name_en, per_unit in NORMS:
        norm_model.objects.get_or_create(
            activity=code_model.objects.get(dimension="ACTIVITY", code=section),
            isic_division=division,
            defaults={"name_ar": name_ar, "name_en": name_en, "workers_per_unit": per_unit},
        )
