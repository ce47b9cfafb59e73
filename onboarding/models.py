from django.conf import settings
from django.db import models

from plp_portal import clock
from plp_portal.tenancy import TenantModel

from .choices import ImportKind, JobKind, JobStatus, Outcome, Preset, RunStatus

USER = settings.AUTH_USER_MODEL


class WorkInProgress(models.Model):
    """Work the worker does in steps, with a progress bar: how many of how many steps are done,
    and the statuses (``ACTIVE_STATUSES``) in which it is still going."""

    ACTIVE_STATUSES: tuple[str, ...] = ()

    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def progress_percent(self) -> int:
        return int(100 * self.progress_done / self.progress_total) if self.progress_total else 0


class ColumnMapping(TenantModel):
    """Which column of an organisation's files holds which field, for a file from a system
    without a preset (or a renamed export): remembered per organisation and kind."""

    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    columns = models.JSONField(default=dict, help_text="field -> header text")
    updated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "kind"], name="column_mapping_one_per_kind")]


class ImportRun(TenantModel, WorkInProgress):
    """One upload of an MIS export: who, when, which file (its SHA-256; the file itself is not
    kept), the rows read from it, the preview (what the import would do, row by row), and once
    confirmed the counts of what it did."""

    Status = RunStatus
    ACTIVE_STATUSES = (RunStatus.PREVIEWING, RunStatus.APPLYING)

    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    preset = models.CharField(max_length=16, choices=Preset.choices)
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    header = models.JSONField(default=list)
    rows = models.JSONField(default=list, help_text="The file's data rows, cells trimmed.")
    columns = models.JSONField(default=dict, help_text="field -> column index")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.PREVIEWING)
    preview = models.JSONField(default=list, help_text="One item per row / person missing from the file.")
    counts = models.JSONField(default=dict)
    end_missing = models.BooleanField(default=False, help_text="The admin confirmed ending the enrolment of those not in the file.")
    error = models.CharField(max_length=500, blank=True)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    applied_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} import of {self.file_name}"


    def count(self, outcome: str) -> int:
        return int(self.counts.get(outcome, 0))

    @property
    def errors_count(self) -> int:
        return self.count(Outcome.ERROR)

    @property
    def end_count(self) -> int:
        return self.count(Outcome.END)

    @property
    def changes_count(self) -> int:
        return self.count(Outcome.CREATE) + self.count(Outcome.UPDATE)

    @property
    def outcome_counts(self) -> list[tuple[str, str, int]]:
        return [(o.value, o.label, self.count(o.value)) for o in Outcome]


class MisPerson(TenantModel):
    """The link between a person in the school's MIS (their MIS id, per organisation and kind)
    and their account here: what makes a re-import an update, never a duplicate."""

    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    mis_id = models.CharField(max_length=40)
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    # What the MIS says that has no home on the profile: the legal name (the account shows the
    # preferred one) and the SEN status code (K: SEN support, E: EHC plan).
    legal_name = models.CharField(max_length=150, blank=True)
    sen_status = models.CharField(max_length=1, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind", "mis_id"], name="mis_person_unique_id"),
            models.UniqueConstraint(fields=["organisation", "kind", "user"], name="mis_person_unique_user"),
        ]


class TutorGroup(TenantModel):
    """A tutor group (form) from the staff file and its tutor: the source of key-worker
    assignments (``services.tutor_groups_assign``)."""

    code = models.CharField(max_length=40)
    tutor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["organisation", "code"], name="tutor_group_unique_code")]

    def __str__(self):
        return self.code


class YearRollover(TenantModel):
    """The start of an academic year, done once per organisation and year: year groups advance,
    leavers' enrolments end (when the admin confirmed it), new plans for the year."""

    academic_year = models.PositiveIntegerField(help_text="The year the new academic year starts in.")
    starts_on = models.DateField()
    leaving_years = models.JSONField(default=list)
    ended_leavers = models.BooleanField(default=False)
    counts = models.JSONField(default=dict)
    applied_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-academic_year"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "academic_year"], name="year_rollover_once_per_year"),
            models.CheckConstraint(condition=models.Q(academic_year__gte=2000, academic_year__lte=2100),
                                   name="year_rollover_academic_year_range"),
        ]

    def __str__(self):
        return f"Year rollover {clock.academic_year_label(self.academic_year)}"


class SignInCode(TenantModel):
    """A one-time code on a class sign-in sheet, for a pupil without an email address: single
    use, expiring; the pupil sets their password with it. Only an HMAC of the code is stored."""

    VALID_FOR_DAYS = 14

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "user"])]

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > clock.now()


class ParentLink(TenantModel):
    """A parent or carer from the MIS and one of their children here: the parent reads the
    child's plans through ``learners.PlanShare`` grants (relationship "parent or carer") that the
    parents import makes and keeps in step (``services.parent_shares_ensure``)."""

    parent = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    profile = models.ForeignKey("learners.LearnerProfile", on_delete=models.CASCADE, related_name="+")
    relationship = models.CharField(max_length=40, blank=True, help_text="As the MIS says it: Mother, Carer…")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "parent", "profile"],
                                               name="parent_link_unique")]


class SetupJob(TenantModel, WorkInProgress):
    """Long set-up work the admin confirmed (key workers from tutor groups, the year rollover),
    recorded before it is handed to the worker: the page shows it queued, then its progress,
    even when the worker or the broker is down (the periodic sweep picks up what was never
    published, ``services.setup_jobs_resume``)."""

    Status = JobStatus
    ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)

    kind = models.CharField(max_length=16, choices=JobKind.choices)
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    counts = models.JSONField(default=dict)
    message = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return self.get_kind_display()

