from django.db import migrations


def load_code_lists(apps, schema_editor):
    from labour.reference import sync_codes

    sync_codes(apps.get_model("labour", "Code"))


class Migration(migrations.Migration):
    dependencies = [("labour", "0001_cube")]

    operations = [migrations.RunPython(load_code_lists, migrations.RunPython.noop)]
