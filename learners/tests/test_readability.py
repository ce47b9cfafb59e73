"""Plain language, measured (issue 18): every learner- and parent-facing page, rendered as the
person sees it, is read by ``textstat`` and must stay at a reading age a Year 9 pupil with low
literacy manages.

The threshold. Seed 001 asks that the plan work for "learners with low literacy"; the learners
we design for are 13-15 with a reading age of about 9 to 11. The Flesch-Kincaid grade is a US
school grade: reading age ≈ grade + 5, so a reading age of 11 is grade 6. Each page's template
text must score:

- Flesch-Kincaid grade ≤ ``MAX_GRADE`` (6: reading age 11 or under), and
- Flesch reading ease ≥ ``MIN_EASE`` (65: "plain English" starts at 60; 70-80 is "fairly easy",
  what an average 12-year-old reads; 65 leaves room for the unavoidable words below).

Measured on the page's words, not on the HTML: each heading, paragraph, list item, table cell
and label counts as one sentence (they are read as such, and most do not end in a full stop).
The words of the plan itself (what the learner or staff typed) are the person's own: the test
world uses short, plain ones, so what is measured is the template's text. Quotations of the
seeds' official wording are marked ``data-readability-skip`` (shown folded, after a plain
version) and not measured. Unavoidable words (target, review, tier, key worker, qualification)
are explained on the glossary page, which the pages link to."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser

import pytest
import textstat
from django.urls import reverse

from learners import services
from learners.choices import Audience, ShareRelationship
from plp_portal.organisations.choices import Role
from tests.factories import UserFactory, member

from .factories import LearnerProfileFactory, plan_for, target_for

pytestmark = pytest.mark.django_db

MAX_GRADE = 6.0
MIN_EASE = 65.0

BLOCKS = {"h1", "h2", "h3", "h4", "h5", "p", "li", "dt", "dd", "td", "th", "caption", "legend", "label",
          "button", "summary", "div", "span", "a", "option"}
SKIP = {"script", "style", "nav", "header", "footer", "select"}


class _MainText(HTMLParser):
    """The text of ``<main>`` as sentences (one per block element), without skipped parts."""

    def __init__(self):
        super().__init__()
        self.depth_main = 0
        self.skipping: list[str] = []
        self.sentences: list[str] = []
        self.current: list[str] = []

    def _flush(self):
        text = re.sub(r"\s+", " ", "".join(self.current)).strip()
        if re.search(r"[A-Za-z]", text):
            self.sentences.append(text if text[-1] in ".!?" else text + ".")
        self.current = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self.depth_main += 1
        if not self.depth_main:
            return
        if self.skipping or tag in SKIP or "data-readability-skip" in attrs or "govuk-visually-hidden" in (
                attrs.get("class") or ""):
            if tag not in ("br", "input", "img", "hr"):
                self.skipping.append(tag)
            return
        if tag in BLOCKS - {"span", "a"}:
            self._flush()

    def handle_endtag(self, tag):
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
            return
        if tag == "main":
            self._flush()
            self.depth_main -= 1
        elif self.depth_main and tag in BLOCKS - {"span", "a"}:
            self._flush()

    def handle_data(self, data):
        if self.depth_main and not self.skipping:
            self.current.append(data)


def page_text(html: str) -> str:
    parser = _MainText()
    parser.feed(html)
    return " ".join(parser.sentences)


def readability(text: str) -> tuple[float, float]:
    return textstat.flesch_kincaid_grade(text), textstat.flesch_reading_ease(text)


@pytest.fixture
def people(org):
    key_worker = member(org, Role.KEY_WORKER, full_name="Kim Keyworker")
    profile = LearnerProfileFactory(organisation=org, strengths_own_words="I like art.",
                                    weaknesses_own_words="Spelling.", prior_achievements="A swim badge.",
                                    english_level="Entry 3", maths_level="Level 1")
    services.learner_set_key_worker(org=org, learner=profile, user=key_worker)
    today = datetime.date.today()
    plan = plan_for(profile, by=key_worker, long_term_goal="Work with dogs.", qualifications="Animal care.",
                    final_outcome="Pass animal care.", programme_name="Year 10",
                    starts_on=today - datetime.timedelta(days=100), ends_on=today + datetime.timedelta(days=200))
    target = target_for(plan, by=key_worker, title="Read a book.", due_on=today + datetime.timedelta(days=3))
    target_for(plan, by=key_worker, title="Do the maths sheet.", due_on=today - datetime.timedelta(days=2))
    services.log_entry_add(org=org, plan=plan, by=profile.user, audience=Audience.PLAN, kind="activity_diary",
                           written_on=today, title="Farm.", what_learned="How to feed a calf.")
    parent = UserFactory(full_name="Pat Smith")
    share = services.plan_share_grant(org=org, plan=plan, grantee=parent,
                                      relationship=ShareRelationship.PARENT_CARER, by=profile.user)
    services.plan_contribution_add(org=org, plan=plan, share=share, by=parent, text="She reads at home.")
    from keyworkers import services as kw_services

    review = kw_services.review_schedule_next(org=org, plan=plan, by=key_worker,
                                              due_on=today + datetime.timedelta(days=9))
    return {"learner": profile.user, "parent": parent, "plan": plan, "target": target, "review": review}


def _learner_pages(p):
    plan = {"learner_plan_id": p["plan"].pk}
    return [
        reverse("me:home"), reverse("me:targets", kwargs=plan), reverse("me:target", kwargs={
            "target_id": p["target"].pk}), reverse("me:target_add", kwargs=plan), reverse("me:log", kwargs=plan),
        reverse("me:log_add", kwargs=plan), reverse("me:starting_point", kwargs=plan), reverse("me:glossary"),
        reverse("me:plan_full", kwargs=plan), reverse("me:sharing", kwargs=plan),
        reverse("me:share_add", kwargs=plan), reverse("me:journey_add", kwargs=plan),
        reverse("me:concern_add", kwargs=plan), reverse("me_reviews:index"),
        reverse("me_reviews:key_worker_preference"), reverse("me_guidance:index"),
        reverse("me_guidance:how_it_works"), reverse("me_guidance:self_refer"),
        reverse("me_reviews:prepare", kwargs={"review_id": p["review"].pk}),
    ]


def _parent_pages(p):
    plan = {"learner_plan_id": p["plan"].pk}
    return [reverse("me:home"), reverse("me:shared_plan", kwargs=plan), reverse("me:shared_note_add", kwargs=plan),
            reverse("me_guidance:for_parents")]


def test_learner_and_parent_pages_read_at_a_reading_age_of_eleven(people, sign_in):
    failures, report = [], []
    for who, urls in (("learner", _learner_pages(people)), ("parent", _parent_pages(people))):
        client = sign_in(people[who])
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            text = page_text(response.content.decode())
            assert len(text.split()) >= 15, (url, text)
            grade, ease = readability(text)
            report.append(f"{who:7} {url:45} grade {grade:4.1f} ease {ease:5.1f}")
            if grade > MAX_GRADE or ease < MIN_EASE:
                failures.append(report[-1])
    print("\n".join(report))
    assert failures == [], "pages above a reading age of 11:\n" + "\n".join(failures)


def test_the_measure_tells_plain_from_official_words():
    plain = "A target is one thing you plan to do by a date. You look at it with your key worker."
    official = ("Information, advice and guidance, from an identified individual, which will empower and enable "
                "them to participate effectively in learning, to fulfil their potential and to progress towards "
                "longer-term career goals.")
    assert readability(plain)[0] <= MAX_GRADE and readability(plain)[1] >= MIN_EASE
    assert readability(official)[0] > MAX_GRADE and readability(official)[1] < MIN_EASE
    html = ("<main><h1>Help</h1><p>You can ask.</p><details data-readability-skip><p>" + official
            + "</p></details><span class='govuk-visually-hidden'>hidden words</span></main>")
    assert page_text(html) == "Help. You can ask."
