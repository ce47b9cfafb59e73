"""The positive half of the permission matrix (issue 12), as pretix does: for every URL pattern
the crawl discovers, the roles in tests/permission_matrix.py get their expected answer (200, or
405 for a POST-only view) on GET with their OWN organisation's objects; every other role gets
403, 404 or a redirect to sign-in/MFA — never a 200, never a 5xx. A URL pattern without a row
fails, so a new view is covered. The negative half (another organisation's objects) is
tests/test_crawl.py, whose machinery this reuses.

One world per role: a school with every object of tests/crawl_objects.py, the person of that
role in it, and the links some pages need (the learner owns the plan, the key worker is the
learner's key worker, the parent has the plan shared with them, the careers adviser's service
has an accepted partnership naming them, the local authority is the school's parent). A person
of the same role without the link is refused the pages the link opens, and a visitor who is not
signed in is refused everything but the few public URLs."""

import pytest

from plp_portal.organisations.choices import OrganisationKind, Role
from tests.crawl_objects import _learner_plan_id, _pdf_render, _plan_id
from tests.factories import OrganisationFactory, member
from tests.permission_matrix import LINKS_CHECKED, MATRIX, POST_ONLY, PUBLIC, QUERIES
from tests.test_crawl import crawlable, fill, objects_of, url_patterns

pytestmark = pytest.mark.django_db

REFUSED = {403, 404}
SIGN_IN_PATHS = ("/accounts/login/", "/accounts/2fa/", "/accounts/reauthenticate/")


def url_name(namespace, pattern):
    return f"{namespace}:{pattern.name}" if namespace else pattern.name


def matrix_urls():
    """(URL name, route, namespace) of every pattern the crawl requests."""
    names = {route: url_name(namespace, pattern) for route, namespace, pattern in url_patterns()}
    return [(names[route], route, namespace) for route, namespace in crawlable()]


def expected(row, role):
    """The status ``role`` must get on GET for a matrix row, or None for "refused"."""
    if row == POST_ONLY:
        return 405
    want = row.get(role)
    return want[1] if isinstance(want, tuple) else want


def is_linked(row, role):
    return row != POST_ONLY and isinstance(row.get(role), tuple)


def _learner(org, ctx, *, user=None, under_13=False):
    """The learner whose plan the crawl's objects hang off (``ctx["learners.plan"]``), made
    first so that the world can link people to it."""
    import datetime

    from learners.tests.factories import LearnerProfileFactory, plan_for

    fields = {"organisation": org}
    if user is not None:
        fields["user"] = user
    if under_13:  # staff manage the sharing of an under-13's plan (learners.permissions)
        fields["date_of_birth"] = datetime.date.today().replace(day=1) - datetime.timedelta(days=11 * 366)
    profile = LearnerProfileFactory(**fields)
    ctx["learners.plan"] = plan_for(profile)
    ctx["guidance_profile"] = profile
    return ctx["learners.plan"]


def _progress_file_render(org, ctx, user):
    """A finished progress file of the world's plan for ``user``'s audience (renders are found
    within the audience the person may see, so the crawl's "plan" one is not theirs)."""
    from learners.pdf_renders import progress_file_audience
    from learners.permissions import plan_viewer

    audience = progress_file_audience(plan_viewer(plan=ctx["learners.plan"], user=user))
    return _pdf_render("learners.progress_file", _learner_plan_id, audience=audience)(org, ctx)


def _review_renders(org, ctx, user, values):
    """Finished review records of the world's review for ``user``'s audience (staff and /me/)."""
    from keyworkers.models import Review
    from keyworkers.pdf_renders import review_audience
    from learners.permissions import plan_viewer

    review = Review.objects.for_org(org).select_related("plan__profile").get(pk=values["review_id"])
    audience = review_audience(plan_viewer(plan=review.plan, user=user))
    render_id = _pdf_render("keyworkers.review", lambda _org, _ctx: review.pk, audience=audience)(org, ctx)
    values["keyworkers:render_id"] = values["me_reviews:render_id"] = render_id


