"""The reference period becomes two dates, read best-effort from the old free text; and
response drafts (answers saved on a link to finish later)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import django.db.models.deletion
from django.db import migrations, models

from samverkan.surveys.periods import add_months, parse_period


def _reference_day(wave: Any) -> date:
    if wave.opened_on is not None:
        return wave.opened_on
    created = getattr(wave, "created_at", None)
    return created.date() if created is not None else date.today()


def periods_from_text(apps: Any, schema_editor: Any) -> None:
    """Read each wave's period from its text; what cannot be read becomes the twelve
    months before the wave opened (the default questionnaire's "de senaste tolv
    månaderna")."""
    Wave = apps.get_model("surveys", "Wave")
    for wave in Wave.objects.all().only("pk", "reference_period", "opened_on", "created_at"):
        day = _reference_day(wave)
        parsed = parse_period(wave.reference_period or "", today=day)
        start, end = parsed or (add_months(day, -12), day - timedelta(days=1))
        Wave.objects.filter(pk=wave.pk).update(period_start=start, period_end=end)


def periods_to_text(apps: Any, schema_editor: Any) -> None:
    Wave = apps.get_model("surveys", "Wave")
    for wave in Wave.objects.all().only("pk", "period_start", "period_end"):
        text = f"{wave.period_start.isoformat()}–{wave.period_end.isoformat()}"
        Wave.objects.filter(pk=wave.pk).update(reference_period=text)


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0003_waveresults"),
    ]

    operations = [
        migrations.AddField(
            model_name="wave",
            name="period_start",
            field=models.DateField(null=True, verbose_name="reference period from"),
        ),
        migrations.AddField(
            model_name="wave",
            name="period_end",
            field=models.DateField(null=True, verbose_name="reference period until"),
        ),
        migrations.AlterField(
            model_name="wave",
            name="reference_period",
            field=models.CharField(
                max_length=200, blank=True, default="", verbose_name="reference period"
            ),
        ),
        migrations.RunPython(periods_from_text, periods_to_text, elidable=True),
        migrations.RemoveField(
            model_name="wave",
            name="reference_period",
        ),
        migrations.AlterField(
            model_name="wave",
            name="period_start",
            field=models.DateField(verbose_name="reference period from"),
        ),
        migrations.AlterField(
            model_name="wave",
            name="period_end",
            field=models.DateField(verbose_name="reference period until"),
        ),
        migrations.CreateModel(
            name="ResponseDraft",
            fields=[
                ("lookup", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("sealed", models.BinaryField()),
                (
                    "wave",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="surveys.wave",
                    ),
                ),
            ],
        ),
    ]
