"""Subject access requests (issue 16): the learner asks, a named member of staff reviews the
restricted records (withholding one, with the reason), the workers build the ZIP, the learner
downloads it signed in; the JSON validates against its documented schema, holds every model that
references a learner (a walk of the models fails for a new one not exported or excluded), every
uploaded file and the progress file; every step is audited; an expired copy is gone."""

import datetime
import io
import json
import zipfile

import jsonschema
import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from keyworkers.tests.factories import learner_with_plan
from learners import services
from learners.choices import Audience, AuthorRole
from plp_portal.audit.models import AuditEvent
from plp_portal.organisations.choices import Role
from plp_portal.records import export
from plp_portal.records.models import SubjectAccessRequest
from plp_portal.records.services import sars_pending
from tests.factories import member

pytestmark = pytest.mark.django_db
RESTRICTED_KEPT = "Restricted note the reviewer releases"
RESTRICTED_WITHHELD = "Information about another family member"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(org):
    plan = learner_with_plan(org, support_needs="Reader in exams")
    kw, learner = plan.profile.key_worker, plan.profile.user
    services.narrative_append(org=org, plan=plan, by=kw, author_role=AuthorRole.TUTOR, text="Settled in well")
    kept = services.narrative_append(org=org, plan=plan, by=kw, author_role=AuthorRole.TUTOR, text=RESTRICTED_KEPT,
                                     audience=Audience.RESTRICTED, restricted_roles=[Role.SUBJECT_TUTOR])
    withheld = services.concern_raise(org=org, plan=plan, by=kw, category="wellbeing", description=RESTRICTED_WITHHELD,
                                      audience=Audience.RESTRICTED, restricted_roles=[Role.SUBJECT_TUTOR])
    entry = services.log_entry_add(org=org, plan=plan, by=learner, kind="blog", written_on=timezone.localdate(),
                                   what_learned="Welding")
    entry.file.save("seam.png", ContentFile(b"\x89PNG\r\n\x1a\nphoto"), save=False)
    entry.file_content_type = "image/png"
    entry.save()
    return {"org": org, "plan": plan, "learner": learner, "kept": kept, "withheld": withheld, "entry": entry,
            "admin": member(org, Role.ORG_ADMIN)}


def _post(client, url, data=None):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data or {})


