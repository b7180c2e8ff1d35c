from django.db import migrations


def seed(apps, schema_editor):
    from labour.reference import seed_quotas

    seed_quotas(
        apps.get_model("labour", "Code"),
        apps.get_model("labour", "NationalLabourQuota"),
        apps.get_model("labour", "QuotaBand"),
    )


class Migration(migrations.Migration):
    dependencies = [("labour", "0004_establishments_quotas")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
