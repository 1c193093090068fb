"""Errors a service raises when a request cannot be carried out.

Each has a stable `code` (for the API and tests) and a message a person can read, in
their language (lazy gettext). Views turn them into a form error or a JSON body."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    code = "invalid"
    status = 400

    def __init__(self, message: Any, *, code: str | None = None, **params: Any) -> None:
        self.message = message
        self.params = params
        if code:
            self.code = code
        super().__init__(str(message) % params if params else str(message))

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


class InvalidRequest(ServiceError):
    code = "invalid"


class Conflict(ServiceError):
    """The ticket changed under the caller (another agent acted first)."""

    code = "conflict"
    status = 409
