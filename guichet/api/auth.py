"""Who is calling: an API key (`Authorization: Bearer gch_…`) or a signed-in member of the
staff (the UI's own calls: Django's session cookie, with CSRF on every unsafe method).

Either way the call becomes a `Principal` (`principal.py`): a user the one permission resolver
(`guichet.accounts.permissions`) answers for, and the brands the call may see. A key's user
holds, in the key's brand only, the role the key was given (default: agent); a read-only
key (scope `read`) may only look. So no endpoint reaches what the key's brand and role —
or the person's roles — could not reach in the desk."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from guichet.accounts.access import step_needed
from guichet.accounts.permissions import (
    staff_access,
)
from guichet.api.errors import ApiError
from guichet.api.keys import authenticate
from guichet.api.principal import Principal, key_principal
from guichet.api.throttle import auth_failed
from guichet.tickets.uploads import MB


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer gch_…`. The key's brand becomes the request's only brand.

    A wrong key is counted against the client's address (`throttle.auth_failed`): past
    the limit, 429 with Retry-After instead of 401."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        key = authenticate(token)
        if key is None or key.user is None:
            wait = auth_failed(request)
            if wait is not None:
                raise ApiError(
                    429,
                    "auth_failures",
                    _(
                        "Too many calls with a wrong API key from this address: retry in "
                        "%(seconds)s seconds."
                    ),
                    headers={"Retry-After": str(wait)},
                    seconds=wait,
                )
            return None
        request.api_key = key  # type: ignore[attr-defined]
        return key_principal(key)


class StaffSessionAuth(APIKeyCookie):
    """The desk's own calls: a signed-in member of the staff (with the second factor they
    owe), CSRF-checked on unsafe methods like any form, and refused when sent from another
    site's page (an `Origin` that is not ours)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)  # checked below, only once the session is known

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if not key or user is None or not user.is_authenticated:
            return None
        if step_needed(request) is not None:
            return None
        origin = request.headers.get("Origin")
        if origin is not None and not _same_site(request, origin):
            raise ApiError(403, "csrf", _("This call comes from another site."))
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            _refuse_oversized(request, user)
            if check_csrf(request):
                raise ApiError(
                    403,
                    "csrf",
                    _("The CSRF token is missing or wrong: reload the page and retry."),
                )
        return Principal(user=user)


def body_size(request: HttpRequest) -> int:
    """The size the client announces (Content-Length), 0 if none or not a number."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def files_too_big(limit_mb: int) -> ApiError:
    return ApiError(
        413,
        "files_size",
        _("The files together are larger than %(limit)s MB."),
        limit=limit_mb,
    )


def refuse_body_over(request: HttpRequest, limit_mb: int) -> None:
    """413 before a byte of the body is read, if it announces more than files of
    `limit_mb` together, with room for the multipart around them."""
    if body_size(request) > (limit_mb + 1) * MB:
        raise files_too_big(limit_mb)


def _refuse_oversized(request: HttpRequest, user: Any) -> None:
    """A multipart body larger than any call of this person takes (the files of one
    message in the most generous of their brands) is refused before the CSRF check reads
    it: on a POST that check parses the body, files to disk, to look for a form's token.
    (A key's calls are refused by the upload itself, before it reads.) Other bodies are
    held to DATA_UPLOAD_MAX_MEMORY_SIZE by Django as they are read (413 `too_large`)."""
    if request.content_type != "multipart/form-data":
        return
    if body_size(request) <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return
    limit = max(
        (b.get_policy().intake.message_attachments_max_mb for b in staff_access(user).brands),
        default=0,
    )
    refuse_body_over(request, limit)


def _same_site(request: HttpRequest, origin: str) -> bool:
    parts = urlsplit(origin)
    scheme = "https" if request.is_secure() else "http"
    return parts.scheme == scheme and parts.netloc == request.get_host()


AUTH = [ApiKeyAuth(), StaffSessionAuth()]
