"""The satisfaction survey (CL-1): a single-use link emailed when a request is closed
(now, or once the policy's `send_after` has passed), answered without signing in, and what
a "not satisfied" answer may lead to (the next level, or reopening)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.tasks import task
from django.utils.translation import gettext as _

from guichet.brands.models import Brand
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import all_brands, brand_scope
from guichet.notify.letters import compose, portal_url
from guichet.notify.models import LetterKind
from guichet.notify.outbox import SECRET_MARK, queue_secret_email
from guichet.portal.models import SurveyAnswer, SurveyLink
from guichet.portal.services import digest, new_secret
from guichet.tickets import services as tickets
from guichet.tickets.actors import Customer
from guichet.tickets.choices import Outcome, Status, Verb
from guichet.tickets.models import Event, Ticket

SURVEY_COMMENT_MAX = 2000


def survey_wanted(ticket: Ticket, event: Event) -> bool:
    """Whether this closing calls for a survey: the policy's `[survey]` is on and names
    the ticket's contact type (or none), the customer has an address and is not blocked,
    and the request was closed with an answer — not withdrawn, merged into another or
    closed without a reply."""
    survey = ticket.brand.get_policy().survey
    return (
        survey.enabled
        and (not survey.contact_types or ticket.contact_type in survey.contact_types)
        and event.data.get("outcome") != Outcome.WITHDRAWN
        and not event.data.get("without_reply")
        and ticket.merged_into_id is None
        and bool(ticket.contact.primary_email)
        and ticket.contact.blocked_since is None
    )


def survey_invite(*, ticket: Ticket, event: Event) -> SurveyLink | None:
    """The survey of a closing (the reaction to CLOSED, inside the closing's transaction):
    emailed now, or by the periodic job once the policy's `send_after` has passed. Surveys
    of earlier closings not sent yet are cancelled."""
    if not survey_wanted(ticket, event):
        return None
    now = clock.now()
    SurveyLink.objects.filter(
        ticket=ticket, sent_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=now)
    delay = ticket.brand.get_policy().survey.send_after.as_timedelta()
    link = SurveyLink.objects.create(
        brand_id=ticket.brand_id, ticket=ticket, created_at=now, send_at=now + delay
    )
    if link.send_at <= now:
        _survey_send(link, ticket)
    return link


def _survey_send(link: SurveyLink, ticket: Ticket) -> None:
    """Make the link's secret and queue its email (the secret travels sealed in the outbox,
    the link keeps its digest). Inside a transaction and the brand's scope."""
    policy = ticket.brand.get_policy()
    secret, hashed = new_secret()
    now = clock.now()
    link.token_hash = hashed
    link.sent_at = now
    link.expires_at = now + policy.survey.expires_after.as_timedelta()
    link.save(update_fields=["token_hash", "sent_at", "expires_at"])
    language = ticket.language or policy.default_language
    subject, text = compose(
        ticket,
        LetterKind.SURVEY,
        {
            "survey_url": portal_url(ticket, "survey", language, token=SECRET_MARK),
            "expires": link.expires_at,
        },
    )
    queue_secret_email(
        ticket=ticket,
        subject=subject,
        text=text,
        secret=secret,
        rfc_message_id=tickets.new_message_id(ticket),
    )


def surveys_send_due(now: datetime | None = None) -> int:
    """Send the surveys whose `send_after` has passed (the periodic job; each once, with
    any number of workers). A ticket reopened in the meantime is not surveyed."""
    now = now or clock.now()
    with all_brands():
        due = list(
            SurveyLink.objects.filter(
                sent_at__isnull=True, cancelled_at__isnull=True, send_at__lte=now
            )
            .order_by("send_at", "pk")
            .values_list("pk", "brand_id")[:200]
        )
    sent = 0
    for pk, brand_id in due:
        with brand_scope(brand_id), transaction.atomic():
            link = (
                SurveyLink.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, sent_at__isnull=True, cancelled_at__isnull=True)
                .first()
            )
            if link is None:  # another worker has it
                continue
            ticket = Ticket.objects.select_related("brand", "contact").get(pk=link.ticket_id)
            if ticket.status != Status.CLOSED:
                link.cancelled_at = now
                link.save(update_fields=["cancelled_at"])
                continue
            _survey_send(link, ticket)
            sent += 1
    return sent


