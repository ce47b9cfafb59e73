from django.conf import settings
from django.db import models


class AppendOnlyError(RuntimeError):
    """An attempt to change or remove a record that may only be added to."""


class AppendOnlyQuerySetMixin:
    """Queryset guards: bulk UPDATE and DELETE are refused. Mix in before the queryset base
    (``class Q(AppendOnlyQuerySetMixin, TenantQuerySet)``) so the refusal comes first."""

    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be updated")

    update.alters_data = True

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be deleted")

    delete.alters_data = True


class AppendOnlyQuerySet(AppendOnlyQuerySetMixin, models.QuerySet):
    pass


class AppendOnlyMixin:
    """Instance guards: a row can be inserted once, never saved again or deleted.

    Reusable on any model base (e.g. with ``TenantModel``); pair it with a manager whose
    queryset uses ``AppendOnlyQuerySetMixin`` and with ``dbtriggers.append_only_trigger`` in the
    model's migration, so the database refuses too."""

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows cannot be changed once written")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows cannot be deleted")


class AppendOnlyModel(AppendOnlyMixin, models.Model):
    """A model whose rows, once written, are never changed or deleted through the ORM.

    The database refuses too: see ``dbtriggers.append_only_trigger``, applied in each such model's
    migration on PostgreSQL."""

    objects = models.Manager.from_queryset(AppendOnlyQuerySet)()

    class Meta:
        abstract = True


class AuditEvent(AppendOnlyModel):
    """Who did what, in which organisation, to which object, when and from where."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # For reads and changes of a learner's record: whose (their LearnerProfile's id; core keeps
    # no foreign key into a feature app). Answers "who looked at this learner's record".
    learner_profile_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "-created_at"]),
            models.Index(
                fields=["organisation", "learner_profile_id", "-created_at"],
                name="audit_learner_reads",
                condition=models.Q(learner_profile_id__isnull=False),
            ),
            models.Index(fields=["actor", "-created_at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} by {self.actor_id}"
