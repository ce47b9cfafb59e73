from django.core.exceptions import PermissionDenied

from .reads import record_read_audit
from .services import audit_log


class PermissionRefusalAuditMiddleware:
    """Every 403 a view raises is written to the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            audit_log(
                "permission.refused",
                request=request,
                data={"reason": str(exception)[:200]},
            )
        return None


class RecordReadAuditMiddleware:
    """One audit row for each successful read of a learner's record (plp_portal.audit.reads)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method in ("GET", "HEAD")
            and response.status_code == 200
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
        ):
            record_read_audit(request)
        return response
