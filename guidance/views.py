from django.shortcuts import render

from plp_portal.organisations.choices import Role
from plp_portal.organisations.permissions import org_role_required


@org_role_required(Role.CAREERS_ADVISER, Role.ORG_ADMIN)
def index(request):
    return render(request, "guidance/index.html")
