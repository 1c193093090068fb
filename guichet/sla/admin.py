from typing import Any, ClassVar

from django.contrib import admin

from guichet.accounts.admin.scoping import ScopedInline
from guichet.sla.models import Deadline
from guichet.tickets.admin import MessageInline, TicketAdmin


class DeadlineInline(ScopedInline, admin.TabularInline):
    """A ticket's deadlines, read-only: the policy engine keeps them."""

    model = Deadline
    extra = 0
    can_delete = False
    fields: ClassVar[Any] = (
        "kind",
        "level",
        "target",
        "clock",
        "started_at",
        "due_at",
        "original_due_at",
        "warned_at",
        "met_at",
        "breached_at",
        "cancelled_at",
    )
    readonly_fields = fields
    ordering = ["pk"]


# A ticket's page shows its deadlines after its messages: the deadlines' app adds its inline
# to the ticket's admin, from above it (tickets know nothing of deadlines).
TicketAdmin.inlines = [*TicketAdmin.inlines]
TicketAdmin.inlines.insert(TicketAdmin.inlines.index(MessageInline) + 1, DeadlineInline)
