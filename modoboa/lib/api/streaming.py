"""Streamed JSON lists.

A full list is written as the rows come from the database cursor, in
chunks, so the memory used does not grow with the number of rows: the
queryset is read with ``.iterator(chunk_size=...)`` (prefetches run once per
chunk) and each row is serialized and sent in turn.
"""

import json
from itertools import islice

from django.http import StreamingHttpResponse
from rest_framework.utils.encoders import JSONEncoder

# Rows fetched (and prefetched) per database round trip.
CHUNK_SIZE = 1000
# Bytes gathered before a piece of the body is handed to the server.
BUFFER_SIZE = 64 * 1024


def _dumps(data):
    return json.dumps(data, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":"))


def iter_json_array(rows):
    """Yield the UTF-8 encoded JSON array of the ``rows`` (dicts)."""
    buffer = ["["]
    size = 1
    first = True
    for row in rows:
        piece = _dumps(row) if first else "," + _dumps(row)
        first = False
        buffer.append(piece)
        size += len(piece)
        if size >= BUFFER_SIZE:
            yield "".join(buffer).encode("utf-8")
            buffer = []
            size = 0
    buffer.append("]")
    yield "".join(buffer).encode("utf-8")


def iter_rows(queryset, serializer, prepare=None, chunk_size=CHUNK_SIZE):
    """Yield the serialized rows of ``queryset``, a chunk at a time;
    ``prepare(chunk)`` loads what the serializer needs for a chunk.
    """
    objects = queryset.iterator(chunk_size)
    while True:
        chunk = list(islice(objects, chunk_size))
        if not chunk:
            return
        if prepare is not None:
            prepare(chunk)
        for obj in chunk:
            yield serializer.to_representation(obj)


def stream_queryset(queryset, serializer, prepare=None, chunk_size=CHUNK_SIZE):
    """Answer the rows of ``queryset``, serialized by ``serializer`` (an
    instance whose ``to_representation`` is called for each object), as a
    streamed JSON array.
    """
    rows = iter_rows(queryset, serializer, prepare, chunk_size)
    return StreamingHttpResponse(iter_json_array(rows), content_type="application/json")
