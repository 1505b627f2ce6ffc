"""WSGI entry point of the $name Modoboa instance (gunicorn, uWSGI, mod_wsgi)."""

import os
import sys

from django.core.wsgi import get_wsgi_application

# mod_wsgi does not add the instance directory to the path by itself.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "$name.settings")

application = get_wsgi_application()
