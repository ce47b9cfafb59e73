from django.shortcuts import render

from plp_portal.organisations.choices import Role
from plp_portal.organisations.permissions import org_role_required


@org_role_required(Role.CAREERS_LEAD, Role.LA_OFFICER, Role.ORG_ADMIN)
def index(request):
    return render(request, "careersplan/index.html")
