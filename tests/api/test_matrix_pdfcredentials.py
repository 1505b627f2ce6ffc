"""Permission matrix of the credentials document API."""

import pytest

from modoboa.parameters import tools as param_tools
from modoboa.pdfcredentials import services

from .extension_matrix import Case, build_people, expect, extension_routes, statuses


def _take(client, people):
    # A fresh document each time: taking it may delete it.
    services.generate_document(people.owner, password="Toto1234!")
    return client.post("/api/v1/credentials/%d/" % people.owner.pk)


def _is_pdf(people, person, response):
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


CASES = {
    ("credentials_document", "POST"): Case(_take, expect(200, 200, 200, 404, 403, 403), _is_pdf),
}


@pytest.fixture
def people(superadmin, tmp_path):
    param_tools.set_global_parameter("storage_dir", str(tmp_path), app=services.APP)
    return build_people(superadmin)


def test_matrix_covers_every_route():
    assert set(CASES) == extension_routes("modoboa.pdfcredentials")


@pytest.mark.parametrize("route", list(CASES), ids="-".join)
def test_permission_matrix(route, people, api, unchanged):
    case = CASES[route]
    assert statuses(case, people, api, unchanged) == case.expected
