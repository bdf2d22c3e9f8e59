"""Every error of the API is seed 003's envelope, `{"success": false, "error": {"code",
"message"}}`, with a readable message in the caller's language; what the routes document."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiogram.utils.i18n import I18n
from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from ui.common.language import pick_language
from webapp.texts import claimed_language

API_PREFIX = "/api"
MEDIA_PREFIX = "/media"


class ProblemDetail(BaseModel):
    """What went wrong: `code` for a client to act on, `message` for a person to read."""

    code: str
    message: str
    detail: list[dict[str, object]] | None = None
    """For 422: every field that failed (`loc`, `msg`, `type`)."""


class Problem(BaseModel):
    """The error envelope of every /api and /media answer that is not a success."""

    success: bool = False
    error: ProblemDetail


STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    402: "payment_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    503: "unavailable",
}
"""The `code` of an error that names none of its own."""


def problem_body(
    status: int,
    message: str,
    code: str | None = None,
    detail: list[dict[str, object]] | None = None,
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code or STATUS_CODES.get(status, "error"), "message": message}
    if detail is not None:
        error["detail"] = detail
    return {"success": False, "error": error}


def problem_response(
    status: int,
    message: str,
    code: str | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    detail: list[dict[str, object]] | None = None,
) -> JSONResponse:
    return JSONResponse(
        problem_body(status, message, code, detail), status_code=status, headers=headers
    )


def N_(text: str) -> str:
    """Marks an API message for extraction; the error handler translates it."""
    return text


class ApiError(HTTPException):
    """A 4xx/5xx with a readable message in the caller's language: `message` is an English
    msgid of the bot's catalogues (marked with `N_`, `{name}` fields from `params`), or,
    with `translated`, a text already in the caller's language (the bot's own wording)."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        *,
        params: Mapping[str, object] | None = None,
        translated: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status, message, dict(headers) if headers else None)
        self.code = code
        self.params = dict(params or {})
        self.translated = translated


STARLETTE_DETAILS = (
    N_("Not Found"),
    N_("Method Not Allowed"),
    N_("There was an error parsing the body"),
)
"""What Starlette (and FastAPI, of a body it cannot read: deep JSON) says itself under
/api, translated too."""


def problem(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": Problem, "description": description}}


COMMON: dict[int | str, dict[str, Any]] = {
    **problem(401, "Missing, forged or expired Telegram init data"),
    **problem(429, "Too many calls (code: flood): the chat's per-person limit; see Retry-After"),
}
FOUND: dict[int | str, dict[str, Any]] = problem(404, "No such thing of yours")
ADMIN: dict[int | str, dict[str, Any]] = problem(403, "Admins only")


def request_locale(request: Request, i18n: I18n) -> str:
    """The caller's language: their account's (once the init data is accepted), else the
    language_code their init data claims (unverified: it only picks a language), else the
    browser's Accept-Language, else the bot's default."""
    known: str | None = getattr(request.state, "locale", None)
    if known is not None and known in i18n.available_locales:
        return known
    claimed = claimed_language(request.headers.get("authorization"))
    if claimed is None:
        claimed = request.headers.get("accept-language", "").split(",")[0].split(";")[0]
    return pick_language(claimed.strip() or None, i18n.default_locale)


def translate(request: Request, i18n: I18n, message: str, params: Mapping[str, object]) -> str:
    text: str = i18n.gettext(message, locale=request_locale(request, i18n))
    try:
        return text.format(**params) if params else text
    except (KeyError, IndexError, ValueError):  # a translation with broken fields
        return message.format(**params)


def _ours(request: Request) -> bool:
    return request.url.path.startswith((API_PREFIX, MEDIA_PREFIX))


Handler = Callable[[Request, Exception], Awaitable[Response]]


def _http_error(i18n: I18n) -> Handler:
    async def handle(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        if not _ours(request):
            return await http_exception_handler(request, error)
        message = str(error.detail)
        if not getattr(error, "translated", False):
            message = translate(request, i18n, message, getattr(error, "params", {}))
        code = getattr(error, "code", None)
        return problem_response(error.status_code, message, code, headers=error.headers)

    return handle


def _invalid(i18n: I18n) -> Handler:
    async def handle(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        if not _ours(request):
            return await request_validation_exception_handler(request, error)
        errors = error.errors()
        first = errors[0] if errors else {}
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
        invalid = translate(request, i18n, N_("The request is invalid"), {})
        message = f"{where}: {first.get('msg', 'invalid')}" if where else invalid
        detail: list[dict[str, object]] = [
            {
                "loc": list(e.get("loc", ())),
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type")),
            }
            for e in errors
        ]
        return problem_response(422, message, detail=detail)

    return handle


def install(web: FastAPI, i18n: I18n) -> None:
    """JSON errors for /api and /media, in the caller's language (from `i18n`'s
    catalogues); the other routes keep FastAPI's own."""
    web.add_exception_handler(StarletteHTTPException, _http_error(i18n))
    web.add_exception_handler(RequestValidationError, _invalid(i18n))
