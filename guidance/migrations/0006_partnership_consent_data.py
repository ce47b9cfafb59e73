from django.db import migrations


def existing_partnerships_were_agreed(apps, schema_editor):
    """Partnerships made before consent existed were in force: record them as accepted (by their
    maker, when made); those ended early as ended by the service, effective the day they ended."""
    Partnership = apps.get_model("guidance", "Partnership")
    for p in Partnership._base_manager.all():
        p.decided_at = p.created_at
        p.decided_by_id = p.created_by_id
        if p.ended_at is not None:
            p.status = "ended"
            p.ended_by_org_id = p.organisation_id
            p.ended_by_id = p.created_by_id
            p.end_effective_on = p.ended_at.date()
            p.end_reason = "Ended before partnerships needed the school's agreement."
        else:
            p.status = "accepted"
        p.save(update_fields=["status", "decided_at", "decided_by", "ended_by_org", "ended_by",
                              "end_effective_on", "end_reason"])


class Migration(migrations.Migration):
    dependencies = [("guidance", "0005_partnership_consent")]

    operations = [
        migrations.RunPython(existing_partnerships_were_agreed, migrations.RunPython.noop),
    ]
