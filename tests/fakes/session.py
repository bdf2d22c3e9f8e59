"""An aiogram session that talks to FakeTelegram in process, with the same encoding of
fields as the real HTTP session (aiogram's own prepare_value)."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import BufferedInputFile, InputFile

from tests.fakes.telegram import FakeTelegram


class FakeTelegramSession(BaseSession):
    def __init__(self, telegram: FakeTelegram) -> None:
        super().__init__()
        self.telegram = telegram

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        files: dict[str, InputFile] = {}
        params: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files)
            if prepared:
                params[key] = prepared
        uploads = {key: await _read(file, bot) for key, file in files.items()}
        body = await self.telegram.handle(method.__api_method__, params, uploads)
        status = 200 if body["ok"] else body["error_code"]
        response = self.check_response(bot, method, status, json.dumps(body))
        return response.result  # type: ignore[return-value]

    async def close(self) -> None:
        pass

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        raise NotImplementedError
        yield b""


async def _read(file: InputFile, bot: Bot) -> bytes:
    if isinstance(file, BufferedInputFile):
        return file.data  # already in memory: no need to copy it chunk by chunk
    chunks = [chunk async for chunk in file.read(bot)]
    return b"".join(chunks)
