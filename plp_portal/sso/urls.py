from django.urls import path

from . import views

app_name = "sso"

urlpatterns = [
    path("", views.provider_list, name="providers"),
    path("<str:kind>/", views.provider_edit, name="provider_edit"),
]
