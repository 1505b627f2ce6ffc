"""Every API route of a built-in extension is in a permission matrix.

The core's routes are in tests/api/test_permission_matrix.py; each
extension serving API routes has its own matrix module,
``test_matrix_<package>.py`` (in tests/api/, or in tests/integration/
when it needs a daemon), whose ``CASES`` name every route and method the
extension serves: a route added without its row of statuses per role
fails here.
"""

import importlib

import pytest

from modoboa.core import builtin_extensions
from tests.api.extension_matrix import PEOPLE, extension_routes

#: Extensions whose API is checked per role by other tests, not (yet) by a
#: matrix module: where.
WITHOUT_MATRIX = {
    "modoboa.webmail": "tests/integration/test_webmail_api.py, needs Dovecot",
}
PLACES = ("tests.api", "tests.integration")


def matrix_module(package):
    name = "test_matrix_%s" % package.rsplit(".", 1)[1]
    for place in PLACES:
        try:
            return importlib.import_module("%s.%s" % (place, name))
        except ModuleNotFoundError as exc:
            if exc.name != "%s.%s" % (place, name):
                raise
    return None


def serving_packages():
    return sorted(
        package
        for package in set(builtin_extensions.MODULES.values())
        if extension_routes(package)
    )


def test_the_address_book_and_the_other_extensions_are_enumerated():
    packages = serving_packages()
    assert "modoboa.contacts" in packages and "modoboa.radicale" in packages
    assert set(WITHOUT_MATRIX) <= set(packages)


@pytest.mark.parametrize("package", serving_packages())
def test_every_extension_api_route_has_its_row_of_statuses(package):
    module = matrix_module(package)
    if package in WITHOUT_MATRIX:
        assert module is None, "%s has a matrix now: drop it from WITHOUT_MATRIX" % package
        return
    assert module is not None, "no test_matrix module for %s" % package
    assert set(module.CASES) == extension_routes(package)
    for case in module.CASES.values():
        assert set(case.expected) == set(PEOPLE)
