"""A file of a chat, for its visitor: the link in the widget names the file and the chat,
signed (the visitor has no account to check). Always a download, never shown inline."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET

from guichet.brands.models import Brand
from guichet.chat.entries import file_of
from guichet.lib.scoping import brand_scope
from guichet.tickets.attachments import attachment_download
from guichet.tickets.models import Attachment


@require_GET
def chat_file(request: HttpRequest, brand: str, token: str) -> HttpResponseBase:
    found = file_of(token)
    owner = Brand.objects.filter(slug=brand, is_active=True).first()
    if found is None or owner is None:
        raise Http404
    attachment_id, session_id = found
    with brand_scope(owner):
        stored = Attachment.objects.filter(
            pk=attachment_id, brand=owner, message__ticket__chats__pk=session_id
        ).first()
        if stored is None:
            raise Http404
        return attachment_download(stored)
