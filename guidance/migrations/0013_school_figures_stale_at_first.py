"""Every existing school starts with its dashboard figures marked stale: the worker's minute job
(``guidance.figures_refresh_stale``) computes them after the deployment, rather than this
migration reading every learner and referral while it holds the schema lock."""

from django.db import migrations
from django.utils import timezone

SCHOOL_KINDS = ("school", "college", "training_provider")


def mark_every_school_stale(apps, schema_editor):
    Organisation = apps.get_model("organisations", "Organisation")
    State = apps.get_model("guidance", "SchoolFiguresState")
    now = timezone.now()
    have = set(State.objects.values_list("organisation_id", flat=True))
    State.objects.bulk_create([
        State(organisation_id=pk, stale_since=now)
        for pk in Organisation.objects.filter(kind__in=SCHOOL_KINDS).values_list("pk", flat=True) if pk not in have
    ])


class Migration(migrations.Migration):
    dependencies = [("guidance", "0012_referral_queue_keyset")]

    operations = [migrations.RunPython(mark_every_school_stale, migrations.RunPython.noop)]
