"""People: brand administrators and managers manage their own brands' staff; only a
superuser makes superusers or sees people with no role in their brands."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

from guichet.accounts.access import StaffAdminSite
from guichet.accounts.admin.scoping import BrandScopedAdmin, restrict_foreign_keys
from guichet.accounts.models import Absence, Membership, User
from guichet.accounts.permissions import Action, brand_ids, can, forget, is_unrestricted
from guichet.brands.models import Brand, Team
from guichet.lib import clock

# The admin signs in through the staff sign-in (lockout, second factor) and opens only
# under the same rule as the desk. Swapping the default site's class is django-otp's
# documented way of doing this without re-registering every model on another site.
admin.site.__class__ = StaffAdminSite


def _managed_brand_ids(user: Any) -> list[int]:
    return [
        b.pk
        for b in Brand.objects.filter(pk__in=brand_ids(user))
        if can(user, Action.MANAGE_PEOPLE, brand=b)
    ]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["brand", "role", "teams", "is_active"]
    filter_horizontal = ["teams"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        qs = super().get_queryset(request)
        if is_unrestricted(request.user):
            return qs
        return qs.filter(brand_id__in=_managed_brand_ids(request.user))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "brand" and not is_unrestricted(request.user):
            kwargs["queryset"] = Brand.objects.filter(pk__in=_managed_brand_ids(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "teams" and not is_unrestricted(request.user):
            kwargs["queryset"] = Team.objects.filter(brand_id__in=_managed_brand_ids(request.user))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_unrestricted(request.user) or bool(_managed_brand_ids(request.user))

    has_change_permission = has_add_permission

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request, obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request, obj)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_superuser"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (
            _("Personal info"),
            {"fields": ["first_name", "last_name", "email", "language", "time_zone"]},
        ),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]

    def _managing(self, request: HttpRequest) -> bool:
        return (
            request.user.is_active
            and request.user.is_staff
            and bool(_managed_brand_ids(request.user))
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_unrestricted(request.user) or self._managing(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    has_change_permission = has_view_permission
    has_add_permission = has_view_permission

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_unrestricted(request.user)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        qs = super().get_queryset(request)
        if is_unrestricted(request.user):
            return qs
        return qs.filter(
            memberships__brand_id__in=_managed_brand_ids(request.user), is_superuser=False
        ).distinct()

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if is_unrestricted(request.user):
            return ["last_login", "date_joined"]
        return ["is_superuser", "user_permissions", "groups", "last_login", "date_joined"]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        forget(form.instance)


@admin.register(Membership)
class MembershipAdmin(BrandScopedAdmin):
    view_action = Action.MANAGE_PEOPLE
    change_action = Action.MANAGE_PEOPLE
    add_action = Action.MANAGE_PEOPLE
    delete_action = Action.MANAGE_PEOPLE
    list_display = ["user", "brand", "role", "is_active"]
    list_filter = ["brand", "role", "is_active"]
    filter_horizontal = ["teams"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        restrict_foreign_keys(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    """Absences of the staff of the person's brands (managers and administrators)."""

    list_display = ["user", "starts_at", "ends_at", "reason", "applied_at"]
    readonly_fields = ["applied_at", "created_at"]
    fields = ["user", "starts_at", "ends_at", "reason", "applied_at", "created_at"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_unrestricted(request.user) or bool(_managed_brand_ids(request.user))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Absence]:
        qs = super().get_queryset(request)
        if is_unrestricted(request.user):
            return qs
        return qs.filter(
            user__memberships__brand_id__in=_managed_brand_ids(request.user)
        ).distinct()

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user" and not is_unrestricted(request.user):
            kwargs["queryset"] = User.objects.filter(
                memberships__brand_id__in=_managed_brand_ids(request.user)
            ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Absence, form: Any, change: bool) -> None:
        if not change:
            obj.created_at = clock.now()
        super().save_model(request, obj, form, change)
