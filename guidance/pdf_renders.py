"""The progress file of a partner school's learner for a careers adviser of the service (the
core's ``pdf_renders`` hook, plp_portal/pdfs): the learners app's progress file, with the
adviser counted as working staff in the careers adviser role — only while the service's
partnership with the school is current, checked again in the worker."""

from __future__ import annotations

from plp_portal.pdfs.kinds import PdfKind, PdfRenderRefused
from learners.models import Plan
from learners.pdf import progress_file_pdf
from learners.permissions import plan_viewer
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Membership, Organisation
from learners.pdf_renders import progress_file_fingerprint

from .selectors import guidance_scope

PARTNER_PROGRESS_FILE = "guidance.progress_file"


def partner_audience(service) -> str:
    """Advisers of one service see the same records of a partner school's learner: one render
    per service (``PdfRender.audience``)."""
    return f"partner:{service.pk}"


def partner_progress_file_render(*, render) -> bytes:
    prefix, _, service_id = render.audience.partition(":")
    user = render.requested_by
    if prefix != "partner" or not service_id.isdigit() or user is None:
        raise PdfRenderRefused("This progress file was not asked for by a careers service.")
    service = Organisation.objects.filter(pk=int(service_id)).first()
    membership = (Membership.objects.for_org(int(service_id)).filter(user_id=user.pk, is_active=True).first()
                  if service is not None else None)
    scope = guidance_scope(org=service, membership=membership) if membership is not None else None
    if scope is None or not scope.is_service:
        raise PdfRenderRefused("You are no longer a careers adviser of the service.")
    if render.organisation_id not in scope.org_ids:
        raise PdfRenderRefused("Your careers service's partnership with the school has ended.")
    plan = (Plan.objects.for_org(render.organisation_id).select_related("profile__user", "organisation")
            .filter(pk=render.object_id).first())
    if plan is None:
        raise PdfRenderRefused("The plan no longer exists.")
    viewer = plan_viewer(plan=plan, user=user, partner_role=Role.CAREERS_ADVISER)
    return progress_file_pdf(plan=plan, viewer=viewer, actor=user)


def _fingerprint(*, org_id: int, object_id: int):
    return progress_file_fingerprint(org_id=org_id, object_id=object_id)


KINDS = [PdfKind(name=PARTNER_PROGRESS_FILE, fingerprint=_fingerprint, render=partner_progress_file_render)]
