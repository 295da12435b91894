"""PostgreSQL only: trigram indexes for the register search and a covering index for the
risk list (see benchmarks/ros_scale.py). SQLite needs neither."""

import logging

from django.db import migrations, transaction

logger = logging.getLogger(__name__)

TRIGRAM = [
    "CREATE INDEX IF NOT EXISTS ros_premises_address_trgm ON ros_premises "
    "USING gin (normalised_address gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ros_premises_name_trgm ON ros_premises "
    'USING gin ((UPPER("name"::text)) gin_trgm_ops)',
    "CREATE INDEX IF NOT EXISTS ros_premises_property_trgm ON ros_premises "
    'USING gin ((UPPER("property_designation"::text)) gin_trgm_ops)',
]
COVERING = (
    "CREATE INDEX IF NOT EXISTS ros_premises_risk_cover ON ros_premises "
    "(risk_score DESC, address) INCLUDE (id, owner_id, confidentiality)"
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(COVERING)
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception:  # noqa: BLE001 - a role without the right keeps working, only slower
        logger.warning("pg_trgm is not available: register search runs without trigram indexes")
        return
    for statement in TRIGRAM:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in (
        "ros_premises_address_trgm",
        "ros_premises_name_trgm",
        "ros_premises_property_trgm",
        "ros_premises_risk_cover",
    ):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("ros", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
