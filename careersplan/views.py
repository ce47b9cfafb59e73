import csv
from types import SimpleNamespace
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from plp_portal import clock
from plp_portal.audit.services import audit_log
from plp_portal.organisations.choices import Role
from plp_portal.organisations.permissions import org_role_required, public_view
from plp_portal.uploads import serve_upload
from plp_portal.urlpaths import row_url

from . import dashboard, feedback, phases, selectors, services
from .pdf import plan_pdf_view
from .choices import AIM_DESCRIPTIONS, IlpAnswer, Phase
from .filters import AuthorityFilterSet, RecommendationFilterSet
from .forms import (
    ApprovalForm,
    ChecklistForm,
    DeadlineForm,
    EvidenceForm,
    IlpAssessmentForm,
    PlanCreateForm,
    ProgrammeForm,
    RecommendationAnswerForm,
    RecommendationForm,
    ReviewerGrantForm,
    RowForm,
    TemplateChecklistForm,
    TemplateSectionForm,
)
from .lookups import careers_plan_for_request
from .permissions import AUTHORITY, PLAN_EDITORS, PLAN_READERS, can_edit_plan


def _plan_url(plan, name="careersplan:plan", **kwargs):
    return reverse(name, kwargs={"org_slug": plan.organisation.slug, "plan_id": plan.pk,
                                 **kwargs})


def _editable_columns(request, plan) -> set:
    if not can_edit_plan(request.membership):
        return set()
    return phases.EDITABLE[Phase(plan.phase)]


# --- Index and plan -------------------------------------------------------------------------------
@org_role_required(Role.CAREERS_LEAD, Role.LA_OFFICER, Role.ORG_ADMIN)
def index(request):
    """The careers plan entry of the menu: the authority dashboard for an LA officer, this
    year's plan (or creating it) for the school's careers lead and admin."""
    if request.membership.role == Role.LA_OFFICER:
        return redirect("careersplan:authority", org_slug=request.org.slug)
    today = clock.today(request.org)
    year = clock.academic_year_of(today)
    plans = list(selectors.plan_list(org=request.org))
    current = next((p for p in plans if p.academic_year == year), None)
    creatable = [y for y in (year, phases.planning_year_of(today))
                 if not any(p.academic_year == y for p in plans)]
    summary = selectors.checklist_summary(plan=current) if current else None
    return render(request, "careersplan/index.html", {
        "plans": plans, "current": current, "year_label": clock.academic_year_label(year),
        "creatable": sorted(set(creatable)), "summary": summary,
        "can_edit": can_edit_plan(request.membership),
        "assessments": selectors.ilp_assessment_list(org=request.org)[:5],
    })


@org_role_required(*PLAN_EDITORS)
def plan_create(request):
    today = clock.today(request.org)
    years = sorted({clock.academic_year_of(today), phases.planning_year_of(today)})
    form = PlanCreateForm(request.POST or None, org=request.org, years=years)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(org=request.org, by=request.user, request=request,
                                        academic_year=form.cleaned_data["academic_year"])
        except services.PlanError as error:
            form.add_error("academic_year", str(error))
        else:
            note = " Last year's actions for next year are in the Planned column." \
                if plan.rolled_forward_from_id else ""
            messages.success(request, f"Annual careers plan {plan.year_label} created.{note}")
            return redirect(_plan_url(plan))
    return render(request, "careersplan/plan_create.html", {"form": form})


def _plan_context(request, plan, *, read_only=False):
    sections = selectors.plan_sections(plan=plan, with_comments=True)
    return {
        "plan": plan,
        "sections": sections,
        "summary": selectors.checklist_summary(plan=plan),
        "approval": selectors.approval_of(plan=plan),
        "can_edit": can_edit_plan(request.membership) and not read_only,
        "next_phase": phases.next_phase(plan.phase),
        "can_advance": phases.can_advance(academic_year=plan.academic_year, phase=plan.phase,
                                          today=clock.today(request.org)),
    }


@org_role_required(*PLAN_READERS)
def plan_detail(request, plan_id):
    plan = careers_plan_for_request(request, plan_id)
    context = _plan_context(request, plan)
    context["grants"] = list(selectors.reviewer_grants(org=request.org, plan=plan))
    context["recommendations"] = list(selectors.plan_recommendations(plan=plan))
    return render(request, "careersplan/plan_detail.html", context)


