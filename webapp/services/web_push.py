"""Sending one Web Push message (RFC 8030, encrypted per RFC 8291, signed with VAPID per
RFC 8292) through pywebpush. The push service answers; this says what it answered."""
from __future__ import annotations

import json
from dataclasses import dataclass

import requests
from pywebpush import WebPushException, webpush

# A phone that is off (a flight, a dead battery) still gets a reminder of the same day.
TTL_SECONDS = 6 * 3600
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Vapid:
    private_key: str  # raw P-256, base64url (Config.VAPID_PRIVATE_KEY)
    subject: str  # "mailto:…" or "https://…" (Config.VAPID_SUBJECT)


def push(endpoint: str, p256dh: str, auth: str, payload: dict, vapid: Vapid) -> int:
    """Send `payload` (JSON) to one device. The push service's HTTP status: 201 taken,
    404/410 the subscription is gone for good, 0 when it could not be reached."""
    try:
        response = webpush({"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}},
                           data=json.dumps(payload, separators=(",", ":")),
                           vapid_private_key=vapid.private_key,
                           vapid_claims={"sub": vapid.subject}, ttl=TTL_SECONDS,
                           timeout=TIMEOUT_SECONDS)
    except WebPushException as error:
        return error.response.status_code if error.response is not None else 0
    except (requests.RequestException, ValueError):
        return 0
    return response.status_code
