from django.urls import include, path

from . import views

app_name = "records"

urlpatterns = [
    path("", views.org_index, name="index"),
    path("<int:sar_id>/", include([
        path("", views.org_detail, name="detail"),
        path("download/", views.org_download, name="download"),
    ])),
    path("retention/", include([
        path("", views.retention_index, name="retention"),
        path("erase/", views.erasure_new, name="erasure_new"),
        path("erasures/<int:erasure_id>/", views.erasure_detail, name="erasure"),
    ])),
]
