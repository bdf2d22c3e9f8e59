"""Google through the google-genai SDK: Gemini for text (JSON by response schema) and
images (`response_modalities=["IMAGE"]`), and Imagen 4 on Vertex AI (enterprise mode).

The SDK has no default timeout and, with no retry options, never retries: the Guard sets
the pace. Safety blocks arrive as a finish or block reason, not as an HTTP error."""

from __future__ import annotations

import json
from typing import Any, TypeVar

import aiohttp
import httpx2
from google import genai
from google.genai import errors, types
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

SAFETY_FINISH = frozenset(
    {
        "SAFETY",
        "BLOCKLIST",
        "PROHIBITED_CONTENT",
        "SPII",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "RECITATION",
        "IMAGE_RECITATION",
        "MODEL_ARMOR",
    }
)
HARM_CATEGORIES = (
    types.HarmCategory.HARM_CATEGORY_HARASSMENT,
    types.HarmCategory.HARM_CATEGORY_HATE_SPEECH,
    types.HarmCategory.HARM_CATEGORY_SEXUALLY_EXPLICIT,
    types.HarmCategory.HARM_CATEGORY_DANGEROUS_CONTENT,
)
MAX_OUTPUT_TOKENS = 2048


def safety_settings(threshold: types.HarmBlockThreshold) -> list[types.SafetySetting]:
    return [types.SafetySetting(category=c, threshold=threshold) for c in HARM_CATEGORIES]


# Images follow the seed report: adult people allowed, the strictest filter.
STRICT = safety_settings(types.HarmBlockThreshold.BLOCK_LOW_AND_ABOVE)
TEXT_SAFETY = safety_settings(types.HarmBlockThreshold.BLOCK_MEDIUM_AND_ABOVE)


class GeminiModel:
    """A Gemini model answering in JSON that matches a pydantic schema."""

    provider = "google"

    def __init__(self, client: genai.Client, model: str, prices: PriceList) -> None:
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
        config = types.GenerateContentConfig(
            system_instruction=instructions,
            response_mime_type="application/json",
            response_schema=schema,
            safety_settings=TEXT_SAFETY,
            max_output_tokens=MAX_OUTPUT_TOKENS,
        )
        if on_partial is None:
            response = await _generate(self._client, self.model, data, config)
            text = response.text or ""
        else:
            response, text = await _streamed(self._client, self.model, data, config, on_partial)
        _raise_if_blocked(response, self.model)
        try:
            answer = schema.model_validate_json(text)
        except ValidationError as error:
            raise GenerationError(FailureKind.INVALID, f"{self.model}: {error}") from error
        input_tokens, output_tokens = _tokens(response)
        cost = self._prices.text_cost(self.model, input_tokens, output_tokens)
        return answer, Usage(self.provider, self.model, cost, input_tokens, output_tokens)


class GeminiImagePainter:
    """Gemini image models ("nano banana"): the picture comes back as inline data."""

    provider = "google"

    def __init__(self, client: genai.Client, model: str, prices: PriceList) -> None:
        self._client = client
        self.model = model
        self._prices = prices

    async def paint(self, request: ImageRequest) -> ImageResult:
        config = types.GenerateContentConfig(
            response_modalities=["IMAGE"],
            image_config=types.ImageConfig(
                aspect_ratio=request.aspect_ratio,
                image_size=request.image_size,
                # Only Vertex AI takes this; the Gemini API allows adults by default.
                person_generation="ALLOW_ADULT" if self._client.vertexai else None,
            ),
            safety_settings=STRICT,
            should_return_http_response=True,
        )
        response = await _generate(self._client, self.model, _image_contents(request), config)
        return await _picture_of(response, self.model, request.quality, self._prices)


class GeminiImageEditor:
    """Gemini image models with the picture as input: the fixed instructions as the system
    instruction, the picture and the person's words (JSON) as the contents."""

    provider = "google"

    def __init__(self, client: genai.Client, model: str, prices: PriceList) -> None:
        self._client = client
        self.model = model
        self._prices = prices

    async def edit(self, request: EditRequest) -> EditedImage:
        config = types.GenerateContentConfig(
            system_instruction=EDIT_INSTRUCTIONS,
            response_modalities=["IMAGE"],
            safety_settings=STRICT,
            should_return_http_response=True,
        )
        contents = types.Content(
            role="user",
            parts=[
                types.Part.from_bytes(data=request.png, mime_type="image/png"),
                types.Part.from_text(text=request_as_data(request.words)),
            ],
        )
        try:
            response = await self._client.aio.models.generate_content(
                model=self.model, contents=contents, config=config
            )
        except Exception as error:
            raise google_failure(error, self.model) from error
        return EditedImage(await _picture_of(response, self.model, Quality.STANDARD, self._prices))


