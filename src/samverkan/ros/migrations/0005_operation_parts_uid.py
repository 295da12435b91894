"""Operation targets, participations and follow-up tasks get a random ``uid`` for URLs and
forms (their sequential keys count every organisation's operations). Existing rows get
one each before the field becomes unique."""

import uuid

from django.db import migrations, models

MODELS = ("operationtarget", "participation", "followuptask")


def fill(apps, schema_editor):
    for name in MODELS:
        model = apps.get_model("ros", name)
        for row in model.objects.filter(uid__isnull=True).only("pk"):
            row.uid = uuid.uuid4()
            row.save(update_fields=["uid"])


class Migration(migrations.Migration):
    dependencies = [("ros", "0004_premises_risk_per_viewer")]

    operations = [
        *[
            migrations.AddField(
                model_name=name, name="uid", field=models.UUIDField(null=True, editable=False)
            )
            for name in MODELS
        ],
        migrations.RunPython(fill, migrations.RunPython.noop),
        *[
            migrations.AlterField(
                model_name=name,
                name="uid",
                field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
            )
            for name in MODELS
        ],
    ]
