"""The page outside any organisation: a pupil's first sign-in with the code on their class sheet."""

from django.urls import path

from . import views

urlpatterns = [path("", views.sign_in_code, name="sign_in_code")]
