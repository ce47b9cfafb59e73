from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    path("", views.org_index, name="index"),
    path("<int:sar_id>/", views.org_detail, name="detail"),
    path("<int:sar_id>/download/", views.org_download, name="download"),
    path("retention/", views.retention_index, name="retention"),
    path("retention/erase/", views.erasure_new, name="erasure_new"),
    path("retention/erasures/<int:erasure_id>/", views.erasure_detail, name="erasure"),
]
