"""A CSV import run in the background (``modo run_import_jobs``)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    """One CSV file to import as ``user``, its progress and its result.

    ``done`` counts the lines processed so far (see ``progress``): the
    import itself runs in one transaction, so the lines it created appear
    all at once when it ends.
    """

    PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
    STATUSES = (
        (PENDING, _("Waiting")),
        (RUNNING, _("Running")),
        (DONE, _("Finished")),
        (FAILED, _("Failed")),
    )

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    kind = models.CharField(max_length=20)
    filename = models.CharField(max_length=255, blank=True, default="")
    content = models.TextField()
    options = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=STATUSES, default=PENDING, db_index=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    rolled_back = models.BooleanField(default=False)
    errors = models.JSONField(default=list)
    message = models.TextField(blank=True, default="")
    submitted_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "admin_importjob"
        ordering = ["-pk"]

    def __str__(self):
        return "%s (%s)" % (self.filename or self.kind, self.status)

    @property
    def finished(self):
        return self.status in (self.DONE, self.FAILED)