def test_a_learner_asks_staff_review_the_restricted_records_and_the_learner_downloads_a_valid_zip(world, sign_in):
    org, learner = world["org"], world["learner"]
    client = sign_in(learner)
    assert "A copy of my record" in client.get(reverse("me:home")).content.decode()
    response = _post(client, reverse("me_records:request"), {"organisation": org.pk})
    sar = SubjectAccessRequest.objects.for_org(org).get(learner=learner)
    assert response["Location"] == reverse("me_records:detail", kwargs={"sar_id": sar.pk})
    assert sar.status == SubjectAccessRequest.Status.AWAITING_REVIEW
    assert "Waiting for a staff review" in client.get(response["Location"]).content.decode()
    assert client.get(reverse("me_records:download", kwargs={"sar_id": sar.pk})).status_code == 404

    # The admin reviews: a withheld record needs its reason (nothing changes without it).
    admin = sign_in(world["admin"])
    url = reverse("records:detail", kwargs={"org_slug": org.slug, "sar_id": sar.pk})
    page = admin.get(url).content.decode()
    assert RESTRICTED_KEPT in page and RESTRICTED_WITHHELD in page
    rows = export.collect(org_id=org.pk, user_id=learner.pk).restricted
    index = next(i for i, (label, row) in enumerate(rows) if label == "learners.Concern")
    refused = _post(admin, url, {f"withhold_{index}": "on"})
    assert refused.status_code == 200 and "Enter the reason for withholding" in refused.content.decode()
    sar.refresh_from_db()
    assert sar.status == SubjectAccessRequest.Status.AWAITING_REVIEW and sar.reviewed_by is None
    _post(admin, url, {f"withhold_{index}": "on", f"reason_{index}": "Third-party information"})
    sar.refresh_from_db()
    assert sar.status == SubjectAccessRequest.Status.READY and sar.reviewed_by == world["admin"]
    assert sar.expires_at > timezone.now() + datetime.timedelta(days=13)

    client = sign_in(learner)
    assert "Download the copy" in client.get(reverse("me_records:detail", kwargs={"sar_id": sar.pk})).content.decode()
    download = client.get(reverse("me_records:download", kwargs={"sar_id": sar.pk}))
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    data = json.loads(archive.read("record.json"))
    jsonschema.validate(data, json.loads(export.SCHEMA_PATH.read_text()))
    texts = json.dumps(data["records"])
    assert RESTRICTED_KEPT in texts and "Settled in well" in texts and "Reader in exams" in texts
    assert RESTRICTED_WITHHELD not in texts
    assert data["withheld"] == [{"model": "learners.Concern", "id": world["withheld"].pk,
                                 "reason": "Third-party information"}]
    # Every uploaded file, and the progress file.
    photo = next(f["path"] for f in data["files"] if f["model"] == "learners.LogEntry")
    assert archive.read(photo).startswith(b"\x89PNG")
    pdfs = [name for name in archive.namelist() if name.startswith("progress-files/")]
    assert pdfs and archive.read(pdfs[0]).startswith(b"%PDF")
    assert "token_hash" not in texts
    actions = set(AuditEvent.objects.filter(organisation=org, object_id=str(sar.pk)).values_list("action", flat=True))
    assert {"records.sar.requested", "records.sar.reviewed", "records.sar.produced",
            "records.sar.downloaded"} <= actions


def test_an_admin_produces_any_learners_record_and_another_learner_cannot_reach_it(world, sign_in):
    org = world["org"]
    plain = learner_with_plan(org)  # no restricted records: built at once
    admin = sign_in(world["admin"])
    url = reverse("records:index", kwargs={"org_slug": org.slug})
    refused = _post(admin, url, {"email": "nobody@example.test"})
    assert "Enter the email address of a learner" in refused.content.decode()
    assert not SubjectAccessRequest.objects.for_org(org).exists()
    _post(admin, url, {"email": plain.profile.user.email})
    sar = SubjectAccessRequest.objects.for_org(org).get(learner=plain.profile.user)
    assert sar.status == SubjectAccessRequest.Status.READY
    assert admin.get(reverse("records:download", kwargs={"org_slug": org.slug, "sar_id": sar.pk})).status_code == 200
    other = sign_in(world["learner"])
    assert other.get(reverse("me_records:detail", kwargs={"sar_id": sar.pk})).status_code == 404
    assert other.get(reverse("me_records:download", kwargs={"sar_id": sar.pk})).status_code == 404


def test_an_expired_copy_cannot_be_downloaded_and_its_file_is_deleted(world, sign_in):
    org = world["org"]
    plain = learner_with_plan(org)
    client = sign_in(plain.profile.user)
    _post(client, reverse("me_records:request"), {"organisation": org.pk})
    sar = SubjectAccessRequest.objects.for_org(org).get(learner=plain.profile.user)
    name = sar.file.name
    SubjectAccessRequest.objects.for_org(org).filter(pk=sar.pk).update(expires_at=timezone.now())
    assert client.get(reverse("me_records:download", kwargs={"sar_id": sar.pk})).status_code == 404
    assert sars_pending()["expired"] == 1
    sar.refresh_from_db()
    assert sar.status == SubjectAccessRequest.Status.EXPIRED and not sar.file.storage.exists(name)


