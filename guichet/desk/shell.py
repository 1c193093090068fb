"""What every page of the desk shares: the person's access, read once per request, and
what the header and the views' list show (the brand, who is signed in, the views with
their counts)."""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest

from guichet.accounts.access import signed_in
from guichet.accounts.models import Role
from guichet.accounts.permissions import Action, StaffAccess, staff_access
from guichet.brands.models import Brand
from guichet.chat.services import offering_chat
from guichet.desk import queries
from guichet.desk.conduct import held_count
from guichet.equality.queries import monitoring
from guichet.notify.queries import unread_count
from guichet.telephony.queries import callbacks_due, phone_brands


def desk_of(request: HttpRequest) -> StaffAccess:
    """The signed-in staff member's access (kept on the request)."""
    desk = getattr(request, "_desk", None)
    if desk is None:
        desk = staff_access(signed_in(request))
        request._desk = desk  # type: ignore[attr-defined]
    return desk


def markets(desk: StaffAccess) -> list[Brand]:
    """The person's brands that are marketplaces (their policy has `[marketplace]`)."""
    return [
        brand
        for brand in desk.brands
        if brand.policy_id is not None and brand.get_policy().marketplace is not None
    ]


def chat_brands(desk: StaffAccess) -> list[Brand]:
    """The person's brands whose policy offers live chat (a `chat` channel) with its widget
    not turned off, and where they may answer: those whose chats they take in the console
    (docs/chat.md). Kept on the access: the views' list asks on every page."""
    found: list[Brand] | None = getattr(desk, "_chat_brands", None)
    if found is not None:
        return found
    found = offering_chat([brand for brand in desk.brands if desk.can(Action.REPLY, brand)])
    desk._chat_brands = found  # type: ignore[attr-defined]
    return found


def monitored_brands(desk: StaffAccess) -> list[Brand]:
    """The person's brands whose policy monitors equality (RP-3)."""
    return [b for b in desk.brands if b.policy_id is not None and monitoring(b.get_policy())]


def equality_brands(desk: StaffAccess) -> list[Brand]:
    """The brands whose equality figures this person may see (`view_equality`)."""
    return [b for b in monitored_brands(desk) if desk.can(Action.VIEW_EQUALITY, b)]


def shell_context(desk: StaffAccess, **extra: Any) -> dict[str, Any]:
    """What desk/desk.html needs around a page: the brand shown (the page's, or the
    person's one brand), the built-in views, who is signed in and their role there,
    whether the sellers' pages and the reports are theirs to see, and their unread
    notifications."""
    brand = extra.get("desk_brand") or (desk.brands[0] if len(desk.brands) == 1 else None)
    role = desk.roles.get(brand.pk) if brand is not None else None
    return {
        "desk": desk,
        "desk_brand": brand,
        "views": queries.views_for(desk),
        # Who is signed in, as their menu says it: their role in the brand shown.
        "me_role": f"{Role(role).label} · {brand.name}" if brand and role else "",
        # The sellers' pages, for a person of a marketplace (docs/marketplace.md).
        "sellers_nav": bool(markets(desk)),
        # The bell's count (the person's unread notifications), kept live by its refresh:
        # counted once, when a page draws the bell (not for the lists' live refreshes).
        "unread": functools.cache(lambda: unread_count(desk)),
        # The reports, for who may see those of one of their brands at least.
        "reports_nav": any(desk.can(Action.VIEW_REPORTS, b) for b in desk.brands),
        # The held messages of blocked customers, for who may lift a block (None: not theirs).
        "held_nav": held_count(desk),
        # A new ticket, the calls and the callbacks (docs/telephony.md), for who may record
        # requests; the count of their callbacks due, counted when a page draws it.
        "phone_nav": bool(phone_brands(desk)),
        "callbacks_nav": functools.cache(lambda: callbacks_due(desk, desk.now)),
        # The live chat's console, for who takes the chats of a brand that offers it.
        "chat_nav": bool(chat_brands(desk)),
        # The help centre's articles, for who writes or publishes them in a brand.
        "help_nav": any(
            desk.can(Action.WRITE_ARTICLES, b) or desk.can(Action.PUBLISH_ARTICLES, b)
            for b in desk.brands
        ),
        # Equality monitoring's figures, for the managers of a brand that monitors it.
        "equality_nav": bool(equality_brands(desk)),
        **extra,
    }


def views_counted(desk: StaffAccess) -> dict[str, Any]:
    """The person's saved views and the counts of every view (for the views' list)."""
    saved = queries.saved_views_of(desk)
    return {"saved_views": saved, "counts": queries.counts(desk, saved=saved)}
