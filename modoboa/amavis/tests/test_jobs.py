"""qcleanup and amnotify: they do their work once, then nothing."""

import datetime

import pytest
from django.core import mail as django_mail
from django.core.management import call_command
from django.utils import timezone

from modoboa.amavis import constants
from modoboa.amavis.factories import quarantine_message
from modoboa.amavis.models import Maddr, Msgrcpt, Msgs, Quarantine
from modoboa.amavis.services import quarantine
from modoboa.parameters import tools as param_tools

pytestmark = pytest.mark.django_db


def test_qcleanup_removes_what_it_should_and_nothing_else(domain, superadmin):
    kept = quarantine_message("a@evil.com", ["user@test.com", "boss@test.com"])
    half = quarantine_message("b@evil.com", ["user@test.com", "boss@test.com"])
    gone = quarantine_message("c@evil.com", ["user@test.com", "boss@test.com"])
    released = quarantine_message("d@evil.com", ["user@test.com"], rs=constants.RS_RELEASED)
    old = quarantine_message(
        "e@evil.com", ["user@test.com"], received=timezone.now() - datetime.timedelta(days=15)
    )
    Msgrcpt.objects.filter(mail_id=half, rseqnum=1).update(rs=constants.RS_DELETED)
    Msgrcpt.objects.filter(mail_id=gone).update(rs=constants.RS_DELETED)
    call_command("qcleanup")
    remaining = set(Msgs.objects.values_list("mail_id", flat=True))
    assert remaining == {kept, half, released}
    assert not Quarantine.objects.filter(mail_id__in=[gone, old]).exists()
    assert not Msgrcpt.objects.filter(mail_id__in=[gone, old]).exists()
    assert not Maddr.objects.filter(email__in=["c@evil.com", "e@evil.com"]).exists()
    assert Maddr.objects.filter(email="a@evil.com").exists()
    param_tools.set_global_parameter("released_msgs_cleanup", True, app="modoboa_amavis")
    call_command("qcleanup")
    assert set(Msgs.objects.values_list("mail_id", flat=True)) == {kept, half}
    before = list(Msgrcpt.objects.order_by("mail_id", "rseqnum").values_list("mail_id", "rs"))
    call_command("qcleanup")
    after = list(Msgrcpt.objects.order_by("mail_id", "rseqnum").values_list("mail_id", "rs"))
    assert before == after


def test_amnotify_mails_each_request_once_to_the_admins_who_may_grant_it(
    domain_admin, simple_user, superadmin, other_domain
):
    superadmin.email = "root@example.net"
    superadmin.save()
    mine = quarantine_message("spam@evil.com", ["user@test.com"], subject="Please release")
    quarantine_message("spam@evil.com", ["boss@test2.com"], subject="Not for admin")
    assert quarantine.release(simple_user, mine) == "requested"
    call_command("amnotify", "--baseurl", "https://mail.example.net")
    recipients = sorted(m.to[0] for m in django_mail.outbox)
    assert recipients == ["admin@test.com", "root@example.net"]
    body = django_mail.outbox[0].body
    assert "Please release" in body and "Not for admin" not in body
    assert "https://mail.example.net/quarantine/?pending=1" in body
    call_command("amnotify")
    assert len(django_mail.outbox) == 2


def test_digest_lists_new_messages_once_per_period(simple_user, domain_admin):
    import time

    from modoboa.amavis.services import jobs

    simple_user.parameters.set_value("digest", "daily", app="modoboa_amavis")
    simple_user.save()
    quarantine_message("spam@evil.com", ["user@test.com"], subject="Fresh spam")
    quarantine_message("spam@evil.com", ["admin@test.com"], subject="Not yours")
    now = time.time() + 1
    assert jobs.send_digests(now=now) == 1
    assert django_mail.outbox[-1].to == ["user@test.com"]
    assert "Fresh spam" in django_mail.outbox[-1].body
    assert "Not yours" not in django_mail.outbox[-1].body
    assert jobs.send_digests(now=now + 60) == 0
    quarantine_message(
        "spam@evil.com",
        ["user@test.com"],
        subject="Next day",
        received=timezone.now() + datetime.timedelta(hours=1),
    )
    assert jobs.send_digests(now=now + 86400) == 1
    body = django_mail.outbox[-1].body
    assert "Next day" in body and "Fresh spam" not in body
