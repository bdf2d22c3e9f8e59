"""Telegram Mini App init data, signed here the way Telegram signs it (HMAC-SHA256 with the
key HMAC("WebAppData", bot token)), so tests authenticate as any user."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

TOKEN = "123456:TEST-token"
"""The test settings' bot token (tests/conftest.py)."""


def init_data(
    user_id: int,
    *,
    token: str = TOKEN,
    auth_date: float | None = None,
    first_name: str = "Pat",
    language: str = "en",
) -> str:
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(
            {"id": user_id, "first_name": first_name, "language_code": language},
            separators=(",", ":"),
        ),
        "auth_date": str(int(auth_date if auth_date is not None else time.time())),
    }
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


def auth(user_id: int, **kwargs: object) -> dict[str, str]:
    return {"Authorization": f"tma {init_data(user_id, **kwargs)}"}  # type: ignore[arg-type]


def login_widget(
    user_id: int,
    *,
    token: str = TOKEN,
    auth_date: float | None = None,
    first_name: str = "Pat",
    **extra: str,
) -> dict[str, object]:
    """A Telegram Login Widget payload, signed as Telegram signs it: HMAC-SHA256 of the
    sorted `key=value` lines (all but hash) with the key SHA256(bot token)."""
    fields: dict[str, object] = {
        "id": user_id,
        "first_name": first_name,
        "auth_date": int(auth_date if auth_date is not None else time.time()),
        **extra,
    }
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hashlib.sha256(token.encode()).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return fields
