"""A local stand-in for the OpenAI, Gemini and Vertex AI HTTP APIs, speaking their wire
formats (request shapes checked, answers and errors as the real services send them), so
the real SDK clients can be tested offline. Point them at `base_url` (OpenAI: `/v1`).

Failures are scripted per model, in order: `api.fail("gpt-image-2", RATE_LIMITED, ...)`.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import time
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from aiohttp import web
from PIL import Image

OPENAI_KEY = "sk-test-openai"
GOOGLE_KEY = "test-google-key"
VERTEX_KEY = "test-vertex-express-key"


@dataclass(frozen=True)
class Failure:
    status: int = 0
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    """Never answer (the client's timeout must fire)."""
    answer: dict[str, Any] | None = None
    """A 200 answer that is nonetheless a failure (safety block, garbage)."""


def openai_error(
    status: int, message: str, kind: str, code: str | None, **headers: str
) -> Failure:
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return Failure(status, body, headers)


def google_error(
    status: int, state: str, message: str, details: list[Any] | None = None
) -> Failure:
    error: dict[str, Any] = {"code": status, "message": message, "status": state}
    if details:
        error["details"] = details
    return Failure(status, {"error": error})


HANG = Failure(hang=True)
OPENAI_RATE_LIMITED = openai_error(
    429, "Rate limit reached", "requests", "rate_limit_exceeded", **{"retry-after-ms": "50"}
)
OPENAI_SERVER_ERROR = openai_error(500, "The server had an error", "server_error", None)
OPENAI_MODERATION = openai_error(
    400,
    "Your request was rejected by the safety system.",
    "image_generation_user_error",
    "moderation_blocked",
)
OPENAI_BAD_KEY = openai_error(
    401, "Incorrect API key provided", "invalid_request_error", "invalid_api_key"
)
GOOGLE_RATE_LIMITED = google_error(
    429,
    "RESOURCE_EXHAUSTED",
    "Resource has been exhausted (e.g. check quota).",
    [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.05s"}],
)
GOOGLE_UNAVAILABLE = google_error(503, "UNAVAILABLE", "The model is overloaded.")
GOOGLE_PROMPT_BLOCKED = Failure(
    answer={
        "promptFeedback": {"blockReason": "SAFETY"},
        "usageMetadata": {"promptTokenCount": 12, "totalTokenCount": 12},
    }
)
GOOGLE_IMAGE_SAFETY = Failure(
    answer={
        "candidates": [
            {"content": {"role": "model", "parts": []}, "finishReason": "IMAGE_SAFETY"}
        ],
        "usageMetadata": {"promptTokenCount": 12, "totalTokenCount": 12},
    }
)


GEMINI_IMAGE_SIZES = {
    ("16:9", None): (1344, 768),
    ("9:16", None): (768, 1344),
    # imageSize, as Gemini 3 Pro Image answers it: 4K at 16:9 is 5504 x 3072, not 3840 x 2160.
    ("16:9", "1K"): (1376, 768),
    ("16:9", "2K"): (2752, 1536),
    ("16:9", "4K"): (5504, 3072),
    ("1:1", "4K"): (4096, 4096),
}
"""(aspectRatio, imageSize) → the picture's size; anything else is 1024 x 1024."""


@cache
def png_of(width: int, height: int, colour: tuple[int, int, int] = (30, 60, 120)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


@cache
def b64_png(width: int, height: int) -> str:
    return base64.b64encode(png_of(width, height)).decode()


@dataclass
class Call:
    path: str
    model: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float = field(default_factory=time.perf_counter)
    """When the request had arrived (its body read)."""
    first_piece_at: float | None = None
    """A streamed answer: when its first piece went out (the model's first token)."""
    left_at: float | None = None
    """When the client went away before the answer was complete (the call abandoned)."""


STREAM_PIECES = 12
"""A streamed answer comes in this many pieces, spread over `stream_seconds`."""


class ProviderAPI:
    def __init__(self, latency: float = 0.0, stream_seconds: float = 0.0) -> None:
        self.latency = latency
        self.stream_seconds = stream_seconds
        """How long a streamed text answer takes from its first piece to its last."""
        self.latencies: dict[str, float] = {}
        """Per model, instead of `latency`."""
        self.cut_streams: set[str] = set()
        """Models whose streams break (the connection dropped) after their first third."""
        self.calls: list[Call] = []
        self._failures: dict[str, list[Failure]] = {}
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self.base_url = ""

    def fail(self, model: str, *failures: Failure) -> None:
        self._failures.setdefault(model, []).extend(failures)

    def calls_to(self, model: str) -> list[Call]:
        return [c for c in self.calls if c.model == model]

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/v1/images/generations", self._openai_image)
        app.router.add_post("/v1/images/edits", self._openai_edit)
        app.router.add_post("/{version}/models/{model}:generateContent", self._gemini)
        app.router.add_post("/{version}/models/{model}:streamGenerateContent", self._gemini_stream)
        app.router.add_post("/v1beta1/publishers/google/models/{model}:predict", self._imagen)
        # A client that goes away cancels its request's handler (as a real server stops
        # working for it): `Call.left_at` says when.
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        self._stopping.set()  # hanging requests end now, so shutdown does not wait on them
        if self._runner is not None:
            await self._runner.cleanup()

    async def _receive(
        self,
        request: web.Request,
        model: str | None = None,
        body: dict[str, Any] | None = None,
    ) -> tuple[Call, Failure | None]:
        body = await request.json() if body is None else body
        call = Call(request.path, model or body.get("model", ""), dict(request.headers), body)
        self.calls.append(call)
        try:
            if latency := self.latencies.get(call.model, self.latency):
                await asyncio.sleep(latency)
            queue = self._failures.get(call.model)
            failure = queue.pop(0) if queue else None
            if failure is not None and failure.hang:
                await self._stopping.wait()
        except asyncio.CancelledError:
            call.left_at = time.perf_counter()
            raise
        return call, failure

    # --- OpenAI -----------------------------------------------------------------------

    async def _chat(self, request: web.Request) -> web.Response:
        call, failure = await self._receive(request)
        if request.headers.get("Authorization") != f"Bearer {OPENAI_KEY}":
            failure = OPENAI_BAD_KEY
        if failure is not None:
            return _failure_response(failure)
        schema = call.body["response_format"]["json_schema"]
        assert call.body["response_format"]["type"] == "json_schema" and schema["strict"]
        assert call.body["messages"][0]["role"] == "system"
        answer = _answer_for(schema["name"], call.body["messages"][-1]["content"])
        if call.body.get("stream"):
            return await self._chat_stream(request, call, json.dumps(answer))
        return web.json_response(
            {
                "id": f"chatcmpl-{len(self.calls)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": call.model,
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "logprobs": None,
                        "message": {
                            "role": "assistant",
                            "content": json.dumps(answer),
                            "refusal": None,
                        },
                    }
                ],
                "usage": {"prompt_tokens": 320, "completion_tokens": 180, "total_tokens": 500},
            }
        )

    async def _chat_stream(
        self, request: web.Request, call: Call, content: str
    ) -> web.StreamResponse:
        """Chat completion chunks as OpenAI streams them (SSE, `data: [DONE]` last), the
        usage in a last chunk without choices when `stream_options.include_usage`."""
        chunk_id, created = f"chatcmpl-{len(self.calls)}", int(time.time())

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {
                "id": chunk_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": call.model,
                "choices": [
                    {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
                ],
            }

        events = [chunk({"role": "assistant", "content": "", "refusal": None})]
        events += [chunk({"content": piece}) for piece in _pieces(content)]
        events.append(chunk({}, "stop"))
        if call.body.get("stream_options", {}).get("include_usage"):
            usage = {"prompt_tokens": 320, "completion_tokens": 180, "total_tokens": 500}
            events.append({**chunk({}), "choices": [], "usage": usage})
        lines = [f"data: {json.dumps(e)}\n\n" for e in events] + ["data: [DONE]\n\n"]
        return await self._sse(request, call, lines, first_content=1)

    async def _sse(
        self, request: web.Request, call: Call, lines: list[str], first_content: int = 0
    ) -> web.StreamResponse:
        """Writes `lines` over `stream_seconds`; `lines[first_content]` is the first that
        carries text (the model's first token)."""
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        pause = self.stream_seconds / max(len(lines) - 1, 1)
        try:
            for n, line in enumerate(lines):
                if n and pause:
                    await asyncio.sleep(pause)
                if call.model in self.cut_streams and n >= len(lines) // 3:
                    assert request.transport is not None
                    request.transport.close()  # the connection drops mid-answer
                    return response
                await response.write(line.encode())
                if call.first_piece_at is None and n >= first_content:
                    call.first_piece_at = time.perf_counter()
            await response.write_eof()
        except (asyncio.CancelledError, ConnectionResetError):
            call.left_at = time.perf_counter()
            raise
        return response

    async def _openai_image(self, request: web.Request) -> web.Response:
        call, failure = await self._receive(request)
        if request.headers.get("Authorization") != f"Bearer {OPENAI_KEY}":
            failure = OPENAI_BAD_KEY
        if failure is not None:
            return _failure_response(failure)
        assert "response_format" not in call.body, "GPT image models reject response_format"
        width, height = (int(n) for n in call.body.get("size", "1024x1024").split("x"))
        assert width % 16 == 0 and height % 16 == 0, "gpt-image-2 sizes are multiples of 16"
        return web.json_response(
            {
                "created": int(time.time()),
                "data": [{"b64_json": b64_png(width, height)}],
                "output_format": call.body.get("output_format", "png"),
                "quality": call.body.get("quality", "auto"),
                "size": call.body.get("size"),
                "usage": {
                    "input_tokens": 60,
                    "output_tokens": 1056,
                    "total_tokens": 1116,
                    "input_tokens_details": {"text_tokens": 60, "image_tokens": 0},
                },
            }
        )

    async def _openai_edit(self, request: web.Request) -> web.Response:
        """POST /v1/images/edits as multipart/form-data (what `images.edit` sends): the
        picture as the file field `image`, the other parameters as text fields. The call's
        body holds the fields, the picture as bytes."""
        assert request.content_type == "multipart/form-data", request.content_type
        form = await request.post()
        upload = form.get("image")
        assert isinstance(upload, web.FileField), "images.edit sends the picture as a file"
        body: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
        body["image"] = upload.file.read()
        upload.file.close()  # aiohttp closes it only when the handler ends, not when cut off
        body["image_content_type"] = upload.content_type
        with Image.open(io.BytesIO(body["image"])) as picture:
            width, height = picture.size
        call, failure = await self._receive(request, body=body)
        if request.headers.get("Authorization") != f"Bearer {OPENAI_KEY}":
            failure = OPENAI_BAD_KEY
        if failure is not None:
            return _failure_response(failure)
        assert call.body.get("prompt"), "an edit needs a prompt"
        return web.json_response(
            {
                "created": int(time.time()),
                "data": [{"b64_json": base64.b64encode(png_of(width, height, EDITED)).decode()}],
                "output_format": call.body.get("output_format", "png"),
                "usage": {
                    "input_tokens": 380,
                    "output_tokens": 1056,
                    "total_tokens": 1436,
                    "input_tokens_details": {"text_tokens": 60, "image_tokens": 320},
                },
            }
        )

    # --- Gemini API and Vertex AI --------------------------------------------------------

    async def _gemini(self, request: web.Request) -> web.Response:
        if request.headers.get("x-goog-api-key") != GOOGLE_KEY:
            return _failure_response(google_error(400, "INVALID_ARGUMENT", "API key not valid."))
        call, failure = await self._receive(request, request.match_info["model"])
        if failure is not None:
            return _failure_response(failure)
        config = call.body.get("generationConfig", {})
        if "IMAGE" in config.get("responseModalities", []):
            image_config = config.get("imageConfig", {})
            ratio, size = image_config.get("aspectRatio", "1:1"), image_config.get("imageSize")
            width, height = GEMINI_IMAGE_SIZES.get((ratio, size), (1024, 1024))
            colour = (30, 60, 120)
            # An edit (the picture given, no size asked): the picture comes back changed; a
            # 4K repaint (the picture given as a start, "4K" asked) comes back at 4K.
            if size is None and (given := _inline_picture(call.body)):
                width, height, colour = *given, EDITED
            part: dict[str, Any] = {
                "inlineData": {
                    "mimeType": "image/png",
                    "data": base64.b64encode(png_of(width, height, colour)).decode(),
                }
            }
            tokens = 2000 if size == "4K" else 1290
            usage = {
                "promptTokenCount": 40,
                "candidatesTokenCount": tokens,
                "totalTokenCount": 40 + tokens,
            }
        else:
            assert config.get("responseMimeType") == "application/json"
            data = call.body["contents"][-1]["parts"][0]["text"]
            answer = _answer_for(config["responseSchema"]["title"], data)
            part = {"text": json.dumps(answer, ensure_ascii=False)}
            usage = {"promptTokenCount": 300, "candidatesTokenCount": 150, "totalTokenCount": 450}
        return web.json_response(
            {
                "candidates": [
                    {
                        "content": {"role": "model", "parts": [part]},
                        "finishReason": "STOP",
                        "index": 0,
                    }
                ],
                "usageMetadata": usage,
                "modelVersion": call.model,
            }
        )

    async def _gemini_stream(self, request: web.Request) -> web.StreamResponse | web.Response:
        """streamGenerateContent?alt=sse as the Gemini API answers it: each event a
        GenerateContentResponse with the next piece of the text, the last with the finish
        reason and the usage."""
        if request.headers.get("x-goog-api-key") != GOOGLE_KEY:
            return _failure_response(google_error(400, "INVALID_ARGUMENT", "API key not valid."))
        assert request.query.get("alt") == "sse", "the SDK streams with alt=sse"
        call, failure = await self._receive(request, request.match_info["model"])
        if failure is not None:
            return _failure_response(failure)
        config = call.body.get("generationConfig", {})
        assert config.get("responseMimeType") == "application/json"
        data = call.body["contents"][-1]["parts"][0]["text"]
        answer = json.dumps(
            _answer_for(config["responseSchema"]["title"], data), ensure_ascii=False
        )
        pieces = _pieces(answer)
        events = []
        for n, piece in enumerate(pieces):
            event: dict[str, Any] = {
                "candidates": [
                    {"content": {"role": "model", "parts": [{"text": piece}]}, "index": 0}
                ],
                "modelVersion": call.model,
            }
            if n == len(pieces) - 1:
                event["candidates"][0]["finishReason"] = "STOP"
                event["usageMetadata"] = {
                    "promptTokenCount": 300,
                    "candidatesTokenCount": 150,
                    "totalTokenCount": 450,
                }
            events.append(f"data: {json.dumps(event, ensure_ascii=False)}\r\n\r\n")
        return await self._sse(request, call, events)

    async def _imagen(self, request: web.Request) -> web.Response:
        if request.headers.get("x-goog-api-key") != VERTEX_KEY:
            return _failure_response(google_error(401, "UNAUTHENTICATED", "API key not valid."))
        call, failure = await self._receive(request, request.match_info["model"])
        if failure is not None:
            return _failure_response(failure)
        ratio = call.body.get("parameters", {}).get("aspectRatio", "1:1")
        width, height = {"16:9": (1408, 768), "9:16": (768, 1408)}.get(ratio, (1024, 1024))
        return web.json_response(
            {
                "predictions": [
                    {"bytesBase64Encoded": b64_png(width, height), "mimeType": "image/png"}
                ]
            }
        )


EDITED = (120, 40, 160)
"""The colour of a picture the stand-in "edited"."""


def proto_bytes(data: str) -> bytes:
    """Bytes in proto JSON: base64, standard or URL-safe (the SDK sends URL-safe)."""
    return base64.urlsafe_b64decode(data.replace("+", "-").replace("/", "_"))


def _inline_picture(body: dict[str, Any]) -> tuple[int, int] | None:
    """The size of the picture a Gemini request carries as an inline part (it must decode),
    or None when it carries none."""
    for content in body.get("contents", []):
        for part in content.get("parts", []):
            if inline := part.get("inlineData"):
                # proto JSON: the API takes either spelling (the SDK sends `mime_type`)
                mime = inline.get("mimeType") or inline.get("mime_type", "")
                assert mime.startswith("image/"), inline
                with Image.open(io.BytesIO(proto_bytes(inline["data"]))) as picture:
                    return picture.size
    return None


def _pieces(text: str, count: int = STREAM_PIECES) -> list[str]:
    size = max(1, -(-len(text) // count))
    return [text[i : i + size] for i in range(0, len(text), size)]


def _failure_response(failure: Failure) -> web.Response:
    if failure.answer is not None:
        return web.json_response(failure.answer)
    return web.json_response(failure.body, status=failure.status, headers=failure.headers)


def _answer_for(schema_name: str, data: str) -> dict[str, Any]:
    """What a well-behaved model answers for our two schemas, built from the request data."""
    brief = json.loads(data)
    if schema_name == "HoroscopeLine":
        return {"text": f"{brief['sign']}: a {brief['mood']} day for {brief['focus']}."}
    if schema_name == "ImagePromptDraft":
        return {"prompt": f"Cinematic photo. {brief['scene']} {brief['brand_style']}."}
    assert schema_name == "PostDraft", schema_name
    link = brief.get("referral_link")
    return {
        "title": "Work from anywhere, earn everywhere",
        "body": f"Written for {brief['audience']}. Voice: {brief['voice']}.",
        "call_to_action": f"Join us here: {link}" if link else "Join us today!",
        "hashtags": ["#RemoteWork", "digital nomads", "#remotework", "Freedom2026"],
    }
