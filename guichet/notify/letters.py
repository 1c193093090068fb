"""Letters to customers, in their language, from the brand's templates.

A letter is an automatic message on the ticket (so it is in the timeline) and an email in
the outbox (so the email channel delivers it). Templates use Django's template language
with a context of plain strings only — never model objects — so a brand administrator
who edits one can only place the values offered here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from babel.numbers import format_currency
from django.conf import settings
from django.template import Context, Engine, Template
from django.urls import reverse
from django.utils import formats, translation

from guichet.lib.ttlcache import TTLCache, ttl_cache
from guichet.notify.models import SELLER_LETTERS, LetterKind, LetterTemplate
from guichet.sla.models import Deadline
from guichet.tickets import services
from guichet.tickets.actors import SYSTEM
from guichet.tickets.choices import ContactType, Outcome
from guichet.tickets.models import Message, Ticket

if TYPE_CHECKING:
    # For the annotations only: the schema (pydantic, holidays) is not imported by every
    # process through NotifyConfig.ready(), only by those that read a policy.
    from guichet.policies.schema import Policy

DEFAULTS = Path(__file__).resolve().parent / "letters"
_engine = Engine(autoescape=False)


@functools.lru_cache(maxsize=64)
def default_template(kind: str, language: str) -> tuple[str, str]:
    path = DEFAULTS / f"{kind}.{language}.txt"
    if not path.exists():
        path = DEFAULTS / f"{kind}.fr.txt"
    head, _, body = path.read_text(encoding="utf-8").partition("\n\n")
    return head.removeprefix("Subject:").strip(), body


_own_templates: TTLCache[tuple[str, str] | None] = ttl_cache(30)


def template_for(ticket: Ticket, kind: str, language: str) -> tuple[str, str]:
    """The brand's wording (an edit is seen within 30 seconds by every process), or the
    default."""

    def find() -> tuple[str, str] | None:
        own = (
            LetterTemplate._base_manager.filter(
                brand_id=ticket.brand_id, kind=kind, language=language
            )
            .values_list("subject", "body")
            .first()
        )
        return (own[0], own[1]) if own else None

    return _own_templates.get((ticket.brand_id, kind, language), find) or default_template(
        kind, language
    )


@functools.lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    return _engine.from_string(source)


def render(subject: str, body: str, context: dict[str, str]) -> tuple[str, str]:
    values = Context({k: str(v) for k, v in context.items()}, autoescape=False)
    rendered_subject = " ".join(_compiled(subject).render(values).split())
    text = _compiled(body).render(values)
    # Templates are written with conditional lines; drop the blank runs they leave.
    lines = [line.rstrip() for line in text.splitlines()]
    compact: list[str] = []
    for line in lines:
        if line or (compact and compact[-1]):
            compact.append(line)
    return rendered_subject, "\n".join(compact).strip() + "\n"


def moment(value: datetime | None, ticket: Ticket, language: str) -> str:
    """A date and time as the customer reads it: the brand's time zone, their language."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(ticket.brand.timezone))
    with translation.override(language):
        return formats.date_format(local, "DATETIME_FORMAT")


@dataclass(frozen=True)
class Amount:
    """A sum of money given to a letter: written as the letter's language writes it."""

    value: Decimal
    currency: str

    def written(self, language: str) -> str:
        return format_currency(self.value, self.currency, locale=language)


def portal_url(ticket: Ticket, name: str, language: str, **kwargs: str) -> str:
    """The absolute address of a page of the brand's portal, in `language` (SITE_URL)."""
    with translation.override(language):
        path = reverse(
            f"portal:{name}", kwargs={"brand": ticket.brand.slug, **kwargs}, urlconf="guichet.links"
        )
    return settings.SITE_URL + path


def base_context(ticket: Ticket, policy: Policy, language: str) -> dict[str, str]:
    with translation.override(language):
        contact_type = str(ContactType(ticket.contact_type).label).lower()
    return {
        "reference": ticket.reference,
        "customer_name": ticket.contact.name,
        "brand_name": ticket.brand.name,
        "subject": ticket.subject,
        "contact_type": contact_type,
        "received": moment(ticket.created_at, ticket, language),
        "tracking_url": portal_url(ticket, "track", language),
    }


def seller_base_context(ticket: Ticket) -> dict[str, str]:
    """What a letter to the seller may place of the ticket: its reference, the brand and
    the seller — nothing of the customer (their name, addresses, words: only what the agent
    chose to share reaches the seller, and through the caller's `extra`)."""
    return {
        "reference": ticket.reference,
        "brand_name": ticket.brand.name,
        "seller_name": ticket.seller.name if ticket.seller else "",
    }


