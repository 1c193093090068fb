"""A chat's lines as each side reads them (docs/chat.md, `entry`): who wrote, the text —
a system line worded in the reader's language when it is sent, not when it happened — the
files with the link that side may open, and the moment."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from guichet.chat.models import Author, ChatEntry, ChatSession, EndReason

_FILE_SALT = "guichet.chat.file"


def system_text(code: str, data: dict[str, Any], *, staff: bool = False) -> str:
    """A system line, in the active language, worded for its reader: the customer (in the
    widget, in the transcript) or the agents (the console)."""
    if code == "opened":
        if staff:
            return _("The customer started the chat (request %(reference)s).") % {
                "reference": data.get("reference", "")
            }
        return _("Your request number is %(reference)s. An agent will be with you shortly.") % {
            "reference": data.get("reference", "")
        }
    if code == "joined":
        return _("%(name)s has joined the chat.") % {"name": data.get("name", "")}
    if code == "transferred":
        if data.get("name"):
            return _("The chat was transferred to %(name)s.") % {"name": data["name"]}
        if staff:
            return _("The chat was transferred to the queue of level %(level)s.") % {
                "level": data.get("level", "")
            }
        return _("The chat was transferred to level %(level)s: please wait.") % {
            "level": data.get("level", "")
        }
    if code == "ended":
        reason = data.get("reason", "")
        if reason == EndReason.ABUSIVE:
            return _("Ended as abusive.") if staff else _("The agent has ended this chat.")
        if reason == EndReason.IDLE:
            return _("The chat ended after a long silence.")
        if reason in (EndReason.CUSTOMER, EndReason.ABANDONED):
            return _("The customer left the chat.") if staff else _("You left the chat.")
        return _("The chat has ended.")
    return code


def author_name(entry: ChatEntry, session: ChatSession) -> str:
    if entry.author == Author.CUSTOMER:
        return session.contact.name
    if entry.author == Author.AGENT:
        agent = entry.agent
        return (agent.first_name or _("Agent")) if agent is not None else _("Agent")
    return ""


def line_text(entry: ChatEntry) -> str:
    """One line of the transcript: "Name: text", or what happened."""
    session = entry.session
    if entry.author == Author.SYSTEM:
        return system_text(entry.code, entry.data)
    text = entry.message.text if entry.message is not None else ""
    return f"{author_name(entry, session)}: {text}"


def file_token(attachment_id: int, session_id: int) -> str:
    return signing.dumps({"a": attachment_id, "s": session_id}, salt=_FILE_SALT)


def file_of(token: str) -> tuple[int, int] | None:
    """(attachment id, chat id) of a visitor's file link."""
    try:
        value = signing.loads(token, salt=_FILE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict):
        return None
    attachment, session = value.get("a"), value.get("s")
    if isinstance(attachment, int) and isinstance(session, int):
        return attachment, session
    return None


def entry_json(entry: ChatEntry, session: ChatSession, *, staff: bool) -> dict[str, Any]:
    """The `entry` message for one side (the active language words system lines)."""
    message = entry.message
    files = []
    if message is not None:
        for attachment in message.attachments.all():
            if staff:
                url = reverse("desk:attachment", args=[session.ticket.reference, attachment.pk])
            else:
                url = reverse(
                    "chat_file",
                    args=[session.brand.slug, file_token(attachment.pk, session.pk)],
                )
            files.append({"name": attachment.filename, "size": attachment.size, "url": url})
    return {
        "type": "entry",
        "chat": session.pk,
        "seq": entry.seq,
        "author": entry.author,
        "name": author_name(entry, session),
        "text": system_text(entry.code, entry.data, staff=staff)
        if entry.author == Author.SYSTEM
        else (message.text if message is not None else ""),
        "attachments": files,
        "at": entry.created_at.isoformat(),
        "client_id": entry.client_id,
    }
