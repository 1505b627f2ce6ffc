"""Bayes learning when a user marks mail as junk or not junk, where the
quarantine (the ``amavis`` extension) trains SpamAssassin: with manual
learning on, each message is fed to the Bayes database the user may train
(its own with user-level learning, else the global one).

The quarantine is optional: without it, or with manual learning off,
nothing is learned. A learning failure never blocks the move; it is logged.
"""

import logging

from django.apps import apps

logger = logging.getLogger("modoboa.webmail")

#: Above this many messages at once, the move happens without learning.
MAX_LEARNED = 100


def _learning():
    if not apps.is_installed("modoboa.amavis"):
        return None
    from modoboa.amavis import app_settings
    from modoboa.amavis.services import learning

    try:
        if not app_settings.get("manual_learning"):
            return None
    except Exception:  # noqa: BLE001 - parameters not registered: no quarantine
        return None
    return learning


def learn(client, user, uids, spam):
    """Feed the messages ``uids`` of the selected folder to SpamAssassin;
    return how many were learned.
    """
    learning = _learning()
    if learning is None or len(uids) > MAX_LEARNED:
        return 0
    mailbox = getattr(user, "mailbox_or_none", None)
    if mailbox is None:
        return 0
    levels = learning.available_levels(user)
    username = learning.bayes_user(levels[-1], mailbox.full_address)
    learned = 0
    for uid in uids:
        fetched = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {})
        source = fetched.get(b"BODY[]")
        if not source:
            continue
        try:
            learning.learn_source(source, spam=spam, username=username)
        except learning.LearningError as exc:
            logger.warning("Bayes learning failed for %s: %s", mailbox.full_address, exc)
            return learned
        learned += 1
    return learned
