from django.urls import path

from . import views

app_name = "keyworkers"

urlpatterns = [
    path("", views.index, name="index"),
]
