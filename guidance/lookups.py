"""The one way a guidance page reaches a referral from the id in its URL.

``referral_for_request(request, referral_id)`` finds the referral in the request's guidance scope
(``request.guidance``, set by ``views.guidance_view``: the school's own referrals, or for a
careers service the referrals of its partner schools — and for a key worker only their own
learners'). Invariant: it returns the referral or raises ``Http404`` — the same 404 for a referral
that does not exist, one of another organisation, one outside a current partnership and one about
someone else's learner, so a page never tells them apart. A request without a guidance scope
raises ``ImproperlyConfigured``: a missing scope never means "everything"."""

from django.core.exceptions import ImproperlyConfigured

from . import selectors
from .models import Referral


def referral_for_request(request, referral_id: int) -> Referral:
    scope = getattr(request, "guidance", None)
    if scope is None:
        raise ImproperlyConfigured("referral_for_request needs a view wrapped in guidance_view")
    return selectors.referral_get(scope=scope, referral_id=referral_id)
