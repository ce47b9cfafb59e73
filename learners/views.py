from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from plp_portal.organisations.choices import STAFF_ROLES
from plp_portal.organisations.permissions import org_role_required


@org_role_required(*STAFF_ROLES)
def index(request):
    return render(request, "learners/index.html")


@login_required
def me_home(request):
    return render(request, "learners/me_home.html")
