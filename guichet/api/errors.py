"""Errors of the API: always JSON, `{"code": …, "message": …}` (validation errors add
`errors`, one per field), with a stable `code` for programs and a `message` for people in the
language the call asks for (`Accept-Language`; French otherwise).

The service layer's errors keep their codes (`ServiceError.code`: `closed`, `reason`,
`outcome_required`…); a refusal of the permission resolver is `forbidden`; an object of
another brand is `not_found`, exactly as one that does not exist.

A request refused before it is understood answers the same way, whether the refusal
comes from inside an operation or from Django before it (`refusal`, which the project's
`handler400` also calls): a NUL character is a validation error of its field (422), a
body or form over Django's limits is 413 `too_large`, a body that is not JSON 400 `json`,
anything else Django cannot read 400 `bad_request`."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation.trans_real import parse_accept_lang_header
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from guichet.api.parser import NotJson
from guichet.lib.errors import ServiceError
from guichet.lib.inputs import NulCharacter
from guichet.tickets.uploads import MAX_FILES, MB

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """An error the API answers as it is: status, stable code, readable message (with its
    `params`), and `headers` to add to the answer (`Retry-After`…)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: Any,
        *,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.params = params
        self.headers = headers or {}
        super().__init__(code)


def request_language(request: HttpRequest) -> str:
    """The first language of `Accept-Language` Guichet speaks, else the default."""
    header = request.headers.get("Accept-Language", "")
    for code, _quality in parse_accept_lang_header(header):
        if code == "*":
            continue
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: Any,
    params: dict[str, Any] | None = None,
    **extra: Any,
) -> HttpResponse:
    with translation.override(request_language(request)):
        text = str(message) % params if params else str(message)
        body = {"code": code, "message": text, **extra}
        response = api.create_response(request, body, status=status)
    response["Content-Language"] = request_language(request)
    return response


def field_errors(
    request: HttpRequest, errors: list[dict[str, Any]]
) -> tuple[str, Any, dict[str, Any]]:
    """The body of a validation error: `errors` (pydantic's, or the API's own with a lazy
    message) as `{field, code, message}`, messages in the caller's language."""
    with translation.override(request_language(request)):
        return (
            "validation",
            _("Some fields are not valid: see “errors”."),
            {
                "errors": [
                    {
                        "field": ".".join(str(part) for part in error.get("loc", ())),
                        "code": error.get("type", "invalid"),
                        "message": str(error.get("msg", "")),
                    }
                    for error in errors
                ]
            },
        )


def refusal(api: NinjaAPI, request: HttpRequest, exc: Exception) -> HttpResponse:
    """The answer to a request refused as unreadable (`BadRequest`, Django's
    `SuspiciousOperation`), raised in an operation or before it (the middleware, Django
    reading the body): a NUL is 422 on its field, a body or a number of fields over
    Django's limits 413 `too_large`, too many files 422 `too_many` (as an upload of more
    than five), the rest 400 `bad_request`."""
    if isinstance(exc, NulCharacter):
        code, text, extra = field_errors(
            request, [{"loc": (exc.field,), "type": "null_character", "msg": exc.message}]
        )
        return error_response(api, request, 422, code, text, **extra)
    if isinstance(exc, RequestDataTooBig):
        return error_response(
            api,
            request,
            413,
            "too_large",
            _("The request is larger than %(limit)s MB."),
            {"limit": max(1, settings.DATA_UPLOAD_MAX_MEMORY_SIZE // MB)},
        )
    if isinstance(exc, TooManyFieldsSent):
        return error_response(api, request, 413, "too_large", _("The request has too many fields."))
    if isinstance(exc, TooManyFilesSent):  # as an upload of too many files
        return error_response(
            api,
            request,
            422,
            "too_many",
            _("Attach at most %(count)s files."),
            {"count": MAX_FILES},
        )
    return error_response(api, request, 400, "bad_request", _("This request cannot be read."))


# Service refusals answered as the API's own checks answer the same thing.
# Refusals of what a call names (resolved in `contacts.services.contact_for`,
# `tickets.queries`) with the status the API has always given them.
# A service's own refusal of the caller's role (the help centre's) is the resolver's 403.
_SERVICE_STATUS = {
    "not_found": 404,
    "upload_used": 422,
    "contact": 422,
    "team": 422,
    "forbidden": 403,
}


def install(api: NinjaAPI) -> None:
    """Register the handlers on `api`."""

    def api_error(request: HttpRequest, exc: Any) -> HttpResponse:
        response = error_response(api, request, exc.status, exc.code, exc.message, exc.params)
        for name, value in exc.headers.items():
            response[name] = value
        return response

    def service_error(request: HttpRequest, exc: Any) -> HttpResponse:
        status = _SERVICE_STATUS.get(exc.code, exc.status)
        return error_response(api, request, status, exc.code, exc.message, exc.params)

    def permission_denied(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(
            api, request, 403, "forbidden", _("Your role does not allow this action.")
        )

    def not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(api, request, 404, "not_found", _("Not found."))

    def validation_error(request: HttpRequest, exc: Any) -> HttpResponse:
        code, message, extra = field_errors(request, exc.errors)
        return error_response(api, request, 422, code, message, **extra)

    def unauthenticated(request: HttpRequest, exc: Any) -> HttpResponse:
        response = error_response(
            api,
            request,
            401,
            "unauthenticated",
            _("A valid API key (Authorization: Bearer …) or a staff session is required."),
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    def throttled(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(
            api, request, 429, "rate_limited", _("Too many requests: retry after a pause.")
        )

    def http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        # ninja answers 400 for any error of its body parser (`guichet.api.parser`),
        # keeping it as the cause: the cause says what was wrong.
        cause = exc.__cause__
        if isinstance(cause, ValidationError):
            return validation_error(request, cause)
        if isinstance(cause, BadRequest | SuspiciousOperation):
            return refusal(api, request, cause)
        if isinstance(cause, NotJson):
            return error_response(api, request, 400, "json", _("The body is not valid JSON."))
        return error_response(api, request, exc.status_code, "error", str(exc))

    def refused(request: HttpRequest, exc: Any) -> HttpResponse:
        return refusal(api, request, exc)

    def unexpected(request: HttpRequest, exc: Any) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path)
        return error_response(
            api, request, 500, "server_error", _("Something went wrong on our side.")
        )

    api.add_exception_handler(ApiError, api_error)
    api.add_exception_handler(ServiceError, service_error)
    api.add_exception_handler(PermissionDenied, permission_denied)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(ValidationError, validation_error)
    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(Throttled, throttled)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(BadRequest, refused)
    api.add_exception_handler(SuspiciousOperation, refused)
    api.add_exception_handler(Exception, unexpected)
