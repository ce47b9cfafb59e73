import datetime
from dataclasses import dataclass, field

from django.db.models import Case, Count, F, IntegerField, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Lower
from django.http import Http404
from django.shortcuts import get_object_or_404
from guardian.shortcuts import get_objects_for_user

from plp_portal import rls
from plp_portal.organisations.choices import OrganisationKind
from plp_portal.organisations.models import Organisation
from plp_portal.organisations.selectors import authority_school_ids

from .choices import Phase, Rag, TemplateKind
from .models import (
    ApprovalDeadline,
    CareersPlan,
    ChecklistItem,
    ChecklistTick,
    Evidence,
    GoverningBodyApproval,
    IlpSelfAssessment,
    PlanRow,
    PlanTemplate,
    PublishedProgramme,
    Recommendation,
    ReviewComment,
    ReviewerGrant,
    ScoreChange,
    TemplateSection,
)

PLAN_KINDS = (OrganisationKind.SCHOOL, OrganisationKind.COLLEGE,
              OrganisationKind.TRAINING_PROVIDER)


# --- Templates ---------------------------------------------------------------------------------
def template_list(*, org, kind=None):
    """Templates an organisation may use: global ones, its own (drafts included) and its
    authority's published ones (an authority's drafts are its own until it publishes them)."""
    visible = Q(owner__isnull=True) | Q(owner_id=org.pk)
    if org.parent_id:
        visible |= Q(owner_id=org.parent_id, is_published=True)
    qs = PlanTemplate.objects.filter(visible)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("owner", "based_on")


def template_get(*, org, template_id: int) -> PlanTemplate:
    """404 for templates that do not exist and for those of another authority."""
    return get_object_or_404(template_list(org=org), pk=template_id)


def template_default(*, org, kind=TemplateKind.CAREERS_PLAN) -> PlanTemplate | None:
    """The newest published template of the organisation's authority, else the newest global."""
    qs = PlanTemplate.objects.filter(kind=kind, is_published=True)
    if org.parent_id:
        own = qs.filter(owner_id=org.parent_id).order_by("-created_at", "-version").first()
        if own:
            return own
    return qs.filter(owner__isnull=True).order_by("-version").first()


def template_section_get(*, template, section_id: int) -> TemplateSection:
    """One section of ``template`` (already read in the organisation's scope), with its rows;
    404 for a missing section and for another template's."""
    return get_object_or_404(TemplateSection.objects.filter(template=template).prefetch_related("rows"),
                             pk=section_id)


def template_sections(*, template):
    return list(
        TemplateSection.objects.filter(template=template).prefetch_related("rows")
        .order_by("position")
    )


# --- Plans ---------------------------------------------------------------------------------
def plan_list(*, org):
    return CareersPlan.objects.for_org(org).select_related("template", "approval")


def plan_get(*, org, plan_id: int) -> CareersPlan:
    """404 for plans that do not exist and for plans of another organisation."""
    return get_object_or_404(plan_list(org=org), pk=plan_id)


def plan_for_year(*, org, academic_year: int) -> CareersPlan | None:
    return plan_list(org=org).filter(academic_year=academic_year).first()


def plan_row_get(*, org, plan, row_id: int) -> PlanRow:
    return get_object_or_404(
        PlanRow.objects.for_org(org).filter(plan=plan).select_related(
            "template_row__section", "updated_by"
        ),
        pk=row_id,
    )


def evidence_get(*, org, evidence_id: int) -> Evidence:
    return get_object_or_404(
        Evidence.objects.for_org(org).select_related("row__plan"), pk=evidence_id
    )


@dataclass
class SectionView:
    section: TemplateSection
    rows: list = field(default_factory=list)
    comments: list = field(default_factory=list)

    @property
    def planned_count(self) -> int:
        return sum(1 for r in self.rows if r.planned.strip())

    @property
    def evidenced_count(self) -> int:
        return sum(1 for r in self.rows if r.evidence.all())

    @property
    def is_complete(self) -> bool:
        return self.planned_count == len(self.rows)