def _reaches_learner(model, depth=0, seen=()):
    """Whether ``model`` references a LearnerProfile through a chain of foreign keys (not through
    a user or an organisation, which every row references)."""
    profile = apps.get_model("learners", "LearnerProfile")
    if model is profile:
        return True
    if depth > 4 or model in seen:
        return False
    for f in model._meta.concrete_fields:
        target = f.related_model if f.is_relation else None
        if target is None or target is get_user_model() or target._meta.label == "organisations.Organisation":
            continue
        if _reaches_learner(target, depth + 1, (*seen, model)):
            return True
    return False


def test_every_model_that_references_a_learner_is_exported_or_excluded_with_a_reason():
    ours = ("plp_portal", "learners", "keyworkers", "guidance", "careersplan", "onboarding")
    exported = {s.label for s in export.record_sets(org_id=0, user_id=0)}
    excluded = export.excluded()
    assert all(reason.strip() for reason in excluded.values())
    referencing = {m._meta.label for m in apps.get_models()
                   if m.__module__.startswith(ours) and _reaches_learner(m)}
    # A model referencing the learner as a user (``learner = ForeignKey(User)``) counts too.
    referencing |= {m._meta.label for m in apps.get_models() if m.__module__.startswith(ours)
                    and any(f.name == "learner" and f.is_relation for f in m._meta.concrete_fields)}
    missing = sorted(referencing - exported - set(excluded))
    assert missing == [], f"models about a learner missing from the subject access export: {missing}"
    assert exported <= {m._meta.label for m in apps.get_models()}


# --- A parent on behalf of a young child (the organisation's policy) -----------------------------


def _born_years_ago(org, years):
    from plp_portal import clock

    return clock.today(org) - datetime.timedelta(days=365 * years + 30)


def test_a_parent_with_parental_responsibility_asks_for_a_young_childs_copy(world, sign_in):
    from learners.choices import ShareRelationship
    from learners.models import LearnerProfile

    org, plan, learner = world["org"], world["plan"], world["learner"]
    parent = member(org, Role.PARENT_CARER)
    services.plan_share_grant(org=org, plan=plan, grantee=parent, relationship=ShareRelationship.PARENT_CARER,
                              by=plan.profile.key_worker)
    LearnerProfile.objects.for_org(org).filter(pk=plan.profile_id).update(date_of_birth=_born_years_ago(org, 9))
    client = sign_in(parent)
    page = client.get(reverse("me_records:index")).content.decode()
    assert f"Ask for a copy of {learner.full_name}'s record at {org.name}" in page
    response = _post(client, reverse("me_records:request_child"), {"child": plan.profile_id})
    sar = SubjectAccessRequest.objects.for_org(org).get(learner=learner)
    assert sar.requested_by == parent
    assert response["Location"] == reverse("me_records:detail", kwargs={"sar_id": sar.pk})
    assert "Waiting for a staff review" in client.get(response["Location"]).content.decode()
    asked = AuditEvent.objects.get(action="records.sar.requested", organisation=org)
    assert asked.actor == parent and asked.data["on_behalf"] == "parent"
    # The child's own list shows it too (it is their record).
    assert sar.pk in [s.pk for s in client.get(reverse("me_records:index")).context["page"].object_list]
    # The admin lowers the age below the child's: the parent's page explains, the request is gone
    # from their reach, and a forged post is refused and audited.
    admin = sign_in(world["admin"])
    admin.post(reverse("records:retention", kwargs={"org_slug": org.slug}),
               {"years_after_leaving": "6", "years_with_support_needs": "25", "parent_request_below_age": "8"})
    client = sign_in(parent)
    page = client.get(reverse("me_records:index")).content.decode()
    assert "is 8 or older" in page and "Ask for a copy of" not in page
    assert client.get(reverse("me_records:detail", kwargs={"sar_id": sar.pk})).status_code == 404
    refused = client.post(reverse("me_records:request_child"), {"child": plan.profile_id}, follow=True)
    assert "is 8 or older" in refused.content.decode()
    assert AuditEvent.objects.filter(action="records.sar.parent_refused", organisation=org, actor=parent,
                                     learner_profile_id=plan.profile_id).count() == 1


