"""Cursor pagination: pages that stay put while messages keep arriving."""

from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

from chat.inbox import parse_id


class IdCursorPagination(CursorPagination):
    """Pages of 100 in the order rows were saved; a cursor is a position, never an offset to count.

    A page number would shift under a reader while messages are posted (page 2 would repeat
    the end of page 1); a cursor says "after id 4711" and does not.
    """

    ordering = "id"
    page_size = 100

    def decode_cursor(self, request):
        """The request's cursor, or 404 when it is not one this API wrote."""
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None:
            return cursor
        # DRF hands the position to the database as it finds it: "abc" there is a ValueError,
        # a 30-digit number an OverflowError, both a 500. Only an id gets that far.
        position = parse_id(cursor.position)
        if position is None:
            raise NotFound(self.invalid_cursor_message)
        return cursor._replace(position=position)


class NewestLastPagination(IdCursorPagination):
    """The newest 50 messages first, each page newest last; `next` leads to older ones.

    As a chat shows them: open a channel and see its latest messages, scroll up for more.
    """

    ordering = "-id"
    page_size = 50

    def paginate_queryset(self, queryset, request, view=None):
        """The page, newest last (DRF reads it newest first, and links from that order)."""
        page = super().paginate_queryset(queryset, request, view)
        return None if page is None else page[::-1]
