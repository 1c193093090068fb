from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from guichet.api.keys import authenticate


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer gch_…`. The key's brand becomes the request's only brand."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        key = authenticate(token)
        if key is None:
            return None
        request.api_key = key  # type: ignore[attr-defined]
        return key