@org_role_required(*PLAN_EDITORS)
def plan_phase(request, plan_id):
    plan = careers_plan_for_request(request, plan_id)
    target = phases.next_phase(plan.phase)
    if request.method == "POST":
        try:
            services.plan_advance_phase(org=request.org, plan=plan, by=request.user,
                                        today=clock.today(request.org), request=request)
        except services.PlanError as error:
            messages.error(request, str(error))
        else:
            phase = plan.get_phase_display().lower()
            messages.success(request, f"The plan is now in its {phase} phase.")
        return redirect(_plan_url(plan))
    return render(request, "careersplan/plan_phase.html", {
        "plan": plan, "target": Phase(target).label if target else None,
        "can_advance": phases.can_advance(academic_year=plan.academic_year, phase=plan.phase,
                                          today=clock.today(request.org)),
        "starts_on": phases.phase_starts_on(plan.academic_year, target) if target else None,
    })


# --- Sections and rows ------------------------------------------------------------------------
def _section_view(plan, section_id):
    sections = selectors.plan_sections(plan=plan, with_comments=True)
    for index, view in enumerate(sections):
        if view.section.pk == section_id:
            return view, sections, index
    raise Http404("No such section")


def _row_forms(request, plan, view, *, bound=None):
    editable = _editable_columns(request, plan)
    forms = []
    for row in view.rows:
        if bound is not None and bound[0].row.pk == row.pk:
            forms.append(bound)
            continue
        forms.append((RowForm(org=request.org, row=row, editable=editable),
                      EvidenceForm(org=request.org, row=row), None))
    return forms


def _render_section(request, plan, section_id, *, bound=None):
    """The section page; a refused save shows it again (200) with the problem and the text."""
    view, sections, index = _section_view(plan, section_id)
    entries = _row_forms(request, plan, view, bound=bound)
    if view.section.title == "Annual Review":  # the views of each audience beside its row (issue 15)
        summary = feedback.review_summary(plan=plan)
        for form, _evidence_form, _conflict in entries:
            form.row.feedback = summary.get(form.row.template_row.label)
    return render(request, "careersplan/section.html", {
        "plan": plan, "view": view, "sections": sections,
        "previous": sections[index - 1] if index > 0 else None,
        "next": sections[index + 1] if index + 1 < len(sections) else None,
        "entries": entries, "is_review": view.section.title == "Annual Review",
        "can_edit": can_edit_plan(request.membership),
        "evidence_open": "evidence" in _editable_columns(request, plan),
        "aims": AIM_DESCRIPTIONS,
    })


@org_role_required(*PLAN_READERS)
def section_detail(request, plan_id, section_id):
    plan = careers_plan_for_request(request, plan_id)
    return _render_section(request, plan, section_id)


def _plan_row(request, plan_id, row_id):
    """The plan, one of its rows and the address of the row in its section."""
    plan = careers_plan_for_request(request, plan_id)
    row = selectors.plan_row_get(org=request.org, plan=plan, row_id=row_id)
    return plan, row, _plan_url(plan, "careersplan:section", section_id=row.template_row.section_id) + f"#row-{row.pk}"


@org_role_required(*PLAN_EDITORS)
def row_save(request, plan_id, row_id):
    """Save one row. With htmx (autosave), answers the row's form fragment; without
    JavaScript, redirects back to the section (or shows it again with the problem)."""
    plan, row, section_url = _plan_row(request, plan_id, row_id)
    if request.method != "POST":
        return redirect(section_url)
    editable = _editable_columns(request, plan)
    form = RowForm(request.POST, org=request.org, row=row, editable=editable)
    conflict = None
    saved = False
    if form.is_valid():
        try:
            row = services.plan_row_save(
                org=request.org, row=row, version=form.cleaned_data["version"],
                by=request.user, request=request,
                planned=form.cleaned_data.get("planned") if "planned" in form.fields else None,
                actions_next_year=form.cleaned_data.get("actions_next_year")
                if "actions_next_year" in form.fields else None,
            )
            saved = True
        except services.StaleRowError as stale:
            conflict = stale.current
            data = request.POST.copy()
            data[form.add_prefix("version")] = conflict.version
            form = RowForm(data, org=request.org, row=row, editable=editable)
            form.is_valid()
            form.add_error(None, "Someone else saved this row while you were editing it. "
                                 "Your text is kept below; check their version, then save "
                                 "again to replace it.")
        except services.PlanError as error:
            form.add_error(None, str(error))
    if saved and not request.htmx:
        messages.success(request, f"Saved “{row.template_row.label}”.")
        return redirect(section_url)
    if saved:
        form = RowForm(org=request.org, row=row, editable=editable)
    if request.htmx:
        # 200 even for a refusal: htmx swaps only successful responses, and the fragment is
        # what shows the person the problem (and keeps their text).
        return render(request, "careersplan/partials/row_form.html", {
            "plan": plan, "row": row, "form": form, "conflict": conflict, "saved": saved,
        })
    return _render_section(
        request, plan, row.template_row.section_id,
        bound=(form, EvidenceForm(org=request.org, row=row), conflict),
    )


