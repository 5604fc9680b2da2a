"""Pure rules of the trade: no Flask, no database session. Dataclasses and values in, values
out; services and queries call them, tests call them directly (tests/unit)."""
