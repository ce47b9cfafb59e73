"""Retention and erasure (issue 16): the daily job erases exactly the records past their date,
set-based and idempotent, leaves no files behind, audits each learner without personal data; the
append-only tables give way only to the database function, never to the application's role."""

import datetime
import os

import pytest
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, transaction

from guidance.choices import DestinationCategory, DestinationKind
from guidance.models import Destination
from learners.choices import LeavingReason
from learners.models import LearnerProfile, LogEntry, NarrativeEntry, Plan, TimelineEvent
from learners.tests.factories import plan_for
from plp_portal.audit.models import AuditEvent
from plp_portal.audit.services import audit_log
from plp_portal.notifications.models import Notification, OutboundEmail
from plp_portal.records import retention
from plp_portal.records.models import Erasure, RetentionPolicy
from plp_portal.tenancy import system_scope
from tests.test_db_roles import app_role, as_app_role  # noqa: F401  (app_role: a fixture)

pytestmark = pytest.mark.django_db
LEFT_LONG_AGO = datetime.date(2015, 7, 20)


def learner(org, *, left_on=None, support_needs="", files_dir=None):
    """A learner with a journey, a log entry with a recording, a timeline, a destination, a
    notification, an outbox email and a read-audit entry; left on ``left_on`` (if given)."""
    from learners import services
    from tests.factories import member
    from plp_portal.organisations.choices import Role

    plan = plan_for(org=org, starts_on=datetime.date(2014, 9, 1) if left_on else datetime.date(2026, 9, 1),
                    ends_on=left_on or datetime.date(2027, 7, 20))
    profile = plan.profile
    if support_needs:
        LearnerProfile.objects.for_org(org).filter(pk=profile.pk).update(support_needs=support_needs)
    staff = member(org, Role.KEY_WORKER)
    services.narrative_append(org=org, plan=plan, by=staff, author_role="key_worker", text="Settled in well.")
    entry = services.log_entry_add(org=org, plan=plan, by=profile.user, kind="blog",
                                   written_on=datetime.date(2026, 11, 2), what_learned="Fractions")
    entry.file.save("recording.webm", ContentFile(b"RIFF-not-really-audio"), save=True)
    Destination.objects.create(organisation=org, profile=profile, kind=DestinationKind.ACTUAL,
                               category=DestinationCategory.choices[0][0], detail="Bishop College",
                               recorded_on=datetime.date(2026, 8, 1), confirmed_by=staff)
    Notification.objects.create(organisation=org, user=profile.user, kind="x", title="Your review is due")
    OutboundEmail.objects.create(organisation=org, to=profile.user.email, subject="Your plan")
    audit_log("learners.record.read", org=org, actor=staff, learner_profile_id=profile.pk)
    if left_on:
        services.learner_enrolment_end(org=org, profile=profile, left_on=left_on,
                                       reason=LeavingReason.COMPLETED_PROGRAMME, by=staff)
    return profile, entry.file.path


