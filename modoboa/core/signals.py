"""Signals of the core application, for extensions to hook in."""

from django.dispatch import Signal

account_auto_created = Signal()  # user
account_exported = Signal()  # user
account_imported = Signal()  # user, account, row
account_deleted = Signal()  # user
account_role_changed = Signal()  # account, role
# Address book completion (receivers return a list of (name, address)):
# the contacts extension answers, the webmail asks.
address_book_search = Signal()  # user, query, limit
account_password_updated = Signal()  # account, password, created
allow_password_change = Signal()  # user
can_create_object = Signal()  # context, klass, object_type, count, instance
extra_account_actions = Signal()  # account
extra_admin_dashboard_widgets = Signal()  # user
extra_admin_menu_entries = Signal()  # location, user
extra_role_permissions = Signal()  # role
extra_static_content = Signal()  # caller, st_type, user
extra_uprefs_routes = Signal()
extra_user_menu_entries = Signal()  # location, user
get_announcements = Signal()  # location
get_top_notifications = Signal()  # include_all
initial_data_loaded = Signal()  # extname
register_postfix_maps = Signal()
user_can_set_role = Signal()  # user, role, account
user_login = Signal()  # username, password
user_logout = Signal()
