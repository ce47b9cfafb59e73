from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    path("", views.org_index, name="index"),
    path("<int:sar_id>/", views.org_detail, name="detail"),
    path("<int:sar_id>/download/", views.org_download, name="download"),
]
