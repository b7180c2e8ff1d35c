from django.db import migrations

DEFAULTS = {
    "comment": "L1",
    "poll_vote": "L1",
    "binding_poll_vote": "L2",
    "consultation_respond": "L1",
    "petition_create": "L2",
    "petition_sign": "L2",
    "pay_fee": "L1",
    "labour_needs_request": "L2",
}


def add_defaults(apps, schema_editor):
    ActionPolicy = apps.get_model("identity", "ActionPolicy")
    for action, level in DEFAULTS.items():
        ActionPolicy.objects.get_or_create(action=action, defaults={"min_level": level})


class Migration(migrations.Migration):
    dependencies = [("identity", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
