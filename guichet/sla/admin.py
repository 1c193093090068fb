from typing import Any, ClassVar

from django.contrib import admin
from django.http import HttpRequest

from guichet.accounts.permissions import Action, can
from guichet.sla.models import Deadline


class DeadlineInline(admin.TabularInline):
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

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Without an object Django asks for the inline's rows; the request's scope limits them.
        return obj is None or can(request.user, Action.VIEW_TICKET, brand=obj.brand)
