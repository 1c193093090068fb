from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from guichet.accounts.admin.scoping import BrandScopedAdmin
from guichet.accounts.permissions import Action, brand_ids, is_unrestricted
from guichet.brands.models import Brand, Team


@admin.register(Brand)
class BrandAdmin(BrandScopedAdmin):
    """Most fields come from the policy: change them by publishing a new policy version."""

    brand_field = "pk"
    view_action = Action.MANAGE_POLICY
    change_action = Action.MANAGE_POLICY
    list_display = [
        "name",
        "slug",
        "reference_prefix",
        "timezone",
        "country",
        "policy",
        "is_active",
    ]
    readonly_fields = [
        "slug",
        "name",
        "reference_prefix",
        "languages",
        "timezone",
        "country",
        "subdivision",
        "colour",
        "policy",
        "created_at",
    ]
    fields = [*readonly_fields, "is_active"]

    def _brand_of(self, obj: Brand) -> Brand:
        return obj

    def get_queryset(self, request: HttpRequest) -> QuerySet[Brand]:
        qs = Brand.objects.all()
        return qs if is_unrestricted(request.user) else qs.filter(pk__in=brand_ids(request.user))


@admin.register(Team)
class TeamAdmin(BrandScopedAdmin):
    view_action = Action.VIEW_REPORTS
    list_display = ["key", "__str__", "brand"]
    list_filter = ["brand"]
    readonly_fields = ["brand", "key", "names"]
