"""``manage.py set_default_site``: the last step of a deployment."""

import pytest
from django.contrib.sites.models import Site
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_sets_the_domain_and_the_name_of_site_one():
    call_command("set_default_site", " Mail.Example.COM ", verbosity=0)
    site = Site.objects.get(pk=1)
    assert (site.domain, site.name) == ("mail.example.com", "mail.example.com")
    assert Site.objects.count() == 1


def test_creates_site_one_when_it_was_removed():
    Site.objects.all().delete()
    call_command("set_default_site", "mail.example.org", verbosity=0)
    assert Site.objects.get(pk=1).domain == "mail.example.org"


@pytest.mark.parametrize("hostname", ["", "mail example.com", "x" * 101])
def test_bad_host_names_are_refused_and_nothing_changes(hostname):
    before = Site.objects.get(pk=1).domain
    with pytest.raises(CommandError, match="invalid host name"):
        call_command("set_default_site", hostname, verbosity=0)
    assert Site.objects.get(pk=1).domain == before
