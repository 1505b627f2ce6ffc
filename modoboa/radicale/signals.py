"""Signals of the calendars extension."""

from django.dispatch import Signal

# Sent once collections were copied to their new paths and the old ones
# removed (a renamed mailbox or domain): ``moves`` lists the
# ``(old path, new path)`` pairs. The contacts point their books there.
collections_moved = Signal()  # moves
