from django.urls import include, path

from . import views

app_name = "onboarding"

urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", include([
        path("pupils/", views.upload, {"kind": "pupils"}, name="upload_pupils"),
        path("staff/", views.upload, {"kind": "staff"}, name="upload_staff"),
        path("groups/", views.upload, {"kind": "groups"}, name="upload_groups"),
        path("parents/", views.upload, {"kind": "parents"}, name="upload_parents"),
    ])),
    path("runs/<int:run_id>/", include([
        path("", views.run_detail, name="run"),
        path("columns/", views.run_columns, name="run_columns"),
        path("import/", views.run_apply, name="run_apply"),
        path("discard/", views.run_discard, name="run_discard"),
    ])),
    path("key-workers/", views.key_workers, name="key_workers"),
    path("new-year/", views.rollover, name="rollover"),
    path("jobs/<int:job_id>/", views.job_detail, name="job"),
    path("invitations/", views.invitations, name="invitations"),
    path("sign-in-sheets/", views.sign_in_sheet, name="sign_in_sheet"),
]