def plan_sections(*, plan, with_comments=False) -> list[SectionView]:
    """The plan's sections with their rows, evidence (and reviewers' comments): four queries
    however many rows."""
    sections = {s.pk: SectionView(s) for s in TemplateSection.objects.filter(
        template_id=plan.template_id).order_by("position")}
    rows = plan.rows.select_related("template_row", "updated_by").prefetch_related(
        Prefetch("evidence", queryset=Evidence.objects.for_org(plan.organisation_id)
                 .select_related("added_by"))
    )
    for row in rows:
        sections[row.template_row.section_id].rows.append(row)
    if with_comments:
        for comment in plan.comments.all():
            sections[comment.section_id].comments.append(comment)
    return list(sections.values())


@dataclass
class ChecklistLine:
    item: ChecklistItem
    tick: ChecklistTick | None

    @property
    def by_survey(self) -> bool:
        return self.tick is not None and self.tick.by_survey

    @property
    def locked(self) -> bool:
        """Not on the lead's form: item 4 follows the approval record, and an item the
        students' answers ticked stays ticked (it is what the answers show)."""
        return self.item.is_governing_body_approval or self.by_survey


@dataclass
class ChecklistSummary:
    score: int
    total: int
    rag: str
    lines: list
    unsaved: bool = False  # a preview whose ticks differ from the saved ones

    @property
    def rag_label(self) -> str:
        return Rag(self.rag).label


def checklist_summary(*, plan) -> ChecklistSummary:
    items = list(ChecklistItem.objects.filter(template_id=plan.template_id).order_by("number"))
    ticks = {t.item_id: t for t in plan.ticks.all()}
    score = len(ticks)
    return ChecklistSummary(
        score=score, total=len(items), rag=plan.template.rag_for(score),
        lines=[ChecklistLine(item, ticks.get(item.pk)) for item in items],
    )


def checklist_preview(*, plan, summary: ChecklistSummary, ticked_item_ids) -> ChecklistSummary:
    """The score the checklist would have with these items ticked (the form's ticks, before
    "Save the checklist"); reads nothing more and writes nothing. The governing body item
    keeps its saved state: only its approval record ticks it; so does an item the students'
    survey ticked."""
    ticked = set(ticked_item_ids)
    saved = {line.item.pk for line in summary.lines if line.tick is not None and not line.locked}
    locked = sum(1 for line in summary.lines if line.locked and line.tick is not None)
    score = len(ticked & {line.item.pk for line in summary.lines if not line.locked}) + locked
    return ChecklistSummary(score=score, total=summary.total, rag=plan.template.rag_for(score),
                            lines=summary.lines, unsaved=ticked != saved)


def score_history(*, plan):
    return plan.score_changes.select_related("changed_by")


def approval_of(*, plan) -> GoverningBodyApproval | None:
    try:
        return plan.approval
    except GoverningBodyApproval.DoesNotExist:
        return None


# --- Reviewers ----------------------------------------------------------------------------------
def reviewer_grants(*, org, plan):
    return ReviewerGrant.objects.for_org(org).filter(plan=plan).select_related("reviewer")


def reviewer_grant_get(*, org, plan, grant_id: int) -> ReviewerGrant:
    return get_object_or_404(reviewer_grants(org=org, plan=plan), pk=grant_id)


def reviewer_current_grants(*, user, today: datetime.date):
    """The plans a person may review now: their own unexpired, unrevoked grants (DESIGN.md
    tenancy rule 3 — the recorded grant is what crosses organisations)."""
    reviewer_grant_org_ids(user=user, today=today)  # before the plans (of those schools) are joined
    return (
        _current_grants_of(user=user, today=today)
        .select_related("plan__organisation", "plan__template")
        .order_by("expires_on")
    )


def _current_grants_of(*, user, today: datetime.date):
    return ReviewerGrant.objects.system("a reviewer's own grants across organisations").filter(
        reviewer=user, revoked_at__isnull=True, expires_on__gte=today)


def reviewer_grant_org_ids(*, user, today: datetime.date) -> set[int]:
    """The organisations whose careers plan ``user`` may review now (a grant the plan's careers
    lead made, unexpired, unrevoked) — the ONLY source of those ids, for the reviewer's pages and
    the request's row-level security scope. The reviewer cannot make or extend a grant."""
    ids = set(_current_grants_of(user=user, today=today).values_list("organisation_id", flat=True))
    rls.request_scope_widen(ids, grant="careers plan reviewer")
    return ids


