"""Fixtures of the API tests: authenticated clients and JSON helpers."""

import json

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def body(response):
    """The decoded JSON body of a response, streamed or not."""
    if response.streaming:
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return json.loads(content) if content else None


@pytest.fixture
def api():
    """``api(user)`` returns an APIClient sending ``user``'s token (an
    anonymous client for None).
    """

    def _client(user=None):
        client = APIClient()
        if user is not None:
            token, _created = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION="Token %s" % token.key)
        return client

    return _client
