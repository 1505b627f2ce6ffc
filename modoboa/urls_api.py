"""URLs of the REST API (``/api/v1/``) and of its documentation."""

urlpatterns = []