def test_a_parent_is_refused_for_an_older_child_without_a_date_of_birth_or_without_a_grant(world, sign_in):
    from learners.choices import ShareRelationship
    from learners.models import LearnerProfile
    from plp_portal.records.models import RetentionPolicy

    org, plan = world["org"], world["plan"]
    parent, stranger = member(org, Role.PARENT_CARER), member(org, Role.PARENT_CARER)
    services.plan_share_grant(org=org, plan=plan, grantee=parent, relationship=ShareRelationship.PARENT_CARER,
                              by=plan.profile.key_worker)
    profiles = LearnerProfile.objects.for_org(org).filter(pk=plan.profile_id)
    url = reverse("me_records:request_child")
    client = sign_in(parent)
    profiles.update(date_of_birth=_born_years_ago(org, 14))  # the default age is 12
    assert "is 12 or older" in client.get(reverse("me_records:index")).content.decode()
    assert "is 12 or older" in client.post(url, {"child": plan.profile_id}, follow=True).content.decode()
    profiles.update(date_of_birth=None)
    assert "has no date of birth" in client.post(url, {"child": plan.profile_id}, follow=True).content.decode()
    profiles.update(date_of_birth=_born_years_ago(org, 5))
    RetentionPolicy.objects.create(organisation=org, parent_request_below_age=0)
    assert "does not take requests from parents" in client.post(url, {"child": plan.profile_id},
                                                                follow=True).content.decode()
    assert AuditEvent.objects.filter(action="records.sar.parent_refused", actor=parent).count() == 3
    # Someone without the grant: the child is not theirs to ask for (and the page does not list them).
    client = sign_in(stranger)
    assert "Your children" not in client.get(reverse("me_records:index")).content.decode()
    assert "You cannot ask for this record" in client.post(url, {"child": plan.profile_id},
                                                           follow=True).content.decode()
    assert not SubjectAccessRequest.objects.for_org(org).exists()


def test_whoever_asked_is_emailed_when_the_copy_is_ready_with_a_link_that_needs_sign_in(world, sign_in, settings):
    """Through the outbox and a real SMTP server (aiosmtpd): the email links to the request's
    page, which needs sign-in; it carries no record and no download token."""
    from django.test import Client

    from plp_portal.notifications.models import OutboundEmail
    from tests.realservices import smtp_server

    org, learner = world["org"], world["learner"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with smtp_server() as (port, received):
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        _post(sign_in(learner), reverse("me_records:request"), {"organisation": org.pk})
        sar = SubjectAccessRequest.objects.for_org(org).get(learner=learner)
        assert not OutboundEmail.objects.filter(dedupe_key=f"records-sar-ready:{sar.pk}").exists()
        _post(sign_in(world["admin"]), reverse("records:detail", kwargs={"org_slug": org.slug, "sar_id": sar.pk}),
              {"reason_0": ""})  # nothing withheld
        sar.refresh_from_db()
        assert sar.status == SubjectAccessRequest.Status.READY
        email = OutboundEmail.objects.get(dedupe_key=f"records-sar-ready:{sar.pk}")
        assert email.status == OutboundEmail.Status.SENT and email.to == learner.email
    [message] = [m for m in received if m["To"] == learner.email]
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = f"{settings.SITE_URL}{reverse('me_records:detail', kwargs={'sar_id': sar.pk})}"
    assert "is ready" in body and link in body and "download/" not in body
    anonymous = Client().get(reverse("me_records:detail", kwargs={"sar_id": sar.pk}))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    # An admin who produces a copy is sent to the organisation's page for it.
    _post(sign_in(world["admin"]), reverse("records:index", kwargs={"org_slug": org.slug}),
          {"email": world["plan"].profile.user.email})
    produced = SubjectAccessRequest.objects.for_org(org).exclude(pk=sar.pk).get()
    assert produced.on_behalf == "admin" and produced.requested_by == world["admin"]
