"""Views of the whole site rather than of one surface."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from guichet.api.api import api
from guichet.api.errors import error_response, refusal
from guichet.lib.inputs import NulCharacter


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's `handler400`: the answer to a request Django or a middleware refused before
    a view could read it (`BadRequest`, `SuspiciousOperation`). The API answers in its own
    JSON (`guichet.api.errors.refusal`); the pages with a page of the same status: 422 for
    a NUL character (`guichet.lib.inputs`), 413 for a body or form over Django's limits
    (`DATA_UPLOAD_MAX_MEMORY_SIZE`, `DATA_UPLOAD_MAX_NUMBER_FIELDS`…), 400 otherwise.

    It may run before the locale middleware: the language comes from the request."""
    if request.path_info.startswith(reverse("api:api-root")):
        return refusal(api, request, exception or ValueError())
    language = translation.get_language_from_request(request, check_path=True)
    with translation.override(language):
        status, title, message = _page(exception)
        html = render_to_string(
            "refused.html",
            {"language": language, "title": title, "message": message, "back": "/"},
        )
    response = HttpResponse(html, status=status)
    response["Content-Language"] = language
    return response


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on pages that name no icon of their own."""
    return HttpResponsePermanentRedirect(static("desk/favicon.svg"))


# /b/<brand>/, /s/<brand>/ and /en/…: a missing page of a brand's portal (the customers' or
# the sellers') leads back to its start.
_PORTAL = re.compile(r"^((?:/[a-z]{2})?/[bs]/[-a-z0-9]+/)")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's `handler404`: a page in the reader's language that says what happened and
    leads back (Django's own is one line of English with no way on)."""
    if request.path_info.startswith(reverse("api:api-root")):
        return error_response(api, request, 404, "not_found", _("Not found."))
    language = translation.get_language_from_request(request, check_path=True)
    portal = _PORTAL.match(request.path_info)
    with translation.override(language):
        html = render_to_string(
            "refused.html",
            {
                "language": language,
                "title": _("Page not found"),
                "message": _(
                    "There is no page at this address. It may have moved, or the link may "
                    "be incomplete."
                ),
                "back": portal.group(1) if portal else "/",
            },
        )
    response = HttpResponse(html, status=404)
    response["Content-Language"] = language
    return response


def _page(exception: Any) -> tuple[int, str, str]:
    if isinstance(exception, NulCharacter):
        return (
            422,
            _("Character not allowed"),
            _("The request holds a NUL character (U+0000) in %(field)s, which is not allowed.")
            % {"field": exception.field},
        )
    if isinstance(exception, RequestDataTooBig):
        return (
            413,
            _("Too large"),
            _("What you sent is larger than %(limit)s MB.")
            % {"limit": max(1, settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024))},
        )
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return 413, _("Too large"), _("What you sent has too many fields or files.")
    return 400, _("Bad request"), _("This request cannot be read.")
