"""OpenAI through its official SDK: structured chat completions for text, GPT Image for
pictures. The client is built with `max_retries=0`: retries, timeouts and fallbacks are
the Guard's job, so a failure surfaces at once as a GenerationError of the right kind."""

from __future__ import annotations

from functools import cache
from typing import Any, Literal, TypeVar, cast

import httpx2
import openai
from jiter import from_json
from openai import AsyncOpenAI
from openai.lib._parsing import type_to_response_format_param
from openai.types.chat import ChatCompletionMessageParam
from openai.types.chat.completion_create_params import ResponseFormat
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
from services.generation.image_bytes import as_png, from_base64
from services.generation.pricing import PriceList
from services.generation.structured import PartialAnswer, PartialReader

M = TypeVar("M", bound=BaseModel)

PROVIDER = "openai"
IMAGE_QUALITY: dict[Quality, Literal["medium", "high"]] = {
    Quality.STANDARD: "medium",
    Quality.HD: "high",
}
# GPT Image 2 takes any WIDTHxHEIGHT with both sides divisible by 16.
IMAGE_SIZES = {"16:9": "1536x864", "1:1": "1024x1024", "9:16": "864x1536"}
MAX_OUTPUT_TOKENS = 1200
COMPLETIONS = "/chat/completions"


def image_size(aspect_ratio: str) -> str:
    return IMAGE_SIZES.get(aspect_ratio, "auto")


class OpenAIChatModel:
    """A chat model answering in JSON that matches a pydantic schema (strict mode).

    The request goes through the SDK client's own `post` (its key, base URL, timeout and
    errors) with the body `chat.completions.parse` / `.stream` would send, and the answer
    is read from the HTTP body and checked here as they would: their typed parameters'
    transformation, their pydantic models of the completion and of every streamed chunk,
    and their re-parse of the whole answer on each chunk cost more CPU than the rest of a
    post."""

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
        request: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "response_format": response_format(schema),
            "max_completion_tokens": MAX_OUTPUT_TOKENS,
        }
        try:
            if on_partial is None:
                answer = await self._answered(request)
            else:
                answer = await self._streamed(request, on_partial)
        except openai.OpenAIError as error:
            raise openai_failure(error, self.model) from error
        except httpx2.TimeoutException as error:
            raise GenerationError(FailureKind.TIMEOUT, f"{self.model}: {error!r}") from error
        except httpx2.TransportError as error:  # the stream cut off
            raise GenerationError(FailureKind.UNAVAILABLE, f"{self.model}: {error!r}") from error
        except ValueError as error:  # an answer that is no JSON
            raise GenerationError(FailureKind.INVALID, f"{self.model}: {error}") from error
        parsed = answer.parsed(schema, self.model)
        cost = self._prices.text_cost(self.model, answer.input_tokens, answer.output_tokens)
        usage = Usage(PROVIDER, self.model, cost, answer.input_tokens, answer.output_tokens)
        return parsed, usage

    async def _answered(self, request: dict[str, Any]) -> _Answer:
        response = await self._client.post(
            COMPLETIONS, cast_to=httpx2.Response, body=request, stream=False
        )
        return _Answer.of_completion(from_json(response.content), self.model)

    async def _streamed(self, request: dict[str, Any], on_partial: PartialAnswer) -> _Answer:
        """The same structured answer, streamed; the answer so far reported as it comes."""
        answer = _Answer()
        reader = PartialReader(on_partial)
        streamed = {**request, "stream": True, "stream_options": {"include_usage": True}}
        response = await self._client.post(
            COMPLETIONS, cast_to=httpx2.Response, body=streamed, stream=True, stream_cls=None
        )
        try:
            # Read to the end, past "[DONE]": a connection whose answer was read whole is
            # kept for the next call (HTTP/1.1).
            async for line in response.aiter_lines():
                event = line.removeprefix("data:").strip()
                if not line.startswith("data:") or event == "[DONE]":
                    continue  # the blank lines between events, comments, the end mark
                if piece := answer.add_chunk(from_json(event.encode()), self.model):
                    reader.add(piece)
        finally:
            await response.aclose()
        reader.flush()
        return answer