def foreign_keys_hold():
    """Foreign keys are checked at commit (deferred); a test never commits: check them now."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def counts(org, profiles=None):
    """Rows per kind in ``org`` (only those of ``profiles`` if given)."""
    ids = None if profiles is None else [p.pk for p in profiles]

    def of(queryset, path):
        return (queryset if ids is None else queryset.filter(**{f"{path}__in": ids})).count()

    users = None if profiles is None else [p.user for p in profiles]
    with system_scope("test counts"):
        return {
            "profiles": of(LearnerProfile.objects.for_org(org), "pk"),
            "plans": of(Plan.objects.for_org(org), "profile_id"),
            "journey": of(NarrativeEntry.objects.for_org(org), "plan__profile_id"),
            "logs": of(LogEntry.objects.for_org(org), "plan__profile_id"),
            "timeline": of(TimelineEvent.objects.for_org(org), "plan__profile_id"),
            "destinations": of(Destination.objects.for_org(org).filter(profile__isnull=False), "profile_id"),
            "notifications": Notification.objects.for_org(org).filter(
                **({} if users is None else {"user__in": users})).count(),
            "outbox": OutboundEmail.objects.filter(organisation=org).filter(
                **({} if users is None else {"to__in": [u.email for u in users]})).count(),
            "read_audit": of(AuditEvent.objects.filter(organisation=org, learner_profile_id__isnull=False),
                             "learner_profile_id"),
        }


@pytest.fixture
def county_subset(org):
    gone = [learner(org, left_on=LEFT_LONG_AGO) for _ in range(3)]
    kept_support = learner(org, left_on=LEFT_LONG_AGO, support_needs="Dyslexia: extra time")
    kept_recent = learner(org, left_on=datetime.date(2024, 7, 20))
    current = [learner(org) for _ in range(2)]
    yield gone, [kept_support, kept_recent, *current]
    for _, path in gone + [kept_support, kept_recent, *current]:
        if os.path.exists(path):
            os.remove(path)


def test_the_job_erases_exactly_what_passed_its_date_and_twice_changes_nothing(org, other_org, county_subset):
    gone, kept = county_subset
    other = learner(other_org, left_on=LEFT_LONG_AGO)  # other org: its own (default) policy
    RetentionPolicy.objects.create(organisation=other_org, years_after_leaving=20, years_with_support_needs=25)
    before = counts(org)
    other_before = counts(other_org)
    figures_before = destination_figures(org)
    erased = counts(org, profiles=[profile for profile, _ in gone])
    assert figures_before[1] == 7
    assert set(retention.due(org_id=org.pk)) == {profile.pk for profile, _ in gone}

    with django_capture_on_commit():
        summary = retention.retention_run()
    assert summary == {"organisations": 1, "learners": 3}
    foreign_keys_hold()
    after = counts(org)
    for key, value in before.items():
        assert after[key] == value - erased[key], key
    assert all(erased[key] >= 1 for key in erased), erased
    anonymous = Destination.objects.for_org(org).filter(profile__isnull=True).count()
    assert anonymous == 3
    assert destination_figures(org) == figures_before  # the authority's destinations figures are unchanged
    assert counts(other_org) == other_before
    # No orphaned files: the erased learners' recordings are gone from disk, the others stay.
    assert not any(os.path.exists(path) for _, path in gone)
    assert all(os.path.exists(path) for _, path in kept)
    assert os.path.exists(other[1])
    os.remove(other[1])
    # One audit entry per learner, without personal data.
    done = AuditEvent.objects.filter(organisation=org, action="records.erasure.done")
    assert sorted(e.data["profile_id"] for e in done) == sorted(p.pk for p, _ in gone)
    for event in done:
        assert event.learner_profile_id is None and event.actor_id is None
        assert set(event.data) == {"profile_id", "reason", "left_on", "account"}
        assert event.data["account"] == "anonymised"
    assert Erasure.objects.for_org(org).filter(status=Erasure.Status.DONE).count() == 3

    # Run again: nothing more changes.
    # (each run of the job leaves one row saying it used the system scope: plp_portal/rls.py)
    events = AuditEvent.objects.exclude(action="system.scope").count()
    assert retention.retention_run() == {"organisations": 0, "learners": 0}
    assert counts(org) == after and AuditEvent.objects.exclude(action="system.scope").count() == events


def destination_figures(org):
    """The guidance dashboard's destinations summary (what the authority's figures are made of)."""
    from guidance import figures, selectors

    figures.figures_refresh(school_ids=[org.pk])  # (the worker's job after the erasure marks it stale)
    result = selectors.dashboard(scope=selectors.GuidanceScope(org=org, side="school", org_ids=(org.pk,),
                                                               user_id=0))
    return result["destinations"], result["destinations_total"]


def django_capture_on_commit():
    """Run on-commit callbacks (file deletion) inside the test's transaction."""
    import contextlib

    @contextlib.contextmanager
    def run():
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            yield
    return run()