def _careers_plan_links(org, ctx, values):
    """Evidence with a file (a text-only one has nothing to download) and a governing body
    approval (to remove) on the world's annual careers plan."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from careersplan import services as careersplan_services

    plan = ctx["careers_plan"]
    row = plan.rows.first()
    evidence = row.evidence.create(organisation=org, text="", content_type="application/pdf",
                                   original_name="fair.pdf")
    evidence.file.save("fair.pdf", ContentFile(b"%PDF-1.4 evidence"))
    values["evidence_id"] = evidence.pk
    careersplan_services.approval_record(org=org, plan=plan, approved_on=timezone.localdate(),
                                         minute_reference="GB/1", by=None)


def _peer_review_grant(user, values):
    """A peer school's careers lead grants ``user`` review of its annual careers plan."""
    import datetime

    from django.utils import timezone

    from careersplan import services as careersplan_services
    from careersplan.tests.factories import make_plan

    peer = OrganisationFactory()
    peer_ctx = {"careers_plan": make_plan(peer, year=2026)}
    careersplan_services.reviewer_grant(
        org=peer, plan=peer_ctx["careers_plan"], email=user.email, full_name=user.full_name, kind="peer",
        expires_on=datetime.date(2099, 1, 1), by=member(peer, Role.CAREERS_LEAD), today=timezone.localdate())
    values["careersplan_review:plan_id"] = peer_ctx["careers_plan"].pk
    values["careersplan_review:render_id"] = _pdf_render("careersplan.plan", _plan_id)(peer, peer_ctx)


def world(role, school):
    """(person, organisation slug for /o/<slug>/ URLs, URL kwarg values) for ``role``: the
    crawl's objects (tests/crawl_objects.py) made in the person's own organisation, and the
    links through which the role reaches the pages its table row says it reaches."""
    ctx = {}
    if role == Role.CAREERS_ADVISER:
        # The adviser works for a careers service whose proposal naming them the school
        # accepted. The service's own pages take the service's objects; the guidance pages of
        # the school's learners take the school's.
        from django.core.files.base import ContentFile

        from guidance import services as guidance_services
        from guidance.tests.factories import careers_service, partnership

        service = careers_service()
        user = member(service, role)
        agreement = partnership(service, school, advisers=[user])
        guidance_services.partnership_agreement_attach(
            org=service, partnership=agreement, file=ContentFile(b"%PDF-1.4 agreement", name="agreement.pdf"),
            content_type="application/pdf", by=user)
        _learner(school, ctx)
        ctx.update(guidance_service=service, guidance_agreement=agreement, guidance_user=user)
        at_school = objects_of(school, ctx)
        service_ctx = {}
        _learner(service, service_ctx)
        values = objects_of(service, service_ctx)
        for kwarg in ("referral_id", "interview_id", "session_id", "profile_id"):
            values[f"guidance:{kwarg}"] = at_school[kwarg]
        values["guidance:partnership_id"] = agreement.pk
        values["guidance:objective_id"] = agreement.objectives.first().pk
        values["render_id"] = _progress_file_render(service, service_ctx, user)
        _review_renders(service, service_ctx, user, values)
        values["guidance:render_id"] = _pdf_render("guidance.progress_file", _learner_plan_id,
                                                   audience=f"partner:{service.pk}")(school, ctx)
        values["partner_school"] = school.pk
        return user, service.slug, values
    if role == Role.LA_OFFICER:
        # The authority is the school's parent: it sees the school's annual careers plan, and
        # edits its own adaptation of a shipped template.
        from careersplan.models import TemplateSection

        authority = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY)
        school.parent = authority
        school.save(update_fields=["parent"])
        user = member(authority, role)
        at_school = objects_of(school, ctx)
        values = objects_of(authority)
        values["careersplan:plan_id"] = at_school["careersplan:plan_id"]
        values["careersplan:render_id"] = at_school["careersplan:render_id"]
        values["section_id"] = TemplateSection.objects.filter(template_id=values["template_id"]).first().pk
        values["partner_school"] = school.pk
        return user, authority.slug, values

    user = member(school, role)
    plan = _learner(school, ctx, user=user if role == Role.LEARNER else None,
                    under_13=role not in (Role.LEARNER, Role.PARENT_CARER))
    if role == Role.KEY_WORKER:
        from keyworkers import services as keyworker_services
        from keyworkers.choices import KeyWorkerType

        keyworker_services.key_worker_assign(org=school, profile=plan.profile, key_worker=user,
                                             worker_type=KeyWorkerType.TUTOR, by=user)
    elif role == Role.PARENT_CARER:
        from learners import services as learner_services

        learner_services.plan_share_grant(org=school, plan=plan, grantee=user,
                                          relationship="parent_carer", by=plan.profile.user)
    values = {**objects_of(school, ctx), "partner_school": school.pk}
    values["render_id"] = _progress_file_render(school, ctx, user)
    _review_renders(school, ctx, user, values)
    from tests.crawl_objects import _bundle

    values["bundle_id"] = _bundle(school, ctx, user=user)
    _careers_plan_links(school, ctx, values)
    if role == Role.CAREERS_LEAD:
        _peer_review_grant(user, values)
    return user, school.slug, values