def survey_link_peek(*, brand: Brand, token: str) -> SurveyLink | None:
    """The survey link whose secret is `token`, sent by this brand and not expired —
    answered or not; None otherwise (unknown, altered, another brand's, expired)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    with brand_scope(brand):
        return (
            SurveyLink.objects.select_related("ticket", "ticket__contact", "ticket__brand")
            .filter(
                brand=brand,
                token_hash=digest(token),
                sent_at__isnull=False,
                cancelled_at__isnull=True,
                expires_at__gt=clock.now(),
            )
            .first()
        )


def survey_answer(*, brand: Brand, token: str, score: int, comment: str = "") -> SurveyAnswer:
    """Answer a survey once, without signing in: the score on the policy's scale and an
    optional comment, recorded on the ticket (SURVEY_ANSWERED). Refused (InvalidRequest)
    when the link cannot be used or the score is off the scale."""
    scale = brand.get_policy().survey.scale
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= scale:
        raise InvalidRequest(_("Choose a score from 1 to %(scale)s.") % {"scale": scale})
    comment = comment.strip()[:SURVEY_COMMENT_MAX]
    now = clock.now()
    with brand_scope(brand), transaction.atomic():
        link = survey_link_peek(brand=brand, token=token)
        if (
            link is None
            or SurveyLink.objects.filter(pk=link.pk, answered_at__isnull=True).update(
                answered_at=now
            )
            != 1
        ):
            raise InvalidRequest(_("This survey link does not work."), code="link")
        ticket = link.ticket
        answer = SurveyAnswer.objects.create(
            brand=brand,
            ticket=ticket,
            link=link,
            score=score,
            scale=scale,
            comment=comment,
            level=ticket.level,
            answered_at=now,
        )
        tickets.ticket_record(
            ticket=ticket,
            actor=Customer(ticket.contact),
            verb=Verb.SURVEY_ANSWERED,
            at=now,
            data={
                "score": score,
                "scale": scale,
                "not_satisfied": score <= brand.get_policy().survey.not_satisfied_at_most,
                "comment": comment[:1000],
                "level": ticket.level,
            },
        )
    return answer


def survey_follow_ups(link: SurveyLink) -> list[str]:
    """What a "not satisfied" answer may lead to, once: "escalate" (the policy's next
    level, where customers may ask for it) and "reopen" (a closed request). Nothing for a
    satisfied answer, an unanswered link or one already followed up."""
    if link.answered_at is None or link.followed_up_at is not None:
        return []
    answer = SurveyAnswer.objects.filter(link=link).first()
    policy = link.ticket.brand.get_policy()
    if answer is None or answer.score > policy.survey.not_satisfied_at_most:
        return []
    ticket = link.ticket
    if ticket.merged_into_id is not None:
        return []
    choices = []
    if (
        policy.escalation.customer_may_request
        and ticket.level < policy.final_level
        and ticket.has_answer
    ):
        choices.append("escalate")
    if ticket.status == Status.CLOSED:
        choices.append("reopen")
    return choices


def survey_follow_up(*, brand: Brand, token: str, choice: str, reason: str) -> Ticket:
    """After a "not satisfied" answer: ask for the next level (`ticket_escalate`, by the
    customer) or reopen the request (`ticket_reopen`, by the customer), with a
    reason, once per link. The caller checks that the browser is the one that answered."""
    reason = reason.strip()
    if not reason:
        raise InvalidRequest(_("Tell us why."), code="reason")
    with brand_scope(brand), transaction.atomic():
        link = survey_link_peek(brand=brand, token=token)
        if link is None or choice not in survey_follow_ups(link):
            raise InvalidRequest(_("This is no longer possible from this link."), code="link")
        if (
            SurveyLink.objects.filter(pk=link.pk, followed_up_at__isnull=True).update(
                followed_up_at=clock.now()
            )
            != 1
        ):
            raise InvalidRequest(_("This is no longer possible from this link."), code="link")
        ticket, contact = link.ticket, link.ticket.contact
        if choice == "escalate":
            tickets.ticket_escalate(ticket=ticket, actor=Customer(contact), reason=reason)
        else:
            tickets.ticket_reopen(ticket=ticket, actor=Customer(contact), reason=reason)
    return ticket


@task
def send_due_surveys() -> int:
    """Satisfaction surveys whose policy's `send_after` has passed (periodic)."""
    return surveys_send_due()