@cache
def response_format(schema: type[BaseModel]) -> ResponseFormat:
    """The strict JSON schema of `schema` as the SDK's `parse` sends it (once per schema)."""
    return cast(ResponseFormat, type_to_response_format_param(schema))


class _Answer:
    """A chat completion's first choice as read from its JSON (whole, or chunk by chunk):
    its text, refusal, finish reason and token counts."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.refusal = ""
        self.finish_reason: str | None = None
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None

    @classmethod
    def of_completion(cls, body: Any, model: str) -> _Answer:
        answer = cls()
        choice = _first_choice(body, model)
        message = choice.get("message") or {}
        answer.pieces.append(message.get("content") or "")
        answer.refusal = message.get("refusal") or ""
        answer.finish_reason = choice.get("finish_reason")
        answer.count(body)
        return answer

    def add_chunk(self, chunk: object, model: str) -> str:
        """Takes one streamed chunk in; returns the piece of text it brought."""
        if not isinstance(chunk, dict):
            raise GenerationError(FailureKind.INVALID, f"{model}: a chunk that is no object")
        if chunk.get("error"):
            error = chunk["error"]
            detail = error.get("message") if isinstance(error, dict) else error
            raise GenerationError(FailureKind.INVALID, f"{model}: {detail}")
        self.count(chunk)
        if not chunk.get("choices"):
            return ""  # the usage, alone after the last piece
        choice = _first_choice(chunk, model)
        self.finish_reason = choice.get("finish_reason") or self.finish_reason
        delta = choice.get("delta") or {}
        self.refusal += delta.get("refusal") or ""
        piece: str = delta.get("content") or ""
        if piece:
            self.pieces.append(piece)
        return piece

    def count(self, body: dict[str, Any]) -> None:
        if usage := body.get("usage"):
            self.input_tokens = usage.get("prompt_tokens")
            self.output_tokens = usage.get("completion_tokens")

    def parsed(self, schema: type[M], model: str) -> M:
        """The answer as `schema`, or why there is none (as the SDK's `parse` tells it)."""
        if self.finish_reason == "length":
            raise GenerationError(FailureKind.INVALID, f"{model}: answer cut at the token limit")
        if self.finish_reason == "content_filter":
            raise GenerationError(FailureKind.SAFETY, f"{model}: content filter")
        if self.refusal:
            raise GenerationError(FailureKind.SAFETY, f"{model} refused: {self.refusal}")
        text = "".join(self.pieces)
        if not text:
            raise GenerationError(FailureKind.INVALID, f"{model}: no parsed answer")
        try:
            return schema.model_validate_json(text)
        except ValidationError as error:
            raise GenerationError(FailureKind.INVALID, f"{model}: {error}") from error


def _first_choice(body: Any, model: str) -> dict[str, Any]:
    choices = body.get("choices") if isinstance(body, dict) else None
    if not choices or not isinstance(choices[0], dict):
        raise GenerationError(FailureKind.INVALID, f"{model}: no choices in the answer")
    choice: dict[str, Any] = choices[0]
    return choice


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
            response = await self._client.images.with_raw_response.generate(
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
        return await _image_of(
            response.http_response.content, self.model, request.quality, self._prices
        )


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
            response = await self._client.images.with_raw_response.edit(
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
        answer = response.http_response.content
        return EditedImage(await _image_of(answer, self.model, Quality.STANDARD, self._prices))


async def _image_of(answer: bytes, model: str, quality: Quality, prices: PriceList) -> ImageResult:
    """The picture of a GPT Image answer (base64 PNG), priced by its tokens or per image.
    Read from the HTTP body: the SDK would decode the megabytes of JSON into text, then
    into its model, before the base64 is decoded once here."""
    try:
        body = from_json(answer)
    except ValueError as error:
        raise GenerationError(
            FailureKind.INVALID, f"{model}: an answer that is no JSON"
        ) from error
    data = body.get("data") if isinstance(body, dict) else None
    encoded = data[0].get("b64_json") if data and isinstance(data[0], dict) else None
    if not encoded or not isinstance(encoded, str):
        raise GenerationError(FailureKind.INVALID, f"{model}: no image in the answer")
    png, width, height = await as_png(from_base64(encoded, model))
    usage = body.get("usage") or {}
    input_tokens, output_tokens = usage.get("input_tokens"), usage.get("output_tokens")
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
