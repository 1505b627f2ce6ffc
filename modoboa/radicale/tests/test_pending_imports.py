"""The batch import refuses, like the forms and the API, an address whose
former holder's calendars are still waiting to be moved or removed.
"""

import io

import pytest
from django.core.management import CommandError, call_command

from modoboa.admin.models import Mailbox
from modoboa.radicale.models import PendingOperation

pytestmark = pytest.mark.django_db


def test_a_batch_import_refuses_a_pending_address_and_names_it(tmp_path, superadmin, domain):
    PendingOperation.objects.create(action=PendingOperation.REMOVE, old_name="gone@test.com")
    path = tmp_path / "import.csv"
    path.write_text(
        "account; gone@test.com; {PLAIN}Secret1234; Gone; Again; true; SimpleUsers;"
        " gone@test.com; 10\n"
        "account; new@test.com; {PLAIN}Secret1234; New; One; true; SimpleUsers;"
        " new@test.com; 10\n"
    )
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("modo", "import", str(path), stdout=out, stderr=err)
    report = out.getvalue() + err.getvalue()
    assert "line 1" in report and "still being removed" in report
    assert not Mailbox.objects.exists()
    PendingOperation.objects.all().delete()
    call_command("modo", "import", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert Mailbox.objects.filter(address="gone", domain=domain).exists()
