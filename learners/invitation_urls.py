"""A plan-share invitation link (issue 3), mounted at /invitations/plan/ by plp_portal/urls.py:
the token is the bearer grant. No namespace: the name is reversed as
``plan_share_invitation_accept``."""

from django.urls import path

from . import me_views

urlpatterns = [
    path("<str:token>/", me_views.share_invitation_accept, name="plan_share_invitation_accept"),
]