def reviewer_plan_get(*, user, plan_id: int, today: datetime.date) -> CareersPlan:
    """The plan ``plan_id`` if ``user`` holds a current grant on it AND the guardian object
    permission (no global permissions accepted), intersected with the plan's organisation.
    404 otherwise — expired, revoked, another plan, or no such plan."""
    grant = reviewer_current_grants(user=user, today=today).filter(plan_id=plan_id).first()
    if grant is None:
        raise_404()
    scoped = CareersPlan.objects.for_org(grant.organisation_id).select_related(
        "template", "organisation", "approval")
    plans = get_objects_for_user(
        user, "careersplan.review_careersplan", klass=scoped, accept_global_perms=False
    )
    return get_object_or_404(plans, pk=plan_id)


def raise_404():
    raise Http404("No such plan")


def comments_of(*, plan):
    return plan.comments.select_related("section")


# --- ILP self-assessment ------------------------------------------------------------------------
def ilp_assessment_list(*, org):
    return IlpSelfAssessment.objects.for_org(org).select_related("template")


def ilp_assessment_get(*, org, assessment_id: int) -> IlpSelfAssessment:
    return get_object_or_404(ilp_assessment_list(org=org), pk=assessment_id)


def ilp_sections(*, assessment):
    answers = {r.template_row_id: r.answer for r in assessment.responses.all()}
    sections = template_sections(template=assessment.template)
    return sections, answers


# --- Authority dashboard ------------------------------------------------------------------------
def authority_schools(*, authority, school_ids=None):
    """The authority's schools (the one selector of the authority grant: ``authority_school_ids``;
    ``school_ids``: its answer, when the caller already asked it this request)."""
    if school_ids is None:
        school_ids = authority_school_ids(authority=authority)
    return Organisation.objects.filter(pk__any=school_ids).order_by("name")


def authority_plans(*, authority, years, school_ids=None):
    """The plans of the authority's schools for ``years``, with their stored summary (score,
    sections incomplete, approval: ``services.plan_summaries_refresh``)."""
    if school_ids is None:
        school_ids = authority_school_ids(authority=authority)
    return CareersPlan.objects.for_orgs(school_ids).filter(academic_year__in=list(years))


def plan_rag(*, ranked: bool = False):
    """``PlanTemplate.rag_for`` of a plan's stored score, in SQL (the one place the rule is
    written for queries): the ``Rag`` value, or with ``ranked`` its rank — 0 red, 1 amber,
    2 green — to sort by."""
    red, amber, green = (0, 1, 2) if ranked else (Rag.RED, Rag.AMBER, Rag.GREEN)
    return Case(When(score__lte=F("template__rag_red_max"), then=Value(red)),
                When(score__lte=F("template__rag_amber_max"), then=Value(amber)), default=Value(green))


# What each sortable column sorts on, from the school's plan this year, and its order ascending
# ("dir=desc" reverses it, schools without a plan included), as the dashboard has always sorted
# them: highest score and most sections incomplete first, red before amber before green, phases
# and approval statuses by their words ("No plan" between "Approved" and "Not approved"; no
# phase before "Monitoring"); ties by name.
_PHASE_RANK = {value: rank for rank, (value, _label) in enumerate(sorted(Phase.choices, key=lambda c: c[1]))}
AUTHORITY_SORTS = {
    "score": (F("score"), lambda key: key.desc(nulls_last=True)),
    "rag": (plan_rag(ranked=True), lambda key: key.asc(nulls_last=True)),
    "phase": (Case(*(When(phase=phase, then=Value(rank)) for phase, rank in _PHASE_RANK.items())),
              lambda key: key.asc(nulls_first=True)),
    "status": (Case(When(is_approved=True, then=Value(0)), default=Value(2)),
               lambda key: Coalesce(key, Value(1)).asc()),
    "incomplete": (F("sections_incomplete"), lambda key: key.desc(nulls_last=True)),
}


