"""Turn Postfix and Amavis log lines into counters and message log rows.

What is counted (per minute and per hour, for the domain or domain alias
concerned when it is hosted here, and for the whole server):

- a delivery (``status=sent``): ``sent`` and ``size_sent`` for the sender's
  domain, ``recv`` and ``size_recv`` for the recipient's domain (the
  original recipient's when Postfix logs one), each when it is hosted here;
  a hand-over to a content filter (Amavis answering "from MTA(...)") is not
  a delivery: the filter re-injects the message, which is counted then;
- a bounce (``status=bounced``): ``bounced`` for the recipient's domain, or
  the sender's when the recipient is not hosted here;
- a refusal (``NOQUEUE: reject:``): ``reject``, or ``greylist`` when the
  answer speaks of greylisting (or is postscreen's 450);
- Amavis' ``Blocked``/``Passed`` lines: ``spam`` (SPAM, SPAMMY) and
  ``virus`` (INFECTED, BANNED is not counted), per recipient.

The server-wide scope counts every refusal, bounce, spam and virus, and the
deliveries that have a hosted side.
"""

import re
from collections import defaultdict

from .models import COUNTERS, GLOBAL, HOUR, MINUTE

INDEX = {name: position for position, name in enumerate(COUNTERS)}
# The columns of the message log rows the accumulator collects (tuples:
# the parser inserts them in bulk without building model instances).
MAILLOG_COLUMNS = (
    "queue_id",
    "date",
    "sender",
    "rcpt",
    "original_rcpt",
    "size",
    "status",
    "relay",
    "answer",
    "from_domain",
    "to_domain",
)

QUEUE_ID = r"(?P<qid>[0-9A-Za-z]{5,20})"
FROM = re.compile(QUEUE_ID + r": from=<(?P<sender>[^>]*)>, size=(?P<size>\d+)")
TO = re.compile(
    QUEUE_ID + r": to=<(?P<rcpt>[^>]*)>,(?: orig_to=<(?P<orig>[^>]*)>,)? relay=(?P<relay>[^,]*),"
    r".*? status=(?P<status>[a-z]+)(?: \((?P<answer>.*)\))?$"
)
REMOVED = re.compile(QUEUE_ID + r": removed$")
REJECT = re.compile(
    r"(?:NOQUEUE|[0-9A-Za-z]{5,20}): (?:milter-)?reject: \S+ from \S+: "
    r"(?:(?P<code>[245]\d\d) )?(?P<reason>.*?); "
    r"from=<(?P<sender>[^>]*)>,? to=<(?P<rcpt>[^>]*)>"
)
AMAVIS = re.compile(
    r"\([\w-]+\) (?:Blocked|Passed|Not-Delivered) (?P<kind>[A-Z-]+)\b.*? "
    r"<(?P<sender>[^>]*)> -> (?P<rcpts><[^>]*>(?:,<[^>]*>)*)"
)
SRS = re.compile(r"^SRS([01])[=+-](?P<rest>.*)$", re.IGNORECASE)

# Statuses kept in the message log. Address verification probes
# (deliverable, undeliverable) are not deliveries.
LOGGED_STATUSES = {"sent", "bounced", "deferred", "expired"}
AMAVIS_KINDS = {"SPAM": "spam", "SPAMMY": "spam", "INFECTED": "virus"}
ANSWER_LENGTH = 2000


def unwind_srs(address):
    """The original address of an SRS0/SRS1 rewritten sender, or
    ``address`` itself.
    """
    local, at, _domain = address.rpartition("@")
    if not at:
        return address
    match = SRS.match(local)
    if match is None:
        return address
    rest = match["rest"]
    if match[1] == "1":
        # SRS1=HHH=first-forwarder==HHH=TT=domain=local
        _forwarder, separator, rest = rest.partition("==")
        if not separator:
            return address
    parts = rest.split("=", 3)
    if len(parts) != 4 or not parts[2] or not parts[3]:
        return address
    return "%s@%s" % (parts[3], parts[2])


def domain_of(address):
    _local, at, domain = address.rpartition("@")
    return domain.lower() if at else ""


