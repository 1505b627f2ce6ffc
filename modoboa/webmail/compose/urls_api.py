"""API endpoints of the writing side, joined to /api/v1/ by the webmail's
``urls_api`` (name them ``webmail-compose-...``, paths under ``webmail/``).
"""

urlpatterns = []
