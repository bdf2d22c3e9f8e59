"""A person's account as they open it, and what they set about themselves: the bot's
language and their zodiac sign."""

from __future__ import annotations

from services.core.account_repo import AccountRepo
from services.core.models import Account


class ProfileService:
    def __init__(self, accounts: AccountRepo) -> None:
        self._accounts = accounts

    async def open_account(self, user_id: int, language: str) -> Account:
        """The person's account, made in `language` on first sight (the Mini App's sign-in;
        the chat's AccountMiddleware does the same for every update)."""
        account, _ = await self._accounts.get_or_create(user_id, language)
        return account

    async def set_language(self, user_id: int, language: str) -> None:
        await self._accounts.set_language(user_id, language)

    async def set_sign(self, user_id: int, sign: str) -> None:
        await self._accounts.set_sign(user_id, sign)
