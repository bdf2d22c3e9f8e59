"""Who a verified credential names (init data, a Login Widget payload or a bearer token),
and the bounds a Telegram user id keeps: every way in checks them the same way."""

from __future__ import annotations

import re
from dataclasses import dataclass

from webapp.errors import N_

MAX_USER_ID = 2**53
"""Telegram's user ids fit in 52 bits (its own documentation: at most 52 significant
bits, so a double holds them); anything larger was never issued and would overflow the
databases' 64-bit integers further on."""

DIGITS = re.compile(r"[0-9]{1,17}")
STATE_KEY = "identity"
"""Where webapp/guard.py leaves the verified Identity in the request's state."""


class AuthError(ValueError):
    """Why a credential is not accepted (an N_ msgid, the 401's message)."""


@dataclass(frozen=True, slots=True)
class Identity:
    """A Telegram user, as a credential this bot verified names them."""

    id: int
    first_name: str
    language_code: str | None = None


def checked_user_id(value: object) -> int:
    """`value` as a Telegram user id (1 ≤ id ≤ 2**53), or AuthError."""
    if isinstance(value, str) and DIGITS.fullmatch(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_USER_ID:
        raise AuthError(N_("The Telegram user id is not valid."))
    return value
