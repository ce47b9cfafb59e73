from django.urls import include, path

from plp_portal.pdfs.views import pdf_document_paths

from . import outcome_views, views

app_name = "guidance"

urlpatterns = [
    path("", views.index, name="index"),
    path("referrals/<int:referral_id>/", include([
        path("", views.referral_detail, name="referral_detail"),
        path("triage/", views.referral_triage, name="referral_triage"),
        path("close/", views.referral_close, name="referral_close"),
        path("withdraw/", views.referral_withdraw, name="referral_withdraw"),
    ])),
    path("learners/", views.learner_list, name="learner_list"),
    path("learners/<int:profile_id>/", include([
        path("", views.learner_detail, name="learner_detail"),
        path("refer/", views.referral_new, name="referral_new"),
        path("tier/", views.tier_change, name="tier_change"),
        *pdf_document_paths(views.learner_progress_file, name="learner_progress_file",
                            route="progress-file.pdf", renders="progress-file/",
                            filename="progress-file.pdf"),
        path("interviews/new/", views.interview_new, name="interview_new"),
        path("destinations/new/", views.destination_new, name="destination_new"),
    ])),
    path("interviews/<int:interview_id>/", include([
        path("", views.interview_detail, name="interview_detail"),
        path("feedback/", views.interview_feedback, name="interview_feedback"),
    ])),
    path("group-sessions/", include([
        path("", views.group_session_list, name="group_session_list"),
        path("new/", views.group_session_new, name="group_session_new"),
        path("<int:session_id>/", views.group_session_detail, name="group_session_detail"),
        path("<int:session_id>/attendance/", views.group_session_attendance,
             name="group_session_attendance"),
    ])),
    path("neet/", views.neet_list, name="neet_list"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("partnerships/", include([
        path("", views.partnership_list, name="partnership_list"),
        path("new/", views.partnership_new, name="partnership_new"),
        path("<int:partnership_id>/", include([
            path("", views.partnership_detail, name="partnership_detail"),
            path("objectives/<int:objective_id>/", views.objective_update, name="objective_update"),
            path("end/", views.partnership_end, name="partnership_end"),
            path("agreement/", views.partnership_agreement, name="partnership_agreement"),
        ])),
    ])),
    path("agreements/", include([
        path("", views.agreement_list, name="agreement_list"),
        path("<int:agreement_id>/", views.agreement_detail, name="agreement_detail"),
        path("<int:agreement_id>/end/", views.agreement_end, name="agreement_end"),
    ])),
    path("settings/", views.service_settings, name="settings"),
    path("leavers-export/", outcome_views.leavers_export_page, name="leavers_export"),
    path("leavers-export/leavers.csv", outcome_views.leavers_export_csv, name="leavers_export_csv"),
    # The local authority's outcome figures of its schools (aggregates only).
    path("authority/outcomes/", include([
        path("", outcome_views.authority_outcomes, name="authority_outcomes"),
        path("outcomes.csv", outcome_views.authority_outcomes_csv, name="authority_outcomes_csv"),
        path("settings/", outcome_views.authority_outcome_settings,
             name="authority_outcome_settings"),
    ])),
]
