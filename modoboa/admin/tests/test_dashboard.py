"""The administration's widgets on the dashboard, for each role."""

import re

import pytest

from modoboa.admin.models import Domain, MailboxOperation
from modoboa.core.models import Log


def text_of(page, element_id):
    match = re.search(r'id="%s"[^>]*>(.*?)</(?:span|ul|p)>' % element_id, page, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)).split() if match else None


@pytest.mark.django_db
def test_superadmin_sees_quota_pending_work_and_the_log(
    client, superadmin, make_domain, make_account
):
    make_domain("full.com", quota=100, default_mailbox_quota=45)
    make_domain("roomy.com", quota=1000, default_mailbox_quota=10)
    make_account("a@full.com", mailbox={"address": "a@full.com"})
    make_account("b@full.com", mailbox={"address": "b@full.com"})
    Domain.objects.filter(name="roomy.com").update(enable_dkim=True)
    MailboxOperation.objects.create(type="delete", argument="/srv/vmail/x")
    client.force_login(superadmin)
    page = client.get("/dashboard/").content.decode()
    quota = " ".join(text_of(page, "dashboard-quota"))
    assert "full.com" in quota and "90 / 100 MB" in quota
    assert "roomy.com" not in quota
    assert text_of(page, "pending-mailbox-operations") == ["1"]
    assert text_of(page, "pending-dkim-keys") == ["1"]
    log = re.search(r'id="dashboard-log">(.*?)</ul>', page, re.S).group(1)
    assert "b@full.com" in log
    assert Log.objects.exists()


@pytest.mark.django_db
def test_domain_admin_sees_its_resources_and_its_domains_only(
    client, domain_admin, make_domain, set_limits
):
    other = make_domain("other.com", quota=10, default_mailbox_quota=5)
    Domain.objects.filter(pk=other.pk).update(enable_dkim=True)
    client.force_login(domain_admin)
    page = client.get("/dashboard/").content.decode()
    assert text_of(page, "dashboard-resources") is not None
    assert "other.com" not in page
    assert text_of(page, "pending-dkim-keys") == ["0"]
    assert 'id="pending-mailbox-operations"' not in page
    assert 'id="dashboard-log"' not in page
    assert 'id="dashboard-quota-none"' in page


@pytest.mark.django_db
def test_dashboard_queries_do_not_grow_with_domains(
    client, superadmin, make_domain, django_assert_max_num_queries
):
    client.force_login(superadmin)
    make_domain("one.com", quota=10, default_mailbox_quota=5)
    with django_assert_max_num_queries(40) as first:
        client.get("/dashboard/")
    for index in range(10):
        make_domain("d%d.com" % index, quota=10, default_mailbox_quota=5)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get("/dashboard/")