@org_role_required(*PLAN_EDITORS)
def evidence_add(request, plan_id, row_id):
    plan, row, section_url = _plan_row(request, plan_id, row_id)
    if request.method != "POST":
        return redirect(section_url)
    form = EvidenceForm(request.POST, request.FILES, org=request.org, row=row)
    if form.is_valid():
        try:
            services.evidence_add(org=request.org, row=row, by=request.user, request=request,
                                  text=form.cleaned_data["text"],
                                  upload=form.cleaned_data["file"])
        except ValidationError as error:
            form.add_error("file", error.messages[0])
        except services.PlanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Evidence added to “{row.template_row.label}”.")
            return redirect(section_url)
    editable = _editable_columns(request, plan)
    return _render_section(
        request, plan, row.template_row.section_id,
        bound=(RowForm(org=request.org, row=row, editable=editable), form, None))


@org_role_required(*PLAN_READERS)
def evidence_download(request, plan_id, evidence_id):
    plan = careers_plan_for_request(request, plan_id)
    evidence = selectors.evidence_get(org=request.org, evidence_id=evidence_id)
    if evidence.row.plan_id != plan.pk or not evidence.file:
        raise Http404("No such file")
    audit_log("careersplan.evidence_downloaded", request=request, obj=evidence)
    return serve_upload(evidence.file, content_type=evidence.content_type,
                        download_name=evidence.original_name or "evidence")


@org_role_required(*PLAN_EDITORS)
def evidence_delete(request, plan_id, evidence_id):
    plan = careers_plan_for_request(request, plan_id)
    evidence = selectors.evidence_get(org=request.org, evidence_id=evidence_id)
    if evidence.row.plan_id != plan.pk:
        raise Http404("No such evidence")
    section_url = _plan_url(plan, "careersplan:section",
                            section_id=evidence.row.template_row.section_id)
    if request.method == "POST":
        services.evidence_delete(org=request.org, evidence=evidence, by=request.user,
                                 request=request)
        messages.success(request, "Evidence removed.")
        return redirect(section_url)
    return render(request, "careersplan/evidence_delete.html",
                  {"plan": plan, "evidence": evidence, "back": section_url})


# --- Checklist and approval ----------------------------------------------------------------
@org_role_required(*PLAN_READERS)
def checklist(request, plan_id):
    """The checklist: nothing is saved until "Save the checklist" is pressed, and one save is
    one event of the score history (ticking with JavaScript only previews the score)."""
    plan = careers_plan_for_request(request, plan_id)
    summary = selectors.checklist_summary(plan=plan)
    can_edit = can_edit_plan(request.membership)
    form = ChecklistForm(request.POST or None, summary=summary)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Only the careers lead can change the checklist.")
        if form.is_valid():
            change = services.checklist_save(org=request.org, plan=plan, by=request.user,
                                             changes=form.changes(today=clock.today(request.org)),
                                             request=request)
            summary = selectors.checklist_summary(plan=plan)
            score = f"{summary.score} of {summary.total}, {summary.rag_label}"
            messages.success(request, f"Checklist saved: {score}." if change else
                             f"Checklist saved. No ticks changed: the score is still {score}.")
            return redirect(_plan_url(plan, "careersplan:checklist"))
    saved = summary
    if form.is_bound:  # refused: the score of the ticks on the page, marked not saved
        summary = selectors.checklist_preview(plan=plan, summary=saved,
                                              ticked_item_ids=form.ticked_item_ids())
    return render(request, "careersplan/checklist.html", {
        "plan": plan, "summary": summary, "saved": saved, "form": form, "can_edit": can_edit,
        "approval": selectors.approval_of(plan=plan),
        "history": list(selectors.score_history(plan=plan)),
        "bands": plan.template.rag_bands(summary.total),
        "student_responses": feedback.student_responses(plan=plan),
        "review_section_id": feedback.review_section_id(plan=plan),
    })


