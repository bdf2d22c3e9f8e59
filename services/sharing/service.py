"""Share cards for stored images: rendered once per image, format and language, kept on
disk, and reused (with Telegram's file_id once sent)."""

from __future__ import annotations

import asyncio
import io

from PIL import Image

from services.core.image_repo import StoredImage
from services.infra.media import MediaStore
from services.sharing.card_repo import CardRepo, StoredCard
from services.sharing.cards import CardFormat, CardText, render_card


class CardService:
    def __init__(self, cards: CardRepo, media: MediaStore) -> None:
        self.cards = cards
        self._media = media

    async def card(
        self, image: StoredImage, card_format: CardFormat, locale: str, text: CardText
    ) -> tuple[StoredCard, bytes | None]:
        """The card and, when it was just rendered or Telegram does not have it yet, its
        PNG bytes (None: send the stored file_id)."""
        existing = await self.cards.get(image.id, card_format.value, locale)
        if existing is not None and existing.file_id:
            return existing, None
        if existing is not None:
            return existing, await asyncio.to_thread(self._media.path(existing.path).read_bytes)
        png = await asyncio.to_thread(self._render, image, card_format, text)
        path = await self._media.save(f"cards/{image.id}-{card_format.value}-{locale}.png", png)
        return await self.cards.add(image.id, image.user_id, card_format.value, locale, path), png

    async def owned(self, user_id: int, card_id: int) -> StoredCard | None:
        return await self.cards.owned(user_id, card_id)

    async def sent_for(self, image_ids: list[int]) -> list[StoredCard]:
        """The cards of these images Telegram already has (a file_id)."""
        return await self.cards.sent_for(image_ids)

    async def remember_file_id(self, card: StoredCard, file_id: str | None) -> None:
        """Keeps Telegram's id of a just uploaded card (None: nothing new)."""
        if file_id is not None:
            await self.cards.set_file_id(card.id, file_id)

    def png(self, card: StoredCard) -> bytes:
        return self._media.path(card.path).read_bytes()

    def _render(self, image: StoredImage, card_format: CardFormat, text: CardText) -> bytes:
        data = self._media.path(image.path).read_bytes()
        with Image.open(io.BytesIO(data)) as source:
            return render_card(source.convert("RGB"), card_format, text)
