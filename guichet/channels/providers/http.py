"""Calls to a provider's API (the standard library's HTTP client: a form or JSON body,
basic or bearer authentication). A refusal (4xx but 408 and 429) is permanent; a network
failure, a timeout, 408, 429 and 5xx are worth another try."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

from guichet.channels.inbound import SendError

TIMEOUT_SECONDS = 15
_RETRYABLE = {408, 429}


def post(
    url: str,
    *,
    form: dict[str, str] | None = None,
    payload: Any = None,
    basic: tuple[str, str] | None = None,
    bearer: str = "",
) -> Any:
    """POST and return the JSON answer (None if it is not JSON)."""
    if payload is not None:
        body, content_type = json.dumps(payload).encode(), "application/json"
    else:
        body, content_type = urlencode(form or {}).encode(), "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - https or a test server
    request.add_header("Content-Type", content_type)
    request.add_header("Accept", "application/json")
    if basic is not None:
        pair = base64.b64encode(f"{basic[0]}:{basic[1]}".encode()).decode()
        request.add_header("Authorization", f"Basic {pair}")
    if bearer:
        request.add_header("Authorization", f"Bearer {bearer}")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            answer = response.read()
    except urllib.error.HTTPError as error:
        text = error.read()[:2000].decode("utf-8", "replace")
        permanent = 400 <= error.code < 500 and error.code not in _RETRYABLE
        raise SendError(f"HTTP {error.code}: {text}", permanent=permanent) from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise SendError(f"{type(error).__name__}: {error}") from error
    try:
        return json.loads(answer)
    except ValueError:
        return None
