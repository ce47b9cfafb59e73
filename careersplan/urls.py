from django.urls import path

from . import views

app_name = "careersplan"

urlpatterns = [
    path("", views.index, name="index"),
]
