"""Teach SpamAssassin's Bayes filter from quarantined messages.

Locally with ``sa-learn`` (the command is the ``AMAVIS_SA_LEARN`` setting,
``["sa-learn"]`` by default, so an instance can add ``--dbpath`` or
``--siteconfigpath``), or remotely through ``spamd`` with ``spamc -L``.
"""

import subprocess

from django.conf import settings
from django.utils.translation import gettext as _

from modoboa.lib.exceptions import BadRequest, InternalError, PermDeniedException

from .. import app_settings, constants
from . import policies, quarantine

TIMEOUT = 120
LEVELS = ("global", "domain", "user")


class LearningError(InternalError):
    """SpamAssassin refused or could not be run."""

    http_code = 502


def sa_learn_command():
    return list(getattr(settings, "AMAVIS_SA_LEARN", ["sa-learn"]))


def available_levels(user):
    """The Bayes databases ``user`` may train."""
    levels = []
    if user.is_superuser:
        levels.append("global")
    if app_settings.get("domain_level_learning") and quarantine.is_admin(user):
        levels.append("domain")
    if app_settings.get("user_level_learning"):
        levels.append("user")
    if not levels and not user.is_superuser:
        # Nothing finer is enabled: every role trains the global database.
        levels.append("global")
    return levels


def bayes_user(level, recipient):
    if level == "global":
        return app_settings.get("default_user")
    if level == "domain":
        return recipient.rsplit("@", 1)[1]
    return recipient


def _run(command, data):
    try:
        result = subprocess.run(  # noqa: S603 - argv list, no shell
            command, input=data, capture_output=True, timeout=TIMEOUT, check=False
        )
    except FileNotFoundError:
        raise LearningError(_("%s is not installed") % command[0]) from None
    except subprocess.TimeoutExpired:
        raise LearningError(_("%s did not finish in time") % command[0]) from None
    return result


def learn_source(source, *, spam, username):
    """Feed one message to the Bayes database of ``username``."""
    if app_settings.get("sa_is_local"):
        base = sa_learn_command()
        result = _run(base + ["--spam" if spam else "--ham", "--no-sync", "-u", username], source)
        if result.returncode != 0:
            raise LearningError(
                _("sa-learn failed: %s") % result.stderr.decode("utf-8", "replace").strip()
            )
        result = _run(base + ["--sync", "-u", username], b"")
        if result.returncode != 0:
            raise LearningError(
                _("sa-learn failed: %s") % result.stderr.decode("utf-8", "replace").strip()
            )
        return
    command = [
        "spamc",
        "-d",
        app_settings.get("spamd_address"),
        "-p",
        str(app_settings.get("spamd_port")),
        "-L",
        "spam" if spam else "ham",
        "-u",
        username,
    ]
    result = _run(command, source)
    # 5: learned, 6: already learned.
    if result.returncode not in (5, 6):
        raise LearningError(
            _("spamc failed (%(code)s): %(error)s")
            % {
                "code": result.returncode,
                "error": result.stderr.decode("utf-8", "replace").strip(),
            }
        )


def mark(user, mail_id, *, spam, level=None, rcpt=None):
    """Mark ``user``'s rows of ``mail_id`` as spam (S) or not spam (H),
    training the chosen Bayes database first.
    """
    if not app_settings.get("manual_learning"):
        raise PermDeniedException(_("Manual learning is disabled"))
    levels = available_levels(user)
    level = level or levels[-1]
    if level not in LEVELS:
        raise BadRequest(_("Unknown learning level: %s") % level, field="level")
    if level not in levels:
        raise PermDeniedException(_("You may not train the %s database") % level)
    rows = quarantine.get_rows(user, mail_id, rcpt)
    source = quarantine.message_source(mail_id)
    if not source:
        raise BadRequest(_("The content of this message is not in the quarantine"))
    learned = set()
    for row in rows:
        username = bayes_user(level, row.rid.email)
        if username not in learned:
            learn_source(source, spam=spam, username=username)
            learned.add(username)
        policies.use_bayes_database(level, row.rid.email)
    quarantine._set_status(rows, constants.RS_SPAM if spam else constants.RS_HAM)
    return level
