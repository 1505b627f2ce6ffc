"""Cell encoding shared by the CSV export and import.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and,
in some, a tab or a carriage return) as a formula. The export prefixes such
cells with a quote, and the import removes exactly that quote, so a value
like the catch-all ``@example.com`` survives the round trip.
"""

FORMULA_STARTS = "=+-@\t\r"
QUOTE = "'"


def neutralise(value):
    """Return ``value`` as text a spreadsheet will not evaluate."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    value = str(value)
    if not value:
        return value
    # A value that already starts with the quote marker keeps it by getting
    # one more, so that restore() gives it back unchanged.
    if value[0] in FORMULA_STARTS or (
        value[0] == QUOTE and len(value) > 1 and value[1] in FORMULA_STARTS + QUOTE
    ):
        return QUOTE + value
    return value


def restore(value):
    """Undo :func:`neutralise` on a cell read from a file."""
    if len(value) > 1 and value[0] == QUOTE and value[1] in FORMULA_STARTS + QUOTE:
        return value[1:]
    return value
