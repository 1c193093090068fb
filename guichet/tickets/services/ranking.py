"""The rank of a ticket in the desk's default order (`Ticket.queue_rank`): the categories
the policy serves first (EJ: billing) ahead of the others. A derived column, like the
deadlines: kept by the services, redone for a brand when its policy is published."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Q, QuerySet, Value, When

from guichet.brands.models import Brand
from guichet.lib.scoping import brand_scope
from guichet.tickets.models import Ticket

if TYPE_CHECKING:
    # Annotations only: the schema (pydantic) loads with the first policy read, not with
    # every process that registers the services' hooks.
    from guichet.policies.schema import Policy


def queue_rank(policy: Policy, category: str) -> int:
    """The ticket's rank in the desk's default order: 0 for a category the policy serves
    first (`first_in_queue`, EJ: billing), else 1 (`Ticket.queue_rank`)."""
    rule = policy.category(category) if category else None
    return 0 if rule is not None and rule.first_in_queue else 1


def rank_update(tickets: QuerySet[Any], first: Sequence[str]) -> int:
    """Give `tickets` their rank for the categories `first` served first, in one UPDATE that
    writes only the rows whose rank changes."""
    if not first:
        return tickets.exclude(queue_rank=1).update(queue_rank=1)
    served_first = Q(category__in=list(first))
    return tickets.filter(
        (served_first & ~Q(queue_rank=0)) | (~served_first & ~Q(queue_rank=1))
    ).update(queue_rank=Case(When(served_first, then=Value(0)), default=Value(1)))


def tickets_rerank(*, brand: Brand, policy: Policy) -> int:
    """Bring the rank of every ticket of `brand` in line with `policy` (just published) —
    a derived column, like the deadlines: no event, no revision. Returns the rows changed."""
    first = [c.key for c in policy.categories if c.first_in_queue]
    with brand_scope(brand):
        return rank_update(Ticket.objects.filter(brand=brand), first)
