from django.urls import path

from . import views

app_name = "guidance"

urlpatterns = [
    path("", views.index, name="index"),
    path("referrals/<int:referral_id>/", views.referral_detail, name="referral_detail"),
    path("referrals/<int:referral_id>/triage/", views.referral_triage, name="referral_triage"),
    path("referrals/<int:referral_id>/close/", views.referral_close, name="referral_close"),
    path("referrals/<int:referral_id>/withdraw/", views.referral_withdraw, name="referral_withdraw"),
    path("learners/", views.learner_list, name="learner_list"),
    path("learners/<int:profile_id>/", views.learner_detail, name="learner_detail"),
    path("learners/<int:profile_id>/refer/", views.referral_new, name="referral_new"),
    path("learners/<int:profile_id>/tier/", views.tier_change, name="tier_change"),
    path("learners/<int:profile_id>/progress-file.pdf", views.learner_progress_file, name="learner_progress_file"),
    path("learners/<int:profile_id>/progress-file/<int:render_id>/", views.learner_progress_file,
         name="learner_progress_file_status"),
    path("learners/<int:profile_id>/progress-file/<int:render_id>/progress-file.pdf", views.learner_progress_file,
         {"download": True}, name="learner_progress_file_download"),
    path("learners/<int:profile_id>/interviews/new/", views.interview_new, name="interview_new"),
    path("learners/<int:profile_id>/destinations/new/", views.destination_new, name="destination_new"),
    path("interviews/<int:interview_id>/", views.interview_detail, name="interview_detail"),
    path("interviews/<int:interview_id>/feedback/", views.interview_feedback, name="interview_feedback"),
    path("group-sessions/", views.group_session_list, name="group_session_list"),
    path("group-sessions/new/", views.group_session_new, name="group_session_new"),
    path("group-sessions/<int:session_id>/", views.group_session_detail, name="group_session_detail"),
    path("group-sessions/<int:session_id>/attendance/", views.group_session_attendance,
         name="group_session_attendance"),
    path("neet/", views.neet_list, name="neet_list"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("partnerships/", views.partnership_list, name="partnership_list"),
    path("partnerships/new/", views.partnership_new, name="partnership_new"),
    path("partnerships/<int:partnership_id>/", views.partnership_detail, name="partnership_detail"),
    path("partnerships/<int:partnership_id>/objectives/<int:objective_id>/", views.objective_update,
         name="objective_update"),
    path("partnerships/<int:partnership_id>/end/", views.partnership_end, name="partnership_end"),
    path("partnerships/<int:partnership_id>/agreement/", views.partnership_agreement, name="partnership_agreement"),
    path("agreements/", views.agreement_list, name="agreement_list"),
    path("agreements/<int:agreement_id>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:agreement_id>/end/", views.agreement_end, name="agreement_end"),
    path("settings/", views.service_settings, name="settings"),
]
