"""Reminders of the guidance app, computed set-based by the daily job (``collect``):

* a learner's filtered/intensive tier is due for review (``LearnerGuidance.review_on``) — to the
  identified adviser, in their careers service;
* a leaver's NEET/unknown destination is due for follow-up (``Destination.follow_up_on``) — to
  the person who confirmed it, in their careers service — while the learner is still to follow
  up (on the NEET list: a later settled destination ends the reminders).

Both only while a current partnership links the service to the school (the grant that lets the
adviser open the page). Three queries whatever the numbers."""

import datetime

from django.urls import reverse

from plp_portal.notifications.models import Reminder
from plp_portal.notifications.services import reminders_add

from .choices import NOT_SETTLED_CATEGORIES, DestinationKind, Tier
from .models import Destination, LearnerGuidance, Partnership, PartnershipAdviser

LOOKAHEAD = datetime.timedelta(days=7)


def collect(*, today: datetime.date) -> int:
    partnerships = list(
        Partnership.objects.system("reminders: current partnerships of every careers service")
        .filter(Partnership.current_q(today)).select_related("organisation")
    )
    if not partnerships:
        return 0
    named = set(
        PartnershipAdviser.objects.system("reminders: named advisers")
        .filter(partnership__in=partnerships).values_list("partnership_id", "adviser_id")
    )
    # school id -> [(service, adviser ids named)]
    services_of = {}
    for p in partnerships:
        services_of.setdefault(p.school_id, []).append(
            (p.organisation, {a for pid, a in named if pid == p.pk}))
    school_ids = list(services_of)

    def service_for(school_id, user_id):
        for service, advisers in services_of.get(school_id, []):
            if user_id in advisers:
                return service
        options = services_of.get(school_id, [])
        return options[0][0] if options else None

    reminders = []

    def remind(row, adviser_id, **fields):
        """A reminder to the adviser, in the careers service that works with the learner's school."""
        service = service_for(row["organisation_id"], adviser_id)
        if service is not None:
            reminders.append(Reminder(
                organisation=service, recipient_id=adviser_id, **fields,
                url=reverse("guidance:learner_detail", kwargs={"org_slug": service.slug,
                                                               "profile_id": row["profile_id"]}),
                learner_profile_id=row["profile_id"]))

    due = (
        LearnerGuidance.objects.for_orgs(school_ids)
        .filter(review_on__lte=today + LOOKAHEAD, adviser__isnull=False)
        .exclude(tier=Tier.CORE)
        .values("profile_id", "adviser_id", "organisation_id", "review_on", "tier", "profile__user__full_name")
    )
    for row in due:
        remind(row, row["adviser_id"], kind="guidance.tier_review", subject_key=f"tier:{row['profile_id']}",
               due_on=row["review_on"], title=f"Review the {row['tier']} guidance of {row['profile__user__full_name']}")
    follow_ups = (
        Destination.objects.for_orgs(school_ids)
        .filter(kind=DestinationKind.ACTUAL, category__in=NOT_SETTLED_CATEGORIES,
                follow_up_on__isnull=False, follow_up_on__lte=today + LOOKAHEAD,
                profile__guidance__needs_follow_up=True)  # still on the NEET list (follow_up.py)
        .values("pk", "profile_id", "confirmed_by_id", "organisation_id", "follow_up_on", "profile__user__full_name")
    )
    for row in follow_ups:
        remind(row, row["confirmed_by_id"], kind="guidance.destination_follow_up", subject_key=f"destination:{row['pk']}",
               due_on=row["follow_up_on"], title=f"Follow up {row['profile__user__full_name']} (not yet settled)")
    return reminders_add(reminders)
