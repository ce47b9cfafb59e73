"""The learner's progress file (PDF): the whole record the VIEWER may see, decided by the one
permission function (``learners.permissions``: ``audience_q``/``can_see_sensitive``), so a
parent's copy never holds a staff-only record and the learner's own copy never holds another
person's restricted note.

In order: a plain-language summary page, the contents, the starting point (Stage 1; sensitive
parts only where allowed, the read audited), each plan section (goal, targets and their history,
signatures), the learning journey, the learning log (each entry's text; recordings and photos are
mentioned), concerns, subject reports and the tracking table, then what the other apps add
through their ``progress_file_sections`` hook (reviews from keyworkers; guidance records, action
plans and destinations from guidance), and past plans.

A feature app contributes with a ``progress_file_sections.py`` module holding
``sections(*, plan, viewer) -> list[Section]`` (its records the viewer may see, in a fixed number
of queries) and ``fingerprint_annotations(*, org_id) -> dict`` (subqueries over the ``Plan`` row
summarising those records, so that a change to them renders the file again)."""

from __future__ import annotations

from dataclasses import dataclass, field

from plp_portal import clock
from django.utils.text import slugify
from django.db.models import Count, Q
from django.contrib.auth import get_user_model

from plp_portal.hooks import app_hook_modules
from plp_portal.pdf import render_pdf
from plp_portal.pdfs.views import pdf_document_response

from . import selectors, services
from .choices import TargetStatus, TargetTerm
from .permissions import PlanViewer, audience_q
from .models import Plan

SECTIONS_HOOK = "progress_file_sections"


@dataclass
class Section:
    """One section another app adds to the progress file: its ``template`` is included with
    ``section`` in the context (``section.items`` etc.). ``anchor`` is the id of its ``<h2>``
    (the contents link to it; the heading is a PDF bookmark). ``order`` places it among the
    other apps' sections (smaller first)."""

    anchor: str
    title: str
    template: str
    order: int = 100
    summary: str = ""  # one plain-language sentence for the summary page ("" for none)
    items: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)


def app_sections(*, plan, viewer: PlanViewer) -> list[Section]:
    sections: list[Section] = []
    for module in app_hook_modules(SECTIONS_HOOK):
        sections.extend(module.sections(plan=plan, viewer=viewer))
    return sorted(sections, key=lambda s: (s.order, s.anchor))


def app_fingerprint_annotations(*, org_id: int) -> dict:
    annotations: dict = {}
    for module in app_hook_modules(SECTIONS_HOOK):
        annotations.update(module.fingerprint_annotations(org_id=org_id))
    return annotations


def _past_plans(*, plan, viewer: PlanViewer):
    """The learner's other plans the viewer may open — the learner: all their own, in every
    organisation they have been enrolled in; the staff side: the learner's other plans in this
    organisation; a grantee: the other plans shared with them — with target counts (one query)."""
    if viewer.is_learner:
        plans = selectors.my_plans(user=plan.profile.user)
    elif viewer.is_staff_side:
        plans = Plan.objects.for_org(plan.organisation_id).filter(profile_id=plan.profile_id)
    elif viewer.is_grantee:
        plans = selectors.plans_shared_with(user=_user_with_id(viewer.user_id)).filter(profile__user_id=plan.profile.user_id)
    else:
        return []
    visible = audience_q(viewer, prefix="targets__")
    return list(
        plans.exclude(pk=plan.pk).select_related("organisation")
        .annotate(targets_n=Count("targets", filter=visible & ~Q(targets__status=TargetStatus.WITHDRAWN)),
                  achieved_n=Count("targets", filter=visible & Q(targets__status=TargetStatus.ACHIEVED)))
        .order_by("-starts_on", "-pk")
    )


def _user_with_id(user_id: int):
    """``plans_shared_with`` takes a user; the viewer knows only the id (no query needed)."""
    return get_user_model()(pk=user_id)


