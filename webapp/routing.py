"""URL converters: ids in URLs are bounded by what the database's integer columns hold."""
from werkzeug.routing import IntegerConverter

MAX_DATABASE_ID = 2**31 - 1  # PostgreSQL INTEGER; SQLite's is larger, the bound is the same


class DatabaseIdConverter(IntegerConverter):
    """`<int:id>` that matches only ids a table can hold, so `/accounts/99999999999` is a 404
    and never reaches PostgreSQL as an out-of-range integer (a 500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_DATABASE_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
