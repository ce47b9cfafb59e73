from django.urls import path

from . import views

app_name = "learners"

urlpatterns = [
    path("", views.index, name="index"),
]
