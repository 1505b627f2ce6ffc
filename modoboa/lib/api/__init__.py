"""Shared machinery of the REST API: pagination, streaming lists,
permissions, the exception handler and the OpenAPI additions.

Each application keeps its endpoints in its own ``api`` package
(``serializers.py``, ``views.py``, ``urls.py``); only what they all share
lives here.
"""
