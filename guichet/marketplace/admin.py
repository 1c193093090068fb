"""Sellers in the administration (docs/marketplace.md): those whose role may manage sellers
(`manage_sellers`) add them and keep their details and the people who may sign in for
them. The status is not edited here: a restriction, reinstatement or termination goes
through the service (the desk's seller page), which records it in the history, on the
seller's open tickets and to the webhooks. The history and the strikes are shown, read
only."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from guichet.accounts.admin.scoping import BrandScopedAdmin, ScopedInline
from guichet.accounts.permissions import Action, brand_ids, can, is_unrestricted
from guichet.brands.models import Brand
from guichet.lib import clock
from guichet.marketplace.models import Seller, SellerPerson, SellerStatusChange, Strike


class PeopleFormSet(forms.BaseInlineFormSet):
    """An address answers for one seller of a brand (a reply by email is threaded to it):
    refused here with a message rather than by the database."""

    def clean(self) -> None:
        super().clean()
        brand_id = self.instance.brand_id
        seen: set[str] = set()
        for form in self.forms:
            if not form.has_changed() and form.instance.pk is None:
                continue
            if form.cleaned_data.get("DELETE"):
                continue
            email = (form.cleaned_data.get("email") or "").strip().lower()
            if not email:
                continue
            taken = (
                SellerPerson.objects.filter(brand_id=brand_id, email__iexact=email)
                .exclude(pk=form.instance.pk)
                .exists()
            )
            if email in seen or taken:
                form.add_error(
                    "email", _("This address already answers for a seller of this brand.")
                )
            seen.add(email)


class PeopleInline(ScopedInline, admin.TabularInline):
    view_action = Action.VIEW_TICKET
    change_action = Action.MANAGE_SELLERS
    model = SellerPerson
    formset = PeopleFormSet
    extra = 0
    fields = ["name", "email", "is_active", "last_signed_in_at"]
    readonly_fields = ["last_signed_in_at"]


class StatusHistoryInline(ScopedInline, admin.TabularInline):
    """Read only: written by the service."""

    model = SellerStatusChange
    extra = 0
    can_delete = False
    fields: ClassVar[Any] = ("at", "from_status", "to_status", "reason", "actor_user", "strike")
    readonly_fields = fields
    verbose_name_plural = _("status history")


class StrikeInline(ScopedInline, admin.TabularInline):
    """Read only: recorded by the watcher or an agent, withdrawn by a manager in the desk."""

    model = Strike
    extra = 0
    can_delete = False
    fields: ClassVar[Any] = (
        "at",
        "ticket",
        "reason",
        "note",
        "due_at",
        "recorded_by",
        "withdrawn_at",
        "withdrawn_by",
        "withdrawal_reason",
    )
    readonly_fields = fields


class SellerForm(forms.ModelForm):
    class Meta:
        model = Seller
        fields = ["brand", "name", "legal_name", "email", "phone", "address"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        brand = data.get("brand") or getattr(self.instance, "brand", None)
        name = (data.get("name") or "").strip()
        if brand is not None and name:
            taken = (
                Seller.objects.filter(brand=brand, name__iexact=name)
                .exclude(pk=self.instance.pk)
                .exists()
            )
            if taken:
                self.add_error("name", _("This brand already has a seller of this name."))
        return data


@admin.register(Seller)
class SellerAdmin(BrandScopedAdmin):
    view_action = Action.VIEW_TICKET
    change_action = Action.MANAGE_SELLERS
    add_action = Action.MANAGE_SELLERS
    form = SellerForm
    list_display = ["name", "email", "status", "status_changed_at", "brand"]
    list_filter = ["brand", "status"]
    search_fields = ["name", "legal_name", "email", "people__email"]
    list_select_related = ["brand"]
    inlines = [PeopleInline, StatusHistoryInline, StrikeInline]
    fields = [
        "brand",
        "name",
        "legal_name",
        "email",
        "phone",
        "address",
        "status",
        "status_changed_at",
        "created_at",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        """The status and its moment always (the desk changes them, recorded); the brand
        once the seller exists."""
        fixed = ["status", "status_changed_at", "created_at"]
        return ["brand", *fixed] if obj is not None else fixed

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        # A new seller has no history yet: only its people.
        return list(self.inlines) if obj is not None else [PeopleInline]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "brand" and field is not None:
            # A marketplace of the person's, where their role may manage sellers.
            ids = None if is_unrestricted(request.user) else brand_ids(request.user)
            brands = Brand.objects.all() if ids is None else Brand.objects.filter(pk__in=ids)
            field.queryset = Brand.objects.filter(
                pk__in=[
                    brand.pk
                    for brand in brands
                    if brand.policy_id is not None
                    and brand.get_policy().marketplace is not None
                    and can(request.user, Action.MANAGE_SELLERS, brand=brand)
                ]
            )
        return field

    def save_model(self, request: HttpRequest, obj: Seller, form: Any, change: bool) -> None:
        if not change:
            obj.created_at = clock.now()
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """The seller's people belong to its brand, from the moment they are added."""
        for instance in formset.save(commit=False):
            instance.brand_id = form.instance.brand_id
            if instance.pk is None:
                instance.created_at = clock.now()
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
