"""Taking over an existing Modoboa 1.10.x database.

``manage.py migrate`` recognises a 1.10 database (``detect``), rewrites its
migration history so that this project's migrations follow on
(``history``), applies the missing migrations, then brings every table of
the core applications to the exact shape a fresh install has
(``conform``). ``manage.py modo takeover`` (``modoboa.admin.takeover``)
reports what was found and moves the data that needs moving.
"""
