from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("learners/<int:profile_id>/reads/", views.learner_record_reads, name="learner_record_reads"),
]
