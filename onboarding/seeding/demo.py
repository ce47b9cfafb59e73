"""Demo: a pupils file from SIMS waiting for the Northgate admin's confirmation (one row with
an error to fix), so the school set-up pages have something to show."""

from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Membership

from .. import samples, services
from ..models import ImportRun


def seed(demo) -> None:
    org = demo.orgs["northgate"]
    if ImportRun.objects.for_org(org).exists():
        return
    admin = Membership.objects.for_org(org).filter(role=Role.ORG_ADMIN).select_related("user").first()
    if admin is None:
        return
    rows = samples.pupil_rows(6, years=(9,), forms=1)
    for row in rows:
        row[0] = f"DEMO{row[0]}"
        row[1] = samples.upn(900000 + int(row[0][4:]))
    rows[4][7] = "31/02/2012"
    run = services.import_run_create(org=org, kind="pupils", preset="sims", file_name="sims-pupils-year9.csv",
                                     data=samples.to_csv(samples.PUPIL_HEADER, rows), by=admin.user)
    services.import_run_preview(org=org, run=run)
    demo.log.append("a SIMS pupils file waiting for confirmation at Northgate School")
