"""POST /api/v1/inbound/email: raw MIME from an MTA pipe (or any system that has the
message), stored before it is acknowledged with 202, then processed by the worker."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Status

from guichet.api.auth import ApiKeyAuth, body_size
from guichet.api.errors import ApiError
from guichet.api.keys import has_scope
from guichet.api.models import Scope
from guichet.api.schemas import ERRORS, Error, InboundAccepted
from guichet.intake.email import ingest
from guichet.intake.email.tasks import process_inbound
from guichet.intake.models import InboundSource

router = Router(tags=["inbound"])


def _too_large() -> ApiError:
    limit = settings.GUICHET_INBOUND_MAX_BYTES // (1024 * 1024)
    return ApiError(413, "too_large", _("The message is larger than %(limit)s MB."), limit=limit)


@router.post(
    "/email",
    auth=ApiKeyAuth(),
    response={202: InboundAccepted, 413: Error, **ERRORS},
    summary="Deliver a raw email (message/rfc822) for the key's brand",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def inbound_email(request: HttpRequest) -> Status:
    key = request.api_key  # type: ignore[attr-defined]
    if not has_scope(key, Scope.INBOUND):
        raise ApiError(
            403, "scope", _("This API key cannot deliver email (scope inbound or write needed).")
        )
    # Refused before it is read when it says it is too large, else once read.
    if body_size(request) > settings.GUICHET_INBOUND_MAX_BYTES:
        raise _too_large()
    raw = request.body
    if not raw.strip():
        raise ApiError(
            400, "empty_message", _("The body must be the raw message (message/rfc822).")
        )
    if len(raw) > settings.GUICHET_INBOUND_MAX_BYTES:
        raise _too_large()
    stored = ingest.store(
        raw,
        source=InboundSource.UPLOAD,
        brand=key.brand,
        envelope_from=request.headers.get("X-Envelope-From", "")[:998],
        envelope_to=[
            a.strip() for a in request.headers.get("X-Envelope-To", "").split(",") if a.strip()
        ],
    )
    if stored.created:
        inbound_id = stored.inbound.pk
        transaction.on_commit(lambda: process_inbound.enqueue(inbound_id))
    return Status(
        202,
        InboundAccepted(
            id=stored.inbound.pk, duplicate=not stored.created, state=stored.inbound.state
        ),
    )
