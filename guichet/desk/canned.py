"""Filling a canned reply for a ticket: the brand's words, the ticket's values.

The same template language and the same plain-string context as the letters
(guichet/notify/letters.py): an administrator who writes a canned reply can only place
the values offered here."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.template import TemplateSyntaxError

from guichet.desk.models import CannedReply
from guichet.notify.letters import base_context, due_of, moment, render
from guichet.tickets.models import Ticket


def canned_for(ticket: Ticket) -> QuerySet[CannedReply]:
    """The ticket's brand's active canned replies, the ticket's language first."""
    return CannedReply.objects.filter(brand_id=ticket.brand_id, is_active=True).order_by(
        "title", "language"
    )


def fill(reply: CannedReply, ticket: Ticket, agent: Any) -> str:
    policy = ticket.brand.get_policy()
    language = reply.language
    context = base_context(ticket, policy, language)
    context.update(
        agent_name=agent.get_full_name() or agent.username if agent else "",
        first_response_due=moment(due_of(ticket, "first_response"), ticket, language),
        answer_due=moment(due_of(ticket, "full_answer", "resolution"), ticket, language),
        next_due=moment(ticket.next_due_at, ticket, language),
    )
    try:
        _subject, text = render("", reply.body, context)
    except TemplateSyntaxError:
        return reply.body  # a broken template is shown as written, for the agent to fix
    return text
