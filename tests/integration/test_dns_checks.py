"""``modo check_mx`` against a real DNS server (dnsmasq on the loopback)."""

import io
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from modoboa.admin import dns_checks, mx_checks
from modoboa.admin.lib import domain_has_authorized_mx
from modoboa.admin.models import DNSBLResult, MXRecord
from modoboa.parameters import tools as param_tools

pytestmark = pytest.mark.integration


def check_mx(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("modo", "check_mx", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def set_admin_params(**values):
    localconfig = param_tools.get_localconfig()
    localconfig.parameters.set_values(values, app="admin")
    localconfig.save()


def test_resolver_reads_mx_records_ipv4_and_ipv6(dns_settings):
    resolver = dns_checks.get_resolver(2)
    assert dns_checks.resolve_mx("good.org", resolver) == [
        ("mx.good.org", "192.0.2.10"),
        ("mx.good.org", "2001:db8::10"),
    ]
    assert dns_checks.resolve_mx("nomx.org", resolver) == []


def test_servfail_and_timeout_are_reported_errors(dns_settings):
    resolver = dns_checks.get_resolver(1)
    with pytest.raises(dns_checks.DNSCheckError, match="servfail.org"):
        dns_checks.resolve_mx("servfail.org", resolver)
    started = time.monotonic()
    with pytest.raises(dns_checks.DNSCheckError, match="no answer within"):
        dns_checks.resolve_mx("slow.org", resolver)
    assert time.monotonic() - started < 3


def test_dnsbl_listed_and_unlisted_addresses(dns_settings):
    results = dns_checks.check_dnsbl(
        ["198.51.100.20", "2001:db8::20", "192.0.2.10"], ["dnsbl.one", "dnsbl.two"], timeout=2
    )
    assert results[("198.51.100.20", "dnsbl.one")] == "127.0.0.2"
    assert results[("2001:db8::20", "dnsbl.one")] == "127.0.0.3"
    assert results[("192.0.2.10", "dnsbl.one")] == ""
    assert results[("198.51.100.20", "dnsbl.two")] == ""


def test_dnsbl_queries_run_concurrently_within_the_timeout(dns_settings):
    providers = ["dnsbl.slow"] * 1 + ["dnsbl.one", "dnsbl.refuse"]
    addresses = ["198.51.100.%d" % i for i in range(20)]
    started = time.monotonic()
    results = dns_checks.check_dnsbl(addresses, providers, timeout=1.5)
    elapsed = time.monotonic() - started
    # 60 queries, 20 of which time out: in parallel, about one timeout.
    assert elapsed < 4
    assert isinstance(results[("198.51.100.1", "dnsbl.slow")], dns_checks.DNSCheckError)
    assert isinstance(results[("198.51.100.1", "dnsbl.refuse")], dns_checks.DNSCheckError)
    assert results[("198.51.100.20".replace("20", "19"), "dnsbl.one")] == ""


def test_check_mx_caches_records_and_marks_managed_ones(dns_settings, make_domain):
    set_admin_params(valid_mxs="192.0.2.0/24")
    good = make_domain("good.org")
    check_mx("--no-dnsbl", "--ttl", "600")
    records = {(r.name, r.address): r for r in MXRecord.objects.filter(domain=good)}
    assert set(records) == {("mx.good.org", "192.0.2.10"), ("mx.good.org", "2001:db8::10")}
    assert records[("mx.good.org", "192.0.2.10")].managed
    assert not records[("mx.good.org", "2001:db8::10")].managed
    expiry = records[("mx.good.org", "192.0.2.10")].updated
    assert timedelta(seconds=590) < expiry - timezone.now() <= timedelta(seconds=600)
    # A second run keeps the cached rows.
    ids = sorted(r.pk for r in records.values())
    check_mx("--no-dnsbl")
    assert sorted(MXRecord.objects.filter(domain=good).values_list("pk", flat=True)) == ids
    # Expired rows are resolved again.
    MXRecord.objects.update(updated=timezone.now() - timedelta(seconds=1))
    check_mx("--no-dnsbl")
    assert sorted(MXRecord.objects.filter(domain=good).values_list("pk", flat=True)) != ids
    assert mail.outbox == []


def test_alert_when_no_mx_is_managed(dns_settings, make_domain, make_account):
    from modoboa.core import constants

    set_admin_params(valid_mxs="192.0.2.0/24")
    foreign = make_domain("foreign.org")
    make_account(
        "admin@foreign.org",
        role=constants.DOMAINADMINS,
        domains=["foreign.org"],
        mailbox={"address": "admin@foreign.org"},
    )
    out, _err = check_mx("--no-dnsbl", "--email", "ops@elsewhere.net", "--email", "b@x.net")
    assert "foreign.org: No MX record of domain foreign.org points to an authorized" in out
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "[modoboa] MX issue(s) for domain foreign.org"
    assert sorted(message.to) == ["admin@foreign.org", "b@x.net", "ops@elsewhere.net"]
    assert message.from_email == param_tools.get_global_parameter("sender_address", app="core")
    assert "mx.foreign.org [203.0.113.5]" in message.body
    assert foreign.pk


def test_alert_when_the_domain_has_no_mx(dns_settings, make_domain):
    make_domain("nomx.org")
    check_mx("--no-dnsbl", "--email", "ops@elsewhere.net", "--skip-admin-emails")
    assert [m.subject for m in mail.outbox] == ["[modoboa] MX issue(s) for domain nomx.org"]
    assert "has no MX record" in mail.outbox[0].body


def test_dnsbl_results_are_stored_and_new_listings_mailed_once(dns_settings, make_domain):
    listed = make_domain("listed.org")
    good = make_domain("good.org")
    check_mx("--email", "ops@elsewhere.net")
    results = {
        (r.domain.name, r.mx.address, r.provider): r.status
        for r in DNSBLResult.objects.select_related("domain", "mx")
    }
    assert results[("listed.org", "198.51.100.20", "dnsbl.one")] == "127.0.0.2"
    assert results[("listed.org", "2001:db8::20", "dnsbl.one")] == "127.0.0.3"
    assert results[("listed.org", "198.51.100.20", "dnsbl.two")] == ""
    assert results[("good.org", "192.0.2.10", "dnsbl.one")] == ""
    assert len(results) == 8
    assert [m.subject for m in mail.outbox] == ["[modoboa] DNSBL issue(s) for domain listed.org"]
    assert "dnsbl.one" in mail.outbox[0].body and "2001:db8::20" in mail.outbox[0].body
    # Nothing new the second time: no mail, same rows.
    check_mx("--email", "ops@elsewhere.net")
    assert len(mail.outbox) == 1
    assert DNSBLResult.objects.count() == 8
    assert listed.pk and good.pk


def test_providers_removed_from_the_list_lose_their_results(dns_settings, make_domain):
    make_domain("listed.org")
    check_mx("--skip-admin-emails")
    assert DNSBLResult.objects.filter(provider="dnsbl.two").exists()
    dns_settings.DNSBL_PROVIDERS = ["dnsbl.one"]
    check_mx("--skip-admin-emails")
    assert not DNSBLResult.objects.filter(provider="dnsbl.two").exists()


def test_failures_are_reported_without_traceback(dns_settings, make_domain):
    make_domain("servfail.org")
    make_domain("slow.org")
    make_domain("listed.org")
    dns_settings.DNSBL_PROVIDERS = ["dnsbl.one", "dnsbl.slow", "dnsbl.refuse"]
    started = time.monotonic()
    out, _err = check_mx("--timeout", "1", "--skip-admin-emails")
    assert time.monotonic() - started < 8
    assert "servfail.org: MX look-up failed" in out
    assert "slow.org: MX look-up failed" in out and "no answer within" in out
    assert "listed.org: DNSBL dnsbl.slow: no answer within" in out
    assert "listed.org: DNSBL dnsbl.refuse: dnsbl.refuse refused the query" in out
    assert not DNSBLResult.objects.filter(provider__in=["dnsbl.slow", "dnsbl.refuse"]).exists()
    assert DNSBLResult.objects.filter(provider="dnsbl.one").exclude(status="").count() == 2


def test_domain_option_by_name_or_id_and_reserved_tlds(dns_settings, make_domain):
    good = make_domain("good.org")
    make_domain("listed.org")
    make_domain("reserved.test")
    check_mx("--no-dnsbl", "--domain", str(good.pk))
    assert set(MXRecord.objects.values_list("domain__name", flat=True)) == {"good.org"}
    check_mx("--no-dnsbl", "--domain", "listed.org", "--domain", "reserved.test")
    assert set(MXRecord.objects.values_list("domain__name", flat=True)) == {
        "good.org",
        "listed.org",
    }
    assert [d.name for d in mx_checks.select_domains()] == ["good.org", "listed.org"]


def test_disabled_dnsbl_parameter(dns_settings, make_domain):
    set_admin_params(enable_dnsbl_checks=False)
    make_domain("listed.org")
    check_mx()
    assert MXRecord.objects.exists() and not DNSBLResult.objects.exists()


def test_authorized_mx_rule_uses_the_same_resolver(dns_settings, db):
    set_admin_params(valid_mxs="192.0.2.0/24")
    assert domain_has_authorized_mx("good.org")
    assert not domain_has_authorized_mx("foreign.org")
    assert not domain_has_authorized_mx("servfail.org")


def test_domain_admin_creation_refused_without_authorized_mx(dns_settings, reseller):
    from modoboa.admin import services
    from modoboa.lib.exceptions import BadRequest

    set_admin_params(valid_mxs="192.0.2.0/24", domains_must_have_authorized_mx=True)
    with pytest.raises(BadRequest, match="authorized MX"):
        services.create_domain(acting_user=reseller, name="foreign.org", quota=10)
    domain = services.create_domain(acting_user=reseller, name="good.org", quota=10)
    assert domain.name == "good.org"


def test_two_runs_at_once_do_not_collide(dns_settings, make_domain):
    from modoboa.lib.cronlock import job_lock

    make_domain("good.org")
    with job_lock("check_mx"):
        _out, err = check_mx("--no-dnsbl", "-v", "2")
    assert "check_mx: another run holds its lock" in err
    assert not MXRecord.objects.exists()
    check_mx("--no-dnsbl")
    assert MXRecord.objects.count() == 2


@pytest.fixture
def smtp_sink(settings):
    from tests.integration.smtp_sink import SMTPSink

    with SMTPSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        yield sink


def test_alert_goes_through_a_real_smtp_server(dns_settings, smtp_sink, make_domain):
    make_domain("listed.org")
    check_mx("--email", "ops@elsewhere.net", "--skip-admin-emails")
    assert len(smtp_sink.messages) == 1
    envelope = smtp_sink.messages[0]
    assert envelope.recipients == ["ops@elsewhere.net"]
    assert envelope.sender == param_tools.get_global_parameter("sender_address", app="core")
    assert envelope.message["Subject"] == "[modoboa] DNSBL issue(s) for domain listed.org"
    assert "198.51.100.20" in envelope.message.get_content()


def test_unreachable_smtp_server_is_logged_not_raised(dns_settings, settings, make_domain):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    make_domain("listed.org")
    out, _err = check_mx("--email", "ops@elsewhere.net")
    assert "listed.org" in out
    assert DNSBLResult.objects.exclude(status="").count() == 2


def _records(domain):
    from modoboa.admin import dns_records

    return {check.kind: check for check in dns_records.check_records(domain)}


def test_spf_dkim_and_dmarc_records_published_right(dns_settings, make_domain):
    from modoboa.admin.models import Domain
    from tests.fixtures.dns import DKIM_PUBLIC_KEY

    good = make_domain("good.org")
    Domain.objects.filter(pk=good.pk).update(enable_dkim=True, dkim_public_key=DKIM_PUBLIC_KEY)
    good.refresh_from_db()
    found = _records(good)
    assert {kind: check.status for kind, check in found.items()} == {
        "spf": "ok",
        "dkim": "ok",
        "dmarc": "ok",
    }
    assert found["spf"].record == "v=spf1 mx -all"
    assert found["dmarc"].message == "Published, policy 'quarantine'."
    # A new key Modoboa signs with that nobody published yet.
    Domain.objects.filter(pk=good.pk).update(dkim_public_key=DKIM_PUBLIC_KEY[:-8] + "AAAAAAAA")
    good.refresh_from_db()
    assert _records(good)["dkim"].status == "error"


def test_spf_dkim_and_dmarc_records_published_wrong_or_missing(dns_settings, make_domain):
    from modoboa.admin.models import Domain

    listed, foreign, nomx = (make_domain(n) for n in ("listed.org", "foreign.org", "nomx.org"))
    Domain.objects.filter(pk__in=[listed.pk, foreign.pk]).update(enable_dkim=True)
    listed.refresh_from_db()
    foreign.refresh_from_db()
    found = _records(listed)
    assert found["spf"].status == "error" and "Several SPF records" in found["spf"].message
    # No p= tag: no policy receivers can apply.
    assert found["dmarc"].status == "error"
    assert found["dkim"].status == "missing"
    found = _records(foreign)
    assert found["spf"].status == "warning" and "+all" in found["spf"].message
    assert found["dmarc"].status == "error"
    assert found["dkim"].status == "error" and "revoked" in found["dkim"].message
    found = _records(nomx)
    # DKIM is off for this domain: nothing to say about it.
    assert {kind: check.status for kind, check in found.items()} == {
        "spf": "missing",
        "dmarc": "missing",
    }


def test_a_dns_failure_is_a_result_not_an_error(dns_settings, make_domain):
    found = _records(make_domain("servfail.org"))
    assert {check.status for check in found.values()} == {"error"}
    assert all("DNS query failed" in check.message for check in found.values())


def test_check_now_shows_the_results_on_the_domain_page(
    dns_settings, client, superadmin, make_domain
):
    from modoboa.admin.models import Domain
    from tests.fixtures.dns import DKIM_PUBLIC_KEY

    good = make_domain("good.org")
    Domain.objects.filter(pk=good.pk).update(enable_dkim=True, dkim_public_key=DKIM_PUBLIC_KEY)
    client.force_login(superadmin)
    page = client.get("/admin/domains/%d/" % good.pk).content.decode()
    assert 'id="dns-check-now"' in page and 'id="dns-records"' not in page
    response = client.post("/admin/domains/%d/dns/check/" % good.pk, follow=True)
    page = response.content.decode()
    assert "DNS checks done" in page
    assert 'id="dns-records"' in page
    assert "it matches the key Modoboa signs with" in page
    assert MXRecord.objects.filter(domain=good).exists()
    assert client.get("/admin/domains/%d/dns/check/" % good.pk).status_code == 405


def test_check_now_is_refused_outside_the_administrators_reach(
    dns_settings, client, make_domain, domain_admin
):
    other = make_domain("good.org")
    client.force_login(domain_admin)
    response = client.post("/admin/domains/%d/dns/check/" % other.pk)
    assert response.status_code in (403, 404)
    assert not MXRecord.objects.filter(domain=other).exists()