@org_role_required(*PLAN_EDITORS)
@require_POST
def checklist_preview(request, plan_id):
    """The score the ticks on the page would give (htmx, as the lead ticks): the text inside
    the page's live region. Writes nothing."""
    plan = careers_plan_for_request(request, plan_id)
    saved = selectors.checklist_summary(plan=plan)
    form = ChecklistForm(request.POST, summary=saved)
    form.is_valid()
    preview = selectors.checklist_preview(plan=plan, summary=saved,
                                          ticked_item_ids=form.ticked_item_ids())
    return render(request, "careersplan/partials/score_text.html",
                  {"summary": preview, "saved": saved})


@org_role_required(*PLAN_EDITORS)
def approval(request, plan_id):
    plan = careers_plan_for_request(request, plan_id)
    current = selectors.approval_of(plan=plan)
    initial = {"approved_on": current.approved_on, "minute_reference": current.minute_reference} \
        if current else {}
    form = ApprovalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.approval_record(org=request.org, plan=plan, by=request.user,
                                     request=request, **form.cleaned_data)
        except services.PlanError as error:
            form.add_error("approved_on", str(error))
        else:
            messages.success(request,
                             "Governing body approval recorded; checklist item 4 is ticked.")
            return redirect(_plan_url(plan, "careersplan:checklist"))
    return render(request, "careersplan/approval.html",
                  {"plan": plan, "form": form, "current": current})


@org_role_required(*PLAN_EDITORS)
def approval_remove(request, plan_id):
    plan = careers_plan_for_request(request, plan_id)
    current = selectors.approval_of(plan=plan)
    if current is None:
        raise Http404("No approval recorded")
    if request.method == "POST":
        services.approval_remove(org=request.org, plan=plan, by=request.user, request=request)
        messages.success(request, "Approval record removed; checklist item 4 is unticked.")
        return redirect(_plan_url(plan, "careersplan:checklist"))
    return render(request, "careersplan/approval_remove.html", {"plan": plan, "current": current})


# --- Reviewers -------------------------------------------------------------------------------
@org_role_required(*PLAN_EDITORS)
def reviewers(request, plan_id):
    plan = careers_plan_for_request(request, plan_id)
    form = ReviewerGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.reviewer_grant(org=request.org, plan=plan, by=request.user,
                                            today=clock.today(request.org), request=request, **form.cleaned_data)
        except services.PlanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{grant.reviewer.email} can review this plan until "
                                      f"{grant.expires_on:%-d %B %Y}.")
            return redirect(_plan_url(plan, "careersplan:reviewers"))
    return render(request, "careersplan/reviewers.html", {
        "plan": plan, "form": form, "today": clock.today(request.org),
        "grants": list(selectors.reviewer_grants(org=request.org, plan=plan)),
        "comments": list(selectors.comments_of(plan=plan)),
    })


@org_role_required(*PLAN_EDITORS)
def reviewer_revoke(request, plan_id, grant_id):
    plan = careers_plan_for_request(request, plan_id)
    grant = selectors.reviewer_grant_get(org=request.org, plan=plan, grant_id=grant_id)
    if request.method == "POST":
        services.reviewer_revoke(org=request.org, grant=grant, by=request.user, request=request)
        messages.success(request, f"{grant.reviewer.email} can no longer review this plan.")
        return redirect(_plan_url(plan, "careersplan:reviewers"))
    return render(request, "careersplan/reviewer_revoke.html", {"plan": plan, "grant": grant})


# --- PDF (rendered by the workers: careersplan/pdf.py) ---------------------------------------
@org_role_required(*PLAN_READERS)
def plan_pdf(request, plan_id, render_id=None, download=False):
    plan = careers_plan_for_request(request, plan_id)
    return plan_pdf_view(request, plan=plan, url_name="careersplan:pdf",
                         url_kwargs={"org_slug": request.org.slug, "plan_id": plan.pk},
                         render_id=render_id, download=download,
                         back_url=_plan_url(plan), back_label="Back to the plan")