def test_the_app_role_cannot_use_the_erasure_exception_itself(app_role, org):  # noqa: F811
    profile, path = learner(org, left_on=LEFT_LONG_AGO)
    os.remove(path)
    journey = NarrativeEntry.objects.for_org(org).count()
    # Setting the switch itself does not help: no DELETE privilege, and it is not the owner.
    assert "permission denied" in str(as_app_role(["SET LOCAL plp.erasure = 'on'",
                                                    "DELETE FROM learners_narrativeentry"]))
    assert "permission denied" in str(as_app_role(["SET LOCAL plp.erasure = 'on'",
                                                    "DELETE FROM audit_auditevent"]))
    # The function refuses a learner without a confirmed erasure (early ones need two people).
    error = as_app_role("SELECT records_erase_learner(%s, %s)", [org.pk, profile.pk])
    assert "no confirmed erasure" in str(error)
    Erasure.objects.create(organisation=org, profile_id=profile.pk, reason=Erasure.Reason.EARLY,
                           status=Erasure.Status.CONFIRMED)
    assert "no confirmed erasure" in str(as_app_role("SELECT records_erase_learner(%s, %s)", [org.pk, profile.pk]))
    assert NarrativeEntry.objects.for_org(org).count() == journey
    # The owner (a superuser here) without the function is refused by the trigger too.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL plp.erasure = 'off'")
        cursor.execute("DELETE FROM learners_narrativeentry")


def test_the_job_runs_as_the_app_role(app_role, org):  # noqa: F811
    profile, path = learner(org, left_on=LEFT_LONG_AGO)
    journey = NarrativeEntry.objects.for_org(org).filter(plan__profile=profile).count()
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {app_role}")  # until the test's transaction is rolled back
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert retention.retention_run() == {"organisations": 1, "learners": 1}
    assert not os.path.exists(path)
    assert not LearnerProfile.objects.for_org(org).filter(pk=profile.pk).exists()
    assert not NarrativeEntry.objects.for_org(org).filter(plan__profile_id=profile.pk).exists()
    trace = AuditEvent.objects.get(action="records.erasure.append_only_erased")
    assert trace.data["profile_id"] == profile.pk and trace.data["journey_entries"] == journey


# --- The organisation admin's pages: the policy and two-person early erasure ---------------------


def test_an_org_admin_sets_the_policy_and_bad_values_are_refused(org, client):
    from django.urls import reverse

    from plp_portal.organisations.choices import Role
    from tests.factories import member

    admin = member(org, Role.ORG_ADMIN)
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("records:retention", kwargs={"org_slug": org.slug})
    page = client.get(url)
    assert page.status_code == 200 and b'value="6"' in page.content and b'value="25"' in page.content
    refused = client.post(url, {"years_after_leaving": "10", "years_with_support_needs": "3",
                                 "parent_request_below_age": "12"})
    assert refused.status_code == 200 and b"at least the years kept" in refused.content
    assert client.post(url, {"years_after_leaving": "999", "years_with_support_needs": "999",
                            "parent_request_below_age": "40"}).status_code == 200
    assert not RetentionPolicy.objects.for_org(org).exists()
    assert client.post(url, {"years_after_leaving": "7", "years_with_support_needs": "30",
                             "parent_request_below_age": "11"}).status_code == 302
    policy = RetentionPolicy.objects.for_org(org).get()
    assert (policy.years_after_leaving, policy.years_with_support_needs, policy.parent_request_below_age) == (7, 30, 11)
    assert AuditEvent.objects.filter(action="records.retention.policy_updated", organisation=org).exists()


