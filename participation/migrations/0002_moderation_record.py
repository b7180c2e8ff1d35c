from django.db import migrations


class Migration(migrations.Migration):
    """The petitions' moderation log becomes the one moderation log of the app (comments, participants)."""

    dependencies = [
        ("participation", "0001_initial"),
    ]

    operations = [
        migrations.RenameModel("PetitionModeration", "ModerationRecord"),
    ]
