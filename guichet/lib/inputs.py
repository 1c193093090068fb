"""NUL characters (U+0000) in what a client sends.

PostgreSQL refuses text holding a NUL, so a NUL that reached a query or a row made a
500 there (and was stored on SQLite); no person types one and no client means one.
`NulMiddleware`, first of all, before any surface reads the request:

- refuses a request whose path, headers or cookies hold one (the session is looked up by
  its cookie), and, in the API, whose query string does: 422 (`NulCharacter`, answered by
  the project's `handler400`, `guichet.views.bad_request`: the API's JSON error naming
  the field, or a page);
- on the pages, reads the query string without its NULs: it only says what to show (a
  search, filters, a page number), and the desk's search of a NUL shows no result, as
  before.

The rest is refused where it is read: the API's bodies by every operation
(`guichet.api.values`), form fields by Django's forms (every `CharField` refuses a NUL),
and raw email is read without them by the intake, which keeps the raw bytes as they came."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import Resolver404, get_resolver, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

NUL = "\x00"


class NulCharacter(BadRequest):
    """A NUL character in `field` of the request: `path.reference`, `query.q`,
    `header.Idempotency-Key`, `cookie.sessionid`…"""

    message = _("A NUL character (U+0000) is not allowed.")

    def __init__(self, field: str) -> None:
        self.field = field
        super().__init__(f"NUL character in {field}")


def printable(name: str) -> str:
    """A name taken from the request, fit to be shown: its NULs written as `\\0`."""
    return name.replace(NUL, "\\0")


def posted_id(value: str | None) -> int:
    """A row's id sent in a form field, 0 (which no row has) if the value is not one: the
    query then finds nothing, where the text itself would fail the query (a 500)."""
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else 0


def nul_in_querydict(data: QueryDict, source: str) -> str | None:
    """The first field of `data` (a query string, a form) holding a NUL in its name or
    one of its values, as `source.name`; None if none does."""
    for name, values in data.lists():
        if NUL in name or any(isinstance(value, str) and NUL in value for value in values):
            return f"{source}.{printable(name)}"
    return None


def _in_path(request: HttpRequest) -> str:
    # Named after the URL's parameter when the path resolves (`path.reference`); the
    # language prefix of the path (/en/…) is only recognised in its language.
    language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    try:
        with translation.override(language):
            match = resolve(request.path_info)
    except Resolver404:
        return "path"
    for name, value in match.kwargs.items():
        if isinstance(value, str) and NUL in value:
            return f"path.{name}"
    return "path"


def nul_field(request: HttpRequest) -> str | None:
    """Where the request's path, headers or cookies hold a NUL; None if nowhere."""
    if NUL in request.path_info:
        return _in_path(request)
    for name, value in request.headers.items():
        if NUL in value:
            return f"header.{name}"
    # A cookie's value may be quoted, a NUL written `\000`: read as Django reads it.
    for name, value in request.COOKIES.items():
        if NUL in name or NUL in value:
            return f"cookie.{printable(name)}"
    return None


def without_nul(data: QueryDict) -> QueryDict:
    """`data` with the NULs left out of its names and values."""
    clean = QueryDict(mutable=True)
    for name, values in data.lists():
        clean.setlist(name.replace(NUL, ""), [value.replace(NUL, "") for value in values])
    clean._mutable = False
    return clean


class NulMiddleware:
    """A NUL in the path, headers or cookies, or in the API's query string: refused
    (`NulCharacter`, 422). On the pages, the query string is read without its NULs. First
    in MIDDLEWARE: the session middleware looks the session up by its cookie, and
    PostgreSQL would refuse that query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = nul_field(request)
        if field is not None:
            return self.refuse(request, NulCharacter(field))
        if NUL in unquote(request.META.get("QUERY_STRING", "")):
            found = nul_in_querydict(request.GET, "query")
            if found is not None:
                if request.path_info.startswith(reverse("api:api-root")):
                    return self.refuse(request, NulCharacter(found))
                request.GET = without_nul(request.GET)  # type: ignore[assignment]
        return self.get_response(request)

    @staticmethod
    def refuse(request: HttpRequest, refusal: NulCharacter) -> HttpResponse:
        # Answered by the project's handler400, as Django answers a BadRequest raised
        # here, without logging a traceback for every such request.
        handler: Any = get_resolver().resolve_error_handler(400)
        return handler(request, exception=refusal)
