from typing import Any, ClassVar

from django.contrib import admin

from guichet.lib.admin import ScopedInline
from guichet.sla.models import Deadline


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
