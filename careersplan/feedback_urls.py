"""Public feedback survey links (no sign-in): the token in the link is the grant."""

from django.urls import path

from . import feedback_views

app_name = "careersplan_feedback"

urlpatterns = [
    path("<str:token>/", feedback_views.survey_answer, name="answer"),
]
