from django.urls import include, path

from . import views

app_name = "me_records"

urlpatterns = [
    path("", views.me_index, name="index"),
    path("request/", views.me_request, name="request"),
    path("request/child/", views.me_request_child, name="request_child"),
    path("<int:sar_id>/", include([
        path("", views.me_detail, name="detail"),
        path("download/", views.me_download, name="download"),
    ])),
]
