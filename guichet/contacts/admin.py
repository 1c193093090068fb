from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from guichet.accounts.permissions import Action
from guichet.contacts.models import Contact, ContactEmail, ContactPhone
from guichet.lib.admin import BrandScopedAdmin


class EmailInline(admin.TabularInline):
    model = ContactEmail
    extra = 0
    fields = ["address", "is_primary"]


class PhoneInline(admin.TabularInline):
    model = ContactPhone
    extra = 0
    fields = ["number", "is_primary"]


@admin.register(Contact)
class ContactAdmin(BrandScopedAdmin):
    view_action = Action.VIEW_TICKET
    change_action = Action.MANAGE_PEOPLE
    list_display = ["name", "primary_email", "language", "brand", "created_at"]
    list_filter = ["brand", "language"]
    search_fields = ["name", "emails__address", "phones__number"]
    readonly_fields = ["brand", "created_at", "updated_at"]
    fields = ["brand", "name", "language", "created_at", "updated_at"]
    inlines = [EmailInline, PhoneInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Contact]:
        return super().get_queryset(request).prefetch_related("emails")

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for instance in formset.save(commit=False):
            instance.brand_id = form.instance.brand_id
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
