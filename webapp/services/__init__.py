"""Writes: plain values and a session in, a record or a domain error out.

Services never commit. They add and flush in the session they are handed; the request
(`webapp/hooks.py`), a CLI command or a test (`webapp.database.unit_of_work`) owns the
transaction and commits it once, or rolls it back when a service refuses. The exceptions,
each with its own short transactions on purpose, say so where they commit: the background
import (`imports/`), the replay ledger's prune (`sync.py`), `audit.record_now`."""
