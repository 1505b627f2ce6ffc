"""Amavis' own SQL tables (README.sql-pg and README.sql-mysql of amavisd-new).

Modoboa never creates nor migrates them (``managed = False``): the
postmaster creates them with Amavis' schema. Their names and columns are
Amavis', as 1.10's extension used them.

Django cannot point a foreign key at a composite primary key: ``msgs`` is
declared with ``mail_id`` as its key (Amavis' ``partition_tag`` stays 0
unless ``$partition_tag`` is set, and ``mail_id`` is unique on its own in
practice); ``msgrcpt`` and ``quarantine`` keep their real composite keys.
"""

from django.db import models

from . import constants
from .fields import ChunkField, OctetsField, TimeIsoField


class Maddr(models.Model):
    """A sender or recipient address; ``domain`` is reversed (``com.example``)."""

    id = models.BigAutoField(primary_key=True)
    partition_tag = models.IntegerField(default=0, db_default=0, null=True)
    email = OctetsField(max_length=255)
    domain = models.CharField(max_length=255)

    class Meta:
        managed = False
        db_table = "maddr"
        unique_together = [("partition_tag", "email")]

    def __str__(self):
        return self.email


class Msgs(models.Model):
    """One message seen by Amavis."""

    partition_tag = models.IntegerField(default=0, db_default=0, null=True)
    mail_id = OctetsField(max_length=16, primary_key=True)
    secret_id = OctetsField(max_length=16, default="", null=True)
    am_id = models.CharField(max_length=20)
    time_num = models.PositiveIntegerField()
    time_iso = TimeIsoField()
    sid = models.ForeignKey(Maddr, on_delete=models.DO_NOTHING, db_column="sid", related_name="+")
    policy = models.CharField(max_length=255, default="", db_default="", null=True)
    client_addr = models.CharField(max_length=255, default="", db_default="", null=True)
    size = models.PositiveIntegerField()
    originating = models.CharField(max_length=1, default=" ", db_default=" ")
    content = models.CharField(max_length=1, null=True)
    quar_type = models.CharField(max_length=1, null=True)
    quar_loc = OctetsField(max_length=255, pg_type="varchar(255)", default="", null=True)
    dsn_sent = models.CharField(max_length=1, null=True)
    spam_level = models.FloatField(null=True)
    message_id = models.CharField(max_length=255, default="", db_default="", null=True)
    from_addr = models.CharField(max_length=255, default="", db_default="", null=True)
    subject = models.CharField(max_length=255, default="", db_default="", null=True)
    host = models.CharField(max_length=255)

    class Meta:
        managed = False
        db_table = "msgs"
        indexes = [
            models.Index(fields=["sid"], name="msgs_idx_sid"),
            models.Index(fields=["time_num"], name="msgs_idx_time_num"),
            # Not in Amavis' scripts: pages of the list in index order (docs).
            models.Index(fields=["time_num", "mail_id"], name="msgs_idx_time_num_mail_id"),
            models.Index(fields=["message_id"], name="msgs_idx_mess_id"),
        ]

    def __str__(self):
        return self.mail_id


class Msgrcpt(models.Model):
    """One recipient of a message, with its release status ``rs``."""

    pk = models.CompositePrimaryKey("partition_tag", "mail", "rseqnum")
    partition_tag = models.IntegerField(default=0, db_default=0)
    mail = models.ForeignKey(
        Msgs,
        on_delete=models.DO_NOTHING,
        db_column="mail_id",
        db_constraint=False,
        related_name="recipients",
    )
    rseqnum = models.IntegerField(default=0, db_default=0)
    rid = models.ForeignKey(
        Maddr, on_delete=models.DO_NOTHING, db_column="rid", db_constraint=False, related_name="+"
    )
    is_local = models.CharField(max_length=1, default=" ", db_default=" ")
    content = models.CharField(max_length=1, default=" ", db_default=" ")
    ds = models.CharField(max_length=1)
    rs = models.CharField(max_length=1, default=constants.RS_NEW, db_default=constants.RS_NEW)
    bl = models.CharField(max_length=1, default=" ", db_default=" ", null=True)
    wl = models.CharField(max_length=1, default=" ", db_default=" ", null=True)
    bspam_level = models.FloatField(null=True)
    smtp_resp = models.CharField(max_length=255, default="", db_default="", null=True)

    class Meta:
        managed = False
        db_table = "msgrcpt"
        indexes = [
            models.Index(fields=["mail"], name="msgrcpt_idx_mail_id"),
            models.Index(fields=["rid"], name="msgrcpt_idx_rid"),
        ]


