"""``modo export`` and the import/export round trip."""

import io

from django.core.management import call_command

from modoboa.admin import csv_export, csv_import
from modoboa.admin.models import Alias, Domain, DomainAlias, Mailbox, SenderAddress
from modoboa.core.models import ObjectAccess, User
from modoboa.relaydomains.models import RecipientAccess
from modoboa.transport.models import Transport

SOURCE = """\
domain;example.org;1000;100;true
domain;other.org;0;0;false
domainalias;example.net;example.org;true
domainalias;example.info;example.org;false
relaydomain;relay.org;mx.relay.org;2525;relay;true;true
account;boss;{PLAIN}Boss1234;Big;Boss;true;Resellers;;;other.org
account;admin@example.org;{PLAIN}Adm1n;Ada;Min;1;DomainAdmins;admin@example.org;50;example.org
account;user1@example.org;{SHA256}abc=;'=SUM(1+1);'-minus;true;SimpleUsers;user1@example.org;20
account;user2@example.org;{PLAIN}x;'+plus;'@at;false;SimpleUsers;user2@example.org;
account;zed@other.org;{PLAIN}x;Zoë;Ünicode;true;SimpleUsers;zed@other.org;0
alias;zz-inner@example.org;true;user1@example.org
alias;team@example.org;true;user1@example.org;user2@example.org;zz-inner@example.org
alias;@example.org;true;user1@example.org
alias;user2@example.org;true;someone@far.test;user2@example.org
alias;off@example.org;false;user1@example.org;ext@far.test
senderaddress;@partner.test;user1@example.org
senderaddress;me@far.test;user1@example.org
senderaddress;@example.org;zed@other.org
"""


def snapshot():
    def recipients(alias):
        return sorted(
            (
                r.address,
                r.r_mailbox.full_address if r.r_mailbox_id else None,
                r.r_alias.address if r.r_alias_id else None,
            )
            for r in alias.aliasrecipient_set.select_related("r_mailbox__domain", "r_alias")
        )

    return {
        "domains": sorted(
            (
                d.name,
                d.quota,
                d.default_mailbox_quota,
                d.enabled,
                d.type,
                sorted(d.transport._settings.items()) if d.transport_id else None,
            )
            for d in Domain.objects.all()
        ),
        "domain_aliases": sorted(
            (a.name, a.target.name, a.enabled) for a in DomainAlias.objects.all()
        ),
        "accounts": sorted(
            (
                u.username,
                u.password,
                u.first_name,
                u.last_name,
                u.is_active,
                u.role,
                u.email,
                sorted(
                    d.name
                    for d in Domain.objects.filter(
                        pk__in=ObjectAccess.objects.filter(
                            user=u, content_type__model="domain", is_owner=False
                        ).values("object_id")
                    )
                ),
            )
            for u in User.objects.all()
        ),
        "mailboxes": sorted(
            (m.full_address, m.quota, m.use_domain_quota, m.user.username)
            for m in Mailbox.objects.all()
        ),
        "aliases": sorted(
            (
                a.address,
                a.enabled,
                a.internal,
                a.domain.name if a.domain_id else None,
                recipients(a),
            )
            for a in Alias.objects.all()
        ),
        "recipient_access": sorted(RecipientAccess.objects.values_list("pattern", "action")),
        "sender_addresses": sorted(
            (s.address, s.mailbox.full_address)
            for s in SenderAddress.objects.select_related("mailbox__domain")
        ),
    }


def wipe(keep):
    Alias.objects.all().delete()
    Mailbox.objects.all().delete()
    User.objects.exclude(pk=keep.pk).delete()
    DomainAlias.objects.all().delete()
    Domain.objects.all().delete()
    Transport.objects.all().delete()
    RecipientAccess.objects.all().delete()
    ObjectAccess.objects.exclude(user=keep).delete()
    ObjectAccess.objects.filter(user=keep).exclude(object_id=keep.pk).delete()