class Accumulator:
    """Collect what the lines of one run say, until it is written."""

    def __init__(self, local_domains, queue):
        self.local = local_domains
        self.queue = queue  # queue id -> (sender, size, date)
        self.counters = defaultdict(lambda: [0] * len(COUNTERS))
        self.rows = []
        self.used = 0
        self.ignored = 0

    def add(self, date, scope, name, value=1):
        timestamp = int(date.timestamp())
        minute = timestamp - timestamp % MINUTE
        hour = timestamp - timestamp % HOUR
        position = INDEX[name]
        self.counters[(MINUTE, scope, minute)][position] += value
        self.counters[(HOUR, scope, hour)][position] += value

    def count(self, date, name, domains, value=1):
        """Add ``value`` to counter ``name`` for each hosted domain of
        ``domains`` and once for the server.
        """
        for domain in domains:
            if domain and domain in self.local:
                self.add(date, domain, name, value)
        self.add(date, GLOBAL, name, value)

    # Lines

    def feed(self, line):
        """Account for one parsed line; tell whether it was used."""
        if line.program == "postfix" or line.program.startswith("postfix-"):
            used = self.postfix(line)
        elif line.program in ("amavis", "amavisd", "amavisd-new"):
            used = self.amavis(line)
        else:
            used = False
        if used:
            self.used += 1
        else:
            self.ignored += 1
        return used

    def postfix(self, line):
        text = line.text
        if "to=<" in text and "status=" in text:
            match = TO.match(text)
            if match is not None:
                return self.delivery(line.date, match)
        if "reject: " in text:
            match = REJECT.match(text)
            if match is not None:
                return self.refusal(line, match)
        if "from=<" in text:
            match = FROM.match(text)
            if match is not None:
                sender = unwind_srs(match["sender"]).lower()
                self.queue[match["qid"]] = (sender, int(match["size"]), line.date)
                return True
        if text.endswith(": removed"):
            match = REMOVED.match(text)
            if match is not None:
                self.queue.pop(match["qid"], None)
                return True
        return False

    def delivery(self, date, match):
        status = match["status"]
        if status not in LOGGED_STATUSES:
            return False
        sender, size, _date = self.queue.get(match["qid"], ("", 0, None))
        rcpt = match["rcpt"].lower()
        orig = (match["orig"] or "").lower()
        recipient_domain = domain_of(rcpt if not orig or SRS.match(orig) else orig)
        sender_domain = domain_of(sender)
        answer = match["answer"] or ""
        self.rows.append(
            (
                match["qid"],
                date,
                sender[:254],
                rcpt[:254],
                orig[:254],
                size,
                status,
                match["relay"][:255],
                answer[:ANSWER_LENGTH],
                sender_domain[:253],
                recipient_domain[:253],
            )
        )
        if status == "sent":
            if "from MTA(" in answer:
                return True  # handed to a content filter, which re-injects it
            if sender_domain in self.local:
                self.add(date, sender_domain, "sent")
                self.add(date, sender_domain, "size_sent", size)
                self.add(date, GLOBAL, "sent")
                self.add(date, GLOBAL, "size_sent", size)
            if recipient_domain in self.local:
                self.add(date, recipient_domain, "recv")
                self.add(date, recipient_domain, "size_recv", size)
                self.add(date, GLOBAL, "recv")
                self.add(date, GLOBAL, "size_recv", size)
        elif status == "bounced":
            if recipient_domain in self.local:
                self.count(date, "bounced", [recipient_domain])
            else:
                self.count(date, "bounced", [sender_domain])
        return True

    def refusal(self, line, match):
        reason = match["reason"]
        code = match["code"] or ""
        greylisted = "greylist" in reason.lower() or (
            line.subprogram == "postscreen" and code == "450"
        )
        sender = unwind_srs(match["sender"]).lower()
        rcpt = match["rcpt"].lower()
        name = "greylist" if greylisted else "reject"
        self.count(line.date, name, [domain_of(rcpt)])
        answer = ("%s %s" % (code, reason)).strip()
        self.rows.append(
            (
                "",
                line.date,
                sender[:254],
                rcpt[:254],
                "",
                0,
                "greylisted" if greylisted else "rejected",
                "",
                answer[:ANSWER_LENGTH],
                domain_of(sender)[:253],
                domain_of(rcpt)[:253],
            )
        )
        return True

    def amavis(self, line):
        match = AMAVIS.search(line.text)
        if match is None:
            return False
        name = AMAVIS_KINDS.get(match["kind"])
        if name is None:
            return True  # CLEAN, BANNED, BAD-HEADER...: nothing to count
        for rcpt in match["rcpts"].split(","):
            self.count(line.date, name, [domain_of(rcpt.strip("<>"))])
        return True
