"""Optional page-number pagination.

Lists answer a plain JSON array by default, as upstream 1.10 did (it had no
pagination). A client that sends ``?page=`` or ``?page_size=`` gets a page
instead: ``{"count", "next", "previous", "results"}``.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import PageNumberPagination


class OptionalPageNumberPagination(PageNumberPagination):
    """Page-number pagination used only when the client asks for it."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    page_query_description = _(
        "Page number (starting at 1). Without this parameter and without page_size, "
        "the whole list is returned as a JSON array."
    )
    page_size_query_description = _("Number of rows per page (default 100, at most 1000).")

    def is_requested(self, request):
        """Tell whether the client asked for a page rather than the list."""
        params = request.query_params
        return self.page_query_param in params or self.page_size_query_param in params

    def get_paginated_response_schema(self, schema):
        # The same operation answers an array (no paging parameter) or a page.
        return {"oneOf": [schema, super().get_paginated_response_schema(schema)]}