def command_output(*args):
    out = io.StringIO()
    call_command("modo", "export", *args, stdout=out)
    return out.getvalue()


def test_export_reimports_to_the_same_objects(superadmin):
    result = csv_import.import_csv(SOURCE, acting_user=superadmin)
    assert result.failed == 0, result.errors
    before = snapshot()
    domains_csv = command_output("domains")
    identities_csv = command_output("identities")
    wipe(superadmin)
    assert Domain.objects.count() == 0
    for text in (domains_csv, identities_csv):
        result = csv_import.import_csv(text, acting_user=superadmin, continue_if_exists=True)
        assert result.failed == 0, result.errors
    assert snapshot() == before
    # And a second export is byte for byte the first one.
    assert command_output("domains") == domains_csv
    assert command_output("identities") == identities_csv


def test_export_with_another_separator_reimports(superadmin):
    csv_import.import_csv(SOURCE, acting_user=superadmin)
    before = snapshot()
    domains_csv = command_output("domains", "--sepchar", ",")
    identities_csv = command_output("identities", "--sepchar", ",")
    assert domains_csv.startswith("domain,example.org,1000,100,True\n")
    wipe(superadmin)
    for text in (domains_csv, identities_csv):
        csv_import.import_csv(text, acting_user=superadmin, sepchar=",", continue_if_exists=True)
    assert snapshot() == before


def test_formula_cells_are_neutralised(superadmin):
    csv_import.import_csv(SOURCE, acting_user=superadmin)
    text = "".join(csv_export.export_identities())
    assert "alias;'@example.org;True;user1@example.org\n" in text
    assert ";'=SUM(1+1);'-minus;" in text
    assert ";'+plus;'@at;" in text
    for line in text.splitlines():
        for cell in line.split(";"):
            assert not cell or cell[0] not in "=+-@", line


def test_sender_addresses_are_exported_after_the_aliases(superadmin):
    csv_import.import_csv(SOURCE, acting_user=superadmin)
    lines = "".join(csv_export.export_identities()).splitlines()
    assert lines[-3:] == [
        "senderaddress;'@partner.test;user1@example.org",
        "senderaddress;me@far.test;user1@example.org",
        "senderaddress;'@example.org;zed@other.org",
    ]


def test_sender_address_lines_name_their_errors(superadmin):
    csv_import.import_csv(SOURCE, acting_user=superadmin)
    result = csv_import.import_csv(
        "senderaddress;@bad domain;user1@example.org\n"
        "senderaddress;@partner2.test;nobody@example.org\n",
        acting_user=superadmin,
        continue_if_exists=True,
    )
    assert [(e.line, e.field) for e in result.errors] == [(1, "address"), (2, "mailbox")]
    assert not SenderAddress.objects.filter(address="@partner2.test").exists()


def test_domain_export_lists_aliases_after_their_domain(superadmin):
    csv_import.import_csv(SOURCE, acting_user=superadmin)
    assert "".join(csv_export.export_domains()).splitlines() == [
        "domain;example.org;1000;100;True",
        "domainalias;example.info;example.org;False",
        "domainalias;example.net;example.org;True",
        "domain;other.org;0;0;False",
        "relaydomain;relay.org;mx.relay.org;2525;relay;True;True",
    ]


def test_aliases_used_as_recipients_come_first(superadmin):
    csv_import.import_csv(SOURCE, acting_user=superadmin)
    lines = "".join(csv_export.export_identities()).splitlines()
    alias_lines = [line.split(";")[1] for line in lines if line.startswith("alias;")]
    assert alias_lines.index("zz-inner@example.org") < alias_lines.index("team@example.org")


def test_identity_export_queries_do_not_grow_with_accounts(
    superadmin, django_assert_max_num_queries
):
    csv_import.import_csv(SOURCE, acting_user=superadmin)
    with django_assert_max_num_queries(12):
        list(csv_export.export_identities())
    with django_assert_max_num_queries(4):
        list(csv_export.export_domains())
