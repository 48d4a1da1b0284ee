"""Telegram Mini App `initData`: checking its signature and age (pure; no I/O).

As Telegram's documentation prescribes: the data-check string is every field but `hash`,
as `key=value` lines sorted by key and joined by a line feed; the secret key is
HMAC-SHA256 of the bot token under the key "WebAppData"; the expected `hash` is the hex
HMAC-SHA256 of the data-check string under that secret key. `auth_date` (Unix seconds)
must not be older than the configured age, nor from the future beyond a small skew.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

__all__ = ["MAX_CLOCK_SKEW", "SignedUser", "data_check_string", "sign", "verify_init_data"]

MAX_CLOCK_SKEW = timedelta(minutes=1)


@dataclass(frozen=True)
class SignedUser:
    """Who Telegram vouches for, and when it said so."""

    telegram_id: int
    auth_date: datetime


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def sign(fields: dict[str, str], bot_token: str) -> str:
    """The hex `hash` Telegram computes for these fields."""
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    return hmac.new(secret, data_check_string(fields).encode(), hashlib.sha256).hexdigest()


def _fields(init_data: str) -> dict[str, str] | None:
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return None
    fields = dict(pairs)
    return fields if len(fields) == len(pairs) else None  # a repeated key is not Telegram's


def _user_id(fields: dict[str, str]) -> int | None:
    try:
        user = json.loads(fields.get("user", ""))
    except json.JSONDecodeError:
        return None
    user_id = user.get("id") if isinstance(user, dict) else None
    return user_id if isinstance(user_id, int) and not isinstance(user_id, bool) else None


def verify_init_data(
    init_data: str, bot_token: str, *, now: datetime, max_age: timedelta
) -> SignedUser | None:
    """The signed user, or None when the data is malformed, forged or too old."""
    fields = _fields(init_data)
    if fields is None or "hash" not in fields:
        return None
    if not hmac.compare_digest(sign(fields, bot_token), fields["hash"].lower()):
        return None
    try:
        auth_date = datetime.fromtimestamp(int(fields.get("auth_date", "")), UTC)
    except (ValueError, OverflowError, OSError):
        return None
    if auth_date < now - max_age or auth_date > now + MAX_CLOCK_SKEW:
        return None
    user_id = _user_id(fields)
    return SignedUser(user_id, auth_date) if user_id is not None else None
