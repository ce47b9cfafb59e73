from django.db import migrations

from plp_portal.audit.dbtriggers import PostgresOnlyRunSQL
from plp_portal.records.erasure_sql import BACKWARD, FORWARD


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0002_retention_policy_and_erasures"),
        ("audit", "0002_learner_profile"),
        ("learners", "0004_free_text_limits_and_plausible_values"),
    ]

    operations = [PostgresOnlyRunSQL(FORWARD, BACKWARD)]
