"""OpenAI through its official SDK: structured chat completions for text, GPT Image for
pictures. The client is built with `max_retries=0`: retries, timeouts and fallbacks are
the Guard's job, so a failure surfaces at once as a GenerationError of the right kind."""

from __future__ import annotations

import base64
import binascii
from typing import Literal, TypeVar

import openai
from openai import AsyncOpenAI
from openai.types import ImagesResponse
from openai.types.chat import ChatCompletionMessageParam, ParsedChatCompletion
from pydantic import BaseModel, ValidationError

from services.generation.base import (
    FailureKind,
    GenerationError,
    ImageRequest,
    ImageResult,
    Quality,
    Usage,
)
from services.generation.editing import (
    EDIT_INSTRUCTIONS,
    EditedImage,
    EditRequest,
    request_as_data,
)
from services.generation.image_bytes import as_png
from services.generation.pricing import PriceList
from services.generation.structured import PartialAnswer, partial_fields

M = TypeVar("M", bound=BaseModel)

PROVIDER = "openai"
IMAGE_QUALITY: dict[Quality, Literal["medium", "high"]] = {
    Quality.STANDARD: "medium",
    Quality.HD: "high",
}
# GPT Image 2 takes any WIDTHxHEIGHT with both sides divisible by 16.
IMAGE_SIZES = {"16:9": "1536x864", "1:1": "1024x1024", "9:16": "864x1536"}
MAX_OUTPUT_TOKENS = 1200


def image_size(aspect_ratio: str) -> str:
    return IMAGE_SIZES.get(aspect_ratio, "auto")


class OpenAIChatModel:
    """A chat model answering in JSON that matches a pydantic schema (strict mode)."""

    provider = PROVIDER

    def __init__(self, client: AsyncOpenAI, model: str, prices: PriceList) -> None:
        self._client = client
        self.model = model
        self._prices = prices

    async def structured(
        self,
        instructions: str,
        data: str,
        schema: type[M],
        on_partial: PartialAnswer | None = None,
    ) -> tuple[M, Usage]:
        messages: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": instructions},
            {"role": "user", "content": data},
        ]
        try:
            if on_partial is None:
                completion = await self._client.chat.completions.parse(
                    model=self.model,
                    messages=messages,
                    response_format=schema,
                    max_completion_tokens=MAX_OUTPUT_TOKENS,
                )
            else:
                completion = await self._streamed(messages, schema, on_partial)
        except (openai.LengthFinishReasonError, ValidationError, ValueError) as error:
            raise GenerationError(FailureKind.INVALID, f"{self.model}: {error}") from error
        except openai.ContentFilterFinishReasonError as error:
            raise GenerationError(FailureKind.SAFETY, f"{self.model}: content filter") from error
        except openai.OpenAIError as error:
            raise openai_failure(error, self.model) from error
        message = completion.choices[0].message
        if message.refusal:
            raise GenerationError(FailureKind.SAFETY, f"{self.model} refused: {message.refusal}")
        if message.parsed is None:
            raise GenerationError(FailureKind.INVALID, f"{self.model}: no parsed answer")
        usage = completion.usage
        input_tokens = usage.prompt_tokens if usage else None
        output_tokens = usage.completion_tokens if usage else None
        cost = self._prices.text_cost(self.model, input_tokens, output_tokens)
        return message.parsed, Usage(PROVIDER, self.model, cost, input_tokens, output_tokens)

    async def _streamed(
        self,
        messages: list[ChatCompletionMessageParam],
        schema: type[M],
        on_partial: PartialAnswer,
    ) -> ParsedChatCompletion[M]:
        """The same structured answer, streamed (the SDK checks and parses the whole as
        `parse` does); each piece's snapshot reported as it comes."""
        async with self._client.chat.completions.stream(
            model=self.model,
            messages=messages,
            response_format=schema,
            max_completion_tokens=MAX_OUTPUT_TOKENS,
            stream_options={"include_usage": True},
        ) as stream:
            async for event in stream:
                if event.type == "content.delta" and (fields := partial_fields(event.snapshot)):
                    on_partial(fields)
            return await stream.get_final_completion()


