"""The learner's guidance pages in their own space: /me/guidance/ (namespace ``me_guidance``)."""

from django.urls import path

from . import me_views

app_name = "me_guidance"

urlpatterns = [
    path("", me_views.index, name="index"),
    path("ask/", me_views.self_refer, name="self_refer"),
    path("how-it-works/", me_views.how_it_works, name="how_it_works"),
    path("for-parents/", me_views.for_parents, name="for_parents"),
]
