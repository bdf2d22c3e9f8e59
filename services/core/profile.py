"""What a person sets about themselves: the bot's language and their zodiac sign."""

from __future__ import annotations

from services.core.account_repo import AccountRepo


class ProfileService:
    def __init__(self, accounts: AccountRepo) -> None:
        self._accounts = accounts

    async def set_language(self, user_id: int, language: str) -> None:
        await self._accounts.set_language(user_id, language)

    async def set_sign(self, user_id: int, sign: str) -> None:
        await self._accounts.set_sign(user_id, sign)
