"""The keyworkers app's part in the learner's merged timeline after a record transfer (issue 13,
``learners.selectors``' ``transfer_links`` hook): a completed review of the previous organisation
opens read-only here."""

from django.urls import reverse

from .choices import TimelineKind


def previous_record_url(*, org, profile, event) -> str:
    if event.kind == TimelineKind.REVIEW_COMPLETED and event.object_type == "keyworkers.review" \
            and str(event.object_id).isdigit():
        return reverse("keyworkers:previous_review", kwargs={"org_slug": org.slug, "profile_id": profile.pk,
                                                             "review_id": int(event.object_id)})
    return ""
