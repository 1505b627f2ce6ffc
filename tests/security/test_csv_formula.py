"""CSV formula injection: no exported cell starts with a character a
spreadsheet evaluates, and the import gives the values back unchanged.

Guards against the CSV formula injection Modoboa fixed in 2026 (PR #4061).
"""

import csv
import io

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

FORMULAS = ('=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx")


def exported_cells(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return [
        cell for row in csv.reader(io.StringIO(content.decode()), delimiter=";") for cell in row
    ]


def test_2026_exported_cells_never_start_a_formula(superadmin, domain, make_account):
    from modoboa.admin import services

    make_account("sheet@test.com", first_name=FORMULAS[0][:30], last_name="+cmd|' /C calc'!A0")
    services.create_alias(
        acting_user=superadmin,
        address="@test.com",
        recipients=["sheet@test.com"],
    )
    client = Client()
    client.force_login(superadmin)
    client.get("/admin/identities/")
    response = client.post("/admin/identities/export/", {"filename": "x.csv", "sepchar": ";"})
    cells = exported_cells(response)
    assert cells
    dangerous = [cell for cell in cells if cell and cell[0] in "=+-@\t\r"]
    assert dangerous == []
    assert "'@test.com" in cells and "'+cmd|' /C calc'!A0" in cells


@pytest.mark.parametrize("value", FORMULAS + ("'=already quoted", "plain", "@test.com"))
def test_neutralised_cells_come_back_unchanged(value):
    from modoboa.admin.csv_cells import neutralise, restore

    cell = neutralise(value)
    assert not cell or cell[0] not in "=+-@\t\r"
    assert restore(cell) == value


def test_exported_identities_reimport_as_they_were(superadmin, domain, make_account):
    """The catch-all (``@test.com``) survives an export then an import."""
    from modoboa.admin import services
    from modoboa.admin.csv_export import export_identities
    from modoboa.admin.csv_import import import_csv
    from modoboa.admin.models import Alias

    make_account("sheet@test.com", last_name="-minus")
    services.create_alias(
        acting_user=superadmin, address="@test.com", recipients=["sheet@test.com"]
    )
    text = "".join(export_identities())
    Alias.objects.filter(address="@test.com").delete()
    import_csv(io.StringIO(text), acting_user=superadmin, continue_if_exists=True)
    assert Alias.objects.filter(address="@test.com").exists()
