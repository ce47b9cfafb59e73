"""Celery tasks of the learners app: thin wrappers over services."""

from celery import shared_task

from . import services


# Every expired share of every organisation: one guardian permission removed per share.
@shared_task(name="learners.plan_shares_expire", soft_time_limit=300, time_limit=330,
             plp_system_scope="removes expired plan shares' permissions")
def plan_shares_expire() -> int:
    """Remove the guardian permission of plan shares past their end date. Access already stops
    at the end date (the selectors check ``expires_at``); this keeps the permission table true."""
    return services.plan_shares_expire()