def letter_language(ticket: Ticket, kind: str, policy: Policy) -> str:
    """The customer's language for their letters; the brand's own for the seller's."""
    if kind in SELLER_LETTERS:
        return policy.default_language
    return ticket.language or policy.default_language


def due_of(ticket: Ticket, *kinds: str) -> datetime | None:
    """The due moment of the first of `kinds` the ticket has running (as the last refresh
    of its deadlines left them on the instance, or from the database)."""
    running = getattr(ticket, "running_deadlines", None)
    if running is not None:
        rows = {row.kind: row.due_at for row in running.values() if row.kind in kinds}
    else:
        rows = {
            row.kind: row.due_at
            for row in Deadline.objects.filter(
                ticket=ticket, kind__in=kinds, met_at__isnull=True, cancelled_at__isnull=True
            )
        }
    for kind in kinds:
        if rows.get(kind):
            return rows[kind]
    return None


def level_context(ticket: Ticket, policy: Policy, language: str) -> dict[str, str]:
    level = policy.level_at(ticket.level)
    team = ticket.team.display_name(language) if ticket.team else policy.text(level.name, language)
    return {
        "level_name": policy.text(level.name, language),
        "team_name": team,
        "level_description": policy.text(level.description, language),
        "is_final": "yes" if level.final else "",
        "next_due": moment(due_of(ticket, "level", "full_answer", "resolution"), ticket, language),
    }


def outcome_context(ticket: Ticket, policy: Policy, language: str, summary: str) -> dict[str, str]:
    level = policy.level_at(ticket.level)
    with translation.override(language):
        outcome = str(Outcome(ticket.outcome).label).lower() if ticket.outcome else ""
    next_level = ""
    if not level.final and policy.escalation.customer_may_request:
        next_level = policy.text(policy.level_at(ticket.level + 1).name, language)
    ombudsman = policy.text(policy.ombudsman.short_name, language) if policy.ombudsman else ""
    return {
        "level_name": policy.text(level.name, language),
        "outcome": outcome,
        "summary": summary,
        "is_final": "yes" if level.final else "",
        "next_level": next_level,
        "ombudsman": ombudsman,
    }


def ombudsman_context(policy: Policy, language: str) -> dict[str, str]:
    body = policy.ombudsman
    if body is None:
        return {}
    return {
        "ombudsman_name": policy.text(body.name, language),
        "ombudsman_short_name": policy.text(body.short_name, language),
        "ombudsman_website": body.website,
        "ombudsman_phone": body.phone,
        "ombudsman_email": body.email,
        "ombudsman_address": body.postal_address,
        "ombudsman_description": policy.text(body.description, language),
    }


def survey_context(policy: Policy, language: str) -> dict[str, str]:
    survey = policy.survey
    return {
        "question": policy.text(survey.question, language),
        "scale": str(survey.scale),
    }


def compose(ticket: Ticket, kind: str, extra: dict[str, Any] | None = None) -> tuple[str, str]:
    """Subject and text of a letter for this ticket, in the ticket's language (a letter to
    the seller: in the brand's default language)."""
    policy = ticket.brand.get_policy()
    language = letter_language(ticket, kind, policy)
    if kind in SELLER_LETTERS:
        context = seller_base_context(ticket)
    else:
        context = base_context(ticket, policy, language)
    if kind == LetterKind.ACKNOWLEDGEMENT:
        context.update(
            process=policy.text(policy.level_at(1).description, language),
            first_response_due=moment(due_of(ticket, "first_response"), ticket, language),
            answer_due=moment(due_of(ticket, "full_answer", "resolution"), ticket, language),
        )
    elif kind in (LetterKind.LEVEL_CHANGED, LetterKind.REASSIGNED):
        context.update(level_context(ticket, policy, language))
    elif kind == LetterKind.OUTCOME:
        context.update(outcome_context(ticket, policy, language, (extra or {}).get("summary", "")))
    elif kind == LetterKind.OMBUDSMAN:
        context.update(ombudsman_context(policy, language))
    elif kind == LetterKind.SURVEY:
        context.update(survey_context(policy, language))
    for key, value in (extra or {}).items():
        if isinstance(value, datetime):
            context[key] = moment(value, ticket, language)
        elif isinstance(value, Amount):
            context[key] = value.written(language)
        else:
            context[key] = str(value)
    subject, body = template_for(ticket, kind, language)
    return render(subject, body, context)


def send_letter(ticket: Ticket, kind: str, extra: dict[str, Any] | None = None) -> Message:
    """Write the letter on the ticket as an automatic message; the outbox reaction queues
    the email. Call inside the transaction of the change that calls for it."""
    subject, text = compose(ticket, kind, extra)
    return services.ticket_reply(
        ticket=ticket, actor=SYSTEM, subject=subject, text=text, automatic=True, letter=kind
    )
