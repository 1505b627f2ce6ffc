"""Logging handlers: the admin log table and a syslog that never fails."""

import logging
import os
import socket
from logging.handlers import SysLogHandler


class SQLHandler(logging.Handler):
    """Write records to ``core_log`` (the log shown in the console)."""

    def emit(self, record):
        from django.db import DatabaseError

        from .models import Log

        try:
            message = self.format(record)
            Log.objects.create(
                message=message[:255],
                level=record.levelname[:15],
                logger=record.name[:30],
            )
        except DatabaseError:
            self.handleError(record)


class SafeSysLogHandler(SysLogHandler):
    """A SysLogHandler that works where no ``/dev/log`` exists.

    It uses ``/dev/log`` when present, the address given otherwise, and
    drops records silently (instead of raising at start-up) when no syslog
    daemon listens, as in containers and on test machines.
    """

    def __init__(self, address=None, facility=SysLogHandler.LOG_USER, **kwargs):
        if address is None:
            address = "/dev/log" if os.path.exists("/dev/log") else ("localhost", 514)
        try:
            super().__init__(address=address, facility=facility, **kwargs)
        except OSError:
            logging.Handler.__init__(self)
            self.address = address
            self.facility = facility
            self.socktype = socket.SOCK_DGRAM
            self.socket = None
            self.unixsocket = False

    def emit(self, record):
        if getattr(self, "socket", None) is None:
            return
        try:
            super().emit(record)
        except OSError:
            pass

    def handleError(self, record):  # noqa: N802 - logging API
        # Losing a syslog line must never break a login.
        pass
