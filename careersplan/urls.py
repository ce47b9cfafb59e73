from django.urls import include, path

from plp_portal.pdfs.views import pdf_document_paths

from . import feedback_views, views

app_name = "careersplan"

urlpatterns = [
    path("", views.index, name="index"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:plan_id>/", include([
        path("", views.plan_detail, name="plan"),
        path("phase/", views.plan_phase, name="phase"),
        path("sections/<int:section_id>/", views.section_detail, name="section"),
        path("rows/<int:row_id>/", views.row_save, name="row_save"),
        path("rows/<int:row_id>/evidence/", views.evidence_add, name="evidence_add"),
        path("evidence/<int:evidence_id>/", views.evidence_download, name="evidence"),
        path("evidence/<int:evidence_id>/delete/", views.evidence_delete, name="evidence_delete"),
        path("checklist/", views.checklist, name="checklist"),
        path("checklist/preview/", views.checklist_preview, name="checklist_preview"),
        path("approval/", views.approval, name="approval"),
        path("approval/remove/", views.approval_remove, name="approval_remove"),
        path("reviewers/", views.reviewers, name="reviewers"),
        path("reviewers/<int:grant_id>/revoke/", views.reviewer_revoke, name="reviewer_revoke"),
        *pdf_document_paths(views.plan_pdf, name="pdf", route="pdf/", renders="pdf/",
                            filename="plan.pdf"),
        path("recommendations/<int:recommendation_id>/", views.recommendation_answer,
             name="recommendation_answer"),
        path("feedback/", feedback_views.survey_list, name="surveys"),
        path("feedback/<int:survey_id>/", feedback_views.survey_detail, name="survey"),
        path("feedback/<int:survey_id>/close/", feedback_views.survey_close, name="survey_close"),
    ])),
    path("programme/", include([
        path("", views.programme, name="programme"),
        path("preview/", views.programme_preview, name="programme_preview"),
        path("publish/", views.programme_publish, name="programme_publish"),
        path("unpublish/", views.programme_unpublish, name="programme_unpublish"),
    ])),
    path("ilp/", views.ilp_index, name="ilp"),
    path("ilp/<int:assessment_id>/", views.ilp_assessment, name="ilp_assessment"),
    path("authority/", include([
        path("", views.authority, name="authority"),
        path("export.csv", views.authority_csv, name="authority_csv"),
        path("deadline/", views.authority_deadline, name="authority_deadline"),
        path("plans/<int:plan_id>/", include([
            path("", views.authority_plan, name="authority_plan"),
            path("recommendations/new/", views.authority_recommendation_new,
                 name="authority_recommendation_new"),
            *pdf_document_paths(views.authority_plan_pdf, name="authority_plan_pdf", route="pdf/",
                                renders="pdf/", filename="plan.pdf"),
        ])),
        path("recommendations/", views.authority_recommendations, name="authority_recommendations"),
        path("recommendations/<int:recommendation_id>/close/", views.authority_recommendation_close,
             name="authority_recommendation_close"),
    ])),
    path("templates/", include([
        path("", views.template_list, name="templates"),
        path("<int:template_id>/", include([
            path("", views.template_detail, name="template"),
            path("copy/", views.template_copy, name="template_copy"),
            path("publish/", views.template_publish, name="template_publish"),
            path("sections/<int:section_id>/", views.template_section_edit,
                 name="template_section"),
            path("checklist/", views.template_checklist_edit, name="template_checklist"),
        ])),
    ])),
]