def _image_contents(request: ImageRequest) -> types.ContentListUnion:
    """The prompt (with what to avoid), then the picture to start from, if any."""
    prompt = request.prompt
    if request.negative_prompt:
        prompt = f"{prompt}\nAvoid: {request.negative_prompt}."
    if request.reference_png is None:
        return prompt
    reference = types.Part.from_bytes(data=request.reference_png, mime_type="image/png")
    parts: list[types.PartUnion] = [prompt, reference]
    return parts


class ImagenPainter:
    """Imagen 4 (`imagen-4.0-generate-001`, `-fast-`, `-ultra-`): Vertex AI only."""

    provider = "vertex"

    def __init__(self, client: genai.Client, model: str, prices: PriceList) -> None:
        self._client = client
        self.model = model
        self._prices = prices

    async def paint(self, request: ImageRequest) -> ImageResult:
        config = types.GenerateImagesConfig(
            number_of_images=1,
            aspect_ratio=request.aspect_ratio,
            negative_prompt=request.negative_prompt or None,
            output_mime_type="image/png",
            person_generation=types.PersonGeneration.ALLOW_ADULT,
            safety_filter_level=types.SafetyFilterLevel.BLOCK_LOW_AND_ABOVE,
            include_rai_reason=True,
            image_size="2K"
            if request.quality is Quality.HD and "fast" not in self.model
            else None,
        )
        try:
            response = await self._client.aio.models.generate_images(
                model=self.model, prompt=request.prompt, config=config
            )
        except Exception as error:
            raise google_failure(error, self.model) from error
        images = response.generated_images or []
        if not images or images[0].image is None or not images[0].image.image_bytes:
            reason = images[0].rai_filtered_reason if images else "no image returned"
            raise GenerationError(FailureKind.SAFETY, f"{self.model}: {reason}")
        png, width, height = await as_png(images[0].image.image_bytes)
        cost = self._prices.image_cost(self.model, request.quality)
        usage = Usage(self.provider, self.model, cost)
        return ImageResult(png=png, width=width, height=height, usage=usage)


async def _generate(
    client: genai.Client,
    model: str,
    contents: types.ContentListUnion,
    config: types.GenerateContentConfig,
) -> types.GenerateContentResponse:
    try:
        return await client.aio.models.generate_content(
            model=model, contents=contents, config=config
        )
    except Exception as error:
        raise google_failure(error, model) from error


async def _streamed(
    client: genai.Client,
    model: str,
    contents: str,
    config: types.GenerateContentConfig,
    on_partial: PartialAnswer,
) -> tuple[types.GenerateContentResponse, str]:
    """generate_content_stream: the text so far reported after each chunk; returns the
    last chunk (its finish reason and usage) and the whole text."""
    reader, last = PartialReader(on_partial), None
    try:
        async for chunk in await client.aio.models.generate_content_stream(
            model=model, contents=contents, config=config
        ):
            last = chunk
            _raise_if_prompt_blocked(chunk, model)
            if piece := _chunk_text(chunk):
                reader.add(piece)
    except GenerationError:
        raise
    except Exception as error:
        raise google_failure(error, model) from error
    if last is None:
        raise GenerationError(FailureKind.INVALID, f"{model}: an empty stream")
    reader.flush()
    return last, reader.text


def _chunk_text(chunk: types.GenerateContentResponse) -> str:
    """The chunk's text parts, joined (`chunk.text` warns about non-text parts)."""
    if not chunk.candidates or chunk.candidates[0].content is None:
        return ""
    parts = chunk.candidates[0].content.parts or []
    return "".join(part.text for part in parts if part.text and not part.thought)


def _raise_if_prompt_blocked(response: types.GenerateContentResponse, model: str) -> None:
    feedback = response.prompt_feedback
    if feedback is not None and feedback.block_reason is not None:
        raise GenerationError(FailureKind.SAFETY, f"{model}: prompt blocked")


async def _picture_of(
    response: types.GenerateContentResponse, model: str, quality: Quality, prices: PriceList
) -> ImageResult:
    """The picture of a Gemini image answer (inline data), priced by its tokens. The answer
    is read from its HTTP body (`should_return_http_response`), without the SDK's
    conversion of the whole answer into its models."""
    answer = _answer_body(response, model)
    _raise_if_answer_blocked(answer, model)
    parts = _dig(answer, "candidates", 0, "content", "parts") or ()
    data = next((_dig(p, "inlineData", "data") for p in parts if _dig(p, "inlineData")), None)
    if not data or not isinstance(data, str):
        raise GenerationError(FailureKind.INVALID, f"{model}: no image in the answer")
    png, width, height = await as_png(from_base64(data, model))
    meta = answer.get("usageMetadata") or {}
    output = (meta.get("candidatesTokenCount") or 0) + (meta.get("thoughtsTokenCount") or 0)
    input_tokens, output_tokens = meta.get("promptTokenCount"), output or None
    cost = prices.image_cost(model, quality, input_tokens, output_tokens)
    return ImageResult(
        png, width, height, Usage("google", model, cost, input_tokens, output_tokens)
    )


