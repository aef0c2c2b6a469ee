"""A refusal a rule gives (a duplicate comment, a banned author, an invalid field), with the HTTP
status, code, message and per-field messages the web layer renders it with."""

from __future__ import annotations


class ApiError(Exception):
    """Raised by domain rules and views; rendered by ``service.web.errors``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}
