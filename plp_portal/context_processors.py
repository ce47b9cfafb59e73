from django.urls import reverse

from plp_portal.notifications.selectors import notification_unread_count
from plp_portal.organisations.choices import Role
from plp_portal.organisations.selectors import user_is_learner

# Navigation per role: (label, url name under /o/<org_slug>/). The learner's and parent's space
# is /me/, outside any organisation.
_NAV = {
    Role.KEY_WORKER: [
        ("Caseload", "keyworkers:index"),
        ("Learners", "learners:index"),
        ("Guidance referrals", "guidance:index"),
    ],
    Role.SUBJECT_TUTOR: [("Learners", "learners:index")],
    Role.CAREERS_ADVISER: [("Guidance", "guidance:index"), ("Learners", "learners:index")],
    Role.CAREERS_LEAD: [
        ("Careers plan", "careersplan:index"),
        ("Learners", "learners:index"),
        ("Guidance", "guidance:index"),
        ("ILP quality", "keyworkers:quality"),
    ],
    Role.ORG_ADMIN: [
        ("Members", "organisations:members"),
        ("Term dates", "organisations:terms"),
        ("Learners", "learners:index"),
        ("Caseloads", "keyworkers:index"),
        ("ILP quality", "keyworkers:quality"),
        ("Review settings", "keyworkers:settings"),
        ("Who sees our data", "organisations:access"),
        ("School set-up", "onboarding:index"),
        ("Learners' records", "records:index"),
        ("Sign-in options", "sso:providers"),
    ],
    Role.LA_OFFICER: [("Authority dashboard", "careersplan:index")],
}


def portal(request):
    """The organisation, role, navigation and unread count shown in every page's header."""
    org = getattr(request, "org", None)
    membership = getattr(request, "membership", None)
    nav = []
    unread = 0
    if org is not None and membership is not None:
        nav.append(("Home", reverse("organisations:home", kwargs={"org_slug": org.slug})))
        # Every role the person holds here contributes its pages, once each (main role first).
        names = dict.fromkeys(item for role in membership.roles for item in _NAV.get(role, []))
        nav += [(label, reverse(name, kwargs={"org_slug": org.slug})) for label, name in names]

        unread = notification_unread_count(org=org, user=request.user)
    elif getattr(request, "user", None) is not None and request.user.is_authenticated:
        nav.append(("Home", reverse("home")))
        # Careers guidance is the learner's: a parent or carer reading a shared plan has none.
        if request.path.startswith("/me/") and user_is_learner(request=request):
            nav.append(("Careers guidance", reverse("me_guidance:index")))
    return {"org": org, "membership": membership, "nav_items": nav, "unread_count": unread}
