"""The one write of equality monitoring (RP-3): a customer's answers to the equality form
of one of their requests, counted apart from it (models.py says how)."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from guichet.brands.models import Brand
from guichet.equality.models import EqualityCount, EqualityFormUse
from guichet.equality.queries import equality_offered, form_use_digest, form_used, this_month
from guichet.lib.errors import InvalidRequest
from guichet.policies.schema import EQUALITY_DECLINED
from guichet.tickets.models import Ticket


def check_answers(brand: Brand, answers: Mapping[str, str]) -> dict[str, str]:
    """Every question of the brand's policy with the option chosen: one of its options,
    or "prefer not to say" (also for a question left out). A question or an option the
    policy does not have is refused."""
    questions = brand.get_policy().reports.equality_questions
    unknown = set(answers) - {q.key for q in questions}
    if unknown:
        raise InvalidRequest(_("This form has changed: please fill it in again."))
    chosen: dict[str, str] = {}
    for question in questions:
        option = answers.get(question.key) or EQUALITY_DECLINED
        if option != EQUALITY_DECLINED and question.option(option) is None:
            raise InvalidRequest(_("This form has changed: please fill it in again."))
        chosen[question.key] = option
    return chosen


def equality_answer(*, brand: Brand, ticket: Ticket, answers: Mapping[str, str]) -> None:
    """Count a customer's answers to the equality form of `ticket`, once per ticket.

    Preconditions: inside `brand`'s scope; the caller has made sure the person is the
    ticket's customer (the portal: the browser that just sent it, or the customer signed
    in). The form must be offered for the ticket (`queries.equality_offered`), and the
    ticket must be the brand's: the answers are counted for `brand`.

    Nothing is written on the ticket — no event, no field — and nothing names it in what
    is written: one is added to the month's count of each answer, and the ticket's form
    is marked used under a digest (`EqualityFormUse`). Two submissions of one form at once
    meet on that digest's primary key: the second is refused."""
    if ticket.brand_id != brand.pk:
        raise InvalidRequest(_("This form is not available."))
    if form_used(ticket):
        raise InvalidRequest(_("Your answers for this request are already counted. Thank you."))
    if not equality_offered(brand, ticket):
        raise InvalidRequest(_("This form is not available."))
    chosen = check_answers(brand, answers)
    cell = {
        "brand": brand,
        "month": this_month(brand),
        "contact_type": ticket.contact_type,
        "category": ticket.category or "",
    }
    try:
        with transaction.atomic():
            EqualityFormUse.objects.create(brand=brand, digest=form_use_digest(ticket))
            EqualityCount.objects.bulk_create(
                [
                    EqualityCount(**cell, question=question, option=option, count=0)
                    for question, option in chosen.items()
                ],
                ignore_conflicts=True,
            )
            chosen_cells = Q()
            for question, option in chosen.items():
                chosen_cells |= Q(question=question, option=option)
            EqualityCount.objects.filter(chosen_cells, **cell).update(count=F("count") + 1)
    except IntegrityError:
        raise InvalidRequest(
            _("Your answers for this request are already counted. Thank you.")
        ) from None
