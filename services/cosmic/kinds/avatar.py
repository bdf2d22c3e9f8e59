"""The zodiac avatar (/avatar): a sigil of the sun, moon and rising signs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from PIL import Image

from services.core.categories import Category, register
from services.core.plans import Tier
from services.cosmic.art import render_avatar
from services.cosmic.astro import sign
from services.cosmic.kinds import CosmicParams, Kind, Subject, prompt_safe, stored_strings


@register
@dataclass(frozen=True, slots=True)
class AvatarParams(CosmicParams):
    """The sigil of a sun, moon and rising sign, with the traits the user picked."""

    category: ClassVar[Category] = Category.AVATAR
    sun: str
    moon: str
    rising: str
    traits: tuple[str, ...] = ()
    version: int = 1
    """Asking again with a new version paints a new one (the same version the same day
    is the same image)."""

    @property
    def signs(self) -> tuple[str, str, str]:
        return self.sun, self.moon, self.rising

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"category": self.category.value, "signs": list(self.signs)}
        if self.traits:
            data["traits"] = list(self.traits)
        if self.version != 1:
            data["version"] = self.version
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AvatarParams:
        sun, moon, rising = stored_strings(data, "signs")[:3]
        return cls(sun, moon, rising, stored_strings(data, "traits"), int(data.get("version", 1)))


def _subject(params: AvatarParams) -> Subject:
    sun, moon, rising = (sign(key) for key in params.signs)
    traits = ", ".join(f'"{prompt_safe(t)}"' for t in params.traits if prompt_safe(t))
    text = (
        f"a symmetric mystical sigil uniting the glyph energies of {sun.name} (sun), "
        f"{moon.name} (moon) and {rising.name} (rising)"
    )
    if traits:
        text += f", expressing the qualities {traits}"
    return Subject(text, sun.palette)


def _render(params: AvatarParams, seed: int, size: int) -> Image.Image:
    sun, moon, rising = (sign(key) for key in params.signs)
    return render_avatar((sun.glyph, moon.glyph, rising.glyph), sun.palette, seed, size)


KIND = Kind(
    params=AvatarParams,
    order=40,
    lowest_tier=Tier.UNIVERSE,
    subject=_subject,
    render=_render,
    sample=AvatarParams("scorpio", "cancer", "leo", ("brave",)),
    web_route="/api/images/generate/avatar",
)
