from .models import Notification


def notification_list(*, org, user):
    return Notification.objects.for_org(org).filter(user=user).order_by("-created_at", "-id")


def notification_unread_count(*, org, user) -> int:
    return Notification.objects.for_org(org).filter(user=user, read_at__isnull=True).count()
