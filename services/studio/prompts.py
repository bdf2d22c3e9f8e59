"""Prompts for the image models, built from what the partner chose."""

from __future__ import annotations

from services.generation.base import ImageRequest
from services.studio import local_writer
from services.studio.catalog import POST_PALETTES, Audience, PostType
from services.studio.models import PostRequest
from services.studio.poster import PosterSketch

STUDIO_SIZE = (1920, 1080)

_SCENES: dict[PostType, str] = {
    PostType.LIFESTYLE: "enjoying a relaxed, successful moment of their everyday life",
    PostType.FOMO: "leaning in with excitement as something important starts",
    PostType.SUCCESS: "celebrating a hard-won personal milestone",
    PostType.TIP: "explaining an idea with confidence, mid-gesture",
    PostType.TESTIMONIAL: "smiling genuinely while telling a friend their story",
    PostType.GIVEAWAY: "holding out a wrapped gift toward the camera",
}

_PEOPLE: dict[Audience, str] = {
    Audience.NOMADS: "a digital nomad working on a laptop at a seaside cafe",
    Audience.CRYPTO: "a crypto trader at a desk with market charts on two monitors",
    Audience.STUDENTS: "a university student in a sunny campus library",
    Audience.SMALL_BUSINESS: "a small business owner in their own shop",
    Audience.FREELANCERS: "a freelancer in a bright home studio",
    Audience.INVESTORS: "an investor in a modern city office at golden hour",
}

NEGATIVE = "cartoon, CGI, anime, illustration, stock-photo smile, text, watermark, logo"
STUDIO_STYLE = (
    "Professional studio photography, authentic cinematic moment, 35 mm lens, natural skin "
    "texture, volumetric light, shallow depth of field, 16:9 composition"
)


def studio_scene(post_type: PostType, audience: Audience) -> str:
    return f"A real person: {_PEOPLE[audience]}, {_SCENES[post_type]}."


def studio_image_prompt(post_type: PostType, audience: Audience) -> str:
    """The brand template, used as is offline and as the brief for the prompt writer (the
    negative prompt travels separately, see studio_image_request)."""
    return f"{STUDIO_STYLE}. {studio_scene(post_type, audience)}"


def studio_image_request(request: PostRequest, prompt: str | None = None) -> ImageRequest:
    """The studio picture: 16:9, `prompt` (from the prompt writer) or the template."""
    width, height = STUDIO_SIZE
    return ImageRequest(
        prompt=prompt or studio_image_prompt(request.post_type, request.audience),
        negative_prompt=NEGATIVE,
        width=width,
        height=height,
        seed=request.seed,
        sketch=PosterSketch(
            local_writer.headline(request),
            local_writer.kicker(request),
            POST_PALETTES[request.post_type],
        ),
    )