# --- ILP self-assessment ----------------------------------------------------------------------
@org_role_required(*PLAN_READERS)
def ilp_index(request):
    today = clock.today(request.org)
    year = clock.academic_year_of(today)
    assessments = list(selectors.ilp_assessment_list(org=request.org))
    if request.method == "POST":
        if not can_edit_plan(request.membership):
            raise PermissionDenied("Only the careers lead can start a self-assessment.")
        try:
            assessment = services.ilp_assessment_create(org=request.org, academic_year=year,
                                                        by=request.user, request=request)
        except services.PlanError as error:
            messages.error(request, str(error))
            return redirect("careersplan:ilp", org_slug=request.org.slug)
        return redirect("careersplan:ilp_assessment", org_slug=request.org.slug,
                        assessment_id=assessment.pk)
    return render(request, "careersplan/ilp_index.html", {
        "assessments": assessments, "year_label": clock.academic_year_label(year),
        "has_current": any(a.academic_year == year for a in assessments),
        "can_edit": can_edit_plan(request.membership),
    })


@org_role_required(*PLAN_READERS)
def ilp_assessment(request, assessment_id):
    assessment = selectors.ilp_assessment_get(org=request.org, assessment_id=assessment_id)
    sections, answers = selectors.ilp_sections(assessment=assessment)
    can_edit = can_edit_plan(request.membership)
    form = IlpAssessmentForm(request.POST or None, sections=sections, answers=answers)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Only the careers lead can answer the checklist.")
        if form.is_valid():
            services.ilp_answers_save(org=request.org, assessment=assessment,
                                      answers=form.answers(), by=request.user, request=request)
            messages.success(request, "Self-assessment saved.")
            return redirect("careersplan:ilp_assessment", org_slug=request.org.slug,
                            assessment_id=assessment.pk)
    priorities = [(section.title, row.label) for section in sections
                  for row in section.rows.all() if answers.get(row.pk) == IlpAnswer.PRIORITY]
    answered = len(answers)
    total = sum(len(s.rows.all()) for s in sections)
    return render(request, "careersplan/ilp_assessment.html", {
        "assessment": assessment, "form": form, "priorities": priorities,
        "answered": answered, "total": total, "can_edit": can_edit,
    })


# --- Authority --------------------------------------------------------------------------------
def _authority_rows(request):
    """The dashboard's filtered rows in the chosen order (a queryset: the page slices it), from
    one read of the authority's schools (the grant) and this year's approval deadline."""
    today = clock.today(request.org)
    year = clock.academic_year_of(today)
    deadline = selectors.approval_deadline(authority=request.org, academic_year=year)
    deadline_passed = bool(deadline and deadline.approve_by < today)
    school_ids = selectors.authority_school_ids(authority=request.org)
    filterset = AuthorityFilterSet(request.GET or None, org=request.org, year=year, school_ids=school_ids,
                                   deadline_passed=deadline_passed,
                                   queryset=selectors.authority_schools(authority=request.org, school_ids=school_ids))
    sort, descending = filterset.choice("sort", "name"), filterset.choice("dir") == "desc"
    rows = selectors.authority_school_rows(authority=request.org, schools=filterset.qs, year=year, sort=sort,
                                           descending=descending)
    return SimpleNamespace(year=year, deadline=deadline, deadline_passed=deadline_passed, school_ids=school_ids,
                           filterset=filterset, sort=sort, descending=descending, rows=rows)


@org_role_required(*AUTHORITY)
def authority(request):
    view = _authority_rows(request)
    filterset, year = view.filterset, view.year
    audit_log("careersplan.authority_dashboard_viewed", request=request)
    narrowing = filterset.narrowing()
    columns = [("name", "School or college"), ("status", "Approval"), ("phase", "Phase"),
               ("score", "Score this year"), ("rag", "RAG this year"),
               ("incomplete", "Sections incomplete")]
    # A page of schools at a time (issue 19): a county's authority has a hundred and more.
    page = Paginator(view.rows, 25).get_page(request.GET.get("page"))
    chart = dashboard.chart(authority=request.org, school_ids=view.school_ids, year=year)
    return render(request, "careersplan/authority.html", {
        "year_label": clock.academic_year_label(year),
        "last_year_label": clock.academic_year_label(year - 1),
        "lines": dashboard.lines(page.object_list, authority=request.org, year=year,
                                 deadline_passed=view.deadline_passed, plan_url=row_url(
                                     "careersplan:authority_plan", "plan_id", org_slug=request.org.slug)),
        "page": page, "matching": page.paginator.count, "total": len(view.school_ids), "chart": chart,
        "svg": dashboard.chart_svg_bars(chart), "filterset": filterset, "sort": view.sort,
        "descending": view.descending, "base_query": urlencode(narrowing), "columns": columns,
        "deadline": view.deadline, "deadline_form": DeadlineForm(
            year=year, initial={"approve_by": view.deadline.approve_by} if view.deadline else None),
        "download_filters": [*narrowing.items(), *(
            (name, filterset.choice(name)) for name in ("sort", "dir") if filterset.choice(name))],
    })


