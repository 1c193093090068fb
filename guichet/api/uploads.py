"""/api/v1/uploads: files for a reply, a note or a new ticket, sent before the message
that carries them (as Zendesk's uploads): `POST /uploads` (multipart/form-data, each file
in a part named `files`) checks and stores them and answers a token per file; the reply,
note or ticket names the tokens in `attachments`.

Files are checked as the portal checks customers' files (`guichet.tickets.uploads`: a short
list of types recognised by their content, the brand's size limits) and stored not yet
linked to a message (`guichet.tickets.attachments`); the ticket service that writes the
message links them, once. A token is signed: it names the file, the caller and the brand,
and expires after TOKEN_LIFETIME. Files never attached are deleted by the worker
(`guichet.api.retention`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core import signing
from django.core.exceptions import PermissionDenied, TooManyFilesSent
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Status

from guichet.accounts.permissions import Action
from guichet.api.auth import files_too_big, refuse_body_over
from guichet.api.errors import ApiError
from guichet.api.principal import Principal, principal
from guichet.api.schemas import ERRORS, Error, UploadQuery, UploadsOut
from guichet.brands.models import Brand
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.inputs import NulCharacter, nul_in_querydict
from guichet.tickets.models import Attachment
from guichet.tickets.uploads import MAX_FILES, MB, check_uploads, store_uploads

router = Router(tags=["uploads"])

TOKEN_LIFETIME = timedelta(hours=24)
_SALT = "guichet.api.upload"
# The portal's refusals, as the API answers them: too big 413, a refused type 415.
_STATUS = {
    "file_size": 413,
    "files_size": 413,
    "attachment_too_large": 413,
    "file_type": 415,
    "file_content": 415,
    "too_many": 422,
}


def upload_token(attachment: Attachment, who: Principal, expires_at: datetime) -> str:
    """A signed token naming the file, the caller and the brand, valid until `expires_at`."""
    value = {
        "a": attachment.pk,
        "u": who.user.pk,
        "b": attachment.brand_id,
        "e": int(expires_at.timestamp()),
    }
    return signing.dumps(value, salt=_SALT)


@router.post(
    "",
    response={201: UploadsOut, 413: Error, 415: Error, **ERRORS},
    summary="Upload files, to attach them to a reply, a note or a new ticket",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "files": {
                                "type": "array",
                                # An empty file is no file (and some clients send
                                # an empty part as a text field).
                                "items": {"type": "string", "format": "binary", "minLength": 1},
                                "minItems": 1,
                                "maxItems": MAX_FILES,
                            }
                        },
                        "required": ["files"],
                    }
                }
            },
        }
    },
)
def upload(request: HttpRequest, query: Query[UploadQuery]) -> Status:
    """Check and store up to five files (each part named `files`): the types and sizes a
    customer may send on the portal, by the brand's policy. Each file answers a token, for
    `attachments` of `POST /tickets`, `/tickets/{reference}/replies` or `/notes`, within
    24 hours, once."""
    who = principal(request)
    who.require_write()
    brand = who.brand_for(query.brand)
    if not (who.can(Action.REPLY, brand) or who.can(Action.NOTE, brand)):
        raise PermissionDenied(Action.NOTE.value)
    intake = brand.get_policy().intake
    # Refused before a byte of the body is read: the total, with room for the multipart.
    refuse_body_over(request, intake.message_attachments_max_mb)
    try:
        files = request.FILES.getlist("files")
    except TooManyFilesSent as error:
        raise ApiError(
            422, "too_many", _("Attach at most %(count)s files."), count=MAX_FILES
        ) from error
    except MultiPartParserError as error:
        raise ApiError(
            400, "multipart", _("The body is not a valid multipart/form-data request.")
        ) from error
    # (Text fields over Django's limits, RequestDataTooBig and TooManyFieldsSent, are 413
    # `too_large`: `errors.refusal`.) The files' names are cleaned when they are stored;
    # Django reads the text fields with the files: a NUL in one is refused (`form.<name>`).
    nul = nul_in_querydict(request.POST, "form")
    if nul is not None:
        raise NulCharacter(nul)
    if not files:
        raise ApiError(
            422,
            "files",
            _("Send the files as multipart/form-data, each in a part named “files”."),
        )
    try:
        stored = store_uploads(check_uploads(files, brand), brand)
    except InvalidRequest as refused:
        raise ApiError(
            _STATUS.get(refused.code, 422), refused.code, refused.message, **refused.params
        ) from refused
    expires_at = clock.now() + TOKEN_LIFETIME
    return Status(
        201,
        {
            "uploads": [
                {
                    "token": upload_token(attachment, who, expires_at),
                    "filename": attachment.filename,
                    "content_type": attachment.content_type,
                    "size": attachment.size,
                    "expires_at": expires_at,
                }
                for attachment in stored
            ]
        },
    )


def _unknown() -> ApiError:
    return ApiError(
        422,
        "upload",
        _("This upload token is unknown, expired or not yours: upload the file again."),
    )


def attachments_for(who: Principal, brand: Brand, tokens: Sequence[str]) -> list[Attachment]:
    """The files `tokens` stand for: each uploaded by this caller for this brand, not
    expired, not attached yet; at most MAX_FILES, together within the brand's limit for
    one message. The ticket service that writes the message links them."""
    if not tokens:
        return []
    if len(tokens) > MAX_FILES:
        raise ApiError(422, "too_many", _("Attach at most %(count)s files."), count=MAX_FILES)
    now = clock.now().timestamp()
    ids: list[int] = []
    for token in tokens:
        try:
            value: Any = signing.loads(token, salt=_SALT)
        except signing.BadSignature:
            raise _unknown() from None
        if not (
            isinstance(value, dict)
            and value.get("u") == who.user.pk
            and value.get("b") == brand.pk
            and isinstance(value.get("a"), int)
            and isinstance(value.get("e"), int)
            and value["e"] > now
        ):
            raise _unknown()
        if value["a"] not in ids:
            ids.append(value["a"])
    found = {
        attachment.pk: attachment
        for attachment in Attachment.objects.filter(pk__in=ids, brand=brand, message__isnull=True)
    }
    if len(found) != len(ids):
        raise ApiError(
            422,
            "upload_used",
            _("A file of these uploads is already attached to a message: upload it again."),
        )
    limit = brand.get_policy().intake.message_attachments_max_mb
    if sum(attachment.size for attachment in found.values()) > limit * MB:
        raise files_too_big(limit)
    return [found[pk] for pk in ids]
