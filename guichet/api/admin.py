"""API keys in the admin: created with their brand and scopes; the key is shown once."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from guichet.accounts.permissions import Action
from guichet.api.keys import api_key_create, api_key_revoke
from guichet.api.models import ApiKey, Scope
from guichet.lib.admin import BrandScopedAdmin


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiKey
        fields = ["brand", "name", "scopes", "role", "rate_per_minute"]


@admin.register(ApiKey)
class ApiKeyAdmin(BrandScopedAdmin):
    view_action = Action.MANAGE_POLICY
    add_action = Action.MANAGE_POLICY
    list_display = [
        "name",
        "brand",
        "prefix",
        "scopes",
        "role",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["brand"]
    readonly_fields = [
        "brand",
        "name",
        "prefix",
        "scopes",
        "role",
        "rate_per_minute",
        "user",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = ApiKeyForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj else ApiKeyForm.Meta.fields

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        key, token = api_key_create(
            brand=form.cleaned_data["brand"],
            name=form.cleaned_data["name"],
            scopes=list(form.cleaned_data["scopes"]),
            role=form.cleaned_data["role"],
            rate_per_minute=form.cleaned_data["rate_per_minute"],
            actor=request.user,
        )
        obj.pk = key.pk
        obj.__dict__.update(key.__dict__)
        messages.warning(
            request,
            _("The key is shown this once; copy it now: %(token)s") % {"token": token},
        )

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for key in queryset:
            api_key_revoke(key=key)
        messages.success(request, _("Keys revoked."))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
