"""The migration that turned the waves' free-text periods into dates, run on both
databases with waves that existed before it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("surveys", "0003_waveresults")]
AFTER = [("surveys", "0004_wave_period_dates_and_response_drafts")]


@pytest.mark.django_db(transaction=True)
def test_old_periods_become_dates_best_effort(world: Any) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Organisation = apps.get_model("organisations", "Organisation")
    Version = apps.get_model("surveys", "QuestionnaireVersion")
    Wave = apps.get_model("surveys", "Wave")
    org = Organisation.objects.get(pk=world.orgs["linkoping"].pk)
    version = Version.objects.create(
        key="k", version=1, title="t", document="", fingerprint="f", created_by_organisation=org
    )
    texts = {
        "year": "2025",
        "dates": "2024-03-01–2025-02-28",
        "words": "de senaste tolv månaderna",
        "unknown": "hösten",
    }
    for slug, text in texts.items():
        Wave.objects.create(
            slug=slug,
            name=slug,
            owner=org,
            questionnaire=version,
            reference_period=text,
            opened_on=date(2026, 3, 15),
        )
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    Wave = apps.get_model("surveys", "Wave")
    found = {w.slug: (w.period_start, w.period_end) for w in Wave.objects.all()}
    twelve_months = (date(2025, 3, 15), date(2026, 3, 14))
    assert found == {
        "year": (date(2025, 1, 1), date(2025, 12, 31)),
        "dates": (date(2024, 3, 1), date(2025, 2, 28)),
        "words": twelve_months,
        "unknown": twelve_months,  # the default questionnaire's twelve months
    }
    # Leave the database as the other tests expect it: every migration applied.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
