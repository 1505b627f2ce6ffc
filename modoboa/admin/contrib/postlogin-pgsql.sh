#!/bin/sh
# Dovecot post-login script for Modoboa on PostgreSQL: records the login of
# $USER (the address Dovecot authenticated) in core_user.last_login, then
# goes on with the session. A failed update never blocks the login.
#
# Install it readable by the postlogin service user only (it holds the
# database password), e.g. chown root:vmail, chmod 0750.

PGHOST='<dbhost>'
PGPORT='<dbport>'
PGDATABASE='<dbname>'
PGUSER='<dbuser>'
PGPASSWORD='<dbpassword>'
export PGHOST PGPORT PGDATABASE PGUSER PGPASSWORD

if [ -n "$USER" ]; then
    # psql quotes the address itself (:'login'): no SQL is built from it.
    echo "UPDATE core_user SET last_login = now() WHERE email = :'login';" |
        psql -X -q -w -v ON_ERROR_STOP=1 -v login="$USER" >/dev/null 2>&1
fi

exec "$@"