def authority_school_rows(*, authority, schools, year: int, sort: str = "name", descending: bool = False):
    """``schools`` (``authority_schools``, filtered) as values (pk, name, kind) in the order of
    column ``sort``: sorted in SQL, so the page's slice reads its rows only; a column other than
    the name sorts on its value in the school's plan this year (a correlated lookup on the plan's
    unique organisation and year). Their plans: ``authority_plan_summaries``."""
    ordering = [Lower("name").asc(), "name", "pk"]
    if sort in AUTHORITY_SORTS:
        expression, order = AUTHORITY_SORTS[sort]
        why = "each listed school's own plan (correlated to the school row, one of the authority's schools)"
        plan = CareersPlan.objects.system(why).filter(organisation_id=OuterRef("pk"), academic_year=year)
        key = order(Subquery(plan.annotate(key=expression).values("key")[:1], output_field=IntegerField()))
        ordering.insert(0, key.reverse_ordering() if descending else key)
    elif descending:
        ordering[0] = Lower("name").desc()
    return schools.order_by(*ordering).values("pk", "name", "kind")


def authority_plan_summaries(*, authority, school_ids, years):
    """The stored summaries of the plans of ``school_ids`` (the rows a page shows) for ``years``:
    organisation, year, id, phase, score, sections incomplete, approved and RAG — one query, an
    index lookup a school and year."""
    return (authority_plans(authority=authority, years=years, school_ids=school_ids).order_by()
            .annotate(rag=plan_rag())
            .values("organisation_id", "academic_year", "pk", "phase", "score", "sections_incomplete",
                    "is_approved", "rag"))


def authority_rag_counts(*, authority, school_ids, years):
    """Plans per academic year and RAG of the authority's schools: GROUP BY in SQL, a row per
    year and RAG present (``academic_year``, ``rag``, ``n``)."""
    return (authority_plans(authority=authority, years=years, school_ids=school_ids).order_by()
            .annotate(rag=plan_rag()).values("academic_year", "rag").annotate(n=Count("pk")))


def approval_deadline(*, authority, academic_year):
    return ApprovalDeadline.objects.for_org(authority).filter(academic_year=academic_year).first()


def score_changes_count(*, plan) -> int:
    return ScoreChange.objects.for_org(plan.organisation_id).filter(plan=plan).count()


def review_comments(*, plan):
    return ReviewComment.objects.for_org(plan.organisation_id).filter(plan=plan)


# --- Recommendations (issue 15) ---------------------------------------------------------------
def plan_recommendations(*, plan):
    return (Recommendation.objects.for_org(plan.organisation_id).filter(plan=plan)
            .select_related("authority", "created_by", "responded_by"))


def recommendation_get(*, org, plan, recommendation_id: int):
    """404 for a recommendation that does not exist, is another plan's or another school's."""
    return get_object_or_404(Recommendation.objects.for_org(org).filter(plan=plan), pk=recommendation_id)


def authority_recommendations(*, authority):
    """The recommendations this authority made on its schools' plans (schools still its own),
    soonest due first (``filters.RecommendationFilterSet`` narrows them by status)."""
    child_ids = authority_school_ids(authority=authority)
    return (Recommendation.objects.for_orgs(child_ids).filter(authority=authority)
            .select_related("organisation", "plan").order_by("due_on", "pk"))


def authority_recommendation_get(*, authority, recommendation_id: int):
    return get_object_or_404(authority_recommendations(authority=authority), pk=recommendation_id)


# --- Published careers programme ----------------------------------------------------------------
def programme_get(*, org) -> PublishedProgramme:
    programme, _ = PublishedProgramme.objects.for_org(org).get_or_create(organisation=org)
    return programme


def programme_published(*, org_slug: str) -> tuple[Organisation, PublishedProgramme]:
    """The published programme of the organisation with ``org_slug``, for the public page;
    404 when it does not exist or has never been published."""
    organisation = get_object_or_404(Organisation.objects.all(), slug=org_slug)
    programme = rls.bearer_get(lambda: PublishedProgramme.objects.for_org(organisation)
                               .filter(published_at__isnull=False).first(), grant="a published careers programme")
    if programme is None:
        raise Http404("No published programme")
    return organisation, programme


def programme_rows(*, plan):
    """The plan's rows with something planned: the ones a lead can choose to publish."""
    return (PlanRow.objects.for_org(plan.organisation_id).filter(plan=plan).exclude(planned="")
            .select_related("template_row__section"))
