from django.urls import include, path

from plp_portal.pdfs.views import pdf_document_paths

from . import views

app_name = "learners"

urlpatterns = [
    path("", views.index, name="index"),
    path("add/", views.learner_add, name="add"),
    path("profiles/<int:profile_id>/", include([
        path("", views.profile, name="profile"),
        path("edit/", views.profile_edit, name="profile_edit"),
        path("at-risk/", views.at_risk_set, name="at_risk_set"),
        path("end-enrolment/", views.enrolment_end, name="enrolment_end"),
        path("enrol-again/", views.reenrol, name="reenrol"),
        path("offer-record/", views.transfer_offer_for_under_13,
             name="transfer_offer_for_under_13"),
        path("previous/", views.previous_record, name="previous_record"),
        path("previous/request/", views.transfer_request, name="transfer_request"),
        path("previous/start-plan/", views.plan_from_previous, name="plan_from_previous"),
    ])),
    path("plans/<int:learner_plan_id>/", include([
        path("", views.plan, name="plan"),
        path("edit/", views.plan_edit, name="plan_edit"),
        path("sign/", views.plan_sign, name="plan_sign"),
        path("moving-on/", views.moving_on_edit, name="moving_on_edit"),
        path("moving-on/applications/add/", views.moving_on_application,
             name="moving_on_application_add"),
        path("moving-on/applications/<int:application_id>/", views.moving_on_application,
             name="moving_on_application_edit"),
        path("timeline/", views.timeline, name="timeline"),
        path("targets/add/", views.target_add, name="target_add"),
        path("journey/add/", views.narrative_add, name="narrative_add"),
        path("concerns/add/", views.concern_add, name="concern_add"),
        path("reports/", views.reports, name="reports"),
        path("reports/add/", views.report_add, name="report_add"),
        path("log/", views.log, name="log"),
        *pdf_document_paths(views.plan_pdf, name="plan_pdf", route="progress-file.pdf",
                            renders="progress-file/", filename="progress-file.pdf"),
        path("sharing/", views.sharing, name="sharing"),
    ])),
    path("targets/<int:target_id>/", include([
        path("", views.target, name="target"),
        path("approve/", views.target_approve, name="target_approve"),
    ])),
    path("journey/<int:narrative_id>/correct/", views.narrative_correct, name="narrative_correct"),
    path("concerns/<int:concern_id>/", views.concern, name="concern"),
    path("log/<int:log_entry_id>/file/", views.log_file, name="log_file"),
    path("shares/<int:share_id>/revoke/", views.share_revoke, name="share_revoke"),
    path("share-invitations/<int:share_invitation_id>/revoke/", views.share_invitation_revoke,
         name="share_invitation_revoke"),
    path("transfers/<int:transfer_id>/", views.transfer_out, name="transfer_out"),
    path("settings/", include([
        path("target-areas/", views.settings_areas, name="settings_areas"),
        path("target-areas/<int:area_id>/", views.settings_area_edit, name="settings_area_edit"),
        path("at-risk/", views.settings_levels, name="settings_levels"),
        path("at-risk/<int:level_id>/", views.settings_level_edit, name="settings_level_edit"),
    ])),
]