class OpenAIImagePainter:
    """GPT Image models: base64 PNG out (they have no URL output)."""

    provider = PROVIDER

    def __init__(self, client: AsyncOpenAI, model: str, prices: PriceList) -> None:
        self._client = client
        self.model = model
        self._prices = prices

    async def paint(self, request: ImageRequest) -> ImageResult:
        prompt = request.prompt
        if request.negative_prompt:
            prompt = f"{prompt}\nAvoid: {request.negative_prompt}."
        try:
            response = await self._client.images.generate(
                model=self.model,
                prompt=prompt,
                n=1,
                size=image_size(request.aspect_ratio),
                quality=IMAGE_QUALITY[request.quality],
                output_format="png",
                moderation="auto",
            )
        except openai.OpenAIError as error:
            raise openai_failure(error, self.model) from error
        return await _image_of(response, self.model, request.quality, self._prices)


class OpenAIImageEditor:
    """GPT Image edits (`images.edit`): the picture goes up as a file, the fixed
    instructions and the person's words (a quoted JSON string after them) as the prompt."""

    provider = PROVIDER

    def __init__(self, client: AsyncOpenAI, model: str, prices: PriceList) -> None:
        self._client = client
        self.model = model
        self._prices = prices

    async def edit(self, request: EditRequest) -> EditedImage:
        prompt = f"{EDIT_INSTRUCTIONS}\n\nThe request, as data: {request_as_data(request.words)}"
        try:
            response = await self._client.images.edit(
                model=self.model,
                image=("picture.png", request.png, "image/png"),
                prompt=prompt,
                n=1,
                size="auto",
                quality=IMAGE_QUALITY[Quality.STANDARD],
                output_format="png",
            )
        except openai.OpenAIError as error:
            raise openai_failure(error, self.model) from error
        return EditedImage(await _image_of(response, self.model, Quality.STANDARD, self._prices))


async def _image_of(
    response: ImagesResponse, model: str, quality: Quality, prices: PriceList
) -> ImageResult:
    """The picture of a GPT Image answer (base64 PNG), priced by its tokens or per image."""
    if not response.data or not response.data[0].b64_json:
        raise GenerationError(FailureKind.INVALID, f"{model}: no image in the answer")
    try:
        raw = base64.b64decode(response.data[0].b64_json, validate=True)
    except (binascii.Error, ValueError) as error:
        raise GenerationError(FailureKind.INVALID, f"{model}: bad base64") from error
    png, width, height = await as_png(raw)
    usage = response.usage
    input_tokens = usage.input_tokens if usage else None
    output_tokens = usage.output_tokens if usage else None
    cost = prices.image_cost(model, quality, input_tokens, output_tokens)
    return ImageResult(
        png, width, height, Usage(PROVIDER, model, cost, input_tokens, output_tokens)
    )


def openai_failure(error: openai.OpenAIError, model: str) -> GenerationError:
    """Maps an SDK error to what it means for us: retry, fall back, or stop."""
    detail = f"{model}: {error}"
    if isinstance(error, openai.APITimeoutError):
        return GenerationError(FailureKind.TIMEOUT, detail)
    if isinstance(error, openai.APIConnectionError):
        return GenerationError(FailureKind.UNAVAILABLE, detail)
    if isinstance(error, openai.RateLimitError):
        return GenerationError(FailureKind.RATE_LIMITED, detail, retry_after(error))
    if isinstance(error, openai.APIStatusError):
        if error.code in {"moderation_blocked", "content_policy_violation"}:
            return GenerationError(FailureKind.SAFETY, detail)
        if error.status_code >= 500 or error.status_code in {408, 409}:
            return GenerationError(FailureKind.UNAVAILABLE, detail)
        # 400/401/403/404/422: this model cannot serve us as configured; next one.
        return GenerationError(FailureKind.INVALID, detail)
    return GenerationError(FailureKind.INVALID, detail)


def retry_after(error: openai.APIStatusError) -> float | None:
    """Seconds from the Retry-After header (or OpenAI's retry-after-ms), when present."""
    headers = error.response.headers
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
        if "retry-after" in headers:
            return float(headers["retry-after"])
    except ValueError:
        return None
    return None
