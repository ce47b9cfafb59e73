from django.http import Http404

from plp_portal.audit.services import audit_log

from .selectors import membership_by_slug


class OrganisationMiddleware:
    """Resolves ``request.org`` and ``request.membership`` once for every /o/<org_slug>/ URL.

    A view under /o/<org_slug>/ never looks the organisation up itself. Someone who is not an
    active member of the organisation gets 404, the same answer as for an organisation that does
    not exist (Zulip's rule: a foreign object is indistinguishable from a missing one)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.org = None
        request.membership = None
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        slug = view_kwargs.pop("org_slug", None)
        if slug is None:
            return None
        if not request.user.is_authenticated:
            return None  # the view's login_required sends them to sign in
        membership = membership_by_slug(slug=slug, user=request.user)
        if membership is None:
            audit_log("organisation.access_refused", request=request, data={"slug": slug[:80]})
            raise Http404("No such organisation")
        request.org = membership.organisation
        request.membership = membership
        return None
