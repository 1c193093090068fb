"""The live chat's console in the desk (`/desk/chat/`; docs/chat.md, "The console").

The conversation runs over the staff websocket (`/chat/ws/staff/`, served by uvicorn:
`guichet.chat.consumers`), which `desk/chat.js` opens; these views draw the page around it
and answer what the page loads beside it: the customer's panel (who they are, their earlier
requests, the canned replies), a canned reply filled for the chat's ticket, and the
transfer form (the colleagues available now, the policy's levels).

Every chat is reached through `access_chat`: a chat of another brand, at a level the
person's role does not reach (unless it is theirs), or on a complaint about them answers
404, exactly as one that does not exist."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.csp import CSP
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from guichet.accounts.access import staff_required
from guichet.accounts.models import Membership, Role
from guichet.accounts.permissions import Action, StaffAccess
from guichet.chat.live import staff_socket_url
from guichet.chat.models import AgentPresence, ChatSession, EndReason, PresenceStatus
from guichet.chat.services import TEXT_LIMIT, handles
from guichet.desk.canned import canned_for, fill
from guichet.desk.shell import chat_brands, desk_of, shell_context, views_counted
from guichet.desk.templatetags.desk import person
from guichet.lib.scoping import brand_scope
from guichet.tickets.queries import customer_tickets

# An agent whose console has not been heard from for this long is not offered as someone
# to transfer a chat to (the console pings every 25 seconds).
PRESENT_WITHIN = timedelta(seconds=60)
# The longest message the chat takes (the server refuses longer ones: `too_long`).
# The customer's earlier requests shown beside the chat (the newest).
EARLIER_SHOWN = 10


def _with_socket(response: HttpResponse, url: str) -> HttpResponse:
    """Let the page connect to the websocket's origin (another port in development, another
    host behind some proxies), besides its own: the policy's other directives unchanged."""
    parts = urlsplit(url)
    config = dict(settings.SECURE_CSP)
    config["connect-src"] = [CSP.SELF, f"{parts.scheme}://{parts.netloc}"]
    # What `django.views.decorators.csp.csp_override` sets, for a value known per request.
    response._csp_config = config  # type: ignore[attr-defined]
    return response


# --- who sees which chat ----------------------------------------------------------------------


def access_chat(desk: StaffAccess, pk: int) -> ChatSession:
    """The chat `pk` if the person takes chats of its brand and sees its ticket at its
    level (or the chat is theirs), else 404 — whatever the reason, as for a missing one."""
    brands = chat_brands(desk)
    with brand_scope([b.pk for b in brands]):
        chat = (
            ChatSession.objects.select_related("ticket", "contact", "brand")
            .filter(pk=pk, brand_id__in=[b.pk for b in brands])
            .first()
        )
    if chat is None:
        raise Http404
    brand = next(b for b in brands if b.pk == chat.brand_id)
    chat.brand = brand  # the person's copy, with its policy read once
    chat.ticket.brand = brand
    if not desk.can(Action.VIEW_TICKET, brand, level=chat.level):
        raise Http404
    if chat.agent_id != desk.user.pk and not handles(desk.user, brand, chat.level):
        raise Http404
    if chat.ticket.concerned_agent_id == desk.user.pk:
        raise Http404  # a complaint about this person: as if it did not exist (AB-3)
    return chat


# --- the console ------------------------------------------------------------------------------


def _strings() -> dict[str, str]:
    """What chat.js writes on the page, in the person's language (`%(name)s` is filled
    in by the script)."""
    return {
        "connecting": _("Connecting…"),
        "connected": _("Connected"),
        "reconnecting": _("Connection lost. Trying again in %(seconds)s s…"),
        "signedOut": _("This page may no longer take chats (signed out?). Reload the page."),
        "queueEmpty": _("Nobody is waiting."),
        "mineEmpty": _("You have no chat in progress."),
        "accept": _("Accept"),
        "acceptLabel": _("Accept the chat with %(name)s"),
        "waiting": _("waiting for %(time)s"),
        "level": _("Level %(level)s"),
        "visitor": _("Visitor"),
        "you": _("You"),
        "sending": _("Sending…"),
        "failed": _("Not sent"),
        "read": _("Read by the customer"),
        "typing": _("%(name)s is typing…"),
        "unread": _("Unread messages: %(count)s"),
        "ended": _("This chat has ended."),
        "endedBecause": _("This chat has ended. %(reason)s."),
        "gone": _("This chat is no longer yours (ended or transferred)."),
        "dismiss": _("Remove from my chats"),
        "notMine": _("No longer yours"),
        "newChat": _("New chat waiting: %(name)s"),
        "titleWaiting": _("(%(count)s waiting)"),
        "queued": _("Waiting for an agent"),
        "active": _("In progress"),
        "endedState": _("Ended"),
        "attachment": _("Attachment: %(name)s"),
        "transferChoose": _("Choose a colleague or a level."),
        "loadFailed": _("This could not be loaded. Try again."),
        "tooLong": _("A message holds at most %(limit)s characters."),
        **{f"reason_{key}": str(label) for key, label in EndReason.choices},
    }