def test_early_erasure_needs_a_second_admin(org, client):
    from django.test import TestCase
    from django.urls import reverse

    from plp_portal.organisations.choices import Role
    from tests.factories import member

    profile, path = learner(org)  # a current learner
    first, second = member(org, Role.ORG_ADMIN), member(org, Role.ORG_ADMIN)
    client.force_login(first, backend="django.contrib.auth.backends.ModelBackend")
    new_url = reverse("records:erasure_new", kwargs={"org_slug": org.slug})
    assert client.get(new_url).status_code == 200
    # Not confirmed that the law requires it: refused, nothing asked for.
    refused = client.post(new_url, {"email": profile.user.email})
    assert refused.status_code == 200 and not Erasure.objects.for_org(org).exists()
    response = client.post(new_url, {"email": profile.user.email, "confirm": "on"})
    erasure = Erasure.objects.for_org(org).get()
    assert response.status_code == 302 and erasure.status == Erasure.Status.REQUESTED
    detail = reverse("records:erasure", kwargs={"org_slug": org.slug, "erasure_id": erasure.pk})
    page = client.get(detail)
    assert b"a second organisation admin must confirm" in page.content and b'value="confirm"' not in page.content
    assert (profile.user.full_name or profile.user.email).encode() in page.content  # who, read through the school
    # The same admin cannot confirm it alone (the page does not offer it; a forged post is refused).
    client.post(detail, {"action": "confirm"})
    erasure.refresh_from_db()
    assert erasure.status == Erasure.Status.REQUESTED
    assert LearnerProfile.objects.for_org(org).filter(pk=profile.pk).exists()
    # Nor can the database be told otherwise: a "confirmation" by the asker breaks a constraint.
    with pytest.raises(DatabaseError), transaction.atomic():
        Erasure.objects.for_org(org).filter(pk=erasure.pk).update(status="confirmed", confirmed_by=first)
    # A second admin confirms: the record is erased, the learning journey and read audit too.
    client.force_login(second, backend="django.contrib.auth.backends.ModelBackend")
    assert b'value="confirm"' in client.get(detail).content
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post(detail, {"action": "confirm"}).status_code == 302
    foreign_keys_hold()
    erasure.refresh_from_db()
    assert erasure.status == Erasure.Status.DONE and erasure.confirmed_by == second
    assert not LearnerProfile.objects.for_org(org).filter(pk=profile.pk).exists()
    assert not AuditEvent.objects.filter(learner_profile_id=profile.pk).exists()
    assert not os.path.exists(path)
    actions = set(AuditEvent.objects.filter(organisation=org, object_type__contains="erasure")
                  .values_list("action", flat=True))
    assert {"records.erasure.requested", "records.erasure.confirmed", "records.erasure.done"} <= actions
    assert client.get(detail).status_code == 200


def test_the_job_on_a_generated_county_subset_leaves_nothing_of_the_erased_learners():
    """seed_county (small, 60 learners); the job run on a day far enough ahead that every leaver
    without recorded support needs is due and every leaver with them is not."""
    from django.core.management import call_command

    from plp_portal.organisations.models import Organisation
    from plp_portal.records import export

    call_command("seed_county", preset="small", learners=60, stdout=open(os.devnull, "w"))
    orgs = list(Organisation.objects.filter(is_generated=True))
    with system_scope("test"):
        all_profiles = LearnerProfile.objects.for_orgs([o.pk for o in orgs]).count()
        # A third of the learners on roll leave now (their plans are closed); seed_county's own
        # leavers (a quarter of Year 11, left this term) are leavers too, not yet due.
        leaving = [p for p in LearnerProfile.objects.for_orgs([o.pk for o in orgs]).filter(is_active=True)
                   .select_related("organisation") if p.pk % 3 == 0]
    seeded_leavers = {o.pk: retention.leavers(org_id=o.pk) for o in orgs}
    from learners import services
    from tests.factories import member
    from plp_portal.organisations.choices import Role

    for profile in leaving:
        services.learner_enrolment_end(org=profile.organisation, profile=profile, left_on=LEFT_LONG_AGO,
                                       reason=LeavingReason.COMPLETED_PROGRAMME,
                                       by=member(profile.organisation, Role.KEY_WORKER))
    leavers = {o.pk: retention.leavers(org_id=o.pk) for o in orgs}
    assert sum(map(len, leavers.values())) > 0
    today = retention.add_years(LEFT_LONG_AGO, 10)  # before any seeded leaver is due
    expected = {}
    for o in orgs:
        ours = [p for p in leavers[o.pk] if p not in seeded_leavers[o.pk]]
        facts = retention.learner_facts(org_id=o.pk, profile_ids=ours)
        expected[o.pk] = {p for p in ours if not facts[p][1]}
        assert set(retention.due(org_id=o.pk, today=today)) == expected[o.pk]
    n = sum(map(len, expected.values()))
    # Some have support needs: kept. The seeded leavers left this term: not due either way.
    assert 0 < n < len(leaving) == sum(map(len, leavers.values())) - sum(map(len, seeded_leavers.values()))
    user_ids = {o.pk: [facts_user for facts_user, _ in retention.learner_facts(
        org_id=o.pk, profile_ids=expected[o.pk]).values()] for o in orgs}

    assert retention.retention_run(today=today)["learners"] == n
    foreign_keys_hold()
    with system_scope("test"):
        assert LearnerProfile.objects.for_orgs([o.pk for o in orgs]).count() == all_profiles - n
        for o in orgs:
            # Nothing of their record is left in any kind a subject access request would export.
            for record_set in export.record_sets(org_id=o.pk, user_id=user_ids[o.pk]):
                assert not record_set.queryset.exists(), record_set.label
            assert not AuditEvent.objects.filter(organisation=o, learner_profile_id__in=expected[o.pk]).exists()
    snapshot = counts(orgs[0])
    assert retention.retention_run(today=today) == {"organisations": 0, "learners": 0}
    assert counts(orgs[0]) == snapshot


