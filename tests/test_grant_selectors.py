"""One selector per grant kind is the only source of the organisations a request may see
(issue 12), and none of them can be widened by the grantee alone: what the grantee can do by
itself (propose, request, hold an old grant) adds nothing; only the other side's recorded
consent does. Each selector also adds what it grants to the request's row-level security scope
(plp_portal/rls.py) — and only inside a request."""

import datetime

import pytest
from django.utils import timezone

from careersplan import selectors as careersplan_selectors
from careersplan import services as careersplan_services
from careersplan.tests.factories import make_plan
from guidance import selectors as guidance_selectors
from guidance import services as guidance_services
from guidance.tests.factories import careers_service, learner, partnership, proposal
from learners import selectors as learner_selectors
from learners import services as learner_services
from learners.tests.factories import plan_for
from plp_portal import clock, rls
from plp_portal.organisations.choices import OrganisationKind, Role
from plp_portal.organisations.selectors import authority_school_ids
from tests.factories import OrganisationFactory, UserFactory, member

pytestmark = pytest.mark.django_db


class _Request:
    """Just enough of a request for a scope: the selectors widen it."""

    def __init__(self, user):
        self.user = user


class _InRequest:
    """Runs a selector as inside a request of ``user``; ``org_ids``: what the selectors added."""

    def __init__(self, user, org=None):
        self.scope = rls._Scope(request=_Request(user), org_ids={org.pk} if org else set())

    @property
    def org_ids(self):
        return self.scope.org_ids

    def __call__(self, selector, **kwargs):
        token = rls._current.set(self.scope)
        try:
            result = selector(**kwargs)
            return list(result) if hasattr(result, "model") else result
        finally:
            rls._current.reset(token)
            rls._release()


@pytest.fixture
def request_scope():
    return _InRequest


def test_partnership_only_once_the_school_accepts(org, request_scope):
    service = careers_service(slug="careers-a")
    adviser = member(service, Role.CAREERS_ADVISER)
    scope = request_scope(adviser, service)
    # The service alone: a proposal gives nothing.
    proposed = proposal(service, org)
    assert scope(guidance_selectors.partner_school_ids, org=service) == []
    assert org.pk not in scope.org_ids
    # The school accepts: now it does (and the request's database scope follows).
    guidance_services.partnership_decide(school=org, partnership=proposed, by=member(org, Role.ORG_ADMIN),
                                         accept=True)
    assert scope(guidance_selectors.partner_school_ids, org=service) == [org.pk]
    assert org.pk in scope.org_ids


def test_partnership_ended_by_either_side_gives_nothing(org):
    service = careers_service(slug="careers-b")
    agreed = partnership(service, org)
    today = clock.today(org)
    guidance_services.partnership_end(org=org, partnership=agreed, by=member(org, Role.ORG_ADMIN),
                                      reason="Contract over", effective_on=today)
    assert guidance_selectors.partner_school_ids(org=service, today=today + datetime.timedelta(days=1)) == []


def test_record_transfer_only_with_the_learners_consent(org, other_org, request_scope):
    sending = learner(other_org)
    receiving_profile = learner(org, with_plan=False)
    # Same person at both: the receiving organisation's profile of the learner.
    receiving_profile.user = sending.user
    receiving_profile.save()
    staff = member(org, Role.KEY_WORKER)
    scope = request_scope(staff, org)
    transfer = learner_services.record_transfer_request(org=org, profile=receiving_profile, sending_org=other_org,
                                                        by=staff)
    assert scope(learner_selectors.transfer_grants, org=org, profile=receiving_profile) == []
    assert other_org.pk not in scope.org_ids
    learner_services.record_transfer_consent(transfer=transfer, by=sending.user, include_staff_records=False)
    assert [t.pk for t in scope(learner_selectors.transfer_grants, org=org, profile=receiving_profile)] == [transfer.pk]
    assert other_org.pk in scope.org_ids


def test_plan_share_only_while_the_learners_grant_is_active(org, request_scope):
    plan = plan_for(org=org)
    parent = UserFactory()
    scope = request_scope(parent)
    assert scope(learner_selectors.plan_share_org_ids, user=parent) == set()  # the grantee alone: nothing
    share = learner_services.plan_share_grant(org=org, plan=plan, grantee=parent, relationship="parent_carer",
                                              by=plan.profile.user)
    assert scope(learner_selectors.plan_share_org_ids, user=parent) == {org.pk}
    assert org.pk in scope.org_ids
    later = timezone.now() + datetime.timedelta(days=400)
    share.expires_at = timezone.now() + datetime.timedelta(days=1)
    share.save()
    assert learner_selectors.plan_share_org_ids(user=parent, now=later) == set()
    learner_services.plan_share_revoke(org=org, share=share, by=plan.profile.user)
    assert learner_selectors.plan_share_org_ids(user=parent) == set()


def test_reviewer_grant_only_while_the_leads_grant_is_current(org, request_scope):
    lead = member(org, Role.CAREERS_LEAD)
    plan = make_plan(org, by=lead)
    today = clock.today(org)
    reviewer = UserFactory(email="peer@example.org")
    scope = request_scope(reviewer)
    assert scope(careersplan_selectors.reviewer_grant_org_ids, user=reviewer, today=today) == set()
    grant = careersplan_services.reviewer_grant(org=org, plan=plan, email=reviewer.email, full_name="Peer",
                                                kind="consultant", expires_on=today, by=lead, today=today)
    assert scope(careersplan_selectors.reviewer_grant_org_ids, user=reviewer, today=today) == {org.pk}
    assert org.pk in scope.org_ids
    assert careersplan_selectors.reviewer_grant_org_ids(user=reviewer, today=today + datetime.timedelta(days=1)) == set()
    careersplan_services.reviewer_revoke(org=org, grant=grant, by=lead)
    assert careersplan_selectors.reviewer_grant_org_ids(user=reviewer, today=today) == set()


def test_authority_sees_only_the_schools_the_platform_placed_under_it(org, request_scope):
    authority = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY, slug="county")
    elsewhere = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY, slug="elsewhere")
    officer = member(authority, Role.LA_OFFICER)
    scope = request_scope(officer, authority)
    assert scope(authority_school_ids, authority=authority) == []
    org.parent = authority
    org.save()
    other = OrganisationFactory(parent=elsewhere, slug="not-ours")
    assert scope(authority_school_ids, authority=authority) == [org.pk]
    assert other.pk not in scope.org_ids and org.pk in scope.org_ids


def test_outside_a_request_the_selectors_widen_nothing(org):
    service = careers_service(slug="careers-c")
    partnership(service, org)
    assert rls.current_scope() is None
    assert guidance_selectors.partner_school_ids(org=service) == [org.pk]
    assert rls.current_scope() is None


def test_only_the_grant_selectors_widen_the_database_scope():
    """The organisations a request may see in the database come from the one selector of each
    grant kind (and a public link's own row, ``rls.bearer_get``) — nothing else calls
    ``request_scope_widen``."""
    import ast
    from pathlib import Path

    from django.conf import settings as django_settings

    root = Path(django_settings.BASE_DIR)
    callers = set()
    for path in root.glob("**/*.py"):
        if any(part in {".venv", "node_modules", "tests", "migrations"} for part in path.parts):
            continue
        tree = ast.parse(path.read_text())
        for func in ast.walk(tree):
            if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(func):
                    if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) \
                            == "request_scope_widen":
                        callers.add(func.name)
    assert callers == {"partner_school_ids", "_prefetch_related_objects", "plan_share_org_ids",
                       "reviewer_grant_org_ids", "authority_school_ids", "bearer_get",
                       "share_invitations_for_user"}
