from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from plp_portal import views
from plp_portal.organisations import views as organisation_views
from plp_portal.sso import views as sso_views

org_patterns = [
    path("", include("plp_portal.organisations.urls")),
    path("learners/", include("learners.urls")),
    path("keyworkers/", include("keyworkers.urls")),
    path("guidance/", include("guidance.urls")),
    path("careers-plan/", include("careersplan.urls")),
    path("audit/", include("plp_portal.audit.urls")),
    path("set-up/", include("onboarding.urls")),
    path("records/", include("plp_portal.records.urls")),
    path("sign-in-settings/", include("plp_portal.sso.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("sign-in/", include([
        # "Sign in with Microsoft or Google": which organisations' identity
        # providers take an address.
        path("school/", sso_views.start, name="sso_start"),
        # A pupil's first sign-in with the one-time code on their class sheet (onboarding).
        path("code/", include("onboarding.public_urls")),
    ])),
    path("invitations/", include([
        # A plan-share invitation (learners, issue 3): the token is the bearer grant. Before the
        # organisation invitation below, whose pattern would also match "plan/<token>/".
        path("plan/", include("learners.invitation_urls")),
        path("<str:token>/", organisation_views.invitation_accept, name="invitation_accept"),
    ])),
    path("me/", include([
        path("", include("learners.me_urls")),
        path("guidance/", include("guidance.me_urls")),
        path("reviews/", include("keyworkers.me_urls")),
        path("records/", include("plp_portal.records.me_urls")),
    ])),
    # An external reviewer of one annual careers plan is not a member of its organisation:
    # access is the recorded grant (careersplan/review_views.py), not /o/<slug>/ membership.
    path("careers-plan-reviews/", include("careersplan.review_urls")),
    # Public, no sign-in: what a school published (its careers programme), feedback survey links.
    path("public/", include([
        path("careers-programme/", include("careersplan.public_urls")),
        path("feedback/", include("careersplan.feedback_urls")),
    ])),
    path("o/<slug:org_slug>/", include(org_patterns)),
    path("admin/", admin.site.urls),
]

if settings.PLP_BENCH:
    from plp_portal.benchmiddleware import floor

    urlpatterns.append(path("bench/floor", floor))

handler403 = "plp_portal.views.permission_denied"
handler404 = "plp_portal.views.page_not_found"
handler500 = "plp_portal.views.server_error"