def _summary(*, detail, viewer, targets, sections, profile) -> dict:
    """The plain-language first page: short sentences from what the file holds."""
    counted = [t for t in targets if t.status != TargetStatus.WITHDRAWN]
    achieved = [t for t in counted if t.status == TargetStatus.ACHIEVED]
    open_short = sorted((t for t in counted if t.term == TargetTerm.SHORT
                         and t.status not in (TargetStatus.ACHIEVED,)), key=lambda t: (t.due_on, t.pk))
    return {
        "for_learner": viewer.is_learner,
        "name": profile.user.display_name,
        "goal": detail.long_term_goal,
        "destination": detail.anticipated_destination,
        "achieved": len(achieved), "total": len(counted),
        "next_steps": open_short[:3],
        "key_worker": profile.key_worker.display_name if profile.key_worker_id else "",
        "lines": [s.summary for s in sections if s.summary],
    }


def progress_file_context(*, plan, viewer: PlanViewer, request=None, actor=None) -> dict:
    """Everything the progress file shows for ``viewer``, in a fixed number of queries whatever
    the number of targets, entries, reviews or records (prefetched, never one query a row)."""
    detail = selectors.plan_detail(plan=plan, viewer=viewer)
    profile = detail.profile
    sensitive = services.profile_sensitive_read(
        profile=profile, viewer=viewer, actor=actor or getattr(request, "user", None), request=request)
    targets = detail.visible_targets
    by_pk = {t.pk: t for t in targets}
    for target in targets:
        target.history = list(target.progress.all())
        target.parent_visible = by_pk.get(target.parent_id)
    signatures = list(detail.signatures.all())
    log_entries = list(
        selectors.log_entries_for(plan=detail, viewer=viewer).order_by("written_on", "pk"))
    sections = app_sections(plan=detail, viewer=viewer)
    context = {
        "plan": detail,
        "profile": profile,
        "viewer": viewer,
        "stage_one": viewer.is_learner or viewer.is_staff_side,
        "targets": targets,
        "long_term_targets": [t for t in targets if t.term == TargetTerm.LONG],
        "short_term_targets": [t for t in targets if t.term != TargetTerm.LONG],
        "signatures": signatures,
        "narrative": list(selectors.narrative_for(plan=detail, viewer=viewer)),
        "log_entries": log_entries,
        "log_summary": selectors.log_summary(plan=detail, viewer=viewer),
        "contributions": selectors.contributions_for(plan=detail, viewer=viewer),
        "concerns": list(selectors.concerns_for(plan=detail, viewer=viewer).order_by("created_at", "pk")),
        "tracking": list(selectors.tracking_table(plan=detail, viewer=viewer)),
        "reports": list(selectors.subject_reports_for(plan=detail, viewer=viewer)),
        "sensitive": sensitive,
        "app_sections": sections,
        "past_plans": _past_plans(plan=detail, viewer=viewer),
        "generated_on": clock.today(),
    }
    context["summary"] = _summary(detail=detail, viewer=viewer, targets=targets, sections=sections, profile=profile)
    return context


def progress_file_pdf(*, plan, viewer: PlanViewer, request=None, actor=None) -> bytes:
    """The PDF bytes. Rendered by the workers (``learners.pdf_renders``); ``actor`` is the person
    it is rendered for, whose read of the sensitive fields is audited."""
    context = progress_file_context(plan=plan, viewer=viewer, request=request, actor=actor)
    return render_pdf("learners/pdf/progress_file.html", context)


def progress_file_name(plan) -> str:
    return (slugify(f"progress-file-{plan.profile.user.display_name}") or "progress-file") + ".pdf"


def progress_file_view(request, *, plan, viewer, url_name: str, url_kwargs: dict, back_url: str,
                       back_label: str, render_id: int | None = None, download: bool = False,
                       kind: str | None = None, audience: str | None = None):
    """The three answers of a progress-file URL (``url_name``, ``url_name``_status,
    ``url_name``_download), after the calling view has checked access with its own helper:
    queue or find the render, its "Preparing your PDF…" page, or the file. Another app's kind
    of progress file (the partner adviser's, guidance) passes its ``kind`` and ``audience``."""
    from .pdf_renders import PROGRESS_FILE, progress_file_audience

    return pdf_document_response(
        request, org=plan.organisation_id, kind=kind or PROGRESS_FILE, object_id=plan.pk,
        audience=audience or progress_file_audience(viewer), url_name=url_name, url_kwargs=url_kwargs,
        render_id=render_id, download=download, filename=progress_file_name(plan), title="Progress file (PDF)",
        back_url=back_url, back_label=back_label)
