"""Sellers in the administration (docs/marketplace.md): those whose role may manage sellers
(`manage_sellers`) add them and keep their details and the people who may sign in for
them, through the services of `marketplace.services` (a person is deactivated, never
deleted: their answers name them). The status is not edited here: a restriction,
reinstatement or termination goes through the service (the desk's seller page), which
records it in the history, on the seller's open tickets and to the webhooks. The history
and the strikes are shown, read only."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from guichet.accounts.access import signed_in
from guichet.accounts.admin.scoping import BrandScopedAdmin, ScopedInline
from guichet.accounts.permissions import Action, brand_ids, can, is_unrestricted
from guichet.brands.models import Brand
from guichet.marketplace import services
from guichet.marketplace.models import Seller, SellerPerson, SellerStatusChange, Strike
from guichet.marketplace.services import SELLER_FIELDS


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
                    "email", _("This address already belongs to someone who answers for a seller.")
                )
            seen.add(email)


class PeopleInline(ScopedInline, admin.TabularInline):
    view_action = Action.VIEW_TICKET
    change_action = Action.MANAGE_SELLERS
    model = SellerPerson
    formset = PeopleFormSet
    extra = 0
    can_delete = False  # "may sign in" unticked: deactivated, and kept
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
                self.add_error("name", _("The brand already has a seller of this name."))
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
        """Through the services, which check the role again (the form already checked
        what they refuse, to say it on the field)."""
        data, actor = form.cleaned_data, signed_in(request)
        if change:
            changed = {name: data[name] for name in SELLER_FIELDS if name in form.changed_data}
            if changed:
                services.seller_update(seller=obj, actor=actor, **changed)
            return
        created = services.seller_create(
            brand=data["brand"], actor=actor, **{name: data[name] for name in SELLER_FIELDS}
        )
        obj.pk = created.pk
        obj.__dict__.update(created.__dict__)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """The seller's people, through the services: added, renamed or readdressed (the
        links sent to an old address are void), deactivated or given their access back.
        The history and the strikes are read only: nothing to save."""
        # What the admin's history message reads (formset.save() would have set them).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is not SellerPerson:
            return
        actor, seller = signed_in(request), form.instance
        for person_form in formset.forms:
            if not person_form.has_changed():
                continue
            data, changed = person_form.cleaned_data, set(person_form.changed_data)
            if person_form.instance.pk is None:
                person = services.seller_person_add(
                    seller=seller, actor=actor, name=data["name"], email=data["email"]
                )
                formset.new_objects.append(person)
            else:
                formset.changed_objects.append((person_form.instance, sorted(changed)))
                person = SellerPerson.objects.get(pk=person_form.instance.pk)  # as it was
                if changed & {"name", "email"}:
                    person = services.seller_person_update(
                        person=person, actor=actor, name=data["name"], email=data["email"]
                    )
            if data.get("is_active", True) and not person.is_active:
                services.seller_person_add(
                    seller=seller, actor=actor, name=person.name, email=person.email
                )
            elif not data.get("is_active", True) and person.is_active:
                services.seller_person_deactivate(person=person, actor=actor)
