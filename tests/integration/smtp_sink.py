"""A minimal SMTP server on a free loopback port that keeps what it gets.

Enough of RFC 5321 for Django's SMTP backend: EHLO/HELO, MAIL, RCPT, DATA,
RSET, NOOP, QUIT.
"""

import socketserver
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy


@dataclass
class Envelope:
    sender: str
    recipients: list
    data: bytes
    message: object = field(default=None)


class _Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 sink ESMTP")
        sender, recipients = None, []
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return
            command = line.decode("utf-8", "replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-sink")
                self.reply("250 8BITMIME")
            elif verb == "HELO":
                self.reply("250 sink")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip().strip("<>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipient = command.split(":", 1)[1].strip().strip("<>")
                if recipient.lower() in self.server.refuse:
                    self.reply(
                        "550 5.1.1 <%s>: Recipient address rejected: User unknown" % recipient
                    )
                    continue
                recipients.append(recipient)
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                chunks = []
                while True:
                    chunk = self.rfile.readline(1 << 20)
                    if not chunk or chunk in (b".\r\n", b".\n"):
                        break
                    chunks.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                data = b"".join(chunks)
                self.server.messages.append(
                    Envelope(
                        sender,
                        recipients,
                        data,
                        message_from_bytes(data, policy=policy.default),
                    )
                )
                self.reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class SMTPSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, refuse=()):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.messages = []
        # Recipients answered "550 User unknown" at RCPT.
        self.refuse = {address.lower() for address in refuse}
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def port(self):
        return self.server_address[1]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
