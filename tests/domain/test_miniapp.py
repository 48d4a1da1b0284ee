"""Mini App initData: the signature exactly as Telegram's documentation prescribes, and its age."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

from domain.miniapp import data_check_string, sign, verify_init_data

TOKEN = "123456:TEST-TOKEN"
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
MAX_AGE = timedelta(hours=1)


def init_data(token: str = TOKEN, *, user_id: int = 500, at: datetime = NOW, **extra: str) -> str:
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps({"id": user_id, "first_name": "佐藤", "language_code": "ja"}),
        "auth_date": str(int(at.timestamp())),
        **extra,
    }
    fields["hash"] = sign(fields, token)
    return urlencode(fields, quote_via=quote)


def test_the_signature_is_the_documented_hmac_chain() -> None:
    fields = {"b": "2", "a": "1", "hash": "ignored"}
    assert data_check_string(fields) == "a=1\nb=2"
    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    expected = hmac.new(secret, b"a=1\nb=2", hashlib.sha256).hexdigest()
    assert sign(fields, TOKEN) == expected


def test_correctly_signed_data_names_the_user() -> None:
    signed = verify_init_data(init_data(), TOKEN, now=NOW + timedelta(minutes=5), max_age=MAX_AGE)
    assert signed is not None
    assert (signed.telegram_id, signed.auth_date) == (500, NOW)


def test_data_signed_with_another_bots_token_is_refused() -> None:
    forged = init_data("654321:OTHER-TOKEN")
    assert verify_init_data(forged, TOKEN, now=NOW, max_age=MAX_AGE) is None


def test_a_changed_field_breaks_the_signature() -> None:
    good = init_data(user_id=500)
    other_user = quote(json.dumps({"id": 600, "first_name": "佐藤", "language_code": "ja"}))
    start = good.index("user=") + len("user=")
    end = good.index("&", start)
    tampered = good[:start] + other_user + good[end:]
    assert verify_init_data(tampered, TOKEN, now=NOW, max_age=MAX_AGE) is None


def test_old_or_future_auth_dates_are_refused() -> None:
    old = init_data(at=NOW - MAX_AGE - timedelta(seconds=1))
    assert verify_init_data(old, TOKEN, now=NOW, max_age=MAX_AGE) is None
    just_in_time = init_data(at=NOW - MAX_AGE + timedelta(seconds=1))
    assert verify_init_data(just_in_time, TOKEN, now=NOW, max_age=MAX_AGE) is not None
    future = init_data(at=NOW + timedelta(minutes=10))
    assert verify_init_data(future, TOKEN, now=NOW, max_age=MAX_AGE) is None


def test_malformed_data_is_refused() -> None:
    for bad in ("", "hash=", "no-equals-sign", "user=1&user=2&hash=x", "a=1&auth_date=1"):
        assert verify_init_data(bad, TOKEN, now=NOW, max_age=MAX_AGE) is None
    no_user = {"auth_date": str(int(NOW.timestamp()))}
    no_user["hash"] = sign(no_user, TOKEN)
    assert verify_init_data(urlencode(no_user), TOKEN, now=NOW, max_age=MAX_AGE) is None
    not_a_number = {"auth_date": "soon", "user": json.dumps({"id": 5})}
    not_a_number["hash"] = sign(not_a_number, TOKEN)
    assert verify_init_data(urlencode(not_a_number), TOKEN, now=NOW, max_age=MAX_AGE) is None
