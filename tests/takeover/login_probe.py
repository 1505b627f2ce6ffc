"""Log accounts in on the database of the test settings; print JSON.

Run in a subprocess by the takeover tests: ``python login_probe.py`` with
the JSON ``{"logins": [[username, password], ...], "tokens": [key, ...]}``
on standard input. For each login: the status of the console's login form
and the start of the stored hash afterwards; for each token: the status of
an API request made with it.
"""

import json
import sys

import django


def main():
    django.setup()
    from django.test import Client

    from modoboa.core.models import User

    request = json.load(sys.stdin)
    answer = {"logins": {}, "tokens": {}}
    for username, password in request["logins"]:
        client = Client()
        response = client.post("/accounts/login/", {"username": username, "password": password})
        home = client.get("/") if response.status_code == 302 else None
        stored = User.objects.get(username=username).password
        answer["logins"][username] = {
            "status": response.status_code,
            "logged_in": "_auth_user_id" in client.session,
            "home": home.status_code if home is not None else None,
            "scheme": stored[: stored.index("}") + 1],
            "hash": stored,
        }
    for key in request["tokens"]:
        response = Client().get("/api/v1/domains/", HTTP_AUTHORIZATION="Token %s" % key)
        answer["tokens"][key] = response.status_code
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
