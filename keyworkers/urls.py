from django.urls import include, path

from plp_portal.pdfs.views import pdf_document_paths

from . import views

app_name = "keyworkers"

urlpatterns = [
    path("", views.index, name="index"),
    path("progress-files/", include([
        path("", views.caseload_bundle, name="caseload_bundle"),
        path("<int:bundle_id>/", views.bundle, name="bundle"),
        path("<int:bundle_id>/progress-files.zip", views.bundle_download, name="bundle_download"),
    ])),
    path("settings/", views.settings_edit, name="settings"),
    path("quality/", views.quality, name="quality"),
    path("quality/learners/", views.quality_learners, name="quality_learners"),
    path("learners/<int:profile_id>/", include([
        path("team/", views.team, name="team"),
        path("team/add/", views.team_add, name="team_add"),
        path("assign/", views.assign, name="assign"),
        path("previous-reviews/<int:review_id>/", views.previous_review, name="previous_review"),
        path("preference/", views.preference, name="preference"),
        path("schedule/", views.schedule_override, name="schedule_override"),
    ])),
    path("team/<int:team_member_id>/end/", views.team_end, name="team_end"),
    path("plans/<int:plan_id>/reviews/", include([
        path("", views.review_list, name="review_list"),
        path("start/", views.review_start, name="review_start"),
    ])),
    path("reviews/<int:review_id>/", include([
        path("", views.review_detail, name="review_detail"),
        path("edit/", views.review_edit, name="review_edit"),
        path("cancel/", views.review_cancel, name="review_cancel"),
        path("amend/", views.review_amend, name="review_amend"),
        *pdf_document_paths(views.review_pdf, name="review_pdf", route="record.pdf",
                            renders="record/", filename="record.pdf"),
    ])),
]
