#!/bin/sh
# Dovecot post-login script for Modoboa on SQLite: records the login of
# $USER (the address Dovecot authenticated) in core_user.last_login, then
# goes on with the session. A failed update never blocks the login.
#
# The postlogin service user must be allowed to write the database file and
# its directory (SQLite writes a journal next to it).

DBPATH='<sqlite_db>'

if [ -n "$USER" ]; then
    # The address travels hex-encoded: no quoting problem, no injection.
    login=$(printf '%s' "$USER" | od -An -v -tx1 | tr -d ' \n')
    sqlite3 -cmd '.timeout 5000' "$DBPATH" \
        "UPDATE core_user SET last_login = datetime('now') WHERE email = CAST(X'$login' AS TEXT);" \
        >/dev/null 2>&1
fi

exec "$@"
