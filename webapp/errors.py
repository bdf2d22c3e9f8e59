"""Every 4xx of the API is JSON with a readable `message`; what the routes document."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

API_PREFIX = "/api"
MEDIA_PREFIX = "/media"


class Problem(BaseModel):
    """What went wrong, in words a person can read (and `code` for the app to act on)."""

    message: str
    code: str | None = None


class ApiError(HTTPException):
    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(status, message)
        self.code = code


def problem(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": Problem, "description": description}}


COMMON: dict[int | str, dict[str, Any]] = {
    **problem(401, "Missing, forged or expired Telegram init data"),
}
FOUND: dict[int | str, dict[str, Any]] = problem(404, "No such thing of yours")
ADMIN: dict[int | str, dict[str, Any]] = problem(403, "Admins only")


def _ours(request: Request) -> bool:
    return request.url.path.startswith((API_PREFIX, MEDIA_PREFIX))


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if not _ours(request):
        return await http_exception_handler(request, error)
    body: dict[str, Any] = {"message": str(error.detail)}
    code = getattr(error, "code", None)
    if code is not None:
        body["code"] = code
    return JSONResponse(body, status_code=error.status_code, headers=error.headers)


async def _invalid(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    if not _ours(request):
        return await request_validation_exception_handler(request, error)
    errors = error.errors()
    first = errors[0] if errors else {}
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    message = f"{where}: {first.get('msg', 'invalid')}" if where else "The request is invalid"
    detail = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type"))}
        for e in errors
    ]
    return JSONResponse({"message": message, "detail": detail}, status_code=422)


def install(web: FastAPI) -> None:
    """JSON errors for /api and /media; the other routes keep FastAPI's own."""
    web.add_exception_handler(StarletteHTTPException, _http_error)
    web.add_exception_handler(RequestValidationError, _invalid)
