"""Every read of a learner's record is audited (issue 20, item 4): one ``record.read`` row per
request — who, the learner's organisation, what, when — for plan pages, concerns, learning-log
photos and voice recordings, a parent's shared view and progress-file PDFs; and the guard over
every URL that names part of a learner's record."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plp_portal.audit.models import AuditEvent
from plp_portal.audit.reads import NOT_READS
from plp_portal.organisations.choices import Role
from tests.crawl_objects import OBJECT_KWARGS
from tests.factories import member
from tests.pdfs import download_url, pdf_page
from tests.test_crawl import PARAM, crawlable, fill

pytestmark = pytest.mark.django_db

RECORD_KWARGS = {"profile_id", "learner_plan_id", "target_id", "concern_id", "log_entry_id",
                 "narrative_id", "review_id", "referral_id", "interview_id"}


@pytest.fixture
def record(org):
    """A learner's plan with a concern, a voice recording and a parent it is shared with."""
    ctx = {}
    ids = {name: make(org, ctx) for name, make in OBJECT_KWARGS.items()}
    plan = ctx["learners.plan"]
    from learners.models import LearnerProfile, PlanShare

    LearnerProfile.objects.for_org(org).filter(pk=plan.profile_id).update(key_worker=plan.created_by)

    share = PlanShare.objects.for_org(org).get(pk=ids["share_id"])
    return {"ids": ids, "plan": plan, "learner": plan.profile.user, "parent": share.grantee,
            "profile_id": plan.profile_id}


def reads():
    return AuditEvent.objects.filter(action="record.read")


def client_of(user):
    client = Client(raise_request_exception=False)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _pdf_download(client, url):
    """The download URL of the PDF at ``url`` (rendered by the workers: the file is the read)."""
    return download_url(pdf_page(client, url))


def assert_read_audited(client, url, *, who, org, profile_id, object_type):
    before = reads().count()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "audit_auditevent"')]
    assert len(inserts) == 1, f"{url}: {len(inserts)} audit inserts"
    assert reads().count() == before + 1
    event = reads().order_by("-id").first()
    assert (event.actor, event.organisation_id, event.learner_profile_id, event.object_type,
            event.path) == (who, org.pk, profile_id, object_type, url)
    return event


def test_staff_reading_a_plan_a_concern_a_recording_and_the_pdf_is_audited(org, record):
    ids = record["ids"]
    tutor = member(org, Role.CAREERS_LEAD)  # no access to the sensitive fields
    client = client_of(tutor)
    org_url = lambda name, **kw: reverse(f"learners:{name}", kwargs={"org_slug": org.slug, **kw})  # noqa: E731
    key_worker = client_of(record["plan"].created_by)
    for who, client_, url, object_type in [
        (tutor, client, org_url("plan", learner_plan_id=ids["learner_plan_id"]), "learners.plan"),
        (tutor, client, _pdf_download(client, org_url("plan_pdf", learner_plan_id=ids["learner_plan_id"])),
         "learners.plan"),
        (record["plan"].created_by, key_worker, org_url("concern", concern_id=ids["concern_id"]),
         "learners.concern"),
        (record["plan"].created_by, key_worker, org_url("log_file", log_entry_id=ids["log_entry_id"]),
         "learners.logentry"),
    ]:
        assert_read_audited(client_, url, who=who, org=org, profile_id=record["profile_id"],
                            object_type=object_type)


def test_a_parent_reading_a_shared_plan_and_its_pdf_is_audited_for_the_school(org, record):
    parent = client_of(record["parent"])
    plan_id = record["ids"]["learner_plan_id"]
    for url in (reverse("me:shared_plan", kwargs={"learner_plan_id": plan_id}),
                _pdf_download(parent, reverse("me:shared_plan_pdf", kwargs={"learner_plan_id": plan_id}))):
        event = assert_read_audited(
            parent, url, who=record["parent"],
            org=org, profile_id=record["profile_id"], object_type="learners.plan")
        assert "via_org" not in event.data  # read outside any organisation's pages


def test_the_learner_reading_their_own_recording_and_pdf_is_audited(org, record):
    learner = client_of(record["learner"])
    for url, object_type in [
        (reverse("me:log_file", kwargs={"log_entry_id": record["ids"]["log_entry_id"]}), "learners.logentry"),
        (_pdf_download(learner, reverse("me:plan_pdf", kwargs={"learner_plan_id": record["ids"]["learner_plan_id"]})),
         "learners.plan"),
    ]:
        assert_read_audited(learner, url, who=record["learner"], org=org,
                            profile_id=record["profile_id"], object_type=object_type)


def test_a_refused_read_writes_no_read_row(org, other_org, record):
    outsider = client_of(member(other_org, Role.ORG_ADMIN))
    url = reverse("learners:plan", kwargs={"org_slug": other_org.slug,
                                           "learner_plan_id": record["ids"]["learner_plan_id"]})
    assert outsider.get(url).status_code == 404
    assert not reads().exists()


@pytest.mark.parametrize("role", [Role.ORG_ADMIN, Role.KEY_WORKER, Role.CAREERS_ADVISER, "learner",
                                  "parent"])
