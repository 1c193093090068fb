"""What the staff are told besides deadlines and sellers (`reactions.py`): a ticket given
to them, a ticket escalated to their level, an email to the customer that came back.
Registered by `reactions.register_all()`; each writes through `notify_staff`, so each is
shown in the desk's panel and emailed as its person chose (`staff.email_due`)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Membership, User
from guichet.notify.staff import notify_staff, watchers
from guichet.tickets.models import Event, Ticket


class PolicyText:
    """A text of the brand's policy (a level's name), given in the language active when
    it is written into a notification (each person's own: `staff_notifications`)."""

    def __init__(self, ticket: Ticket, value: Any) -> None:
        self.policy = ticket.brand.get_policy()
        self.value = value

    def __str__(self) -> str:
        return self.policy.text(self.value, (get_language() or "fr")[:2])


def tell_new_assignee(event: Event, ticket: Ticket) -> None:
    """The person a ticket was given to, unless they took it themselves."""
    to = event.data.get("to")
    if not to or to == event.data.get("from") or to == event.actor_user_id:
        return
    person = ticket.assignee if ticket.assignee_id == to else User.objects.filter(pk=to).first()
    notify_staff(
        ticket,
        [person],
        "assigned",
        _("%(reference)s is now yours: “%(subject)s”."),
        reference=ticket.reference,
        subject=ticket.subject,
    )


def handlers_of_level(ticket: Ticket) -> list[User]:
    """The active members whose role handles the ticket's level (the policy's
    `handled_by`), in the level's team; in the whole brand when that team has none."""
    level = ticket.brand.get_policy().level_at(ticket.level)
    found = Membership.objects.filter(
        brand_id=ticket.brand_id, is_active=True, user__is_active=True, role__in=level.handled_by
    ).select_related("user")
    if ticket.team_id:
        in_team = [m.user for m in found.filter(teams=ticket.team_id)]
        if in_team:
            return in_team
    return [m.user for m in found]


def tell_level_handlers(event: Event, ticket: Ticket) -> None:
    """A ticket escalated: those who handle its new level, not the one who escalated it."""
    level = ticket.brand.get_policy().level_at(ticket.level)
    people = [u for u in handlers_of_level(ticket) if u.pk != event.actor_user_id]
    notify_staff(
        ticket,
        people,
        "escalated",
        _("%(reference)s was escalated to level %(level)s (%(level_name)s): “%(subject)s”."),
        reference=ticket.reference,
        level=ticket.level,
        level_name=PolicyText(ticket, level.name),
        subject=ticket.subject,
    )


def tell_bounce(event: Event, ticket: Ticket) -> None:
    """An email to the customer came back: the author of that reply is told, else the
    ticket's assignee, else the team leads (somebody must find another way to reach the
    customer)."""
    message = event.message
    author = message.author_user if message is not None and message.author_user_id else None
    if author is not None:
        people = [author]
    elif ticket.assignee is not None:
        people = [ticket.assignee]
    else:
        people = watchers(ticket, {})
    notify_staff(
        ticket,
        people,
        "email_bounced",
        _("%(reference)s: the email to %(address)s came back undelivered (%(status)s)."),
        reference=ticket.reference,
        address=event.data.get("to", ""),
        status=event.data.get("status", ""),
    )