class Quarantine(models.Model):
    """A chunk of a quarantined message (chunks start at 1)."""

    pk = models.CompositePrimaryKey("partition_tag", "mail", "chunk_ind")
    partition_tag = models.IntegerField(default=0, db_default=0)
    mail = models.ForeignKey(
        Msgs,
        on_delete=models.DO_NOTHING,
        db_column="mail_id",
        db_constraint=False,
        related_name="chunks",
    )
    chunk_ind = models.PositiveIntegerField()
    mail_text = ChunkField()

    class Meta:
        managed = False
        db_table = "quarantine"


class Policy(models.Model):
    """An Amavis policy; Modoboa edits the content filter columns only."""

    policy_name = models.CharField(max_length=32, null=True)
    virus_lover = models.CharField(max_length=1, null=True)
    spam_lover = models.CharField(max_length=1, null=True)
    unchecked_lover = models.CharField(max_length=1, null=True)
    banned_files_lover = models.CharField(max_length=1, null=True)
    bad_header_lover = models.CharField(max_length=1, null=True)
    bypass_virus_checks = models.CharField(max_length=1, null=True)
    bypass_spam_checks = models.CharField(max_length=1, null=True)
    bypass_banned_checks = models.CharField(max_length=1, null=True)
    bypass_header_checks = models.CharField(max_length=1, null=True)
    virus_quarantine_to = models.CharField(max_length=64, null=True)
    spam_quarantine_to = models.CharField(max_length=64, null=True)
    banned_quarantine_to = models.CharField(max_length=64, null=True)
    unchecked_quarantine_to = models.CharField(max_length=64, null=True)
    bad_header_quarantine_to = models.CharField(max_length=64, null=True)
    clean_quarantine_to = models.CharField(max_length=64, null=True)
    archive_quarantine_to = models.CharField(max_length=64, null=True)
    spam_tag_level = models.FloatField(null=True)
    spam_tag2_level = models.FloatField(null=True)
    spam_tag3_level = models.FloatField(null=True)
    spam_kill_level = models.FloatField(null=True)
    spam_dsn_cutoff_level = models.FloatField(null=True)
    spam_quarantine_cutoff_level = models.FloatField(null=True)
    addr_extension_virus = models.CharField(max_length=64, null=True)
    addr_extension_spam = models.CharField(max_length=64, null=True)
    addr_extension_banned = models.CharField(max_length=64, null=True)
    addr_extension_bad_header = models.CharField(max_length=64, null=True)
    warnvirusrecip = models.CharField(max_length=1, null=True)
    warnbannedrecip = models.CharField(max_length=1, null=True)
    warnbadhrecip = models.CharField(max_length=1, null=True)
    newvirus_admin = models.CharField(max_length=64, null=True)
    virus_admin = models.CharField(max_length=64, null=True)
    banned_admin = models.CharField(max_length=64, null=True)
    bad_header_admin = models.CharField(max_length=64, null=True)
    spam_admin = models.CharField(max_length=64, null=True)
    spam_subject_tag = models.CharField(max_length=64, null=True)
    spam_subject_tag2 = models.CharField(max_length=64, null=True)
    spam_subject_tag3 = models.CharField(max_length=64, null=True)
    message_size_limit = models.IntegerField(null=True)
    banned_rulenames = models.CharField(max_length=64, null=True)
    disclaimer_options = models.CharField(max_length=64, null=True)
    forward_method = models.CharField(max_length=64, null=True)
    sa_userconf = models.CharField(max_length=64, null=True)
    sa_username = models.CharField(max_length=64, null=True)

    class Meta:
        managed = False
        db_table = "policy"

    def __str__(self):
        return self.policy_name or str(self.pk)


class Users(models.Model):
    """A recipient (``user@domain``) or a whole domain (``@domain``) of a policy."""

    priority = models.IntegerField(default=7, db_default=7)
    policy = models.ForeignKey(
        Policy, on_delete=models.DO_NOTHING, db_column="policy_id", related_name="users"
    )
    email = OctetsField(max_length=255, unique=True)
    fullname = models.CharField(max_length=255, null=True)

    class Meta:
        managed = False
        db_table = "users"

    def __str__(self):
        return self.email


class Mailaddr(models.Model):
    """A sender address or pattern of the allow/block lists."""

    priority = models.IntegerField(default=9, db_default=9)
    email = OctetsField(max_length=255, unique=True)

    class Meta:
        managed = False
        db_table = "mailaddr"

    def __str__(self):
        return self.email


class Wblist(models.Model):
    """``wb`` is W (allow) or B (block) of sender ``sid`` for recipient ``rid``."""

    pk = models.CompositePrimaryKey("rid", "sid")
    rid = models.ForeignKey(
        Users, on_delete=models.DO_NOTHING, db_column="rid", related_name="wblist"
    )
    sid = models.ForeignKey(
        Mailaddr, on_delete=models.DO_NOTHING, db_column="sid", related_name="wblist"
    )
    wb = models.CharField(max_length=10)

    class Meta:
        managed = False
        db_table = "wblist"