def test_every_page_naming_part_of_a_learners_record_audits_its_read(role, org, record):
    """The guard: any URL pattern taking a record argument that answers 200 wrote one row."""
    user = {"learner": record["learner"], "parent": record["parent"],
            Role.KEY_WORKER: record["plan"].created_by}.get(role) or member(org, role)
    client = client_of(user)
    values = {**record["ids"], "org_slug": org.slug, **_progress_file_render(client, org, record)}
    read, missing = 0, []
    for route, namespace in crawlable():
        if namespace in NOT_READS or not {m.group("name") for m in PARAM.finditer(route)} & RECORD_KWARGS:
            continue
        url = fill(route, namespace, values)
        before = reads().count()
        response = client.get(url)
        if response.status_code != 200:
            continue
        if getattr(response.wsgi_request, "record_read", True) is False:
            # The page declared it shows none of the record (a PDF's progress page): no row.
            assert reads().count() == before, f"{url} declared no read but wrote one"
            continue
        read += 1
        event = reads().order_by("-id").first()
        if reads().count() != before + 1 or event.learner_profile_id is None or event.organisation_id != org.pk:
            missing.append(url)
    assert missing == [], "\n".join(missing)
    assert read >= 3


def _progress_file_render(client, org, record) -> dict:
    """``render_id`` of the progress file rendered for this person (its page and its file are
    reads of the plan), through whichever of the three entry points they may use."""
    from urllib.parse import urlparse

    from django.test import TestCase
    from django.urls import resolve

    plan_id = record["ids"]["learner_plan_id"]
    for name, kwargs in (("learners:plan_pdf", {"org_slug": org.slug}), ("me:plan_pdf", {}),
                         ("me:shared_plan_pdf", {})):
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.get(reverse(name, kwargs={**kwargs, "learner_plan_id": plan_id}))
        if response.status_code == 302:
            return {"render_id": resolve(urlparse(response["Location"]).path).kwargs["render_id"]}
    return {}


def reads_page(org, profile_id, page=None):
    url = reverse("audit:learner_record_reads", kwargs={"org_slug": org.slug, "profile_id": profile_id})
    return url + (f"?page={page}" if page else "")


def test_an_organisation_admin_sees_who_looked_at_a_learners_record_in_the_last_year(org, record):
    import time_machine

    plan_url = reverse("me:shared_plan", kwargs={"learner_plan_id": record["ids"]["learner_plan_id"]})
    with time_machine.travel("2025-06-01 10:00"):  # more than a year ago: not listed
        assert client_of(record["parent"]).get(plan_url).status_code == 200
    parent = client_of(record["parent"])
    tutor = member(org, Role.CAREERS_LEAD, full_name="Casey Lead")
    tutor_client = client_of(tutor)
    for _ in range(3):
        tutor_client.get(reverse("learners:plan", kwargs={
            "org_slug": org.slug, "learner_plan_id": record["ids"]["learner_plan_id"]}))
    parent.get(plan_url)

    admin = client_of(member(org, Role.ORG_ADMIN))
    response = admin.get(reads_page(org, record["profile_id"]))
    assert response.status_code == 200
    readers = {row["actor"]: row["reads"] for row in response.context["readers"]}
    assert readers == {tutor: 3, record["parent"]: 1}
    assert "Casey Lead" in response.content.decode()
    assert AuditEvent.objects.filter(action="audit.record_reads_viewed",
                                     learner_profile_id=record["profile_id"]).count() == 1
    assert not reads().filter(path=reads_page(org, record["profile_id"])).exists()


def test_the_who_looked_page_is_paginated(org, record):
    reader = client_of(member(org, Role.CAREERS_LEAD))
    url = reverse("learners:plan", kwargs={"org_slug": org.slug,
                                           "learner_plan_id": record["ids"]["learner_plan_id"]})
    for _ in range(51):
        reader.get(url)
    admin = client_of(member(org, Role.ORG_ADMIN))
    first = admin.get(reads_page(org, record["profile_id"]))
    assert len(first.context["page"]) == 50 and first.context["page"].has_next()
    second = admin.get(reads_page(org, record["profile_id"], page=2))
    assert len(second.context["page"]) == 1


def test_only_organisation_admins_of_the_learners_organisation_see_who_looked(org, other_org, record):
    for role in (Role.KEY_WORKER, Role.CAREERS_LEAD, Role.LEARNER):
        assert client_of(member(org, role)).get(reads_page(org, record["profile_id"])).status_code == 403
    foreign_admin = client_of(member(other_org, Role.ORG_ADMIN))
    assert foreign_admin.get(reads_page(other_org, record["profile_id"])).status_code == 404


def test_the_learners_profile_links_organisation_admins_to_who_looked(org, record):
    profile_page = reverse("learners:profile", kwargs={"org_slug": org.slug, "profile_id": record["profile_id"]})
    admin_page = client_of(member(org, Role.ORG_ADMIN)).get(profile_page).content.decode()
    assert reads_page(org, record["profile_id"]) in admin_page and "Who has looked at" in admin_page
    tutor_page = client_of(member(org, Role.KEY_WORKER)).get(profile_page).content.decode()
    assert "Who has looked at" not in tutor_page
