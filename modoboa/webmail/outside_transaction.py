"""The webmail's views run outside the request's database transaction.

``ATOMIC_REQUESTS`` opens one transaction per request, and on SQLite an
IMMEDIATE one holds the database's write lock from its start. A webmail
request that stores or moves mail (a copy in Sent, a draft, a move to the
Trash) makes Dovecot update the mailbox's quota in that same database
while the request waits for Dovecot's answer: inside the request's
transaction the two would wait for each other until the IMAP timeout. The
webmail writes nothing to the database itself, so its views need no
transaction.
"""

from django.db import transaction
from django.urls import URLPattern, URLResolver


def outside_transaction(urlpatterns):
    """Mark every view of ``urlpatterns`` (included ones too) as running
    outside the request's transaction; return the list.
    """
    for pattern in urlpatterns:
        if isinstance(pattern, URLPattern):
            transaction.non_atomic_requests(pattern.callback)
        elif isinstance(pattern, URLResolver):
            outside_transaction(pattern.url_patterns)
    return urlpatterns
