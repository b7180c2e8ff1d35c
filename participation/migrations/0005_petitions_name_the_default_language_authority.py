"""Petitions name their authority's row in the default language (services.petitions.canonical_authority);
those started before, through an English page or the API, named the row of the language they were chosen in."""

from django.conf import settings
from django.db import migrations


def name_the_default_language_row(apps, schema_editor):
    Petition = apps.get_model("participation", "Petition")
    Authority = apps.get_model("cms", "Authority")
    Locale = apps.get_model("wagtailcore", "Locale")
    default = Locale.objects.filter(language_code=settings.LANGUAGE_CODE).first()
    if default is None:
        return
    for authority in Authority.objects.exclude(locale=default):
        canonical = Authority.objects.filter(translation_key=authority.translation_key, locale=default).first()
        if canonical is not None:
            Petition.objects.filter(authority=authority).update(authority=canonical)


class Migration(migrations.Migration):
    dependencies = [("participation", "0004_announcement"), ("cms", "0003_l1_is_a_verified_email_address")]

    operations = [migrations.RunPython(name_the_default_language_row, migrations.RunPython.noop)]