# --- What is about the learner outside their record, and their account ---------------------------


def test_every_model_and_user_reference_is_erased_or_kept_with_a_reason():
    """Walks the models: a model that reaches a learner's profile (or carries a learner_profile_id),
    and every foreign key to a user, must be erased with the record or kept for a stated reason.
    A new model or field fails here until the retention job says what it does with it."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    from plp_portal.records import export
    from tests.test_subject_access import _reaches_learner

    exported = {s.label for s in export.record_sets(org_id=0, user_id=0)}
    about = retention.learner_references()
    users = retention.user_references()
    for reason in [*about.values(), *users.values()]:
        assert reason.startswith(("erased: ", "kept: ")) and len(reason) > 12, reason
    ours = ("plp_portal", "learners", "keyworkers", "guidance", "careersplan", "onboarding")
    referencing = {m._meta.label for m in apps.get_models() if m.__module__.startswith(ours) and (
        _reaches_learner(m) or any(f.name in ("learner", "learner_profile_id", "profile_id")
                                   for f in m._meta.concrete_fields))}
    missing = sorted(referencing - exported - set(about))
    assert missing == [], f"models about a learner the retention job neither erases nor keeps: {missing}"
    user_fields = {f"{m._meta.label}.{f.name}" for m in apps.get_models() for f in m._meta.concrete_fields
                   if f.is_relation and f.related_model is get_user_model() and m._meta.label not in exported}
    missing = sorted(user_fields - set(users))
    assert missing == [], f"foreign keys to a user the retention job neither erases nor keeps: {missing}"
    assert not set(about) - {m._meta.label for m in apps.get_models()}
    assert not set(users) - user_fields


def test_an_erased_learner_leaves_nothing_about_them_anywhere_and_a_lone_account_is_anonymised(org, other_org):
    """A current learner whose key worker has reminders (and a digest email) about them and a
    parent a plan-share email about them; a careers service has a reminder about them in its own
    organisation. Early erasure (two admins) removes all of it, and the learner's account, with
    no other membership left, is anonymised; another learner's rows stay."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.test import TestCase

    from keyworkers.tests.factories import learner_with_plan
    from learners import services
    from learners.choices import ShareRelationship
    from learners.tests.factories import target_for
    from plp_portal import clock
    from plp_portal.notifications.models import Reminder
    from plp_portal.notifications.services import daily_reminders_run, notification_create
    from plp_portal.organisations.choices import Role
    from plp_portal.organisations.models import Membership
    from tests.factories import member

    plan = learner_with_plan(org)
    kw, learner_user, profile = plan.profile.key_worker, plan.profile.user, plan.profile
    other_plan = learner_with_plan(org, key_worker=kw)
    today = clock.today()
    for p in (plan, other_plan):
        target_for(p, due_on=today + datetime.timedelta(days=2), title="Visit the college open day")
    parent = member(other_org, Role.PARENT_CARER)  # an account elsewhere: the share is about the learner
    services.plan_share_invite(org=org, plan=plan, email=parent.email, relationship=ShareRelationship.PARENT_CARER,
                               by=kw)
    notification_create(org=other_org, user=member(other_org, Role.ORG_ADMIN), kind="guidance.x",
                        title=f"About {learner_user.full_name}", learner_profile_id=profile.pk)
    assert EmailAddress.objects.filter(user=learner_user).exists()  # the factory made it
    daily_reminders_run(today=today)

    def about(pk):
        return {"reminders": Reminder.objects.system("test").filter(learner_profile_id=pk).count(),
                "notifications": Notification.objects.system("test").filter(learner_profile_id=pk).count(),
                "emails": OutboundEmail.objects.filter(learner_profile_id=pk).count()}

    before, other_before = about(profile.pk), about(other_plan.profile_id)
    assert before["reminders"] >= 2 and before["notifications"] >= 3 and before["emails"] >= 1, before
    digest = Reminder.objects.system("test").get(learner_profile_id=profile.pk, recipient=kw,
                                                 subject_key__startswith="target:").digest
    assert digest is not None  # the key worker's digest lists both learners' targets
    assert Reminder.objects.system("test").filter(digest=digest, learner_profile_id=other_plan.profile_id).exists()
    learner_mail_before = OutboundEmail.objects.filter(to=learner_user.email).count()
    assert learner_mail_before >= 1

    first, second = member(org, Role.ORG_ADMIN), member(org, Role.ORG_ADMIN)
    erasure = retention.erasure_request(org=org, learner=learner_user, by=first)
    with TestCase.captureOnCommitCallbacks(execute=True):
        counts_done = retention.erasure_confirm(org=org, erasure=erasure, by=second)
    foreign_keys_hold()
    assert about(profile.pk) == {"reminders": 0, "notifications": 0, "emails": 0}
    other_after = about(other_plan.profile_id)
    assert other_after["reminders"] == other_before["reminders"]
    assert other_after["notifications"] == other_before["notifications"]
    assert not OutboundEmail.objects.filter(pk=digest.pk).exists()  # it named the erased learner
    assert Reminder.objects.system("test").filter(learner_profile_id=other_plan.profile_id, recipient=kw,
                                                  digest__isnull=True).exists()
    assert counts_done["notifications.Reminder"] >= before["reminders"]

    # The account: no membership left, anonymised; the audit trail still points at it.
    account = get_user_model().objects.get(pk=learner_user.pk)
    assert account.email == f"erased-{account.pk}@{retention.ERASED_MARK}" and account.full_name == ""
    assert not account.is_active and not account.has_usable_password()
    assert not Membership.objects.system("test").filter(user=account).exists()
    assert not OutboundEmail.objects.filter(to=learner_user.email).exists()
    done = AuditEvent.objects.get(organisation=org, action="records.erasure.done")
    assert done.data["account"] == "anonymised" and learner_user.email not in json_dumps(done.data)
    # Every reference to a user the job says it erases holds no row of the account.
    for key, reason in retention.user_references().items():
        if not reason.startswith("erased: "):
            continue
        label, field = key.rsplit(".", 1)
        model = apps_get_model(label)
        manager = model._default_manager
        queryset = manager.system("test") if hasattr(manager, "system") else manager.all()
        assert not queryset.filter(**{f"{field}_id": account.pk}).exists(), key
    # The other learner is untouched, and keeps their account.
    assert LearnerProfile.objects.for_org(org).filter(pk=other_plan.profile_id).exists()
    assert get_user_model().objects.get(pk=other_plan.profile.user_id).is_active


def test_a_learner_still_enrolled_elsewhere_keeps_their_account(org, other_org):
    from django.test import TestCase

    from learners.tests.factories import LearnerProfileFactory
    from plp_portal.organisations.choices import Role
    from tests.factories import member

    profile, path = learner(org)
    os.remove(path)
    LearnerProfileFactory(organisation=other_org, user=profile.user)
    first, second = member(org, Role.ORG_ADMIN), member(org, Role.ORG_ADMIN)
    erasure = retention.erasure_request(org=org, learner=profile.user, by=first)
    with TestCase.captureOnCommitCallbacks(execute=True):
        retention.erasure_confirm(org=org, erasure=erasure, by=second)
    profile.user.refresh_from_db()
    assert profile.user.is_active and "erased" not in profile.user.email
    assert AuditEvent.objects.get(organisation=org, action="records.erasure.done").data["account"] == "kept"


def json_dumps(data):
    import json

    return json.dumps(data)


def apps_get_model(label):
    from django.apps import apps

    return apps.get_model(label)
