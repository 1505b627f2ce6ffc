"""Views of the admin console pages."""
