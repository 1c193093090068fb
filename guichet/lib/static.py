"""Static files served by the application server itself (no separate web server needed),
asynchronously under ASGI, with far-future caching for Django's hashed file names."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings

_HASHED = re.compile(r"\.[0-9a-f]{12}\.\w+$")


def _immutable(path: str, url: str) -> bool:
    return bool(_HASHED.search(url))


def static_options() -> dict[str, Any]:
    return {
        "root": settings.STATIC_ROOT,
        "prefix": settings.STATIC_URL,
        "autorefresh": settings.DEBUG,
        "immutable_file_test": _immutable,
    }