@staff_required
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    """The console: the queue and the person's chats (left), the conversation chosen
    (middle), the customer (right); all of it live through chat.js."""
    desk = desk_of(request)
    brands = chat_brands(desk)
    if not brands:
        raise Http404
    presence = AgentPresence.objects.filter(user=desk.user).first()
    status = presence.status if presence is not None else PresenceStatus.AVAILABLE
    socket = staff_socket_url(request)
    config = {
        "socket": socket,
        "status": status,
        # The server's clock: the queue's waits count from it, whatever the browser's says.
        "now": desk.now.isoformat(),
        "urls": {
            "customer": _url_pattern("desk:chat_customer"),
            "transfer": _url_pattern("desk:chat_transfer"),
        },
        "strings": _strings(),
    }
    response = render(
        request,
        "desk/chat/console.html",
        shell_context(
            desk,
            **views_counted(desk),
            view="chat",
            chat_brands=brands,
            chat_ws_url=socket,
            chat_config=config,
            available=status == PresenceStatus.AVAILABLE,
            text_limit=TEXT_LIMIT,
        ),
    )
    return _with_socket(response, socket)


def _url_pattern(name: str) -> str:
    """A chat's address with `{id}` where the chat's number goes (chat.js fills it in)."""
    return reverse(name, kwargs={"pk": 0}).replace("/0/", "/{id}/", 1)


# --- beside the conversation ------------------------------------------------------------------


@staff_required
@require_GET
def customer_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The chat's customer: who they are, their earlier requests (those the person may
    see), and the brand's canned replies to pick from."""
    desk = desk_of(request)
    chat = access_chat(desk, pk)
    ticket = chat.ticket
    with brand_scope(chat.brand_id):
        earlier_all = customer_tickets(ticket).exclude(concerned_agent_id=desk.user.pk)
        earlier = list(
            earlier_all.only(
                "pk", "reference", "subject", "status", "created_at", "channel", "brand_id"
            )[:EARLIER_SHOWN]
        )
        total = earlier_all.count() if len(earlier) == EARLIER_SHOWN else len(earlier)
        canned = list(canned_for(ticket))
        email = chat.contact.primary_email
    language = get_language() or ""
    # The replies in the chat's language first, then those in the person's.
    canned.sort(key=lambda r: (r.language != chat.language, r.language != language, r.title))
    return render(
        request,
        "desk/chat/_customer.html",
        {
            "chat": chat,
            "ticket": ticket,
            "contact": chat.contact,
            "email": email,
            "earlier": earlier,
            "more": total - len(earlier),
            "canned": canned,
        },
    )


@staff_required
@require_GET
def canned_text(request: HttpRequest, pk: int, reply_id: int) -> JsonResponse:
    """A canned reply of the chat's brand, filled for the chat's ticket: `{"text": …}`."""
    desk = desk_of(request)
    chat = access_chat(desk, pk)
    with brand_scope(chat.brand_id):
        reply = canned_for(chat.ticket).filter(pk=reply_id).first()
        if reply is None:
            raise Http404
        text = fill(reply, chat.ticket, desk.user)
    return JsonResponse({"text": text.strip()})


def _colleagues(desk: StaffAccess, chat: ChatSession) -> list[Any]:
    """The brand's staff, other than the person, available in the console now and whose
    role reaches the chat's level: those a chat may be handed to."""
    present = AgentPresence.objects.filter(
        status=PresenceStatus.AVAILABLE, seen_at__gte=desk.now - PRESENT_WITHIN
    ).values("user_id")
    levels = chat.brand.get_policy().levels
    roles: set[str] = {Role.MANAGER, Role.ADMIN}
    if 1 <= chat.level <= len(levels):
        roles.update(levels[chat.level - 1].handled_by)
    with brand_scope(chat.brand_id):
        members = (
            Membership.objects.filter(
                brand_id=chat.brand_id,
                is_active=True,
                user__is_active=True,
                role__in=roles,
                user_id__in=present,
            )
            .exclude(user_id=desk.user.pk)
            .select_related("user")
        )
        users = [m.user for m in members]
    return sorted(users, key=lambda u: person(u).lower())


@staff_required
@require_GET
def transfer_form(request: HttpRequest, pk: int) -> HttpResponse:
    """Where to hand the chat: a colleague available now, or a level of the policy (its
    queue); chat.js sends the choice over the websocket."""
    desk = desk_of(request)
    chat = access_chat(desk, pk)
    policy = chat.brand.get_policy()
    language = get_language() or policy.default_language
    levels = [
        (number, policy.text(level.name, language), number == chat.level)
        for number, level in enumerate(policy.levels, start=1)
    ]
    return render(
        request,
        "desk/chat/_transfer.html",
        {"chat": chat, "colleagues": _colleagues(desk, chat), "levels": levels},
    )
