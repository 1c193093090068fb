"""The base of every brand-owned model's admin: isolation and permissions.

The request's brand scope already restricts the default manager; this class adds the
permission resolver (not Django's per-model permissions), limits foreign-key choices to
the person's brands, and answers 404 — not "perhaps it was deleted" — for an object of
another brand."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from guichet.accounts.models import User
from guichet.accounts.permissions import Action, brand_ids, can, is_unrestricted
from guichet.brands.models import Brand


class BrandScopedAdmin(admin.ModelAdmin):
    view_action: Action = Action.VIEW_TICKET
    change_action: Action | None = None  # None: read-only
    add_action: Action | None = None
    delete_action: Action | None = None
    brand_field = "brand"

    def _brand_of(self, obj: Any) -> Any:
        return getattr(obj, self.brand_field)

    def _can(self, request: HttpRequest, action: Action | None, obj: Any = None) -> bool:
        user = request.user
        if action is None:
            return False
        if is_unrestricted(user):
            return True
        if not user.is_active or not user.is_staff:
            return False
        if obj is not None:
            return can(user, action, brand=self._brand_of(obj))
        return any(can(user, action, brand=b) for b in Brand.objects.filter(pk__in=brand_ids(user)))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._can(request, self.view_action)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._can(request, self.view_action, obj) or self.has_change_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._can(request, self.change_action, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._can(request, self.add_action)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._can(request, self.delete_action, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        """Only the brands where the person's role allows this admin's view: elsewhere an
        object answers 404, like one that does not exist."""
        qs = super().get_queryset(request)
        if is_unrestricted(request.user):
            return qs
        allowed = [
            b.pk
            for b in Brand.objects.filter(pk__in=brand_ids(request.user))
            if can(request.user, self.view_action, brand=b)
            or (self.change_action and can(request.user, self.change_action, brand=b))
        ]
        return qs.filter(**{f"{self.brand_field}__in": allowed})

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        restrict_foreign_keys(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedInline:
    """Mixin for the inlines of a brand-owned object (list it before TabularInline or
    StackedInline): seen with `view_action` on the parent's brand, edited with
    `change_action` (None: read only) — the resolver's answer, not Django's model
    permissions."""

    view_action: Action = Action.VIEW_TICKET
    change_action: Action | None = None

    def _allowed(self, request: HttpRequest, action: Action | None, obj: Any) -> bool:
        user = request.user
        if action is None:
            return False
        if is_unrestricted(user):
            return True
        # Without an object Django asks about the inline's rows; the request's scope and the
        # parent's own check limit them.
        return obj is None or can(user, action, brand=obj.brand)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, self.view_action, obj) or self.has_change_permission(
            request, obj
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, self.change_action, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, self.change_action, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, self.change_action, obj)


def restrict_foreign_keys(db_field: Any, request: HttpRequest, kwargs: dict[str, Any]) -> None:
    """Brands and people offered in a form: only those of the person's brands."""
    if is_unrestricted(request.user):
        return
    ids = brand_ids(request.user)
    related = db_field.related_model
    if related is Brand:
        kwargs["queryset"] = Brand.objects.filter(pk__in=ids)
    elif related is User:
        kwargs["queryset"] = User.objects.filter(memberships__brand_id__in=ids).distinct()
    elif (
        isinstance(related, type)
        and issubclass(related, models.Model)
        and any(f.name == "brand" for f in related._meta.fields)
    ):
        kwargs["queryset"] = related._default_manager.filter(brand_id__in=ids)
