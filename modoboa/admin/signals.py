"""Signals of the admin application, for extensions to hook in."""

from django.dispatch import Signal

check_extra_account_form = Signal()  # account, form
extra_account_dashboard_widgets = Signal()  # user, account
extra_account_forms = Signal()  # user, account
extra_admin_content = Signal()  # user, location, currentpage
extra_domain_actions = Signal()  # user, domain
extra_domain_dashboard_widgets = Signal()  # user, domain
extra_domain_filters = Signal()
extra_domain_forms = Signal()  # user, domain
extra_domain_menu_entries = Signal()  # user
extra_domain_qset_filters = Signal()  # domfilter, extrafilters
extra_domain_wizard_steps = Signal()
get_account_form_instances = Signal()  # user, account
get_domain_form_instances = Signal()  # user, domain
import_object = Signal()  # objtype
use_external_recipients = Signal()  # recipients
new_dkim_keys = Signal()  # domains
# Sent by ``modo check_mx`` for each domain checked: extensions add their
# own DNS checks (domain, resolver, report: the mx_checks.DomainReport).
domain_dns_checked = Signal()  # domain, resolver, report (its DNS answered)
# Badges of the domain list's DNS column: each receiver returns
# {"annotations": {name: expression}, "template": "<app>/<badge>.html"};
# the annotations are added to the list's query, the template is included
# once per domain (with ``domain`` in its context).
domain_list_dns_badges = Signal()  # user
# Sent inside the rename's transaction, once the new name is saved:
# extensions keeping data under an address or a domain name move it.
mailbox_renamed = Signal()  # mailbox, old_address
domain_renamed = Signal()  # domain, old_name
# Sent before an address is given to a mailbox (created or renamed) and a
# name to a domain (created or renamed): a receiver refuses it by raising a
# ModoboaException naming ``field`` (the form or API field shown the error).
check_new_mailbox_address = Signal()  # address, field
check_new_domain_name = Signal()  # name, field
# addresses; receivers return those of them check_new_mailbox_address
# would refuse (the batch imports ask once for all their rows).
refused_mailbox_addresses = Signal()
