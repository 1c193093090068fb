from django.contrib import admin
from django.http import HttpRequest

from guichet.accounts.permissions import is_unrestricted
from guichet.ops.models import PeriodicRun, WorkerHeartbeat


class SuperuserReadOnly(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_unrestricted(request.user)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return is_unrestricted(request.user)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(SuperuserReadOnly):
    list_display = ["hostname", "pid", "started_at", "seen_at"]


@admin.register(PeriodicRun)
class PeriodicRunAdmin(SuperuserReadOnly):
    list_display = ["name", "next_at", "last_at", "last_worker"]
