"""Columns whose SQL type differs between Amavis' PostgreSQL and MySQL schemas.

Amavis stores mail ids and addresses as octets (``bytea`` on PostgreSQL,
``varbinary`` on MySQL/MariaDB) and ``msgs.time_iso`` as a timestamp on
PostgreSQL but as ``char(16)`` text (``20260101T120000Z``) on MySQL. These
fields give Python ``str`` and ``datetime`` values whatever the engine.
"""

import datetime

from django.db import models

ISO_FORMAT = "%Y%m%dT%H%M%SZ"


class OctetsField(models.Field):
    """Text kept as octets (UTF-8) in the database."""

    def __init__(self, *args, pg_type="bytea", **kwargs):
        self.pg_type = pg_type
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.pg_type != "bytea":
            kwargs["pg_type"] = self.pg_type
        return name, path, args, kwargs

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return self.pg_type
        if connection.vendor == "mysql":
            return "varbinary(%d)" % (self.max_length or 255)
        return "blob"

    def get_internal_type(self):
        return "OctetsField"

    def _text_column(self, connection):
        return connection.vendor == "postgresql" and self.pg_type != "bytea"

    @staticmethod
    def decode(value):
        if value is None or isinstance(value, str):
            return value
        return bytes(value).decode("utf-8", "replace")

    def from_db_value(self, value, expression, connection):
        return self.decode(value)

    def to_python(self, value):
        return self.decode(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        if self._text_column(connection):
            return self.decode(value)
        if isinstance(value, str):
            value = value.encode("utf-8")
        return connection.Database.Binary(bytes(value))


class ChunkField(models.BinaryField):
    """``quarantine.mail_text``: ``bytea`` or ``blob``."""

    def db_type(self, connection):
        if connection.vendor == "mysql":
            return "blob"
        return super().db_type(connection)

    def from_db_value(self, value, expression, connection):
        return None if value is None else bytes(value)


class TimeIsoField(models.Field):
    """``msgs.time_iso``: aware UTC datetimes in Python."""

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "timestamp with time zone"
        return "char(16)"

    def get_internal_type(self):
        return "TimeIsoField"

    def from_db_value(self, value, expression, connection):
        return self.to_python(value)

    def to_python(self, value):
        if value is None or isinstance(value, datetime.datetime):
            return value
        parsed = datetime.datetime.strptime(value.strip(), ISO_FORMAT)
        return parsed.replace(tzinfo=datetime.UTC)

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        value = self.to_python(value)
        if connection.vendor == "postgresql":
            return value
        return value.astimezone(datetime.UTC).strftime(ISO_FORMAT)
