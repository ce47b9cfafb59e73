"""Benchmark hook (``manage.py bench``): the key worker's caseload and the review form of one of
their learners with the longest history; and the daily reminder job over the whole dataset.

The reminder job is timed HERE for every app (it is the core task
``notifications.daily_reminders``, which calls every app's ``reminders.collect`` and then queues
the digests — their bodies are rendered by the workers when each is sent). It runs inside a
transaction that is rolled back, so the database is left as it
was found and a second bench run measures the same work (nothing is sent: the outbox rows are
never committed, so their after-commit enqueue never happens)."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from learners.choices import PlanStatus
from plp_portal.seeding.bench import BenchJob, BenchPage
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Membership

from ..choices import OPEN_REVIEW_STATUSES
from ..models import Review


def _key_worker():
    return (Membership.objects.system("bench picks a seeded key worker")
            .filter(role=Role.KEY_WORKER, organisation__is_generated=True, is_active=True)
            .select_related("user", "organisation").order_by("organisation_id", "id").first())


def pages(*, password) -> list[BenchPage]:
    membership = _key_worker()
    if membership is None:
        return []
    org, user = membership.organisation, membership.user
    caseload = reverse("keyworkers:index", kwargs={"org_slug": org.slug})
    result = [BenchPage("key worker caseload", caseload, user.email, password)]
    result += [BenchPage(f"caseload: {label}", f"{caseload}?{query}", user.email, password, explain_only=True)
               for label, query in (("by name", "sort=name"), ("by risk", "sort=risk"),
                                    ("by overdue targets", "sort=targets"), ("overdue", "show=overdue"),
                                    ("search", "q=ta"))]
    admin = (Membership.objects.system("bench picks a seeded organisation admin")
             .filter(role=Role.ORG_ADMIN, organisation=org, is_active=True).select_related("user").first())
    if admin is not None:  # the whole school's caseload, as its admin sees it
        result.append(BenchPage("caseload: whole school (admin)", caseload, admin.user.email, password,
                                explain_only=True))
        result.append(BenchPage("quality: learners (admin)", reverse(
            "keyworkers:quality_learners", kwargs={"org_slug": org.slug}), admin.user.email, password))
    learner = (Review.objects.for_org(org).filter(plan__status=PlanStatus.ACTIVE)
               .select_related("plan__profile__user").order_by("-number", "pk").first())
    if learner is not None:
        result.append(BenchPage("my reviews (learner)", reverse("me_reviews:index"),
                                learner.plan.profile.user.email, password))
    review = (Review.objects.for_org(org)
              .filter(status__in=OPEN_REVIEW_STATUSES, kw_signed_at__isnull=True, plan__status=PlanStatus.ACTIVE,
                      plan__profile__key_worker=user)
              .order_by("-number", "pk").first())
    if review is not None:
        result.append(BenchPage("review form (full history)", reverse(
            "keyworkers:review_edit", kwargs={"org_slug": org.slug, "review_id": review.pk}), user.email, password))
    return result


class _Rollback(Exception):
    pass


def _daily_reminders_rolled_back():
    from plp_portal.notifications.tasks import daily_reminders

    result = {}
    try:
        with transaction.atomic():
            result = daily_reminders()
            raise _Rollback
    except _Rollback:
        pass
    added = sum(result.get("added", {}).values())
    return f"{added} reminders, {result.get('digests', 0)} digests (rolled back)"


def jobs() -> list[BenchJob]:
    return [BenchJob("daily reminder job (all apps)", _daily_reminders_rolled_back)]
