from django.db import migrations

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


def seed(apps, schema_editor):
    Code = apps.get_model("labour", "Code")
    Quota = apps.get_model("labour", "NationalLabourQuota")
    Band = apps.get_model("labour", "QuotaBand")
    for section, division, name_ar, name_en, percent in QUOTAS:
        activity = Code.objects.get(dimension="ACTIVITY", code=section)
        Quota.objects.get_or_create(
            activity=activity,
            isic_division=division,
            defaults={"name_ar": name_ar, "name_en": name_en, "required_percent": percent},
        )
    for code, name_ar, name_en, minimum in BANDS:
        Band.objects.get_or_create(
            code=code, defaults={"name_ar": name_ar, "name_en": name_en, "min_percent_of_quota": minimum}
        )


class Migration(migrations.Migration):
    dependencies = [("labour", "0004_establishments_quotas")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