def _answer_body(response: types.GenerateContentResponse, model: str) -> dict[str, Any]:
    body = response.sdk_http_response.body if response.sdk_http_response else None
    try:
        answer = json.loads(body or "")
    except ValueError as error:
        raise GenerationError(
            FailureKind.INVALID, f"{model}: an answer that is no JSON"
        ) from error
    if not isinstance(answer, dict):
        raise GenerationError(FailureKind.INVALID, f"{model}: an answer that is no object")
    return answer


def _raise_if_answer_blocked(answer: dict[str, Any], model: str) -> None:
    """`_raise_if_blocked`, for an answer read from its JSON."""
    if _dig(answer, "promptFeedback", "blockReason"):
        raise GenerationError(FailureKind.SAFETY, f"{model}: prompt blocked")
    if not answer.get("candidates"):
        raise GenerationError(FailureKind.INVALID, f"{model}: no candidates")
    reason = _dig(answer, "candidates", 0, "finishReason")
    if reason in SAFETY_FINISH:
        raise GenerationError(FailureKind.SAFETY, f"{model}: finished by {reason}")
    if reason == "MAX_TOKENS":
        raise GenerationError(FailureKind.INVALID, f"{model}: answer cut at the token limit")


def _dig(value: Any, *path: str | int) -> Any:
    """`value[a][b]…` through dicts and lists; None where the path leaves the JSON."""
    for step in path:
        if isinstance(step, int):
            value = value[step] if isinstance(value, list) and len(value) > step else None
        else:
            value = value.get(step) if isinstance(value, dict) else None
    return value


def _raise_if_blocked(response: types.GenerateContentResponse, model: str) -> None:
    _raise_if_prompt_blocked(response, model)
    if not response.candidates:
        raise GenerationError(FailureKind.INVALID, f"{model}: no candidates")
    reason = response.candidates[0].finish_reason
    if reason is not None and str(reason.value) in SAFETY_FINISH:
        raise GenerationError(FailureKind.SAFETY, f"{model}: finished by {reason.value}")
    if reason is not None and reason.value == "MAX_TOKENS":
        raise GenerationError(FailureKind.INVALID, f"{model}: answer cut at the token limit")


def _tokens(response: types.GenerateContentResponse) -> tuple[int | None, int | None]:
    meta = response.usage_metadata
    if meta is None:
        return None, None
    output = (meta.candidates_token_count or 0) + (meta.thoughts_token_count or 0)
    return meta.prompt_token_count, output or None


def google_failure(error: Exception, model: str) -> GenerationError:
    """Maps what the SDK raises (its own errors, or the HTTP library's, unwrapped)."""
    detail = f"{model}: {error}"
    if isinstance(error, GenerationError):
        return error
    if isinstance(error, TimeoutError | httpx2.TimeoutException):
        return GenerationError(FailureKind.TIMEOUT, detail)
    if isinstance(error, aiohttp.ClientError | httpx2.TransportError | ConnectionError):
        return GenerationError(FailureKind.UNAVAILABLE, detail)
    if isinstance(error, errors.APIError):
        if error.code == 429:
            return GenerationError(FailureKind.RATE_LIMITED, detail, _retry_delay(error))
        if error.code >= 500 or error.code == 408:
            return GenerationError(FailureKind.UNAVAILABLE, detail)
        return GenerationError(FailureKind.INVALID, detail)
    # ValueError (an answer the SDK could not read) and anything unforeseen: this model
    # cannot serve the request; the chain moves on without retrying it.
    return GenerationError(FailureKind.INVALID, detail)


def _retry_delay(error: errors.APIError) -> float | None:
    """The RetryInfo delay ("7s") Google puts in a 429's details, when present."""
    details = (
        error.details.get("error", {}).get("details", [])
        if isinstance(error.details, dict)
        else []
    )
    for detail in details:
        delay = detail.get("retryDelay") if isinstance(detail, dict) else None
        if isinstance(delay, str) and delay.endswith("s"):
            try:
                return float(delay[:-1])
            except ValueError:
                return None
    return None
