#!/bin/sh
# Dovecot post-login script for Modoboa on MySQL / MariaDB: records the login
# of $USER (the address Dovecot authenticated) in core_user.last_login, then
# goes on with the session. A failed update never blocks the login.
#
# Install it readable by the postlogin service user only (it holds the
# database password), e.g. chown root:vmail, chmod 0750.

DBHOST='<dbhost>'
DBPORT='<dbport>'
DBNAME='<dbname>'
DBUSER='<dbuser>'
MYSQL_PWD='<dbpassword>'
export MYSQL_PWD

if [ -n "$USER" ]; then
    # The address travels as a hex literal: no quoting problem, no
    # injection; the _utf8mb4 introducer lets it take the column's collation.
    # Django stores UTC, hence UTC_TIMESTAMP() rather than NOW().
    login=$(printf '%s' "$USER" | od -An -v -tx1 | tr -d ' \n')
    echo "UPDATE core_user SET last_login = UTC_TIMESTAMP() WHERE email = _utf8mb4 X'$login';" |
        mysql --no-defaults -h "$DBHOST" -P "$DBPORT" -u "$DBUSER" "$DBNAME" >/dev/null 2>&1
fi

exec "$@"
