from django.urls import path

from . import views

app_name = "sso"

urlpatterns = [
    path("", views.provider_list, name="providers"),
    # One page per kind (no object id in the URL: the organisation has at most one of each).
    path("microsoft/", views.provider_edit, {"kind": "microsoft"}, name="provider_edit_microsoft"),
    path("google/", views.provider_edit, {"kind": "google"}, name="provider_edit_google"),
]
