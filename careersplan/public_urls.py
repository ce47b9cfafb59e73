"""Public pages of a school's careers work: no sign-in (issue 15). Only what the school
published explicitly is shown here."""

from django.urls import path

from . import views

app_name = "careersplan_public"

urlpatterns = [
    path("<slug:programme_slug>/", views.programme_public, name="programme"),
]
