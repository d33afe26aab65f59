"""The earlier system's response envelope, kept: success and error bodies.

    {"status": "success", "message": ..., "data": ...}
    {"status": "error", "message": ..., "error": {"code": ..., "details": ...}}
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel


class Envelope(BaseModel):
    status: str = "success"
    message: str
    data: Any = None


class ErrorBody(BaseModel):
    code: str
    details: Any = None


class ErrorEnvelope(BaseModel):
    status: str = "error"
    message: str
    error: ErrorBody


_ENCODERS: dict[Any, Callable[[Any], Any]] = {
    decimal.Decimal: str, dt.date: lambda d: d.isoformat(), dt.datetime: lambda d: d.isoformat()}


def ok(data: Any = None, message: str = "OK") -> dict[str, Any]:
    """A success body. Money stays exact: Decimals are JSON strings ("1200.50")."""
    return {"status": "success", "message": message,
            "data": jsonable_encoder(data, custom_encoder=_ENCODERS)}


def error_response(status_code: int, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"status": "error", "message": message,
            "error": {"code": code, "details": jsonable_encoder(details,
                                                                custom_encoder=_ENCODERS)}}
    return JSONResponse(body, status_code=status_code, headers=headers)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorEnvelope, "description": description}
    for code, description in ((401, "Not signed in"), (403, "Not allowed for this role"),
                              (404, "Not found"), (409, "Conflicts with the current state"),
                              (422, "Invalid input"))}
"""The error answers every protected route can give (for the OpenAPI document)."""
