"""Group sessions at a real school's size (issue 11, item 3): the register is chosen by tutor
group, year group or search a page at a time, only the chosen learners are posted, and a
flagged learner is never referred twice."""

import datetime
import re
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from guidance import services
from guidance.choices import ReferralStatus, Tier, TierReason, TriageDecision
from guidance.models import GroupAttendance, GroupSession, Referral
from guidance.selectors import ATTENDANCE_PAGE_SIZE
from tests.crawler import form_data
from guidance.tests.factories import learner, partnership, referral
from learners.models import LearnerProfile
from learners.tests.factories import LearnerProfileFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

YEARS = ("7", "8", "9", "10", "11")
LETTERS = "ABCDEF"  # 5 years x 6 tutor groups x 50 pupils = 1,500


def url(service, name, **kw):
    return reverse(f"guidance:{name}", kwargs={"org_slug": service.slug, **kw})


def pupils(school, *, per_group=50) -> list[LearnerProfile]:
    """A secondary school's roll, made in two INSERTs: 6 tutor groups in each of years 7 to 11."""
    users = get_user_model().objects.bulk_create(
        UserFactory.build_batch(len(YEARS) * len(LETTERS) * per_group, password="unused"))
    groups = [(year, f"{year}{letter}") for year in YEARS for letter in LETTERS]
    return LearnerProfile.objects.bulk_create([
        LearnerProfileFactory.build(organisation=school, user=user, year_group=groups[n // per_group][0],
                                    tutor_group=groups[n // per_group][1])
        for n, user in enumerate(users)
    ])


def fields_in(html: str) -> int:
    return len(re.findall(r'\sname="', html))


def test_register_of_a_school_of_1500_learners_is_a_bounded_page(service, org, other_org, adviser, sign_in,
                                                                   django_assert_max_num_queries):
    partnership(service, org)
    roll = pupils(org)
    assert len(roll) == 1500
    client = sign_in(adviser)
    new = url(service, "group_session_new") + f"?school={org.pk}"
    client.get(new)  # first request of the session (MFA and session rows settle)
    with django_assert_max_num_queries(15):
        response = client.get(new)
    assert response.status_code == 200
    html = response.content.decode()
    # One page of the register, not the school: a form far below Django's 1,000-field limit.
    assert html.count('name="shown"') == ATTENDANCE_PAGE_SIZE
    assert fields_in(html) < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS // 4
    assert "1500 learners match" in html

    with django_assert_max_num_queries(15):
        response = client.get(new + "&tutor_group=10C")
    html = response.content.decode()
    in_10c = [p for p in roll if p.tutor_group == "10C"]
    assert html.count('name="shown"') == len(in_10c) == 50
    assert all(f'value="{p.pk}"' in html for p in in_10c)
    assert '<option value="10C" selected>' in html and '<option value="11F">' in html

    response = client.get(new + "&year_group=11&page=3")
    assert "page 3 of 6" in response.content.decode()
    one = roll[777]
    response = client.get(new + "&" + urlencode({"q": one.user.full_name}))
    assert response.content.decode().count('name="shown"') == 1


def test_group_session_saved_at_a_school_of_1500_learners(service, org, other_org, adviser, sign_in):
    partnership(service, org)
    roll = pupils(org)
    client = sign_in(adviser)
    new = url(service, "group_session_new") + f"?school={org.pk}&tutor_group=10C"
    page = client.get(new).content.decode()
    data = form_data(page, "shown")
    assert len(data["shown"]) == 50
    group = [p for p in roll if p.tutor_group == "10C"]
    data.update({"topic": ["Post-16 options"], "held_on": [timezone.localdate().isoformat()]})
    for p in group[:40]:
        data[f"attended_{p.pk}"] = ["on"]
    data[f"flag_{group[0].pk}"] = ["unclear"]
    assert sum(len(v) for v in data.values()) < 200
    response = client.post(new, data)
    assert response.status_code == 302
    session = GroupSession.objects.for_org(org).get()
    assert GroupAttendance.objects.for_org(org).filter(session=session).count() == 40
    assert list(Referral.objects.for_org(org).values_list("profile_id", flat=True)) == [group[0].pk]

    # More attendees from another tutor group, on the session's attendance page.
    attendance = url(service, "group_session_attendance", session_id=session.pk) + "?tutor_group=10D"
    data = form_data(client.get(attendance).content.decode(), "shown")
    other_group = [p for p in roll if p.tutor_group == "10D"]
    for p in other_group[:10]:
        data[f"attended_{p.pk}"] = ["on"]
    response = client.post(attendance, data)
    assert response.status_code == 302 and response["Location"].endswith("?tutor_group=10D")
    assert GroupAttendance.objects.for_org(org).filter(session=session).count() == 50

    # Back on 10C: the register shows who attended; unticking takes a learner off, the referred
    # learner stays (and is not offered for change).
    page = client.get(url(service, "group_session_attendance", session_id=session.pk) + "?tutor_group=10C")
    data = form_data(page.content.decode(), "shown")
    assert len(data["shown"]) == 49 and str(group[0].pk) not in data["shown"]
    assert "Referred" in page.content.decode()
    del data[f"attended_{group[1].pk}"]
    client.post(url(service, "group_session_attendance", session_id=session.pk) + "?tutor_group=10C", data)
    remaining = set(GroupAttendance.objects.for_org(org).filter(session=session).values_list("profile_id", flat=True))
    assert len(remaining) == 49 and group[1].pk not in remaining and group[0].pk in remaining


def test_flagged_learner_with_an_open_referral_or_the_tier_is_not_referred_again(service, org, other_org, adviser,
                                                                                   sign_in):
    partnership(service, org)
    waiting, accepted, intensive, closed, fresh = (learner(org, with_plan=False) for _ in range(5))
    referral(waiting)
    accepted_referral = referral(accepted)
    services.referral_triage(referral=accepted_referral, by=adviser, org=service,
                             decision=TriageDecision.ACCEPT_FILTERED, allocated_adviser=adviser)
    services.tier_set(profile=intensive, to_tier=Tier.INTENSIVE, reasons=[TierReason.SOCIAL_EXCLUSION], by=adviser,
                      review_on=timezone.localdate() + datetime.timedelta(days=30), org=service)
    withdrawn = referral(closed)
    services.referral_withdraw(referral=withdrawn, by=adviser, org=service)
    flagged = [waiting, accepted, intensive, closed, fresh]
    client = sign_in(adviser)
    new = url(service, "group_session_new") + f"?school={org.pk}"
    data = form_data(client.get(new).content.decode(), "shown")
    data.update({"topic": ["Options evening"], "held_on": [timezone.localdate().isoformat()]})
    for p in flagged:
        data[f"attended_{p.pk}"] = ["on"]
        data[f"flag_{p.pk}"] = ["unfocused"]
    response = client.post(new, data, follow=True)
    assert response.status_code == 200
    html = response.content.decode()

    def referrals(p):
        return Referral.objects.for_org(org).filter(profile=p).count()

    assert [referrals(p) for p in flagged] == [1, 1, 0, 2, 1]
    assert f"{waiting.user.full_name} (already has an open referral)" in html
    assert f"{accepted.user.full_name} (already has an open referral)" in html
    assert f"{intensive.user.full_name} (already has intensive guidance)" in html
    assert "Not referred again" in html
    assert f"Referred for an individual interview: {closed.user.full_name}, {fresh.user.full_name}" in html \
        or f"Referred for an individual interview: {fresh.user.full_name}, {closed.user.full_name}" in html
    # Everyone flagged is on the register with their concern, referred or not.
    rows = GroupAttendance.objects.for_org(org).filter(profile__in=flagged)
    assert sorted(r.flag for r in rows) == ["unfocused"] * 5
    assert Referral.objects.for_org(org).filter(status=ReferralStatus.NEW, group_session__isnull=False).count() == 2


def test_a_concern_for_a_learner_who_did_not_attend_is_refused_and_nothing_is_saved(service, org, other_org,
                                                                                     adviser, sign_in):
    partnership(service, org)
    absent = learner(org, with_plan=False)
    client = sign_in(adviser)
    new = url(service, "group_session_new") + f"?school={org.pk}"
    data = form_data(client.get(new).content.decode(), "shown")
    data.update({"topic": ["Options evening"], "held_on": [timezone.localdate().isoformat()],
                 f"flag_{absent.pk}": ["unclear"]})
    response = client.post(new, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and f"{absent.user.full_name} did not attend" in html
    assert not GroupSession.objects.for_org(org).exists()


def test_register_lists_only_the_chosen_schools_learners(service, org, other_org, adviser, sign_in):
    partnership(service, org)
    partnership(service, other_org)
    ours, theirs = learner(org, with_plan=False), learner(other_org, with_plan=False)
    client = sign_in(adviser)
    new = url(service, "group_session_new") + f"?school={org.pk}"
    data = form_data(client.get(new).content.decode(), "shown")
    assert data["shown"] == [str(ours.pk)]
    # A learner of another school slipped into the post is not on this school's register.
    data.update({"topic": ["Options"], "held_on": [timezone.localdate().isoformat()],
                 "shown": [str(ours.pk), str(theirs.pk)], f"attended_{theirs.pk}": ["on"]})
    assert client.post(new, data).status_code == 302
    assert not GroupAttendance.objects.for_org(other_org).exists()