@org_role_required(*AUTHORITY)
def authority_csv(request):
    view = _authority_rows(request)
    audit_log("careersplan.authority_export", request=request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="careers-plans-{view.year}.csv"'
    writer = csv.writer(response)
    writer.writerow(["School or college", "Kind", "Plan", "Phase", "Score", "RAG",
                     "Score last year", "RAG last year", "Approved", "Sections incomplete"])
    for line in dashboard.lines(view.rows, authority=request.org, year=view.year, deadline_passed=view.deadline_passed):
        writer.writerow([
            _csv_safe(line.name), line.kind, "yes" if line.plan_id else "no", line.phase,
            "" if line.score is None else line.score, line.rag_label,
            "" if line.last_score is None else line.last_score, line.last_rag_label,
            "yes" if line.is_approved else "no",
            "" if line.sections_incomplete is None else line.sections_incomplete,
        ])
    return response


def _csv_safe(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


@org_role_required(*AUTHORITY)
def authority_deadline(request):
    year = clock.academic_year_of(clock.today(request.org))
    form = DeadlineForm(request.POST or None, year=year)
    if request.method == "POST" and form.is_valid():
        services.approval_deadline_set(authority=request.org, academic_year=year,
                                       approve_by=form.cleaned_data["approve_by"],
                                       by=request.user, request=request)
        messages.success(request, "Approval deadline saved; careers leads are reminded after it.")
        return redirect("careersplan:authority", org_slug=request.org.slug)
    return render(request, "careersplan/authority_deadline.html",
                  {"form": form, "year_label": clock.academic_year_label(year)})


@org_role_required(*AUTHORITY)
def authority_plan(request, plan_id):
    plan = careers_plan_for_request(request, plan_id, need="authority")
    audit_log("careersplan.authority_plan_viewed", request=request, obj=plan)
    context = _plan_context(request, plan, read_only=True)
    context["organisation"] = plan.organisation
    return render(request, "careersplan/plan_readonly.html", {
        **context, "pdf_url": reverse("careersplan:authority_plan_pdf",
                                      kwargs={"org_slug": request.org.slug, "plan_id": plan.pk}),
        "recommendations": list(selectors.plan_recommendations(plan=plan)),
        "recommend_url": reverse("careersplan:authority_recommendation_new",
                                 kwargs={"org_slug": request.org.slug, "plan_id": plan.pk}),
        "back_url": reverse("careersplan:authority", kwargs={"org_slug": request.org.slug}),
        "back_label": "Back to the authority dashboard",
    })


@org_role_required(*AUTHORITY)
def authority_plan_pdf(request, plan_id, render_id=None, download=False):
    plan = careers_plan_for_request(request, plan_id, need="authority")
    kwargs = {"org_slug": request.org.slug, "plan_id": plan.pk}
    return plan_pdf_view(request, plan=plan, url_name="careersplan:authority_plan_pdf",
                         url_kwargs=kwargs, render_id=render_id, download=download,
                         back_url=reverse("careersplan:authority_plan", kwargs=kwargs),
                         back_label="Back to the plan")


# --- Recommendations (seed 002: the authority "recommends specific priorities for improvement") --
@org_role_required(*AUTHORITY)
def authority_recommendation_new(request, plan_id):
    plan = careers_plan_for_request(request, plan_id, need="authority")
    form = RecommendationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.recommendation_add(authority=request.org, plan=plan, by=request.user, request=request,
                                    **form.cleaned_data)
        messages.success(request, f"Recommendation recorded on {plan.organisation.name}'s plan; the careers "
                                  "lead is reminded before it is due.")
        return redirect("careersplan:authority_plan", org_slug=request.org.slug, plan_id=plan.pk)
    return render(request, "careersplan/recommendation_form.html", {"form": form, "plan": plan})


@org_role_required(*AUTHORITY)
def authority_recommendations(request):
    filterset = RecommendationFilterSet(request.GET or None, org=request.org,
                                        queryset=selectors.authority_recommendations(authority=request.org))
    page = Paginator(filterset.qs, 25).get_page(request.GET.get("page"))
    return render(request, "careersplan/authority_recommendations.html", {
        "page": page, "status": filterset.tab, "filters": filterset.TABS.items(), "today": clock.today(request.org)})


@require_POST
@org_role_required(*AUTHORITY)
def authority_recommendation_close(request, recommendation_id):
    recommendation = selectors.authority_recommendation_get(authority=request.org,
                                                            recommendation_id=recommendation_id)
    services.recommendation_close(authority=request.org, recommendation=recommendation, by=request.user,
                                  request=request)
    messages.success(request, "Recommendation closed: it is not carried into next year's plan.")
    return redirect(reverse("careersplan:authority_recommendations", kwargs={"org_slug": request.org.slug})
                    + "?status=closed")


@org_role_required(*PLAN_READERS)
def recommendation_answer(request, plan_id, recommendation_id):
    plan = careers_plan_for_request(request, plan_id)
    recommendation = selectors.recommendation_get(org=request.org, plan=plan, recommendation_id=recommendation_id)
    can_answer = can_edit_plan(request.membership) and recommendation.status != "closed"
    form = RecommendationAnswerForm(request.POST or None, initial={"response": recommendation.response})
    if request.method == "POST":
        if not can_answer:
            raise PermissionDenied("Only the careers lead answers the authority's recommendations")
        if form.is_valid():
            services.recommendation_answer(org=request.org, recommendation=recommendation, by=request.user,
                                           response=form.cleaned_data["response"], request=request)
            messages.success(request, "Answer saved; the authority sees it.")
            return redirect(_plan_url(plan) + "#recommendations")
    return render(request, "careersplan/recommendation_answer.html", {
        "plan": plan, "recommendation": recommendation, "form": form, "can_answer": can_answer})


# --- The published careers programme ------------------------------------------------------------
def _programme_plan(request):
    return selectors.plan_list(org=request.org).order_by("-academic_year").first()


@org_role_required(*PLAN_EDITORS)
def programme(request):
    """The lead's draft of the published careers programme (from the newest plan)."""
    draft = selectors.programme_get(org=request.org)
    plan = _programme_plan(request)
    if plan is None:
        return render(request, "careersplan/programme.html", {"programme": draft, "plan": None})
    rows = list(selectors.programme_rows(plan=plan))
    initial = {"rows": [str(r.pk) for r in rows if r.is_public],
               "careers_lead_name": draft.careers_lead_name or request.user.full_name,
               "careers_lead_contact": draft.careers_lead_contact,
               "how_to_get_guidance": draft.how_to_get_guidance, "next_review_on": draft.next_review_on}
    form = ProgrammeForm(request.POST or None, rows=rows, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.programme_save(org=request.org, programme=draft, plan=plan, public_row_ids=data["rows"],
                                careers_lead_name=data["careers_lead_name"],
                                careers_lead_contact=data["careers_lead_contact"],
                                how_to_get_guidance=data["how_to_get_guidance"],
                                next_review_on=data["next_review_on"], by=request.user, request=request)
        messages.success(request, "Saved. Check the preview, then publish it.")
        return redirect("careersplan:programme_preview", org_slug=request.org.slug)
    return render(request, "careersplan/programme.html", {
        "programme": draft, "plan": plan, "form": form,
        "public_url": request.build_absolute_uri(reverse("careersplan_public:programme",
                                                         kwargs={"programme_slug": request.org.slug})),
    })


@org_role_required(*PLAN_EDITORS)
def programme_preview(request):
    draft = selectors.programme_get(org=request.org)
    return render(request, "careersplan/programme_preview.html", {
        "programme": draft, "content": services.programme_snapshot(programme=draft), "school": request.org,
        "published_at": clock.now()})


@require_POST
@org_role_required(*PLAN_EDITORS)
def programme_publish(request):
    draft = selectors.programme_get(org=request.org)
    try:
        services.programme_publish(org=request.org, programme=draft, by=request.user, request=request)
    except services.PlanError as error:
        messages.error(request, str(error))
        return redirect("careersplan:programme", org_slug=request.org.slug)
    messages.success(request, "Published: the public page now shows this version.")
    return redirect("careersplan:programme", org_slug=request.org.slug)


@org_role_required(*PLAN_EDITORS)
def programme_unpublish(request):
    """Confirm, then take the public page down."""
    draft = selectors.programme_get(org=request.org)
    if request.method == "POST":
        services.programme_unpublish(org=request.org, programme=draft, by=request.user, request=request)
        messages.success(request, "The public page is down; your draft is kept.")
        return redirect("careersplan:programme", org_slug=request.org.slug)
    return render(request, "careersplan/programme_unpublish.html", {"programme": draft})


@public_view("a school's published careers programme: only the snapshot its lead published")
def programme_public(request, programme_slug):
    """The school's published careers programme: public, read-only, no sign-in. It renders the
    snapshot taken at publishing, never the live plan."""
    school, published = selectors.programme_published(org_slug=programme_slug)
    return render(request, "careersplan/programme_public.html", {
        "content": published.published_content, "school": school, "published_at": published.published_at})


# --- Templates (authority) ---------------------------------------------------------------------
@org_role_required(Role.LA_OFFICER, Role.CAREERS_LEAD, Role.ORG_ADMIN)
def template_list(request):
    return render(request, "careersplan/template_list.html", {
        "templates": list(selectors.template_list(org=request.org)),
        "can_adapt": request.membership.role == Role.LA_OFFICER,
    })


@org_role_required(Role.LA_OFFICER, Role.CAREERS_LEAD, Role.ORG_ADMIN)
def template_detail(request, template_id):
    template = selectors.template_get(org=request.org, template_id=template_id)
    return render(request, "careersplan/template_detail.html", {
        "template": template, "sections": selectors.template_sections(template=template),
        "items": list(template.checklist_items.all()),
        "bands": template.rag_bands(template.checklist_items.count()),
        "can_adapt": request.membership.role == Role.LA_OFFICER,
        "editable": request.membership.role == Role.LA_OFFICER
        and template.owner_id == request.org.pk and not template.is_published,
    })


@org_role_required(Role.LA_OFFICER)
@require_POST
def template_copy(request, template_id):
    template = selectors.template_get(org=request.org, template_id=template_id)
    copy = services.template_copy(authority=request.org, template=template, by=request.user,
                                  request=request)
    messages.success(request, f"Copied as {copy}. Adapt it, then publish it for your schools.")
    return redirect("careersplan:template", org_slug=request.org.slug, template_id=copy.pk)


@org_role_required(Role.LA_OFFICER)
@require_POST
def template_publish(request, template_id):
    template = selectors.template_get(org=request.org, template_id=template_id)
    try:
        services.template_publish(authority=request.org, template=template, by=request.user,
                                  request=request)
    except services.PlanError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{template} is published: your schools' new plans use it.")
    return redirect("careersplan:template", org_slug=request.org.slug, template_id=template.pk)


@org_role_required(Role.LA_OFFICER)
def template_section_edit(request, template_id, section_id):
    template = selectors.template_get(org=request.org, template_id=template_id)
    section = selectors.template_section_get(template=template, section_id=section_id)
    form = TemplateSectionForm(request.POST or None, initial={
        "title": section.title, "evidence_indicators": section.evidence_indicators,
        "rows": "\n".join(r.label for r in section.rows.all())})
    if request.method == "POST" and form.is_valid():
        try:
            services.template_section_update(
                authority=request.org, section=section, by=request.user, request=request,
                title=form.cleaned_data["title"],
                evidence_indicators=form.cleaned_data["evidence_indicators"],
                row_labels=form.cleaned_data["rows"])
        except services.PlanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Section “{section.title}” saved.")
            return redirect("careersplan:template", org_slug=request.org.slug,
                            template_id=template.pk)
    return render(request, "careersplan/template_section_edit.html",
                  {"template": template, "section": section, "form": form})


@org_role_required(Role.LA_OFFICER)
def template_checklist_edit(request, template_id):
    template = selectors.template_get(org=request.org, template_id=template_id)
    form = TemplateChecklistForm(request.POST or None, initial={
        "items": "\n".join(i.text for i in template.checklist_items.all()),
        "rag_red_max": template.rag_red_max, "rag_amber_max": template.rag_amber_max})
    if request.method == "POST" and form.is_valid():
        try:
            services.template_checklist_update(
                authority=request.org, template=template, by=request.user, request=request,
                **form.cleaned_data)
        except services.PlanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Checklist and RAG bands saved.")
            return redirect("careersplan:template", org_slug=request.org.slug,
                            template_id=template.pk)
    return render(request, "careersplan/template_checklist_edit.html",
                  {"template": template, "form": form})


