"""The learner's own space, /me/: outside any organisation, scoped to the signed-in person."""

from django.urls import path

from . import views

app_name = "me"

urlpatterns = [
    path("", views.me_home, name="home"),
]
