"""The WSGI application of the test settings, for gunicorn serving the
test database (see ``served_test_database`` in test_concurrent_limits)."""

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
