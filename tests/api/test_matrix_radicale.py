"""The calendars extension (Radicale) serves no API route: its pages and
Radicale's own rights are its whole surface. Should it grow one, this test
fails until the route gets its rows in a matrix like the other extensions'.
"""

from .extension_matrix import extension_routes


def test_radicale_has_no_api_route():
    assert extension_routes("modoboa.radicale") == set()


def test_the_route_walker_sees_the_other_extensions():
    assert ("autoreply-detail", "PUT") in extension_routes("modoboa.autoreply")
