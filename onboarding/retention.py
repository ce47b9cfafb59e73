"""School set-up's part of the retention job: the learner's MIS link and sign-in codes are part
of their record (``records.py``) and erased with it; the rest is staff's."""

from django.apps import apps

from .models import ImportRun, MisPerson

_STAFF = "kept: a staff member's action or role in school set-up; a learner never holds it"
USER_REFERENCES = {f"onboarding.{field}": _STAFF for field in (
    "ColumnMapping.updated_by", "ImportRun.uploaded_by", "ImportRun.applied_by", "TutorGroup.tutor",
    "YearRollover.applied_by", "SetupJob.created_by")}
LEARNER_REFERENCES = {
    "onboarding.ImportRun": "erased: the learner's rows of each MIS file run as uploaded, and their preview "
                            "lines (anonymise); the run and its counts stay",
}


def anonymise(*, org_id: int, profile_ids) -> dict[str, int]:
    """Take the learners' rows out of the organisation's MIS import runs (found by their MIS id,
    read from ``MisPerson`` before the record is erased). Runs are few per organisation."""
    profile = apps.get_model("learners", "LearnerProfile")
    users = profile.objects.for_org(org_id).filter(pk__in=list(profile_ids)).values("user_id")
    mis_ids = set(MisPerson.objects.for_org(org_id).filter(user_id__in=users).values_list("mis_id", flat=True))
    if not mis_ids:
        return {}
    changed = 0
    for run in ImportRun.objects.for_org(org_id).only("pk", "rows", "columns", "preview"):
        index = (run.columns or {}).get("mis_id")
        rows = [row for row in run.rows or []
                if not (isinstance(index, int) and index < len(row) and str(row[index]).strip() in mis_ids)]
        preview = [item for item in run.preview or []
                   if not (isinstance(item, dict) and item.get("mis_id") in mis_ids)]
        if len(rows) != len(run.rows or []) or len(preview) != len(run.preview or []):
            ImportRun.objects.for_org(org_id).filter(pk=run.pk).update(rows=rows, preview=preview)
            changed += 1
    return {"onboarding.ImportRun (learner rows removed)": changed}
