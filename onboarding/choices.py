from django.db import models


class ImportKind(models.TextChoices):
    PUPILS = "pupils", "Pupils"
    STAFF = "staff", "Staff"
    GROUPS = "groups", "Tutor groups"
    PARENTS = "parents", "Parents and carers"


class RunStatus(models.TextChoices):
    NEEDS_COLUMNS = "needs_columns", "Choose the columns"
    PREVIEWING = "previewing", "Checking the file"
    READY = "ready", "Ready to import"
    APPLYING = "applying", "Importing"
    APPLIED = "applied", "Imported"
    FAILED = "failed", "Failed"
    DISCARDED = "discarded", "Discarded"


class Outcome(models.TextChoices):
    """What the import does with one row (or one person missing from the file)."""

    CREATE = "create", "To create"
    UPDATE = "update", "To update"
    UNCHANGED = "unchanged", "Unchanged"
    END = "end", "To end (not in the file)"
    ERROR = "error", "Errors"


class Preset(models.TextChoices):
    SIMS = "sims", "SIMS"
    ARBOR = "arbor", "Arbor"
    BROMCOM = "bromcom", "Bromcom"
    OTHER = "other", "Another system (you choose the columns)"


class JobKind(models.TextChoices):
    """Set-up work that may be long and so runs in the worker, with a progress bar."""

    KEY_WORKERS = "key_workers", "Key workers from tutor groups"
    ROLLOVER = "rollover", "Year rollover"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
