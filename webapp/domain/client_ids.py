"""Client ids (idempotency keys): the UUID a client makes for each record it creates, so a
replay can name the record it made. Plain values; the database lookup is
webapp.services.idempotency.existing_for."""
from __future__ import annotations

import uuid


class ClientIdTaken(ValueError):
    """The client id belongs to another user's record: never reveal or reuse it."""


def new_client_id() -> str:
    return str(uuid.uuid4())


def parse_client_id(value: str | None) -> str | None:
    """The canonical form of a client id, or None when absent or not a UUID."""
    if not value:
        return None
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        return None