def refused(response):
    if response.status_code in REFUSED:
        return True
    return response.status_code == 302 and response["Location"].startswith(SIGN_IN_PATHS)


def test_every_url_pattern_has_a_row():
    names = {name for name, _route, _namespace in matrix_urls()}
    missing = sorted(names - set(MATRIX))
    assert missing == [], (
        "URL patterns without a row in tests/permission_matrix.py — add one saying which roles "
        "get 200 on GET with their own organisation's objects (or POST_ONLY): " + ", ".join(missing))
    stale = sorted(set(MATRIX) - names)
    assert stale == [], f"rows for URL names that no longer exist: {stale}"


def _get_each(client, values, check):
    failures = []
    for name, route, namespace in matrix_urls():
        if name not in MATRIX:
            continue  # test_every_url_pattern_has_a_row says so
        url = fill(route, namespace, values)
        if name in QUERIES:
            url += "?" + QUERIES[name].format(**values)
        failure = check(name, url)
        if failure is not None:
            failures.append(failure)
    return failures


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_what_the_matrix_says(role, org, client):
    user, slug, values = world(role, org)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    def check(name, url):
        response = client.get(url)
        want = expected(MATRIX[name], role)
        if want is None and not refused(response):
            return f"{name} GET {url} -> {response.status_code} (must be refused to {role.value})"
        if want is not None and response.status_code != want:
            return f"{name} GET {url} -> {response.status_code} (expected {want} for {role.value})"
        return None

    failures = _get_each(client, {**values, "org_slug": slug}, check)
    assert failures == [], "\n".join(failures)


def twin(role, school, values):
    """A person of ``role`` like the world's but WITHOUT its link, and their organisation slug."""
    if role == Role.CAREERS_ADVISER:
        # Another careers service's adviser, named on a proposal the school has not decided.
        from guidance.tests.factories import careers_service, proposal

        service = careers_service()
        user = member(service, role)
        proposal(service, school, advisers=[user])
        return user, service.slug
    if role == Role.LA_OFFICER:
        authority = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY)
        return member(authority, role), authority.slug
    return member(school, role), school.slug


@pytest.mark.parametrize("role", sorted(LINKS_CHECKED))
def test_the_link_is_what_opens_a_linked_page(role, org, client):
    """Each linked row: a person of the same role without the world's link is refused."""
    _user, _slug, values = world(role, org)
    user, slug = twin(role, org, values)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    def check(name, url):
        if not is_linked(MATRIX[name], role):
            return None
        response = client.get(url)
        if not refused(response):
            return f"{name} GET {url} -> {response.status_code} (a {role.value} without the link must be refused)"
        return None

    failures = _get_each(client, {**values, "org_slug": slug}, check)
    assert failures == [], "\n".join(failures)


def test_a_visitor_not_signed_in_is_refused_everything_but_the_public_urls(org, client):
    _user, slug, values = world(Role.ORG_ADMIN, org)

    def check(name, url):
        response = client.get(url)
        if name in PUBLIC:
            return None if response.status_code == PUBLIC[name] else (
                f"{name} GET {url} -> {response.status_code} (expected {PUBLIC[name]} for a visitor)")
        if not refused(response) and not (MATRIX[name] == POST_ONLY and response.status_code == 405):
            return f"{name} GET {url} -> {response.status_code} (must be refused to a visitor)"
        return None

    failures = _get_each(client, {**values, "org_slug": slug}, check)
    assert failures == [], "\n".join(failures)
