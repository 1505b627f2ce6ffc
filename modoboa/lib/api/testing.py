"""Test helpers of the API: a client authenticated by token that reads
streamed answers.
"""

import json

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


class ModoboaAPIClient(APIClient):
    """An API client whose responses carry their decoded JSON in ``body``.

    A streamed list is read within the request call, so the queries it runs
    count where the request is made (``django_assert_max_num_queries``).
    """

    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        if response.streaming:
            content = b"".join(response.streaming_content)
        else:
            content = response.content
        response.body = None
        if content and "json" in response.get("Content-Type", ""):
            response.body = json.loads(content)
        return response


def api_client(user=None):
    """A client sending ``user``'s API token (anonymous for None)."""
    client = ModoboaAPIClient()
    if user is not None:
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION="Token %s" % token.key)
    return client
