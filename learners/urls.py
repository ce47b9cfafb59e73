from django.urls import path

from . import views

app_name = "learners"

urlpatterns = [
    path("", views.index, name="index"),
    path("add/", views.learner_add, name="add"),
    path("profiles/<int:profile_id>/", views.profile, name="profile"),
    path("profiles/<int:profile_id>/edit/", views.profile_edit, name="profile_edit"),
    path("profiles/<int:profile_id>/at-risk/", views.at_risk_set, name="at_risk_set"),
    path("profiles/<int:profile_id>/end-enrolment/", views.enrolment_end, name="enrolment_end"),
    path("profiles/<int:profile_id>/enrol-again/", views.reenrol, name="reenrol"),
    path("plans/<int:learner_plan_id>/", views.plan, name="plan"),
    path("plans/<int:learner_plan_id>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:learner_plan_id>/sign/", views.plan_sign, name="plan_sign"),
    path("plans/<int:learner_plan_id>/moving-on/", views.moving_on_edit, name="moving_on_edit"),
    path("plans/<int:learner_plan_id>/timeline/", views.timeline, name="timeline"),
    path("plans/<int:learner_plan_id>/targets/add/", views.target_add, name="target_add"),
    path("plans/<int:learner_plan_id>/journey/add/", views.narrative_add, name="narrative_add"),
    path("plans/<int:learner_plan_id>/concerns/add/", views.concern_add, name="concern_add"),
    path("plans/<int:learner_plan_id>/reports/", views.reports, name="reports"),
    path("plans/<int:learner_plan_id>/reports/add/", views.report_add, name="report_add"),
    path("plans/<int:learner_plan_id>/log/", views.log, name="log"),
    path("plans/<int:learner_plan_id>/progress-file.pdf", views.plan_pdf, name="plan_pdf"),
    path("plans/<int:learner_plan_id>/progress-file/<int:render_id>/", views.plan_pdf, name="plan_pdf_status"),
    path("plans/<int:learner_plan_id>/progress-file/<int:render_id>/progress-file.pdf", views.plan_pdf,
         {"download": True}, name="plan_pdf_download"),
    path("plans/<int:learner_plan_id>/sharing/", views.sharing, name="sharing"),
    path("targets/<int:target_id>/", views.target, name="target"),
    path("targets/<int:target_id>/approve/", views.target_approve, name="target_approve"),
    path("journey/<int:narrative_id>/correct/", views.narrative_correct, name="narrative_correct"),
    path("concerns/<int:concern_id>/", views.concern, name="concern"),
    path("log/<int:log_entry_id>/file/", views.log_file, name="log_file"),
    path("shares/<int:share_id>/revoke/", views.share_revoke, name="share_revoke"),
    path("share-invitations/<int:share_invitation_id>/revoke/", views.share_invitation_revoke,
         name="share_invitation_revoke"),
    path("settings/target-areas/", views.settings_areas, name="settings_areas"),
    path("settings/target-areas/<int:area_id>/", views.settings_area_edit, name="settings_area_edit"),
    path("settings/at-risk/", views.settings_levels, name="settings_levels"),
    path("settings/at-risk/<int:level_id>/", views.settings_level_edit, name="settings_level_edit"),
]
