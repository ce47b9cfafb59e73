"""The plan's stored summary (score, sections incomplete, approved) for the authority dashboard
(issue 19), backfilled set-based from the ticks, rows and approvals — the same UPDATE as
``services.plan_summaries_refresh`` written with this migration's models."""

from django.db import migrations, models
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    CareersPlan = apps.get_model("careersplan", "CareersPlan")
    ChecklistTick = apps.get_model("careersplan", "ChecklistTick")
    PlanRow = apps.get_model("careersplan", "PlanRow")
    GoverningBodyApproval = apps.get_model("careersplan", "GoverningBodyApproval")
    own = {"organisation_id": OuterRef("organisation_id"), "plan_id": OuterRef("pk")}

    def count(rows, what="pk", distinct=False):
        return Coalesce(Subquery(rows.order_by().values("plan_id").annotate(
            n=Count(what, distinct=distinct)).values("n"), output_field=IntegerField()), Value(0))

    CareersPlan._base_manager.update(
        score=count(ChecklistTick._base_manager.filter(**own)),
        sections_incomplete=count(PlanRow._base_manager.filter(**own, planned=""),
                                  "template_row__section_id", distinct=True),
        is_approved=Exists(GoverningBodyApproval._base_manager.filter(**own)),
    )


class Migration(migrations.Migration):

    dependencies = [
        ("careersplan", "0008_feedback_survey_close_early"),
    ]

    operations = [
        migrations.AddField(
            model_name="careersplan",
            name="score",
            field=models.PositiveSmallIntegerField(default=0, editable=False, help_text="Checklist items ticked."),
        ),
        migrations.AddField(
            model_name="careersplan",
            name="sections_incomplete",
            field=models.PositiveSmallIntegerField(default=0, editable=False,
                                                   help_text="Sections with a row nothing is planned in."),
        ),
        migrations.AddField(
            model_name="careersplan",
            name="is_approved",
            field=models.BooleanField(default=False, editable=False,
                                      help_text="The governing body's approval is recorded."),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
