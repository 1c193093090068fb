"""Reads of equality monitoring (RP-3): whether a ticket's form is offered, and the
figures managers see — sums of the monthly counts, each figure protected
(`disclosure`). Call inside the brand's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Sum
from django.utils.crypto import salted_hmac

from guichet.brands.models import Brand
from guichet.equality.disclosure import Band, band
from guichet.equality.models import EqualityCount, EqualityFormUse
from guichet.lib import clock
from guichet.policies.schema import EQUALITY_DECLINED, Policy
from guichet.tickets.choices import ContactType
from guichet.tickets.models import Ticket

# The requests after which the form is offered: a complaint, a marketplace dispute.
MONITORED_TYPES = (ContactType.COMPLAINT, ContactType.DISPUTE)

_SALT = "guichet.equality.form-use"


def form_use_digest(ticket: Ticket, secret: str | None = None) -> str:
    """The HMAC that stands for "this ticket's form" (models.EqualityFormUse), under
    SECRET_KEY (or `secret`, one of its fallbacks)."""
    return salted_hmac(
        _SALT, f"{ticket.brand_id}:{ticket.pk}", secret=secret, algorithm="sha256"
    ).hexdigest()


def form_used(ticket: Ticket) -> bool:
    """Whether the ticket's form was answered (under the current key or an older one)."""
    secrets = [None, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    digests = [form_use_digest(ticket, secret) for secret in secrets]
    return EqualityFormUse.objects.filter(brand_id=ticket.brand_id, digest__in=digests).exists()


def monitoring(policy: Policy) -> bool:
    """Whether the brand asks the equality questions."""
    return policy.reports.equality_monitoring and bool(policy.reports.equality_questions)


def equality_offered(brand: Brand, ticket: Ticket) -> bool:
    """Whether the customer is offered the equality form of this ticket: it is the
    brand's, the brand's policy monitors equality, the ticket is a complaint or a dispute
    (not one merged into another), and its form has not been answered."""
    return (
        ticket.brand_id == brand.pk
        and monitoring(brand.get_policy())
        and ticket.contact_type in MONITORED_TYPES
        and ticket.merged_into_id is None
        and not form_used(ticket)
    )


def this_month(brand: Brand) -> date:
    """The first day of the current month in the brand's calendar."""
    return clock.now().astimezone(ZoneInfo(brand.timezone)).date().replace(day=1)


def add_months(month: date, n: int) -> date:
    """The first day of the month `n` months after (before, if negative) `month`."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


# --- the figures managers see --------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    band: Band | None  # None: fewer than 5


@dataclass(frozen=True)
class QuestionFigures:
    key: str
    question: str
    rows: list[Row]


@dataclass(frozen=True)
class EqualityFigures:
    """What the managers' page shows of a period: the answer sets counted, and per
    question the band of each option (`disclosure` says why no more)."""

    answer_sets: Band | None
    questions: list[QuestionFigures]

    @property
    def largest(self) -> int:
        """The top of the highest band shown (the scale of the bars)."""
        highs = [r.band.high for q in self.questions for r in q.rows if r.band is not None]
        return max([*highs, 1])


def equality_figures(
    brand: Brand,
    *,
    first: date,
    last: date,
    language: str,
) -> EqualityFigures:
    """The figures of the months `first` to `last` (first days of months, both included):
    how many answer sets were counted, and per question of the policy, in its order, how
    many chose each option — as bands (`disclosure.band`). Options the policy no longer
    has are shown under their key, after the others; "prefer not to say" is not shown."""
    policy = brand.get_policy()
    counts = EqualityCount.objects.filter(brand=brand, month__gte=first, month__lte=last)
    totals: dict[tuple[str, str], int] = {
        (row["question"], row["option"]): row["n"] or 0
        for row in counts.order_by().values("question", "option").annotate(n=Sum("count"))
    }
    questions = []
    answer_sets = 0
    for question in policy.reports.equality_questions:
        keys = [o.key for o in question.options]
        former = sorted(
            option
            for (asked, option) in totals
            if asked == question.key and option not in keys and option != EQUALITY_DECLINED
        )
        labels = {o.key: policy.text(o.label, language) for o in question.options}
        rows = [
            Row(key=key, label=labels.get(key, key), band=band(totals.get((question.key, key), 0)))
            for key in [*keys, *former]
        ]
        # Every answer set answers every question: the largest is the number of sets (a
        # question added to the policy later has fewer).
        answered = sum(n for (asked, _), n in totals.items() if asked == question.key)
        answer_sets = max(answer_sets, answered)
        questions.append(
            QuestionFigures(
                key=question.key, question=policy.text(question.question, language), rows=rows
            )
        )
    return EqualityFigures(answer_sets=band(answer_sets), questions=questions)
