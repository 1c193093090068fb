"""Errors of the API: always JSON, `{"code": …, "message": …}` (validation errors add
`errors`, one per field), with a stable `code` for programs and a `message` for people in the
language the call asks for (`Accept-Language`; French otherwise).

The service layer's errors keep their codes (`ServiceError.code`: `closed`, `reason`,
`outcome_required`…); a refusal of the permission resolver is `forbidden`; an object of
another brand is `not_found`, exactly as one that does not exist."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation.trans_real import parse_accept_lang_header
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from guichet.lib.errors import ServiceError

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


# Service refusals answered as the API's own checks answer the same thing.
_SERVICE_STATUS = {"not_found": 404, "upload_used": 422}


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
        errors = [
            {
                "field": ".".join(str(part) for part in error.get("loc", ())),
                "code": error.get("type", "invalid"),
                "message": error.get("msg", ""),
            }
            for error in exc.errors
        ]
        return error_response(
            api,
            request,
            422,
            "validation",
            _("Some fields are not valid: see “errors”."),
            errors=errors,
        )

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
        return error_response(api, request, exc.status_code, "error", str(exc))

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
    api.add_exception_handler(Exception, unexpected)
