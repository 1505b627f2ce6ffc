"""Models of the admin application (domains, mailboxes, aliases...)."""

from .alias import Alias, AliasRecipient
from .base import AdminObject
from .domain import Domain
from .domain_alias import DomainAlias
from .import_job import ImportJob
from .mailbox import Mailbox, MailboxOperation, Quota, SenderAddress
from .mx import DNSBLResult, MXRecord

__all__ = [
    "AdminObject",
    "Alias",
    "AliasRecipient",
    "DNSBLResult",
    "Domain",
    "DomainAlias",
    "ImportJob",
    "MXRecord",
    "Mailbox",
    "MailboxOperation",
    "Quota",
    "SenderAddress",
]
