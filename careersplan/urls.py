from django.urls import path

from . import views

app_name = "careersplan"

P = "plans/<int:plan_id>/"

urlpatterns = [
    path("", views.index, name="index"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path(P, views.plan_detail, name="plan"),
    path(P + "phase/", views.plan_phase, name="phase"),
    path(P + "sections/<int:section_id>/", views.section_detail, name="section"),
    path(P + "rows/<int:row_id>/", views.row_save, name="row_save"),
    path(P + "rows/<int:row_id>/evidence/", views.evidence_add, name="evidence_add"),
    path(P + "evidence/<int:evidence_id>/", views.evidence_download, name="evidence"),
    path(P + "evidence/<int:evidence_id>/delete/", views.evidence_delete,
         name="evidence_delete"),
    path(P + "checklist/", views.checklist, name="checklist"),
    path(P + "checklist/preview/", views.checklist_preview, name="checklist_preview"),
    path(P + "approval/", views.approval, name="approval"),
    path(P + "approval/remove/", views.approval_remove, name="approval_remove"),
    path(P + "reviewers/", views.reviewers, name="reviewers"),
    path(P + "reviewers/<int:grant_id>/revoke/", views.reviewer_revoke, name="reviewer_revoke"),
    path(P + "pdf/", views.plan_pdf, name="pdf"),
    path(P + "pdf/<int:render_id>/", views.plan_pdf, name="pdf_status"),
    path(P + "pdf/<int:render_id>/plan.pdf", views.plan_pdf, {"download": True}, name="pdf_download"),
    path("ilp/", views.ilp_index, name="ilp"),
    path("ilp/<int:assessment_id>/", views.ilp_assessment, name="ilp_assessment"),
    path("authority/", views.authority, name="authority"),
    path("authority/export.csv", views.authority_csv, name="authority_csv"),
    path("authority/deadline/", views.authority_deadline, name="authority_deadline"),
    path("authority/plans/<int:plan_id>/", views.authority_plan, name="authority_plan"),
    path("authority/plans/<int:plan_id>/pdf/", views.authority_plan_pdf,
         name="authority_plan_pdf"),
    path("authority/plans/<int:plan_id>/pdf/<int:render_id>/", views.authority_plan_pdf,
         name="authority_plan_pdf_status"),
    path("authority/plans/<int:plan_id>/pdf/<int:render_id>/plan.pdf", views.authority_plan_pdf,
         {"download": True}, name="authority_plan_pdf_download"),
    path("templates/", views.template_list, name="templates"),
    path("templates/<int:template_id>/", views.template_detail, name="template"),
    path("templates/<int:template_id>/copy/", views.template_copy, name="template_copy"),
    path("templates/<int:template_id>/publish/", views.template_publish,
         name="template_publish"),
    path("templates/<int:template_id>/sections/<int:section_id>/",
         views.template_section_edit, name="template_section"),
    path("templates/<int:template_id>/checklist/", views.template_checklist_edit,
         name="template_checklist"),
]
