"""Questionnaire versions get a random uid for their pages (the sequential primary key
counted every organisation's versions), and key and version are unique per organisation
(each organisation may import its own copy of a questionnaire, e.g. the shipped one)."""

import uuid

from django.db import migrations, models


def fill_uids(apps, schema_editor):
    QuestionnaireVersion = apps.get_model("surveys", "QuestionnaireVersion")
    for version in QuestionnaireVersion.objects.filter(uid__isnull=True).only("pk"):
        QuestionnaireVersion.objects.filter(pk=version.pk).update(uid=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0001_initial"),
        ("surveys", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="questionnaireversion",
            name="uid",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(fill_uids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="questionnaireversion",
            name="uid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.RemoveConstraint(
            model_name="questionnaireversion",
            name="questionnaire_key_version",
        ),
        migrations.AddConstraint(
            model_name="questionnaireversion",
            constraint=models.UniqueConstraint(
                fields=("created_by_organisation", "key", "version"),
                name="questionnaire_owner_key_version",
            ),
        ),
    ]
