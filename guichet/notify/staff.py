"""Notifications to staff (deadline warnings, reassignments), in their own language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import translation

from guichet.lib import clock
from guichet.notify.models import StaffNotification
from guichet.tickets.models import Ticket


def notify_staff(
    ticket: Ticket, users: Iterable[Any], kind: str, message: Any, **params: Any
) -> int:
    """One notification per distinct person; `message` is a lazy translatable string with
    %(name)s placeholders, rendered in each person's language."""
    now = clock.now()
    sent = 0
    seen: set[int] = set()
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        with translation.override(user.language or "fr"):
            text = str(message) % params
        StaffNotification.objects.create(
            brand_id=ticket.brand_id, user=user, ticket=ticket, kind=kind, text=text, created_at=now
        )
        sent += 1
    return sent
