"""Codes Amavis writes in its tables."""

from django.utils.translation import gettext_lazy as _

# msgrcpt.rs: release status (Amavis documents ' ', V, R, p, D; 1.10 added S, H).
RS_NEW = " "
RS_VIEWED = "V"
RS_DELETED = "D"
RS_RELEASED = "R"
RS_PENDING = "p"
RS_SPAM = "S"
RS_HAM = "H"

# msgs.content / msgrcpt.content
CONTENT_TYPES = {
    "C": _("Clean"),
    "S": _("Spam"),
    "Y": _("Spammy"),
    "V": _("Virus"),
    "H": _("Bad header"),
    "M": _("Bad MIME"),
    "B": _("Banned"),
    "O": _("Oversized"),
    "T": _("MTA error"),
    "U": _("Unchecked"),
}

# wblist.wb
ALLOW = "W"
BLOCK = "B"
