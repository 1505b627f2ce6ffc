"""Shared list machinery of the console: sorting, filtering and paging in
SQL, with links that keep the other query parameters.

A view builds a queryset, hands it to :class:`Listing` with the sort keys it
allows, and renders ``listing.page``. The page costs one COUNT and one
SELECT ... LIMIT whatever the page size; per-row data must come from
``select_related``/``prefetch_related`` or annotations, never from queries
made while rendering.
"""

from urllib.parse import urlencode

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import F
from django.utils.functional import cached_property

from modoboa.parameters import tools as param_tools


def items_per_page():
    try:
        return int(param_tools.get_global_parameter("items_per_page", app="core"))
    except (TypeError, ValueError):
        return 30


class _ListingPaginator(Paginator):
    """A paginator that reads the pages of the second half backwards.

    ``OFFSET n`` makes the database step over ``n`` rows: the last page of
    a million rows cost a million steps. Past the middle, the same rows
    are read with the reversed ordering and a small offset from the end,
    then put back in order. ``reversed_list``, when given, must hold
    exactly the rows of ``object_list`` in exactly the opposite order (a
    total order, hence the tie breaker). The row count comes from
    ``counter()`` when given.

    With ``count_limit``, rows are counted up to that many (plus a page):
    counting a million joined rows costs seconds, reading a few thousand
    through an index does not. Past the limit the count is ``capped``:
    pages 1 to ``count_limit / per_page`` are read as usual and one more,
    the last, holds the last rows of the ordering (read backwards); the
    rows in between are reached by filtering or reversing the sort.
    """

    def __init__(self, object_list, per_page, reversed_list, counter=None, count_limit=None):
        super().__init__(object_list, per_page)
        self._reversed_list = reversed_list
        self._counter = counter
        self._count_limit = count_limit
        self.capped = False

    @cached_property
    def count(self):
        if self._counter is not None:
            return self._counter()
        if self._count_limit is None or self._reversed_list is None:
            return super().count
        probe = self._count_limit + self.per_page + 1
        found = self.object_list.order_by()[:probe].count()
        if found < probe:
            return found
        self.capped = True
        # The numbered pages, then the last one.
        return (self._count_limit // self.per_page + 1) * self.per_page

    @property
    def lower_bound(self):
        """With a capped count: there are more rows than this."""
        return self._count_limit + self.per_page

    def page(self, number):
        number = self.validate_number(number)
        if self.capped:
            if number < self.num_pages:
                bottom = (number - 1) * self.per_page
                return self._get_page(
                    self.object_list[bottom : bottom + self.per_page], number, self
                )
            rows = list(self._reversed_list[: self.per_page])
            rows.reverse()
            return self._get_page(rows, number, self)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if self._reversed_list is None or bottom <= self.count // 2:
            return self._get_page(self.object_list[bottom:top], number, self)
        rows = list(self._reversed_list[self.count - top : self.count - bottom])
        rows.reverse()
        return self._get_page(rows, number, self)


class Listing:
    """Sort and paginate ``queryset`` from the request's query string.

    ``sort_fields`` maps a public sort key to the expression(s) to order
    by; the primary key is always added last so pages are stable.
    ``count``, when given, is called instead of ``queryset.count()``: a
    COUNT over a queryset with per-row subqueries (a UNION of annotated
    rows) computes every one of them, a slimmer query does not.
    ``count_limit`` caps the count (see ``_ListingPaginator``): for lists
    that may hold millions of rows; the page then says "more than N".
    """

    page_param = "page"
    sort_param = "sort"

    def __init__(
        self,
        request,
        queryset,
        sort_fields,
        default_sort,
        per_page=None,
        tie_breaker="pk",
        plain_ordering=False,
        count=None,
        count_limit=None,
    ):
        self.request = request
        self.sort_fields = sort_fields
        self.default_sort = default_sort
        self.sort_key, self.descending = self._parse_sort(request.GET.get(self.sort_param, ""))
        self.per_page = per_page or items_per_page()
        self.queryset = queryset.order_by(
            *self._ordering(tie_breaker, plain_ordering, self.descending)
        )
        reversed_queryset = None
        if tie_breaker:
            # Without a tie breaker, equal rows have no defined order to reverse.
            reversed_queryset = queryset.order_by(
                *self._ordering(tie_breaker, plain_ordering, not self.descending)
            )
        self.paginator = _ListingPaginator(
            self.queryset, self.per_page, reversed_queryset, count, count_limit
        )
        number = request.GET.get(self.page_param) or 1
        try:
            self.page = self.paginator.page(number)
        except PageNotAnInteger:
            self.page = self.paginator.page(1)
        except EmptyPage:
            self.page = self.paginator.page(self.paginator.num_pages)

    def _ordering(self, tie_breaker, plain_ordering, descending):
        """The ORDER BY terms; ``descending`` flips every term (NULLs
        included), so the two directions list the same rows reversed.
        """
        ordering = []
        for expression in self._expressions(self.sort_key):
            if plain_ordering:
                # Combined queries (UNION) only sort on selected column names.
                ordering.append(("-" if descending else "") + expression)
                continue
            if isinstance(expression, str):
                expression = F(expression)
            ordering.append(
                expression.desc(nulls_last=True)
                if descending
                else expression.asc(nulls_first=True)
            )
        if tie_breaker and not isinstance(tie_breaker, str):
            # An expression (e.g. a column of a joined table the ORM would
            # otherwise replace by the foreign key).
            ordering.append(tie_breaker.desc() if descending else tie_breaker.asc())
        elif tie_breaker and plain_ordering:
            ordering.append(("-" if descending else "") + tie_breaker)
        elif tie_breaker:
            ordering.append(F(tie_breaker).desc() if descending else F(tie_breaker).asc())
        return ordering

    def _parse_sort(self, value):
        descending = value.startswith("-")
        key = value.lstrip("-")
        if key not in self.sort_fields:
            default = self.default_sort
            return default.lstrip("-"), default.startswith("-")
        return key, descending

    def _expressions(self, key):
        value = self.sort_fields[key]
        if isinstance(value, (list, tuple)):
            return list(value)
        return [value]

    @property
    def count_capped(self):
        """True when the rows were counted only up to a limit."""
        return self.paginator.capped

    @property
    def items(self):
        return self.page.object_list

    def query_string(self, **overrides):
        """The current query string with ``overrides`` (None removes)."""
        params = {key: values for key, values in self.request.GET.lists()}
        for key, value in overrides.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = [str(value)]
        return "?" + urlencode(params, doseq=True) if params else "?"

    def sort_link(self, key):
        """Query string sorting on ``key`` (toggling the direction)."""
        descending = key == self.sort_key and not self.descending
        return self.query_string(
            **{self.sort_param: ("-" if descending else "") + key, self.page_param: None}
        )

    def page_link(self, number):
        return self.query_string(**{self.page_param: number})

    def sort_state(self, key):
        """``ascending``, ``descending`` or ``none`` (for aria-sort)."""
        if key != self.sort_key:
            return "none"
        return "descending" if self.descending else "ascending"

    def page_numbers(self):
        """Page numbers to show around the current one (None = ellipsis)."""
        current = self.page.number
        last = self.paginator.num_pages
        wanted = {1, last} | set(range(max(1, current - 2), min(last, current + 2) + 1))
        result = []
        previous = 0
        for number in sorted(wanted):
            if number - previous > 1:
                result.append(None)
            result.append(number)
            previous = number
        return result


# The paginator of :class:`Listing`, for lists paginated elsewhere (the API).
ListingPaginator = _ListingPaginator
