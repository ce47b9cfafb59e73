"""Organisation pages: home per role, the organisation chooser, members and invitations."""

import re

import pytest
from django.urls import reverse

from plp_portal.audit.models import AuditEvent
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Invitation, Membership
from tests.factories import MembershipFactory, member

pytestmark = pytest.mark.django_db


def org_url(name, org, **kwargs):
    return reverse(f"organisations:{name}", kwargs={"org_slug": org.slug, **kwargs})


def test_person_with_one_staff_membership_lands_on_that_organisation(org, sign_in):
    client = sign_in(member(org, Role.KEY_WORKER))
    assert client.get(reverse("home"))["Location"] == org_url("home", org)


def test_person_with_several_memberships_chooses_the_organisation(org, other_org, sign_in):
    user = member(org, Role.KEY_WORKER)
    MembershipFactory(organisation=other_org, user=user, role=Role.CAREERS_LEAD)
    response = sign_in(user).get(reverse("home"))
    assert response.status_code == 200
    assert org.name in response.content.decode() and other_org.name in response.content.decode()


def test_person_without_membership_is_told_how_to_join(db, sign_in):
    from tests.factories import UserFactory

    response = sign_in(UserFactory()).get(reverse("home"))
    assert b"not yet part of any organisation" in response.content


def test_header_shows_organisation_and_role(org, sign_in):
    response = sign_in(member(org, Role.CAREERS_LEAD)).get(org_url("home", org))
    content = response.content.decode()
    assert "Northgate School" in content and "Careers lead" in content


def test_non_member_gets_404_for_the_organisation(org, other_org, sign_in):
    client = sign_in(member(other_org, Role.ORG_ADMIN))
    assert client.get(org_url("home", org)).status_code == 404
    assert client.get(org_url("members", org)).status_code == 404


def test_deactivated_membership_gives_404(org, sign_in):
    user = member(org, Role.KEY_WORKER)
    Membership.objects.for_org(org).filter(user=user).update(is_active=False)
    assert sign_in(user).get(org_url("home", org)).status_code == 404


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ORG_ADMIN])
def test_only_organisation_admins_manage_members(role, org, sign_in):
    client = sign_in(member(org, role))
    assert client.get(org_url("members", org)).status_code == 403
    assert client.post(org_url("invite", org), {"email": "x@example.test",
                                                "role": Role.KEY_WORKER}).status_code == 403


def test_admin_invites_a_person_who_sets_a_password_and_joins(org, sign_in, client,
                                                              django_capture_on_commit_callbacks,
                                                              mailoutbox):
    admin = member(org, Role.ORG_ADMIN)
    sign_in(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(org_url("invite", org),
                               {"email": "New.Tutor@Example.test", "role": Role.KEY_WORKER})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["new.tutor@example.test"]
    assert org.name in message.subject
    link = re.search(r"http://[^/]+(/invitations/[^/\s]+/)", message.body).group(1)
    client.logout()

    page = client.get(link)
    assert page.status_code == 200 and b"Key worker" in page.content
    response = client.post(link, {"full_name": "Nia Tutor", "password1": "Quite-long-pass-77",
                                  "password2": "Quite-long-pass-77"})
    assert response.status_code == 302
    membership = Membership.objects.for_org(org).get(user__email="new.tutor@example.test")
    assert membership.role == Role.KEY_WORKER
    assert membership.user.check_password("Quite-long-pass-77")
    client.logout()
    assert client.get(link).status_code == 410  # used links stop working
    assert AuditEvent.objects.filter(action="invitation.accepted").count() == 1


def test_invitation_form_shows_errors_and_keeps_input(org, sign_in):
    client = sign_in(member(org, Role.ORG_ADMIN))
    response = client.post(org_url("invite", org), {"email": "not-an-email", "role": ""})
    content = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in content and 'value="not-an-email"' in content


def test_inviting_an_existing_member_is_refused(org, sign_in):
    client = sign_in(member(org, Role.ORG_ADMIN))
    existing = member(org, Role.LEARNER)
    response = client.post(org_url("invite", org), {"email": existing.email,
                                                    "role": Role.KEY_WORKER})
    assert b"already a member" in response.content
    assert not Invitation.objects.for_org(org).exists()


def test_withdrawn_invitation_link_stops_working(org, sign_in, client):
    admin = member(org, Role.ORG_ADMIN)
    sign_in(admin)
    from plp_portal.organisations import services

    invitation = services.invitation_create(org=org, email="a@example.test",
                                            role=Role.LEARNER, invited_by=admin)
    confirm = client.get(org_url("invitation_revoke", org, invitation_id=invitation.pk))
    assert b"Withdraw the invitation" in confirm.content  # asks before withdrawing
    client.post(org_url("invitation_revoke", org, invitation_id=invitation.pk))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_unknown_invitation_token_is_404(db, client):
    assert client.get(reverse("invitation_accept", kwargs={"token": "nope"})).status_code == 404


def test_admin_adds_term_dates_and_bad_dates_are_explained(org, sign_in):
    client = sign_in(member(org, Role.ORG_ADMIN))
    data = {"academic_year": 2026, "name": "Autumn", "starts_on": "2026-09-03",
            "half_term_starts_on": "2026-10-26", "half_term_ends_on": "2026-10-30",
            "ends_on": "2026-12-18"}
    assert client.post(org_url("terms", org), data).status_code == 302
    bad = {**data, "name": "Spring", "ends_on": "2026-09-01"}
    response = client.post(org_url("terms", org), bad)
    assert response.status_code == 200 and b"There is a problem" in response.content


def test_members_page_has_a_fixed_number_of_queries(org, sign_in,
                                                     django_assert_max_num_queries):
    client = sign_in(member(org, Role.ORG_ADMIN))
    url = org_url("members", org)
    for _ in range(5):
        member(org, Role.LEARNER)
    client.get(url)  # the first request of a session records its MFA check
    with django_assert_max_num_queries(12) as small:
        assert client.get(url).status_code == 200
    for _ in range(25):
        member(org, Role.LEARNER)
    with django_assert_max_num_queries(12) as large:
        assert client.get(url).status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)
