from django.urls import path

from . import views

app_name = "keyworkers"

urlpatterns = [
    path("", views.index, name="index"),
    path("progress-files/", views.caseload_bundle, name="caseload_bundle"),
    path("progress-files/<int:bundle_id>/", views.bundle, name="bundle"),
    path("progress-files/<int:bundle_id>/progress-files.zip", views.bundle_download, name="bundle_download"),
    path("settings/", views.settings_edit, name="settings"),
    path("quality/", views.quality, name="quality"),
    path("quality/learners/", views.quality_learners, name="quality_learners"),
    path("learners/<int:profile_id>/team/", views.team, name="team"),
    path("learners/<int:profile_id>/previous-reviews/<int:review_id>/", views.previous_review,
         name="previous_review"),
    path("learners/<int:profile_id>/assign/", views.assign, name="assign"),
    path("learners/<int:profile_id>/team/add/", views.team_add, name="team_add"),
    path("learners/<int:profile_id>/preference/", views.preference, name="preference"),
    path("learners/<int:profile_id>/schedule/", views.schedule_override, name="schedule_override"),
    path("team/<int:team_member_id>/end/", views.team_end, name="team_end"),
    path("plans/<int:plan_id>/reviews/", views.review_list, name="review_list"),
    path("plans/<int:plan_id>/reviews/start/", views.review_start, name="review_start"),
    path("reviews/<int:review_id>/", views.review_detail, name="review_detail"),
    path("reviews/<int:review_id>/edit/", views.review_edit, name="review_edit"),
    path("reviews/<int:review_id>/cancel/", views.review_cancel, name="review_cancel"),
    path("reviews/<int:review_id>/amend/", views.review_amend, name="review_amend"),
    path("reviews/<int:review_id>/record.pdf", views.review_pdf, name="review_pdf"),
    path("reviews/<int:review_id>/record/<int:render_id>/", views.review_pdf, name="review_pdf_status"),
    path("reviews/<int:review_id>/record/<int:render_id>/record.pdf", views.review_pdf, {"download": True},
         name="review_pdf_download"),
]
